import type { SegmentRules } from './ast.js';
import type { SegmentRecord } from './repo.js';

/** The rules that select a saved segment's audience: a static segment's frozen members, else its rules. */
export function audienceRules(segment: SegmentRecord): SegmentRules {
  return segment.kind === 'static' ? { version: 1, root: { kind: 'segment', segment_id: segment.id, member: true } } : segment.rules;
}

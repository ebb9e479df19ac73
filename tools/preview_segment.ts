import { z } from 'zod';
import { DomainError, notFound } from '../src/domain/errors.js';
import { segmentRules, type SegmentRules } from '../src/domain/segments/ast.js';
import { explainRules } from '../src/domain/segments/explain.js';
import { checkRules } from '../src/domain/segments/validate.js';
import { defineTool } from '../src/server/define.js';
import { toView } from '../src/services/segments.js';
import { segmentView, userSummaryView } from '../src/views/segment.js';
import { sampleSizeInput } from './define_segment.js';

export default defineTool({
  name: 'preview_segment',
  title: 'Preview a segment',
  description: `Counts the users a saved segment (segment_id) or unsaved rules match right now, with a sample and a plain-language restatement. A static segment reports its frozen members.
Read-only: it saves nothing and does not update the stored size estimate.`,
  scope: 'read',
  input: z.strictObject({
    segment_id: z.string({ error: 'segment_id must be a segment id such as "seg_0193..."' }).regex(/^seg_[0-9a-f]{32}$/, { error: 'segment_id must look like "seg_" followed by 32 hex characters (see list_segments)' }).optional(),
    rules: segmentRules.optional().describe('Unsaved rules to preview instead of a saved segment.'),
    sample_size: sampleSizeInput,
  }),
  output: z.object({
    segment: segmentView.optional(),
    restatement: z.array(z.string()),
    size: z.number().int(),
    sample: z.array(userSummaryView),
    evaluated_at: z.string(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    if (Boolean(input.segment_id) === Boolean(input.rules)) {
      throw new DomainError('invalid_input', 'Give either segment_id or rules, not both and not neither');
    }
    const now = ctx.clock.now();
    let rules: SegmentRules;
    let segment;
    if (input.segment_id) {
      segment = await ctx.store.segments.get(ctx.workspaceId, input.segment_id);
      if (!segment) throw notFound('segment', input.segment_id, 'Call list_segments to see the segments of this workspace');
      // A static segment is its frozen membership, not its rules re-evaluated.
      rules = segment.kind === 'static' ? { version: 1, root: { kind: 'segment', segment_id: segment.id, member: true } } : segment.rules;
    } else {
      rules = input.rules as SegmentRules;
      checkRules(rules);
    }
    await ctx.progress(0, 1, 'counting');
    const size = await ctx.store.segments.count(ctx.workspaceId, rules, { now });
    const sample = await ctx.store.segments.sample(ctx.workspaceId, rules, { now, limit: input.sample_size });
    await ctx.progress(1, 1, 'done');
    return {
      ...(segment ? { segment: toView(segment) } : {}),
      restatement: explainRules(segment?.rules ?? rules),
      size,
      sample,
      evaluated_at: now.toISOString(),
    };
  },
});

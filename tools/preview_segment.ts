import { z } from 'zod';
import { notFound } from '../src/domain/errors.js';
import type { SegmentRules } from '../src/domain/segments/ast.js';
import { explainRules } from '../src/domain/segments/explain.js';
import { defineTool } from '../src/server/define.js';
import { toView } from '../src/services/segments.js';
import { segmentView, userSummaryView } from '../src/views/segment.js';
import { sampleSizeInput } from './define_segment.js';

export default defineTool({
  name: 'preview_segment',
  title: 'Preview a segment',
  description: `Counts the users a saved segment matches right now, with a sample and a plain-language restatement of its rules. A static segment reports its frozen members.
Read-only: it saves nothing and does not update the stored size estimate. To preview rules that are not saved, call define_segment (or define_segment_nl) with dry_run: true.`,
  scope: 'read',
  input: z.strictObject({
    segment_id: z
      .string({ error: (i) => (i.input === undefined ? 'segment_id is required: the id of a saved segment (see list_segments)' : 'segment_id must be a segment id such as "seg_0193..."') })
      .regex(/^seg_[0-9a-f]{32}$/, { error: 'segment_id must look like "seg_" followed by 32 hex characters (see list_segments)' }),
    sample_size: sampleSizeInput,
  }),
  output: z.object({
    segment: segmentView,
    restatement: z.array(z.string()),
    size: z.number().int(),
    sample: z.array(userSummaryView),
    evaluated_at: z.string(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    const now = ctx.clock.now();
    const segment = await ctx.store.segments.get(ctx.workspaceId, input.segment_id);
    if (!segment) throw notFound('segment', input.segment_id, 'Call list_segments to see the segments of this workspace');
    // A static segment is its frozen membership, not its rules re-evaluated.
    const rules: SegmentRules = segment.kind === 'static' ? { version: 1, root: { kind: 'segment', segment_id: segment.id, member: true } } : segment.rules;
    await ctx.progress(0, 1, 'counting');
    const size = await ctx.store.segments.count(ctx.workspaceId, rules, { now });
    const sample = await ctx.store.segments.sample(ctx.workspaceId, rules, { now, limit: input.sample_size });
    await ctx.progress(1, 1, 'done');
    return {
      segment: toView(segment),
      restatement: explainRules(segment.rules),
      size,
      sample,
      evaluated_at: now.toISOString(),
    };
  },
});

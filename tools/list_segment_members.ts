import { z } from 'zod';
import { audienceRules } from '../src/domain/segments/audience.js';
import { notFound } from '../src/domain/errors.js';
import type { SegmentRules } from '../src/domain/segments/ast.js';
import { defineTool } from '../src/server/define.js';

export default defineTool({
  name: 'list_segment_members',
  title: 'List the members of a segment',
  description: `Lists the ids of the users a saved segment matches right now (a static segment: its frozen members), in id order, a page at a time (up to 1000 ids per page; pass next_cursor back as cursor for the next page).
Read-only. For the size and a readable sample, call preview_segment; for one user's details, read user://{user_id}/360.`,
  scope: 'read',
  input: z.strictObject({
    segment_id: z
      .string({ error: (i) => (i.input === undefined ? 'segment_id is required: the id of a saved segment (see list_segments)' : 'segment_id must be a segment id') })
      .regex(/^seg_[0-9a-f]{32}$/, { error: 'segment_id must look like "seg_" followed by 32 hex characters (see list_segments)' }),
    limit: z.number({ error: 'limit must be a number' }).int({ error: 'limit must be a whole number' }).min(1, { error: 'limit must be at least 1' }).max(1000, { error: 'limit must be at most 1000' }).default(100),
    cursor: z.string({ error: 'cursor must be the next_cursor of a previous page' }).min(1).max(200, { error: 'cursor must be the next_cursor value of a previous page' }).optional(),
  }),
  output: z.object({ segment_id: z.string(), user_ids: z.array(z.string()), next_cursor: z.string().nullable(), evaluated_at: z.string() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    const segment = await ctx.store.segments.get(ctx.workspaceId, input.segment_id);
    if (!segment) throw notFound('segment', input.segment_id, 'Call list_segments to see the segments of this workspace');
    const now = ctx.clock.now();
    const rules: SegmentRules = audienceRules(segment);
    const page = await ctx.store.segments.members(ctx.workspaceId, rules, { now, limit: input.limit, ...(input.cursor ? { cursor: input.cursor } : {}) });
    return { segment_id: segment.id, user_ids: page.user_ids, next_cursor: page.next_cursor, evaluated_at: now.toISOString() };
  },
});

import { z } from 'zod';
import { defineTool } from '../src/server/define.js';
import { cursorInput, limitInput } from '../src/views/list-input.js';
import { toView } from '../src/services/segments.js';
import { segmentView } from '../src/views/segment.js';

export default defineTool({
  name: 'list_segments',
  title: 'List segments',
  description: `Lists the audience segments of this workspace, newest first, with their rules, kind (dynamic, static, predictive), the size estimated when they were last computed, and cursor pagination.
It does not recount them: call preview_segment for the current size and a sample.`,
  scope: 'read',
  input: z.strictObject({
    limit: limitInput,
    cursor: cursorInput('seg'),
  }),
  output: z.object({ segments: z.array(segmentView), next_cursor: z.string().nullable() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    const page = await ctx.store.segments.list(ctx.workspaceId, input);
    return { segments: page.items.map(toView), next_cursor: page.next_cursor };
  },
});

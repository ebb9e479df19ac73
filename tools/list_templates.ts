import { z } from 'zod';
import { templateChannelInput, templateStatusInput } from '../src/domain/templates/input.js';
import { defineTool } from '../src/server/define.js';
import { cursorInput, limitInput, nameSearchInput } from '../src/views/list-input.js';
import { templateSummaryView, toTemplateSummary } from '../src/views/template.js';

export default defineTool({
  name: 'list_templates',
  title: 'List message templates',
  description: `Lists this workspace's message templates, newest first, as short summaries (id, name, channel, subject, status, current version, the variables they read, body length, whether they have HTML), filtered by channel, status or a name search, with cursor pagination.
It does not return bodies or HTML: read template://{id} for a template's full content and version history. These are our Liquid templates; the platform's notification templates are listed by list_platform_templates.
Pass next_cursor from one page as cursor to get the next; next_cursor is null on the last page.`,
  scope: 'read',
  input: z.strictObject({
    channel: templateChannelInput.optional(),
    status: templateStatusInput.optional().describe("'active' or 'archived'; omit for both."),
    search: nameSearchInput('template', 100),
    limit: limitInput,
    cursor: cursorInput('tpl'),
  }),
  output: z.object({ templates: z.array(templateSummaryView), next_cursor: z.string().nullable() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    const page = await ctx.store.templates.list(ctx.workspaceId, input);
    return { templates: page.items.map(toTemplateSummary), next_cursor: page.next_cursor };
  },
});

import { z } from 'zod';
import { templateChannelInput, templateStatusInput } from '../src/domain/templates/input.js';
import { defineTool } from '../src/server/define.js';
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
    search: z
      .string({ error: 'search must be a string' })
      .min(1, { error: 'search must not be empty; omit it to list all' })
      .max(100, { error: 'search is longer than 100 characters' })
      .optional()
      .describe('Case-insensitive part of the template name.'),
    limit: z
      .number({ error: 'limit must be a number' })
      .int({ error: 'limit must be a whole number' })
      .min(1, { error: 'limit must be at least 1' })
      .max(100, { error: 'limit must be at most 100' })
      .default(20),
    cursor: z
      .string({ error: 'cursor must be the next_cursor string of a previous page' })
      .regex(/^tpl_[0-9a-f]{32}$/, { error: 'cursor must be the next_cursor value of a previous page' })
      .optional(),
  }),
  output: z.object({ templates: z.array(templateSummaryView), next_cursor: z.string().nullable() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(input, ctx) {
    const page = await ctx.store.templates.list(ctx.workspaceId, input);
    return { templates: page.items.map(toTemplateSummary), next_cursor: page.next_cursor };
  },
});

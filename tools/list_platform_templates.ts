import { z } from 'zod';
import { invalidInput } from '../src/domain/errors.js';
import { PLATFORM_TEMPLATE_STATUSES, PLATFORM_TEMPLATE_TYPES } from '../src/domain/platform.js';
import { defineTool } from '../src/server/define.js';
import { platformTemplateIdInput, platformTemplates } from '../src/services/platform-templates.js';
import { placeholderNames, platformTemplateSummaryView, platformTemplateView, toPlatformTemplateSummary } from '../src/views/platform-template.js';

const ACTIONS = ['list', 'get', 'render'] as const;

export default defineTool({
  name: 'list_platform_templates',
  title: "List, read or render the platform's notification templates",
  description: `Reads the templates stored in the platform's notification service (NOTIFICATION_SERVICE_URL): action 'list' (filter by type and status, offset pagination), 'get' (one template in full, by template_id) or 'render' (the service fills the template with the variables you give and returns subject, content and html_content; nothing is sent).
The platform renders only {{var_name}} placeholders (regex \\{\\{(\\w+)\\}\\}: no spaces, no filters, no Liquid tags) and leaves an unknown name as it is; 'render' lists such unfilled names. These are not our Liquid templates (list_templates, template://{id}). To create, change or delete platform templates call manage_platform_template.
Fails with a clear error when NOTIFICATION_SERVICE_URL is not configured.`,
  scope: 'read',
  input: z.strictObject({
    action: z.enum(ACTIONS, { error: `action must be one of: ${ACTIONS.join(', ')}` }).default('list'),
    template_id: platformTemplateIdInput.optional().describe("For 'get' and 'render'."),
    type: z.enum(PLATFORM_TEMPLATE_TYPES, { error: `type must be one of: ${PLATFORM_TEMPLATE_TYPES.join(', ')}` }).optional().describe("For 'list': only this channel."),
    status: z.enum(PLATFORM_TEMPLATE_STATUSES, { error: `status must be one of: ${PLATFORM_TEMPLATE_STATUSES.join(', ')}` }).optional().describe("For 'list': only this status."),
    limit: z
      .number({ error: 'limit must be a number' })
      .int({ error: 'limit must be a whole number' })
      .min(1, { error: 'limit must be at least 1' })
      .max(100, { error: 'limit must be at most 100' })
      .optional()
      .describe("For 'list': page size, default 20."),
    offset: z
      .number({ error: 'offset must be a number' })
      .int({ error: 'offset must be a whole number' })
      .min(0, { error: 'offset must be 0 or more' })
      .max(1_000_000, { error: 'offset must be at most 1,000,000' })
      .optional()
      .describe("For 'list': templates to skip; pass next_offset from the previous page."),
    variables: z
      .record(z.string().regex(/^\w{1,100}$/), z.union([z.string().max(10_000), z.number(), z.boolean()]), {
        error: 'variables must map placeholder names (letters, digits, _) to strings, numbers or booleans, e.g. {"first_name": "Ada"}',
      })
      .optional()
      .describe("For 'render': the values of the {{name}} placeholders."),
  }),
  output: z.object({
    action: z.enum(ACTIONS),
    templates: z.array(platformTemplateSummaryView).optional(),
    next_offset: z.number().int().nullable().optional().describe("For 'list': the offset of the next page, null on the last page."),
    template: platformTemplateView.optional(),
    rendered: z
      .object({
        template_id: z.string(),
        subject: z.string().nullable(),
        content: z.string(),
        html_content: z.string().nullable(),
        unfilled: z.array(z.string()).describe('Placeholders left as they are: no value was given for them.'),
      })
      .optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async handler(input, ctx) {
    const { action } = input;
    if (action === 'list') {
      if (input.template_id !== undefined) throw invalidInput("template_id is for action 'get' or 'render'", "Remove template_id to list, or set action to 'get'");
      if (input.variables !== undefined) throw invalidInput("variables are for action 'render'", "Remove variables, or set action to 'render' with a template_id");
      const limit = input.limit ?? 20;
      const offset = input.offset ?? 0;
      const rows = await platformTemplates(ctx).list({ ...(input.type ? { type: input.type } : {}), ...(input.status ? { status: input.status } : {}), limit, offset });
      return { action, templates: rows.map(toPlatformTemplateSummary), next_offset: rows.length === limit ? offset + limit : null };
    }
    if (input.template_id === undefined) throw invalidInput(`action '${action}' needs template_id`, 'Call list_platform_templates with action "list" to find one');
    for (const field of ['type', 'status', 'limit', 'offset'] as const) {
      if (input[field] !== undefined) throw invalidInput(`${field} is only for action 'list'`, `Remove ${field}`);
    }
    if (action === 'get') {
      if (input.variables !== undefined) throw invalidInput("variables are for action 'render'", "Remove variables, or set action to 'render'");
      return { action, template: await platformTemplates(ctx).get(input.template_id) };
    }
    const variables = input.variables ?? {};
    const r = await platformTemplates(ctx).render(input.template_id, variables);
    return { action, rendered: { ...r, unfilled: placeholderNames(r.subject, r.content, r.html_content) } };
  },
});

import { z } from 'zod';
import { invalidInput } from '../src/domain/errors.js';
import { PLATFORM_TEMPLATE_STATUSES, PLATFORM_TEMPLATE_TYPES, type PlatformTemplateUpdate } from '../src/domain/platform.js';
import { defineTool } from '../src/server/define.js';
import { platformTemplateIdInput, platformTemplates } from '../src/services/platform-templates.js';
import { placeholderNames, platformTemplateView, unrenderedSyntax } from '../src/views/platform-template.js';

const ACTIONS = ['create', 'update', 'delete'] as const;
const CONTENT_MAX = 100_000;

const text = (field: string, max: number) =>
  z.string({ error: `${field} must be a string` }).max(max, { error: `${field} is longer than ${max.toLocaleString('en')} characters; shorten it` });

export default defineTool({
  name: 'manage_platform_template',
  title: "Create, update or delete a platform notification template",
  description: `Changes the templates stored in the platform's notification service (NOTIFICATION_SERVICE_URL): action 'create' (name, type, content, optional description, subject, html_content, variables, metadata), 'update' (template_id plus the fields to change; the service keeps its version number) or 'delete' (template_id; permanent).
The platform renders only {{var_name}} placeholders (regex \\{\\{(\\w+)\\}\\}: no spaces, no filters, no Liquid tags): write {{first_name}}, not {{ first_name }} or {{ first_name | default: "x" }}. When variables is omitted it is taken from the placeholders in subject, content and html_content; warnings list Liquid-looking text the platform will leave as it is.
It sends nothing. These are not our Liquid templates (create_template / update_template). Read them with list_platform_templates. Fails with a clear error when NOTIFICATION_SERVICE_URL is not configured.`,
  scope: 'write',
  input: z.strictObject({
    action: z.enum(ACTIONS, { error: `action must be one of: ${ACTIONS.join(', ')}` }),
    template_id: platformTemplateIdInput.optional().describe("For 'update' and 'delete'."),
    name: z
      .string({ error: 'name must be a string' })
      .trim()
      .min(1, { error: 'name must not be empty' })
      .max(200, { error: 'name is longer than 200 characters; shorten it' })
      .optional()
      .describe("Required for 'create'."),
    description: text('description', 2000).optional(),
    type: z
      .enum(PLATFORM_TEMPLATE_TYPES, { error: `type must be one of: ${PLATFORM_TEMPLATE_TYPES.join(', ')}` })
      .optional()
      .describe("The channel; required for 'create', fixed afterwards."),
    subject: text('subject', 250).optional(),
    content: text('content', CONTENT_MAX).min(1, { error: 'content must not be empty' }).optional().describe("The text, with {{name}} placeholders; required for 'create'."),
    html_content: text('html_content', CONTENT_MAX).optional(),
    variables: z
      .array(z.string().regex(/^\w{1,100}$/, { error: 'variables[] must be placeholder names (letters, digits, _)' }), {
        error: 'variables must be a list of placeholder names, e.g. ["first_name"]',
      })
      .max(100, { error: 'variables may list at most 100 names' })
      .optional()
      .describe('The placeholder names the template uses; taken from the text when omitted.'),
    status: z
      .enum(PLATFORM_TEMPLATE_STATUSES, { error: `status must be one of: ${PLATFORM_TEMPLATE_STATUSES.join(', ')}` })
      .optional()
      .describe("For 'update' (created templates are active)."),
    metadata: z.record(z.string(), z.unknown(), { error: 'metadata must be an object' }).optional(),
  }),
  output: z.object({
    action: z.enum(ACTIONS),
    template_id: z.string(),
    template: platformTemplateView.optional().describe("The template after 'create' or 'update'."),
    deleted: z.boolean().optional(),
    warnings: z.array(z.string()),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  auditTarget: (input, output) => ({ type: 'platform_template', ...((output?.template_id ?? input.template_id) ? { id: output?.template_id ?? input.template_id } : {}) }),
  async handler(input, ctx) {
    const { action } = input;
    const given = (['name', 'description', 'type', 'subject', 'content', 'html_content', 'variables', 'status', 'metadata'] as const).filter((f) => input[f] !== undefined);

    if (action === 'create') {
      if (input.template_id !== undefined) throw invalidInput("template_id is not for action 'create' (the service assigns the id)", "Remove template_id, or set action to 'update'");
      if (!input.name || !input.type || input.content === undefined) {
        const missing = (['name', 'type', 'content'] as const).filter((f) => input[f] === undefined);
        throw invalidInput(`action 'create' needs ${missing.join(', ')}`, 'e.g. {"action": "create", "name": "Welcome", "type": "email", "subject": "Hi {{first_name}}", "content": "Welcome, {{first_name}}!"}');
      }
      if (input.status !== undefined) throw invalidInput("status is for action 'update': the service creates templates as active", 'Remove status');
      const texts = [input.subject, input.content, input.html_content];
      const template = await platformTemplates(ctx).create({
        name: input.name,
        ...(input.description !== undefined ? { description: input.description } : {}),
        type: input.type,
        ...(input.subject !== undefined ? { subject: input.subject } : {}),
        content: input.content,
        ...(input.html_content !== undefined ? { html_content: input.html_content } : {}),
        variables: input.variables ?? placeholderNames(...texts),
        metadata: input.metadata ?? {},
      });
      return { action, template_id: template.template_id, template, warnings: warningsFor(texts, input.variables) };
    }

    if (input.template_id === undefined) throw invalidInput(`action '${action}' needs template_id`, 'Call list_platform_templates to find it');
    const client = platformTemplates(ctx);

    if (action === 'delete') {
      if (given.length) throw invalidInput(`action 'delete' takes only template_id (remove ${given.join(', ')})`, 'Remove the other fields');
      await client.delete(input.template_id);
      return { action, template_id: input.template_id, deleted: true, warnings: [] };
    }

    if (input.type !== undefined) throw invalidInput("type cannot change: the service keeps a template's type", 'Create a new template for another channel');
    if (given.length === 0) throw invalidInput("action 'update' needs at least one field to change", 'Give name, description, subject, content, html_content, variables, status or metadata');
    const patch: PlatformTemplateUpdate = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      ...(input.content !== undefined ? { content: input.content } : {}),
      ...(input.html_content !== undefined ? { html_content: input.html_content } : {}),
      ...(input.variables !== undefined ? { variables: input.variables } : {}),
      ...(input.status !== undefined ? { status: input.status } : {}),
      ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    };
    let texts: Array<string | null | undefined> = [input.subject, input.content, input.html_content];
    const textChanged = texts.some((t) => t !== undefined);
    if (textChanged && input.variables === undefined) {
      // Keep the declared variables in step with the text: the text after the update decides.
      const current = await client.get(input.template_id);
      texts = [input.subject ?? current.subject, input.content ?? current.content, input.html_content ?? current.html_content];
      patch.variables = placeholderNames(...texts);
    }
    const template = await client.update(input.template_id, patch);
    return { action, template_id: template.template_id, template, warnings: textChanged ? warningsFor(texts, input.variables) : [] };
  },
});

/** What the service will not render as the caller probably expects. */
function warningsFor(texts: Array<string | null | undefined>, declared: string[] | undefined): string[] {
  const out: string[] = [];
  const liquid = unrenderedSyntax(...texts);
  if (liquid.length) {
    out.push(`The platform fills only {{name}} placeholders and will leave these as they are: ${liquid.join(', ')}. Write {{first_name}} (no spaces, filters or tags)`);
  }
  if (declared) {
    const used = placeholderNames(...texts);
    const undeclared = used.filter((v) => !declared.includes(v));
    const unused = declared.filter((v) => !used.includes(v));
    if (undeclared.length) out.push(`The text uses placeholders not listed in variables: ${undeclared.join(', ')}`);
    if (unused.length) out.push(`variables lists names the text does not use: ${unused.join(', ')}`);
  }
  return out;
}

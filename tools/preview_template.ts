import { z } from 'zod';
import { DomainError, notFound } from '../src/domain/errors.js';
import { defineTool } from '../src/server/define.js';
import { personalize } from '../src/services/personalize.js';

export default defineTool({
  name: 'preview_template',
  title: 'Preview a saved template for some people',
  description: `Renders a saved template (create_template) for up to 10 people, exactly as personalize_message mode "render" would, and reports per person either the subject, text and HTML or why it cannot be rendered for them (e.g. a printed variable they have no value for: give it a default). Sends nothing and changes nothing.`,
  scope: 'read',
  input: z.strictObject({
    template_id: z
      .string({ error: 'template_id must be a string id' })
      .regex(/^[A-Za-z0-9_.:@-]{1,120}$/, { error: 'template_id must be an id such as "tpl_01939c..."' }),
    user_ids: z
      .array(z.string().regex(/^[A-Za-z0-9_.:@-]{1,120}$/, { error: 'user_ids[] must be user ids' }), { error: 'user_ids must be a list of user ids' })
      .min(1, { error: 'user_ids must name at least one person' })
      .max(10, { error: 'user_ids has more than 10 entries' }),
  }),
  output: z.object({
    template_id: z.string(),
    version: z.number(),
    previews: z.array(
      z.object({
        user_id: z.string(),
        ok: z.boolean(),
        subject: z.string().nullable().optional(),
        text: z.string().optional(),
        html: z.string().nullable().optional(),
        variables_used: z.array(z.string()).optional(),
        problem: z.string().optional(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  auditTarget: (input) => ({ type: 'template', id: input.template_id }),
  async handler(input, ctx) {
    const template = await ctx.store.templates.get(ctx.workspaceId, input.template_id);
    if (!template) throw notFound('template', input.template_id, 'Call list_templates to see the templates of this workspace');
    const previews = [];
    for (const userId of input.user_ids) {
      try {
        const r = await personalize(ctx, { userId, source: { kind: 'template', templateId: template.id }, mode: 'render', brief: { allowedFacts: [] }, alternates: [], useCache: false });
        previews.push({ user_id: userId, ok: true, subject: r.subject, text: r.text, html: r.html, variables_used: r.variables_used });
      } catch (err) {
        // One person the template cannot serve (unknown id, a value they lack) is a finding, not a failure of the call.
        if (!(err instanceof DomainError)) throw err;
        previews.push({ user_id: userId, ok: false, problem: err.toUserText() });
      }
    }
    return { template_id: template.id, version: template.version, previews };
  },
});

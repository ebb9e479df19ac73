import { z } from 'zod';
import {
  templateBodyInput,
  templateChannelInput,
  templateDescriptionInput,
  templateHtmlInput,
  templateNameInput,
  templateSubjectInput,
  templateVarsInput,
} from '../src/domain/templates/input.js';
import { knownVariablesText } from '../src/domain/templates/model.js';
import { defineTool } from '../src/server/define.js';
import { templateView } from '../src/views/template.js';

export default defineTool({
  name: 'create_template',
  title: 'Create a message template',
  description: `Saves a reusable message template for one channel (email, push, sms, in_app, webhook) as version 1: a subject (email subject, push or in-app title), a body and, for email, in_app or webhook, optional HTML, written in Liquid ({{ first_name }}, {{ offer | default: "10% off" }}, {% if scores.churn_risk > 0.5 %}...{% endif %}).
Before saving it checks the syntax (errors give line and column) and that every variable is provided: ${knownVariablesText()}, or the template's own template_vars (name -> default value), or a | default: in the template. Email needs a subject; sms takes no subject and at most 1600 characters; push at most 1024; sms and push take no html.
It sends nothing and attaches the template to no campaign. Returns the template (id, version 1, the variables it reads). To change it later call update_template; read template://{id} for its version history.`,
  scope: 'write',
  input: z.strictObject({
    name: templateNameInput.describe('Unique in this workspace, e.g. "Welcome email".'),
    description: templateDescriptionInput.default('').describe('What the template is for; free text.'),
    channel: templateChannelInput.describe('The channel the template is written for.'),
    subject: templateSubjectInput.optional().describe('Email subject, or push / in-app title. Required for email, not allowed for sms.'),
    body: templateBodyInput.describe('The message text, in Liquid.'),
    html: templateHtmlInput.optional().describe('HTML version (email, in_app, webhook); printed values are HTML-escaped.'),
    template_vars: templateVarsInput.default({}).describe('Defaults for the template\'s own variables, e.g. {"offer": "20% off"}.'),
  }),
  output: z.object({ template: templateView }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  auditTarget: (_input, output) => ({ type: 'template', ...(output ? { id: output.template.id } : {}) }),
  async handler(input, ctx) {
    const template = await ctx.store.templates.create(
      ctx.workspaceId,
      {
        name: input.name,
        description: input.description,
        channel: input.channel,
        ...(input.subject !== undefined ? { subject: input.subject } : {}),
        body: input.body,
        ...(input.html !== undefined ? { html: input.html } : {}),
        template_vars: input.template_vars,
      },
      ctx.principal.actor,
    );
    return { template };
  },
});

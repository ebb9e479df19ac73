import { z } from 'zod';
import {
  expectedVersionInput,
  templateBodyInput,
  templateDescriptionInput,
  templateHtmlInput,
  templateIdInput,
  templateNameInput,
  templateStatusInput,
  templateSubjectInput,
  templateVarsInput,
} from '../src/domain/templates/input.js';
import { invalidInput } from '../src/domain/errors.js';
import type { TemplatePatch } from '../src/domain/templates/model.js';
import { defineTool } from '../src/server/define.js';
import { templateView } from '../src/views/template.js';

export default defineTool({
  name: 'update_template',
  title: 'Update a message template',
  description: `Changes some fields of a template (name, description, subject, body, html, template_vars, status) and saves the result as its next version; fields you leave out keep their value, "" removes the subject or the HTML, and template_vars replaces the whole map. The channel cannot change.
The result is checked like create_template's (Liquid syntax with line and column, every variable provided or defaulted, channel limits); when a check fails nothing changes. Give expected_version (the version you read) to be sure nobody changed the template meanwhile: a different current version is refused as a conflict.
status 'archived' retires the template for good: archived templates cannot be changed. Earlier versions stay readable in template://{id}. Returns the template with its new version. It sends nothing.`,
  scope: 'write',
  input: z.strictObject({
    template_id: templateIdInput,
    expected_version: expectedVersionInput.optional().describe('The version you last read; the update is refused if the template is no longer at it.'),
    name: templateNameInput.optional(),
    description: templateDescriptionInput.optional(),
    subject: templateSubjectInput.optional().describe('New subject or title; "" removes it.'),
    body: templateBodyInput.optional(),
    html: templateHtmlInput.optional().describe('New HTML; "" removes it.'),
    template_vars: templateVarsInput.optional().describe('Replaces all template_vars.'),
    status: templateStatusInput.optional().describe("'archived' retires the template (final)."),
  }),
  output: z.object({ template: templateView, previous_version: z.number().int() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  auditTarget: (input) => ({ type: 'template', id: input.template_id }),
  async handler(input, ctx) {
    const { template_id, expected_version, name, description, subject, body, html, template_vars, status } = input;
    const patch: TemplatePatch = {
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(subject !== undefined ? { subject: subject === '' ? null : subject } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(html !== undefined ? { html: html === '' ? null : html } : {}),
      ...(template_vars !== undefined ? { template_vars } : {}),
      ...(status !== undefined ? { status } : {}),
    };
    if (Object.keys(patch).length === 0) {
      throw invalidInput('update_template needs at least one field to change', 'Give name, description, subject, body, html, template_vars or status');
    }
    const template = await ctx.store.templates.update(ctx.workspaceId, template_id, patch, ctx.principal.actor, expected_version);
    return { template, previous_version: template.version - 1 };
  },
});

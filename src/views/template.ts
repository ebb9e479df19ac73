/** Message templates as tools and resources show them (declared once so outputSchemas agree). */
import { z } from 'zod';
import { TEMPLATE_CHANNELS, TEMPLATE_STATUSES, type Template } from '../domain/templates/model.js';

export const templateView = z.object({
  id: z.string(),
  workspace_id: z.string(),
  name: z.string(),
  description: z.string(),
  channel: z.enum(TEMPLATE_CHANNELS),
  subject: z.string().optional(),
  body: z.string(),
  html: z.string().optional(),
  template_vars: z.record(z.string(), z.string()),
  status: z.enum(TEMPLATE_STATUSES),
  version: z.number().int().describe('1 when created; every save adds one. Pass it as expected_version to update_template.'),
  variables: z.array(z.string()).describe('Root names of the variables the subject, body and HTML read.'),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** A short summary for lists (no body or HTML). */
export const templateSummaryView = templateView
  .pick({ id: true, name: true, description: true, channel: true, subject: true, status: true, version: true, variables: true, updated_at: true })
  .extend({ body_chars: z.number().int(), has_html: z.boolean() });

export function toTemplateSummary(t: Template): z.output<typeof templateSummaryView> {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    channel: t.channel,
    ...(t.subject !== undefined ? { subject: t.subject } : {}),
    status: t.status,
    version: t.version,
    variables: t.variables,
    updated_at: t.updated_at,
    body_chars: t.body.length,
    has_html: t.html !== undefined,
  };
}

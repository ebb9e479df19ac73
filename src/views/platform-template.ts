/**
 * The notification service's templates as tools show them, and the checks that tell a caller
 * what the service will not render: it fills only `{{name}}` (regex `\{\{(\w+)\}\}`), not Liquid.
 */
import { z } from 'zod';
import { PLATFORM_TEMPLATE_STATUSES, PLATFORM_TEMPLATE_TYPES, type PlatformTemplate } from '../domain/platform.js';

export const platformTemplateView = z.object({
  template_id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  type: z.enum(PLATFORM_TEMPLATE_TYPES),
  subject: z.string().nullable(),
  content: z.string(),
  html_content: z.string().nullable(),
  variables: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  status: z.enum(PLATFORM_TEMPLATE_STATUSES),
  version: z.number().int(),
  created_by: z.string().nullable(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
});

export const platformTemplateSummaryView = platformTemplateView
  .pick({ template_id: true, name: true, type: true, status: true, version: true, subject: true, variables: true, updated_at: true })
  .extend({ content_chars: z.number().int(), has_html: z.boolean() });

export function toPlatformTemplateSummary(t: PlatformTemplate): z.output<typeof platformTemplateSummaryView> {
  return {
    template_id: t.template_id,
    name: t.name,
    type: t.type,
    status: t.status,
    version: t.version,
    subject: t.subject,
    variables: t.variables,
    updated_at: t.updated_at,
    content_chars: t.content.length,
    has_html: t.html_content !== null,
  };
}

/** The service's placeholder syntax, exactly. */
const PLACEHOLDER = /\{\{(\w+)\}\}/g;
/** Anything that looks like a Liquid output or tag. */
const LIQUID_LIKE = /\{\{[^}]*\}\}|\{%[^%]*%\}/g;

/** The names the service will fill, in order of first use. */
export function placeholderNames(...texts: Array<string | null | undefined>): string[] {
  const names = new Set<string>();
  for (const text of texts) for (const m of (text ?? '').matchAll(PLACEHOLDER)) names.add(m[1]!);
  return [...names];
}

/** Liquid-looking pieces the service will leave as they are (`{{ name }}` with spaces, filters, `{% tags %}`). */
export function unrenderedSyntax(...texts: Array<string | null | undefined>): string[] {
  const found = new Set<string>();
  for (const text of texts) {
    for (const m of (text ?? '').matchAll(LIQUID_LIKE)) {
      if (!/^\{\{\w+\}\}$/.test(m[0])) found.add(m[0].length > 60 ? `${m[0].slice(0, 57)}...` : m[0]);
    }
  }
  return [...found];
}

/**
 * The notification_service's template routes (contracts section 1, "Templates"):
 * `POST/GET /api/v1/notifications/templates`, `GET/PUT/DELETE .../templates/{id}` and
 * `POST .../templates/{id}/render`. Responses are parsed with zod; a 404 becomes a `not_found`
 * DomainError naming the template, anything else a PlatformError (client.ts).
 *
 * The service renders only `{{name}}` placeholders (regex `\{\{(\w+)\}\}`), not Liquid, and it
 * leaves an unknown name as it is. Its PUT does not change `version`.
 *
 * BUG (notification_service main.py / notification_service.py): a PUT on a missing id answers
 * 500 "Failed to update template" instead of 404. `update` therefore reads the template first, so
 * a missing one is reported as not found; a template deleted between the two calls still gives
 * the 500 (as a PlatformError).
 */
import { z } from 'zod';
import { notFound } from '../../domain/errors.js';
import {
  PLATFORM_TEMPLATE_STATUSES,
  PLATFORM_TEMPLATE_TYPES,
  type NotificationTemplates,
  type PlatformTemplate,
} from '../../domain/platform.js';
import { PlatformError, type PlatformClient } from './client.js';

const BASE = '/api/v1/notifications/templates';
const HINT = 'Call list_platform_templates to see the notification service\'s templates';

const template = z.object({
  template_id: z.string(),
  name: z.string(),
  description: z.string().nullish(),
  type: z.enum(PLATFORM_TEMPLATE_TYPES),
  subject: z.string().nullish(),
  content: z.string(),
  html_content: z.string().nullish(),
  variables: z.array(z.string()).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  status: z.enum(PLATFORM_TEMPLATE_STATUSES),
  version: z.number().int().nullish(),
  created_by: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});
const templateResponse = z.object({ template, message: z.string().nullish() });
const messageResponse = z.object({ message: z.string().nullish() }).nullable();
const rendered = z.object({
  template_id: z.string(),
  subject: z.string().nullish(),
  content: z.string(),
  html_content: z.string().nullish(),
});

export function httpNotificationTemplates(client: PlatformClient): NotificationTemplates {
  const path = (id: string) => `${BASE}/${encodeURIComponent(id)}`;

  /** Runs a call on one template, turning the service's 404 into `not_found`. */
  async function onTemplate<T>(id: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof PlatformError && err.code === 'not_found') throw notFound('platform template', id, HINT);
      throw err;
    }
  }

  const get = (id: string) => onTemplate(id, async () => toTemplate(await client.get(path(id), {}, template)));

  return {
    async list({ type, status, limit, offset }) {
      const rows = await client.get(BASE, { type, status, limit, offset }, z.array(template));
      return rows.map(toTemplate);
    },
    get,
    async create(input) {
      const r = await client.post(BASE, input, templateResponse);
      return toTemplate(r.template);
    },
    async update(id, patch) {
      await get(id);
      const r = await onTemplate(id, () => client.put(path(id), patch, templateResponse));
      return toTemplate(r.template);
    },
    async delete(id) {
      await onTemplate(id, () => client.delete(path(id), messageResponse));
    },
    async render(id, variables) {
      const r = await onTemplate(id, () => client.post(`${path(id)}/render`, { variables }, rendered));
      return { template_id: r.template_id, subject: r.subject ?? null, content: r.content, html_content: r.html_content ?? null };
    },
  };
}

function toTemplate(t: z.output<typeof template>): PlatformTemplate {
  return {
    template_id: t.template_id,
    name: t.name,
    description: t.description ?? null,
    type: t.type,
    subject: t.subject ?? null,
    content: t.content,
    html_content: t.html_content ?? null,
    variables: t.variables ?? [],
    metadata: t.metadata ?? {},
    status: t.status,
    version: t.version ?? 1,
    created_by: t.created_by ?? null,
    created_at: t.created_at ?? null,
    updated_at: t.updated_at ?? null,
  };
}

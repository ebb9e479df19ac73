/**
 * Shared by list_platform_templates and manage_platform_template: the templates client from the
 * context (or a tool error when the notification service is not configured) and the id schema.
 */
import { z } from 'zod';
import type { HandlerContext } from '../context.js';
import { DomainError } from '../domain/errors.js';
import type { NotificationTemplates } from '../domain/platform.js';

export const platformTemplateIdInput = z
  .string({ error: 'template_id must be a notification service template id, e.g. "tpl_email_1748400000.123456"' })
  .regex(/^[A-Za-z0-9_.:-]{1,200}$/, {
    error: 'template_id must be a notification service template id such as "tpl_email_1748400000.123456"; call list_platform_templates to find one',
  });

/** The configured templates client, or an `unavailable` error saying NOTIFICATION_SERVICE_URL is not set. */
export function platformTemplates(ctx: HandlerContext): NotificationTemplates {
  if (ctx.notificationTemplates) return ctx.notificationTemplates;
  throw new DomainError(
    'unavailable',
    "The platform's notification service is not configured (NOTIFICATION_SERVICE_URL is not set), so its templates cannot be reached",
    'Set NOTIFICATION_SERVICE_URL to the notification_service base URL and restart the server; for our own Liquid templates use list_templates and create_template',
  );
}

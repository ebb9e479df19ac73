/**
 * The HTTP adapters of the platform services whose URLs are configured. They share one keep-alive
 * Agent (its idle sockets are unref'd, so it never keeps the process alive). createPlatform loads
 * this module only when some service URL is set, so the embedded default never loads undici.
 */
import type { Config } from '../../config.js';
import type { DeliveryChannel } from '../../domain/delivery/channel.js';
import type { PlatformCredits } from '../../domain/delivery/credits.js';
import type { NotificationTemplates, PlatformSources } from '../../domain/platform.js';
import { httpAccountSource } from './account.js';
import { createPlatformClient, createPlatformDispatcher, type PlatformClient } from './client.js';
import { httpPlatformCredits } from './credits.js';
import { httpMemorySource } from './memory.js';
import { httpNotificationChannel } from './notification.js';
import { httpNotificationTemplates } from './notification-templates.js';
import { httpSubscriptionSource } from './subscription.js';

/** The adapters of the configured services; the others are left out, for the embedded ones to fill. */
export interface HttpAdapters extends Partial<PlatformSources> {
  channel?: DeliveryChannel;
  credits?: PlatformCredits;
  notificationTemplates?: NotificationTemplates;
}

export function httpAdapters(config: Config): HttpAdapters {
  const dispatcher = createPlatformDispatcher();
  const client = (service: string, baseUrl: string): PlatformClient =>
    createPlatformClient({
      service,
      baseUrl,
      ...(config.INTERNAL_SERVICE_SECRET ? { secret: config.INTERNAL_SERVICE_SECRET } : {}),
      timeoutMs: config.PLATFORM_TIMEOUT_MS,
      dispatcher,
    });
  const out: HttpAdapters = {};
  if (config.ACCOUNT_SERVICE_URL) out.accounts = httpAccountSource(client('account_service', config.ACCOUNT_SERVICE_URL));
  if (config.SUBSCRIPTION_SERVICE_URL) out.subscriptions = httpSubscriptionSource(client('subscription_service', config.SUBSCRIPTION_SERVICE_URL));
  if (config.MEMORY_SERVICE_URL) out.memories = httpMemorySource(client('memory_service', config.MEMORY_SERVICE_URL));
  if (config.NOTIFICATION_SERVICE_URL) {
    const notification = client('notification_service', config.NOTIFICATION_SERVICE_URL);
    out.channel = httpNotificationChannel(notification);
    out.notificationTemplates = httpNotificationTemplates(notification);
  }
  if (config.SUBSCRIPTION_SERVICE_URL && config.CREDITS_BILLING_USER_ID) {
    out.credits = httpPlatformCredits(client('subscription_service', config.SUBSCRIPTION_SERVICE_URL), config.CREDITS_BILLING_USER_ID);
  }
  return out;
}

/**
 * Chooses, per platform service, the HTTP adapter when its URL is configured and the embedded one
 * otherwise. The HTTP adapters (and undici with them) are loaded only when some service URL is set.
 */
import type { Config } from '../config.js';
import type { NotificationTemplates, PlatformSources } from '../domain/platform.js';
import type { DeliveryChannel } from '../domain/delivery/channel.js';
import type { PlatformCredits } from '../domain/delivery/credits.js';
import type { Clock, Store } from '../domain/ports.js';
import type { Executor } from '../store/executor.js';
import type { HttpAdapters } from './http/index.js';
import { localChannel } from './local/delivery.js';
import { embeddedSources } from './embedded.js';

export interface Platform {
  sources: PlatformSources;
  /** Where messages are delivered: the notification service when configured, else the embedded `local` channel. */
  channel: DeliveryChannel;
  /** Subscription credits, when the subscription service and a billing user are configured. */
  credits: PlatformCredits | null;
  /** The notification service's template routes, when NOTIFICATION_SERVICE_URL is set. */
  notificationTemplates: NotificationTemplates | null;
}

/** The service URLs an HTTP adapter is made for (see http/index.ts). */
const SERVICE_URLS = ['ACCOUNT_SERVICE_URL', 'SUBSCRIPTION_SERVICE_URL', 'MEMORY_SERVICE_URL', 'NOTIFICATION_SERVICE_URL'] as const;

export async function createPlatform(config: Config, store: Store, executor: Executor, clock: Clock): Promise<Platform> {
  const http: HttpAdapters = SERVICE_URLS.some((name) => config[name]) ? (await import('./http/index.js')).httpAdapters(config) : {};
  const embedded = embeddedSources(store);
  return {
    sources: {
      accounts: http.accounts ?? embedded.accounts,
      subscriptions: http.subscriptions ?? embedded.subscriptions,
      memories: http.memories ?? embedded.memories,
    },
    channel: http.channel ?? localChannel(executor, clock),
    credits: http.credits ?? null,
    notificationTemplates: http.notificationTemplates ?? null,
  };
}

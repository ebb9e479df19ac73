/**
 * Chooses, per platform service, the HTTP adapter when its URL is configured and the embedded one
 * otherwise. All HTTP adapters share one keep-alive Agent (its idle sockets are unref'd, so it
 * never keeps the process alive).
 */
import type { Agent } from 'undici';
import type { Config } from '../config.js';
import type { PlatformSources } from '../domain/platform.js';
import type { DeliveryChannel } from '../domain/delivery/channel.js';
import type { PlatformCredits } from '../domain/delivery/credits.js';
import type { Clock, Store } from '../domain/ports.js';
import type { Executor } from '../store/executor.js';
import { httpPlatformCredits } from './http/credits.js';
import { httpNotificationChannel } from './http/notification.js';
import { localChannel } from './local/delivery.js';
import { embeddedSources } from './embedded.js';
import { httpAccountSource } from './http/account.js';
import { createPlatformClient, createPlatformDispatcher, type PlatformClient } from './http/client.js';
import { httpMemorySource } from './http/memory.js';
import { httpSubscriptionSource } from './http/subscription.js';

export interface Platform {
  sources: PlatformSources;
  /** Where messages are delivered: the notification service when configured, else the embedded `local` channel. */
  channel: DeliveryChannel;
  /** Subscription credits, when the subscription service and a billing user are configured. */
  credits: PlatformCredits | null;
}

export function createPlatform(config: Config, store: Store, executor: Executor, clock: Clock): Platform {
  let agent: Agent | undefined;
  const client = (service: string, baseUrl: string): PlatformClient =>
    createPlatformClient({
      service,
      baseUrl,
      ...(config.INTERNAL_SERVICE_SECRET ? { secret: config.INTERNAL_SERVICE_SECRET } : {}),
      timeoutMs: config.PLATFORM_TIMEOUT_MS,
      dispatcher: (agent ??= createPlatformDispatcher()),
    });
  return {
    sources: platformSources(config, store, client),
    channel: config.NOTIFICATION_SERVICE_URL
      ? httpNotificationChannel(client('notification_service', config.NOTIFICATION_SERVICE_URL))
      : localChannel(executor, clock),
    credits:
      config.SUBSCRIPTION_SERVICE_URL && config.CREDITS_BILLING_USER_ID
        ? httpPlatformCredits(client('subscription_service', config.SUBSCRIPTION_SERVICE_URL), config.CREDITS_BILLING_USER_ID)
        : null,
  };
}

function platformSources(config: Config, store: Store, client: (service: string, baseUrl: string) => PlatformClient): PlatformSources {
  const embedded = embeddedSources(store);
  return {
    accounts: config.ACCOUNT_SERVICE_URL ? httpAccountSource(client('account_service', config.ACCOUNT_SERVICE_URL)) : embedded.accounts,
    subscriptions: config.SUBSCRIPTION_SERVICE_URL
      ? httpSubscriptionSource(client('subscription_service', config.SUBSCRIPTION_SERVICE_URL))
      : embedded.subscriptions,
    memories: config.MEMORY_SERVICE_URL ? httpMemorySource(client('memory_service', config.MEMORY_SERVICE_URL)) : embedded.memories,
  };
}

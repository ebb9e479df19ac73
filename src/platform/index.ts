/**
 * Chooses, per platform service, the HTTP adapter when its URL is configured and the embedded one
 * otherwise. All HTTP adapters share one keep-alive Agent (its idle sockets are unref'd, so it
 * never keeps the process alive).
 */
import type { Agent } from 'undici';
import type { Config } from '../config.js';
import type { PlatformSources } from '../domain/platform.js';
import type { Store } from '../domain/ports.js';
import { embeddedSources } from './embedded.js';
import { httpAccountSource } from './http/account.js';
import { createPlatformClient, createPlatformDispatcher, type PlatformClient } from './http/client.js';
import { httpMemorySource } from './http/memory.js';
import { httpSubscriptionSource } from './http/subscription.js';

export function platformSources(config: Config, store: Store): PlatformSources {
  const embedded = embeddedSources(store);
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
    accounts: config.ACCOUNT_SERVICE_URL ? httpAccountSource(client('account_service', config.ACCOUNT_SERVICE_URL)) : embedded.accounts,
    subscriptions: config.SUBSCRIPTION_SERVICE_URL
      ? httpSubscriptionSource(client('subscription_service', config.SUBSCRIPTION_SERVICE_URL))
      : embedded.subscriptions,
    memories: config.MEMORY_SERVICE_URL ? httpMemorySource(client('memory_service', config.MEMORY_SERVICE_URL)) : embedded.memories,
  };
}

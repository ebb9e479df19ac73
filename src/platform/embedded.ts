/**
 * The embedded adapters: account, subscription and memory data from our own tables. Used when the
 * platform's services are not configured (the default).
 */
import type { PlatformSources } from '../domain/platform.js';
import type { Store } from '../domain/ports.js';

export function embeddedSources(store: Store): PlatformSources {
  return {
    accounts: {
      source: 'embedded',
      async getProfile(ws, userId) {
        const u = await store.users.get(ws, userId);
        if (!u) return null;
        return {
          user_id: u.id,
          ...(u.email ? { email: u.email } : {}),
          ...(u.name ? { name: u.name } : {}),
          is_active: u.status === 'active',
          timezone: u.timezone,
          locale: u.locale,
          ...(u.country ? { country: u.country } : {}),
          preferences: { notification_email: u.consents.email, notification_push: u.consents.push },
          created_at: u.created_at,
        };
      },
    },
    subscriptions: {
      source: 'embedded',
      async getSubscription(ws, userId) {
        const u = await store.users.get(ws, userId);
        if (!u) return null;
        return { tier_code: u.tier, status: u.subscription_status, is_trial: u.is_trial, credits_remaining: u.credits_remaining };
      },
    },
    memories: {
      source: 'embedded',
      recent: (ws, userId, limit) => store.users.memories(ws, userId, { limit }),
      factsBySubject: (ws, userId, subject, limit) => store.users.memories(ws, userId, { limit, subject }),
      episodesByType: (ws, userId, eventType, limit) => store.users.memories(ws, userId, { limit, eventType }),
    },
  };
}

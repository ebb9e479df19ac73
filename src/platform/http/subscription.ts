/**
 * SubscriptionSource over subscription_service (contracts section 5):
 * `GET /api/v1/subscriptions/user/{user_id}` → `{success, message, subscription | null}`.
 */
import { z } from 'zod';
import type { SubscriptionInfo, SubscriptionSource } from '../../domain/platform.js';
import { PlatformError, type PlatformClient } from './client.js';

const userSubscription = z.object({
  tier_code: z.string(),
  status: z.string(),
  is_trial: z.boolean().nullish(),
  credits_remaining: z.number(),
  credits_allocated: z.number().nullish(),
  current_period_end: z.string().nullish(),
});

const subscriptionResponse = z.object({
  success: z.boolean(),
  message: z.string().nullish(),
  subscription: userSubscription.nullish(),
});

export function httpSubscriptionSource(client: PlatformClient): SubscriptionSource {
  return {
    source: 'subscription_service',
    async getSubscription(_ws, userId) {
      try {
        const r = await client.get(`/api/v1/subscriptions/user/${encodeURIComponent(userId)}`, {}, subscriptionResponse);
        return r.subscription ? toInfo(r.subscription) : null;
      } catch (err) {
        if (err instanceof PlatformError && err.code === 'not_found') return null;
        throw err;
      }
    },
  };
}

function toInfo(s: z.output<typeof userSubscription>): SubscriptionInfo {
  return {
    tier_code: s.tier_code,
    status: s.status,
    is_trial: s.is_trial ?? false,
    credits_remaining: s.credits_remaining,
    ...(s.credits_allocated != null ? { credits_allocated: s.credits_allocated } : {}),
    ...(s.current_period_end ? { current_period_end: s.current_period_end } : {}),
  };
}

/**
 * Platform credits over subscription_service (contracts section 5): `POST credits/reserve` before
 * a batch is sent, `POST credits/reconcile` with what it actually cost. The workspace is the
 * billing organization; the reservation is made for the configured billing user.
 * 402 (insufficient credits) and 404 (no active subscription) refuse the batch with a reason;
 * other failures throw, and the dispatch job retries later.
 */
import { z } from 'zod';
import type { PlatformCredits } from '../../domain/delivery/credits.js';
import { PlatformError, type PlatformClient } from './client.js';

const reserveResponse = z.object({ reservation_id: z.string(), credits_reserved: z.number().nullish(), credits_remaining: z.number().nullish() });

export function httpPlatformCredits(client: PlatformClient, billingUserId: string): PlatformCredits {
  return {
    async reserve(workspaceId, credits, requestId) {
      try {
        const r = await client.post(
          '/api/v1/subscriptions/credits/reserve',
          {
            user_id: billingUserId,
            estimated_credits: credits,
            request_id: requestId,
            organization_id: workspaceId,
            billing_account_type: 'organization',
            billing_account_id: workspaceId,
          },
          reserveResponse,
        );
        return { ok: true, reservationId: r.reservation_id };
      } catch (err) {
        if (err instanceof PlatformError && (err.status === 402 || err.status === 404)) {
          return { ok: false, reason: err.status === 402 ? 'insufficient credits on the platform subscription' : 'no active platform subscription' };
        }
        throw err;
      }
    },
    async reconcile(reservationId, actualCredits) {
      if (actualCredits > 0) {
        await client.post('/api/v1/subscriptions/credits/reconcile', { reservation_id: reservationId, actual_credits: actualCredits }, z.unknown());
      } else {
        await client.post('/api/v1/subscriptions/credits/release', { reservation_id: reservationId }, z.unknown());
      }
    },
  };
}

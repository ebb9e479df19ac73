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
const balanceResponse = z.object({ total_credits_available: z.number().nullish(), subscription_credits_remaining: z.number().nullish() });

export function httpPlatformCredits(client: PlatformClient, billingUserId: string): PlatformCredits {
  const reserve = (workspaceId: string, credits: number, requestId: string) =>
    client.post(
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
  const refusal = (err: unknown): string | null =>
    err instanceof PlatformError && (err.status === 402 || err.status === 404)
      ? err.status === 402
        ? 'insufficient credits on the platform subscription'
        : 'no active platform subscription'
      : null;

  return {
    async reserve(workspaceId, credits, requestId) {
      try {
        const r = await reserve(workspaceId, credits, requestId);
        return { ok: true, reservationId: r.reservation_id, granted: credits };
      } catch (err) {
        const reason = refusal(err);
        if (!reason) throw err;
        if ((err as PlatformError).status === 404) return { ok: false, reason };
        // Not enough for the whole batch: reserve what is left, so the batch sends as much as it can.
        const balance = await client.get(
          '/api/v1/subscriptions/credits/balance',
          { user_id: billingUserId, organization_id: workspaceId, billing_account_type: 'organization', billing_account_id: workspaceId },
          balanceResponse,
        );
        const left = Math.floor(balance.total_credits_available ?? balance.subscription_credits_remaining ?? 0);
        if (left <= 0) return { ok: false, reason };
        try {
          const r = await reserve(workspaceId, Math.min(left, credits), `${requestId}:partial`);
          return { ok: true, reservationId: r.reservation_id, granted: Math.min(left, credits) };
        } catch (again) {
          const why = refusal(again);
          if (why) return { ok: false, reason: why };
          throw again;
        }
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

/**
 * The send ledger's vocabulary: statuses, idempotency keys, deterministic variant assignment.
 *
 * A ledger row exists per (campaign, step, user, channel group): the key names the campaign's
 * channel preference list rather than the channel finally used, so a fallback chosen on a retry
 * (push -> email) can never produce a second message for the same step.
 */
import { createHash } from 'node:crypto';
import type { Channel } from '../campaign.js';

export const LEDGER_STATUSES = ['queued', 'deferred', 'sending', 'sent', 'delivered', 'failed', 'suppressed', 'skipped', 'cancelled'] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];


export function ledgerKey(campaignId: string, stepKey: string, userId: string, channels: readonly Channel[]): string {
  const { prefix, suffix } = ledgerKeyParts(campaignId, stepKey, channels);
  return `${prefix}${userId}${suffix}`;
}

/** The key around the user id, for writing a whole step's keys in one SQL statement. */
export function ledgerKeyParts(campaignId: string, stepKey: string, channels: readonly Channel[]): { prefix: string; suffix: string } {
  return { prefix: `${campaignId}|${stepKey}|`, suffix: `|${channels.join('>')}` };
}

/** The step key of one firing of a schedule: one-time schedules fire once, recurring ones per occurrence. */
export function scheduleStepKey(scheduleId: string, occurrence: Date | null): string {
  return occurrence ? `${scheduleId}@${occurrence.toISOString()}` : scheduleId;
}

/** Picks a variant by weight from a stable hash of (campaign, user): the same user always gets the same variant. */
export function assignVariant<V extends { weight: number }>(variants: readonly V[], campaignId: string, userId: string): V {
  if (variants.length === 0) throw new Error('a campaign needs at least one variant');
  const total = variants.reduce((s, v) => s + Math.max(0, v.weight), 0);
  if (variants.length === 1 || total <= 0) return variants[0] as V;
  const h = createHash('sha1').update(`${campaignId}:${userId}`).digest().readUInt32BE(0) / 0x1_0000_0000;
  let acc = 0;
  for (const v of variants) {
    acc += Math.max(0, v.weight) / total;
    if (h < acc) return v;
  }
  return variants[variants.length - 1] as V;
}

/** Exponential backoff with full jitter for a message retry: 30 s, 1 min, 2 min ... capped at 30 min. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30 * 60_000, 30_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * One rate per channel (messages per second): a token bucket per channel holding at most one
 * second of sends. The dispatcher takes tokens before it claims a slice of messages, so a row is
 * never left `sending` while it waits for the rate. Per process: with several workers the rates
 * add up, which the README says.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel } from '../../domain/campaign.js';

export interface RateGate {
  /** Waits until at least one message of `channel` may go, then grants up to `want`. */
  take(channel: Channel, want: number): Promise<number>;
}

export function createRateGate(ratePerSecond: Partial<Record<Channel, number>>): RateGate {
  const buckets = new Map<Channel, { rate: number; tokens: number; at: number }>();
  for (const [c, rate] of Object.entries(ratePerSecond) as [Channel, number | undefined][]) {
    if (rate && rate > 0) buckets.set(c, { rate, tokens: rate, at: performance.now() });
  }
  return {
    async take(channel, want) {
      const b = buckets.get(channel);
      if (!b) return want;
      for (;;) {
        const now = performance.now();
        b.tokens = Math.min(b.rate, b.tokens + ((now - b.at) / 1000) * b.rate);
        b.at = now;
        const n = Math.min(want, Math.floor(b.tokens));
        if (n >= 1) {
          b.tokens -= n;
          return n;
        }
        await sleep(Math.ceil(((1 - b.tokens) / b.rate) * 1000));
      }
    },
  };
}

/**
 * One rate per channel (messages per second), for any delivery channel: a token bucket per
 * channel holding at most one second of sends, so a batch is handed over in slices that keep to
 * the rate. Per process: with several workers the rates add up, which the README says.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel } from '../../domain/campaign.js';
import type { DeliveryChannel, DeliveryResult, OutboundMessage } from '../../domain/delivery/channel.js';

export function rateLimited(inner: DeliveryChannel, ratePerSecond: Partial<Record<Channel, number>>): DeliveryChannel {
  const limited = Object.entries(ratePerSecond).filter(([, r]) => r !== undefined && r > 0);
  if (limited.length === 0) return inner;
  const buckets = new Map(limited.map(([c, rate]) => [c as Channel, { rate: rate!, tokens: rate!, at: performance.now() }]));

  async function take(channel: Channel, want: number): Promise<number> {
    const b = buckets.get(channel)!;
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
  }

  return {
    provider: inner.provider,
    lookup: (refs) => inner.lookup(refs),
    async deliver(batch) {
      const out: DeliveryResult[] = [];
      const free: OutboundMessage[] = [];
      const byChannel = new Map<Channel, OutboundMessage[]>();
      for (const m of batch) {
        if (!buckets.has(m.channel)) free.push(m);
        else byChannel.set(m.channel, [...(byChannel.get(m.channel) ?? []), m]);
      }
      if (free.length) out.push(...(await inner.deliver(free)));
      for (const [channel, group] of byChannel) {
        for (let i = 0; i < group.length; ) {
          const n = await take(channel, group.length - i);
          out.push(...(await inner.deliver(group.slice(i, i + n))));
          i += n;
        }
      }
      return out;
    },
  };
}

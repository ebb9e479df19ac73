/**
 * Campaign metrics from counters: the counts a marketer reads, and each rate with a 95% Wilson
 * score interval.
 *
 * Wilson interval (Wilson 1927; Newcombe 1998, method 3), for x successes in n trials, p = x/n and
 * z the standard normal quantile of 0.975:
 *   centre    = (p + z²/2n) / (1 + z²/n)
 *   half-width = z / (1 + z²/n) · sqrt(p(1−p)/n + z²/4n²)
 * It stays inside [0, 1] and behaves at p = 0 or 1 and for small n, where the normal
 * approximation does not.
 */
import quantile from '@stdlib/stats-base-dists-normal-quantile';

export const Z95: number = quantile(0.975, 0, 1);

export interface Rate {
  /** successes / trials; null when there are no trials. */
  value: number | null;
  low: number | null;
  high: number | null;
  successes: number;
  trials: number;
}

export function wilson(successes: number, trials: number, z: number = Z95): Rate {
  if (trials <= 0) return { value: null, low: null, high: null, successes, trials };
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half), successes, trials };
}

/** Sums of the rollup columns (campaign_rollups), over whatever rows a question covers. */
export interface RollupSums {
  stQueued: number;
  stDeferred: number;
  stSending: number;
  stSent: number;
  stDelivered: number;
  stFailed: number;
  stSuppressed: number;
  stSkipped: number;
  stCancelled: number;
  opens: number;
  uniqueOpens: number;
  firstOpens: number;
  machineOpens: number;
  clicks: number;
  uniqueClicks: number;
  machineClicks: number;
  unsubscribes: number;
  conversions: number;
  uniqueConversions: number;
  revenue: number;
  bounces: number;
  complaints: number;
}

export const ROLLUP_FIELDS = [
  'stQueued', 'stDeferred', 'stSending', 'stSent', 'stDelivered', 'stFailed', 'stSuppressed', 'stSkipped', 'stCancelled',
  'opens', 'uniqueOpens', 'firstOpens', 'machineOpens', 'clicks', 'uniqueClicks', 'machineClicks', 'unsubscribes',
  'conversions', 'uniqueConversions', 'revenue', 'bounces', 'complaints',
] as const satisfies ReadonlyArray<keyof RollupSums>;

export function emptySums(): RollupSums {
  return Object.fromEntries(ROLLUP_FIELDS.map((f) => [f, 0])) as unknown as RollupSums;
}

export function addSums(into: RollupSums, add: RollupSums): RollupSums {
  for (const f of ROLLUP_FIELDS) into[f] += add[f];
  return into;
}

export interface MetricCounts {
  /** Every ledger row: everyone the send reached a decision for. */
  targeted: number;
  /** Still to send: queued, deferred (quiet hours) or being sent. */
  pending: number;
  /** Handed to the provider (sent or delivered): the base of every rate. */
  sent: number;
  delivered: number;
  failed: number;
  suppressed: number;
  skipped: number;
  cancelled: number;
  /** Messages opened by a person (clicks imply an open); machine opens only with includeMachineOpens. */
  opened: number;
  /** Messages clicked by a person. */
  clicked: number;
  /** Messages with at least one attributed conversion. */
  converted: number;
  unsubscribed: number;
  bounced: number;
  complained: number;
  /** Revenue of every attributed conversion. */
  revenue: number;
  /** All open hits, machines included; machine open hits; all click hits. */
  opens_total: number;
  machine_opens: number;
  clicks_total: number;
  conversions_total: number;
}

export function countsOf(s: RollupSums, opts: { includeMachineOpens?: boolean } = {}): MetricCounts {
  return {
    targeted: s.stQueued + s.stDeferred + s.stSending + s.stSent + s.stDelivered + s.stFailed + s.stSuppressed + s.stSkipped + s.stCancelled,
    pending: s.stQueued + s.stDeferred + s.stSending,
    sent: s.stSent + s.stDelivered,
    delivered: s.stDelivered,
    failed: s.stFailed,
    suppressed: s.stSuppressed,
    skipped: s.stSkipped,
    cancelled: s.stCancelled,
    opened: opts.includeMachineOpens ? s.firstOpens : s.uniqueOpens,
    clicked: s.uniqueClicks,
    converted: s.uniqueConversions,
    unsubscribed: s.unsubscribes,
    bounced: s.bounces,
    complained: s.complaints,
    // `|| 0`: sums that cancel out (deletes) can leave -0.
    revenue: Math.round(s.revenue * 100) / 100 || 0,
    opens_total: s.opens,
    machine_opens: s.machineOpens,
    clicks_total: s.clicks,
    conversions_total: s.conversions,
  };
}

export interface MetricRates {
  open_rate: Rate;
  click_rate: Rate;
  /** Clicked / opened. */
  click_to_open_rate: Rate;
  conversion_rate: Rate;
  unsubscribe_rate: Rate;
  bounce_rate: Rate;
}

/** Rates per message sent (click-to-open: per message opened), each with its 95% interval. */
export function ratesOf(c: MetricCounts): MetricRates {
  return {
    open_rate: wilson(Math.min(c.opened, c.sent), c.sent),
    click_rate: wilson(Math.min(c.clicked, c.sent), c.sent),
    click_to_open_rate: wilson(Math.min(c.clicked, c.opened), c.opened),
    conversion_rate: wilson(Math.min(c.converted, c.sent), c.sent),
    unsubscribe_rate: wilson(Math.min(c.unsubscribed, c.sent), c.sent),
    bounce_rate: wilson(Math.min(c.bounced, c.sent), c.sent),
  };
}

/**
 * The synthetic population: pure and deterministic. Every user, with their events and the per-user
 * aggregates the store keeps beside them (user_event_summary rows, users.last_event_at), comes from
 * its own random stream derived from (seed, user index), so the same seed gives the same rows byte
 * for byte, whatever the batch size, and a batch can be generated without the ones before it.
 * Rows are described in rows.ts.
 */
import {
  ACQUISITION_CHANNELS,
  COMPANY_SIZE_CUMULATIVE,
  COMPANY_SIZES,
  EVENT_SHARES,
  EVENT_TYPES,
  FIRST_NAMES,
  LAST_NAMES,
  MONTHLY_CREDITS,
  PAGE_PATH_CUMULATIVE,
  PAGE_PATHS,
  PLAN_INTERESTS,
  PLATFORM_CUMULATIVE,
  PLATFORMS,
  PRODUCT_COUNT,
  TIER_CUMULATIVE,
  TIERS,
  ZONE_CUMULATIVE,
  ZONES,
  productPrice,
  productSku,
} from './catalog.js';
import { Rng } from './rng.js';
import type { EventRow, SeedBatch, SubscriptionStatus, UserRow } from './rows.js';

export interface SeedSpec {
  seed: number;
  users: number;
  /** Length of the activity window ending at `now`; events fall inside it. */
  days: number;
  /** Mean events per user (default 10). */
  eventsPerUser?: number;
  now: Date;
  workspaceId: string;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const HISTORY_BEFORE_WINDOW = 730 * DAY;
const PRE_WINDOW_SHARE = 0.4;
/** Event ids carry a 4-digit per-user counter, which bounds events per user. */
export const MAX_EVENTS_PER_USER = 9_999;
const ACTIVITY_SIGMA = 1.1;
const DORMANT_SHARE = 0.2;
/** Share of users who stop buying at some moment but keep browsing (what churn scores must find). */
const LAPSE_SHARE = 0.35;
const PURCHASE_INDEX = EVENT_TYPES.indexOf('purchase');
const PAGE_VIEW_INDEX = EVENT_TYPES.indexOf('page_view');
const PURCHASE_MU = Math.log(39);

interface Plan {
  readonly seed: number;
  readonly users: number;
  readonly workspaceId: string;
  readonly now: number;
  readonly windowStart: number;
  readonly width: number;
  readonly dormantMean: number;
  readonly activeMu: number;
}

function plan(spec: SeedSpec): Plan {
  const mean = spec.eventsPerUser ?? 10;
  const dormantMean = Math.min(0.5, mean / 2);
  const activeMean = (mean - DORMANT_SHARE * dormantMean) / (1 - DORMANT_SHARE);
  const now = spec.now.getTime();
  return {
    seed: spec.seed,
    users: spec.users,
    workspaceId: spec.workspaceId,
    now,
    windowStart: now - spec.days * DAY,
    width: Math.max(7, String(spec.users).length),
    dormantMean,
    activeMu: activeMean > 0 ? Math.log(activeMean) - (ACTIVITY_SIGMA * ACTIVITY_SIGMA) / 2 : -Infinity,
  };
}

/**
 * Signup time at quantile `q` of the signup distribution: the first 40% of users spread over the two
 * years before the window, the rest over the window. Users draw their quantile inside their own
 * 1/N slice, so ids follow signup order as in a real system, and the (workspace, created_at) index
 * is written in order instead of at random.
 */
function signupTime(p: Plan, q: number): number {
  const t =
    q < PRE_WINDOW_SHARE
      ? p.windowStart - HISTORY_BEFORE_WINDOW + (q / PRE_WINDOW_SHARE) * HISTORY_BEFORE_WINDOW
      : p.windowStart + ((q - PRE_WINDOW_SHARE) / (1 - PRE_WINDOW_SHARE)) * (p.now - p.windowStart);
  return Math.min(Math.floor(t), p.now - 1);
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const SKUS = Array.from({ length: PRODUCT_COUNT }, (_, n) => productSku(n));
const PRICES = Array.from({ length: PRODUCT_COUNT }, (_, n) => round2(productPrice(n)));
const NO_PROPERTIES: Record<string, unknown> = Object.freeze({});
const ZONE_OFFSETS = new Map(ZONES.map((z) => [z.tz, z.offsetMin]));
const COUNTER = Array.from({ length: MAX_EVENTS_PER_USER + 1 }, (_, k) => String(k).padStart(4, '0'));

function drawUser(p: Plan, r: Rng, index: number, userId: string): UserRow {
  const zone = ZONES[r.weighted(ZONE_CUMULATIVE)]!;
  const tier = TIERS[r.weighted(TIER_CUMULATIVE)]!;
  let subscription: SubscriptionStatus = 'active';
  if (tier === 'free') {
    if (r.chance(0.03)) subscription = 'canceled';
  } else {
    const x = r.float();
    subscription = x < 0.12 ? 'trialing' : x < 0.18 ? 'canceled' : x < 0.21 ? 'past_due' : 'active';
  }
  const monthly = MONTHLY_CREDITS[tier];
  const exhausted = r.chance(0.05);
  const fraction = r.float();
  const credits = exhausted ? 0 : Math.floor(monthly * fraction * (subscription === 'canceled' ? 0.3 : 1));

  const created = signupTime(p, (index - 1 + r.float()) / p.users);
  const updated = created + Math.floor(r.float() ** 2 * (p.now - created));

  const name = `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
  const hasPhone = r.chance(0.45);
  const phone = hasPhone ? `+${zone.callingCode}${r.int(200_000_000, 999_999_999)}` : null;
  const suspended = r.chance(0.02);
  const consentEmail = r.chance(0.8);
  const consentPush = r.chance(0.45);
  const consentSms = hasPhone && r.chance(0.45);

  let traits: Record<string, unknown> = {};
  if (r.chance(0.65)) {
    traits = {
      company_size: COMPANY_SIZES[r.weighted(COMPANY_SIZE_CUMULATIVE)],
      acquisition_channel: r.pick(ACQUISITION_CHANNELS),
    };
    if (tier === 'free' || subscription === 'trialing') traits.plan_interest = r.pick(PLAN_INTERESTS);
  }

  return {
    workspace_id: p.workspaceId,
    id: userId,
    email: `user${index}@example.com`,
    phone,
    name,
    status: suspended ? 'suspended' : 'active',
    country: zone.country,
    timezone: zone.tz,
    locale: zone.locale,
    tier,
    subscription_status: subscription,
    is_trial: subscription === 'trialing',
    credits_remaining: credits,
    consent_email: consentEmail,
    consent_push: consentPush,
    consent_sms: consentSms,
    consent_in_app: true,
    consent_webhook: false,
    traits,
    created_at: created,
    updated_at: updated,
    last_event_at: null,
  };
}

/**
 * The user's events, in the order of the events index (type, then time). Counts are heavy-tailed:
 * a fifth of users are dormant (0-1 events), the rest lognormal, with the overall mean requested.
 * Times cluster around a preferred local hour of day, between signup (or the window start) and now.
 */
function drawEvents(p: Plan, r: Rng, user: UserRow, offsetMin: number, rows: boolean, out: SeedBatch): void {
  let n: number;
  if (r.chance(DORMANT_SHARE)) n = r.chance(p.dormantMean) ? 1 : 0;
  else n = Math.floor(r.lognormal(p.activeMu, ACTIVITY_SIGMA) + r.float());
  n = Math.min(n, MAX_EVENTS_PER_USER);
  const start = Math.max(user.created_at, p.windowStart);
  const span = p.now - start;
  if (n === 0 || span <= 0) return;

  const preferredHour = r.chance(0.6) ? 11 + 2.5 * r.normal() : 20 + 2 * r.normal();
  const offset = offsetMin * 60_000;
  const buyer = 2 * r.float();
  const typeCumulative = cumulativeShares(buyer);
  const platform = PLATFORMS[r.weighted(PLATFORM_CUMULATIVE)]!;
  const lapseAt = r.chance(LAPSE_SHARE) ? start + r.float() * span : Number.POSITIVE_INFINITY;

  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let t = start + r.float() * span;
    if (r.chance(0.7)) {
      const local = t + offset;
      const clustered = local - (local % DAY) + preferredHour * HOUR + (r.float() + r.float() - 1) * 2 * HOUR - offset;
      if (clustered >= start && clustered < p.now) t = clustered;
    }
    times[i] = Math.floor(t);
  }
  times.sort();

  // Per type: count, value sum, first and last time (times are sorted, so first is the earliest).
  const count = [0, 0, 0, 0, 0];
  const valueSum = [0, 0, 0, 0, 0];
  const firstAt = [0, 0, 0, 0, 0];
  const lastAt = [0, 0, 0, 0, 0];
  // Without rows the same random draws are made (so aggregates match), but nothing is allocated.
  const buckets: EventRow[][] | null = rows ? EVENT_TYPES.map(() => []) : null;
  const idPrefix = `e_${p.seed}_${user.id.slice(2)}_`;
  for (let k = 0; k < n; k++) {
    let typeIndex = r.weighted(typeCumulative);
    if (typeIndex === PURCHASE_INDEX && times[k]! > lapseAt) typeIndex = PAGE_VIEW_INDEX;
    const type = EVENT_TYPES[typeIndex]!;
    let properties: Record<string, unknown> = NO_PROPERTIES;
    let value: number | null = null;
    switch (type) {
      case 'page_view': {
        const path = PAGE_PATHS[r.weighted(PAGE_PATH_CUMULATIVE)];
        if (buckets) properties = { path };
        break;
      }
      case 'app.open': {
        const used = r.chance(0.85) ? platform : r.pick(PLATFORMS);
        if (buckets) properties = { platform: used };
        break;
      }
      case 'cart.add': {
        const product = r.int(0, PRODUCT_COUNT - 1);
        if (buckets) properties = { sku: SKUS[product], price: PRICES[product] };
        break;
      }
      case 'cart.abandoned': {
        const items = r.int(1, 4);
        if (buckets) properties = { items };
        break;
      }
      case 'purchase': {
        const amount = Math.max(0.99, round2(r.lognormal(PURCHASE_MU, 0.7)));
        const items = r.chance(0.7) ? 1 : r.int(2, 5);
        if (buckets) properties = { amount, currency: 'USD', items };
        value = amount;
        break;
      }
    }
    const at = times[k]!;
    if (count[typeIndex] === 0) firstAt[typeIndex] = at;
    lastAt[typeIndex] = at;
    count[typeIndex]! += 1;
    valueSum[typeIndex]! += value ?? 0;
    buckets?.[typeIndex]!.push({
      workspace_id: p.workspaceId,
      id: idPrefix + COUNTER[k + 1],
      user_id: user.id,
      type,
      properties,
      value,
      source: 'seed',
      occurred_at: at,
      received_at: at,
    });
  }
  for (let t = 0; t < EVENT_TYPES.length; t++) {
    if (count[t] === 0) continue;
    out.summaries.push({
      workspace_id: p.workspaceId,
      user_id: user.id,
      event_type: EVENT_TYPES[t]!,
      count: count[t]!,
      value_sum: valueSum[t]!,
      first_at: firstAt[t]!,
      last_at: lastAt[t]!,
    });
    if (user.last_event_at === null || lastAt[t]! > user.last_event_at) user.last_event_at = lastAt[t]!;
  }
  if (buckets) for (const bucket of buckets) for (const e of bucket) out.events.push(e);
}

/** Buyers (factor near 2) purchase up to twice the average share, browsers view pages instead. */
function cumulativeShares(buyer: number): number[] {
  const [appOpen, abandoned, cartAdd, pageView, purchase] = EVENT_SHARES;
  const out = [appOpen, abandoned, cartAdd, pageView + purchase * (1 - buyer), purchase * buyer];
  for (let i = 1; i < out.length; i++) out[i]! += out[i - 1]!;
  return out;
}

/** One user with their events and aggregates; `index` is 1-based. */
export function generateUser(spec: SeedSpec, index: number): SeedBatch {
  return generateOne(plan(spec), index, true);
}

function generateOne(p: Plan, index: number, rows: boolean, out: SeedBatch = { users: [], events: [], summaries: [] }): SeedBatch {
  const r = Rng.forUser(p.seed, index);
  const userId = `u_${String(index).padStart(p.width, '0')}`;
  const user = drawUser(p, r, index, userId);
  out.users.push(user);
  drawEvents(p, r, user, ZONE_OFFSETS.get(user.timezone) ?? 0, rows, out);
  return out;
}

export interface BatchOptions {
  /** Users per batch (default 2,000). */
  batchSize?: number;
  /**
   * Emit event rows (default true). Without them, users and summaries are the same (every random
   * draw still happens) at a fraction of the cost: for loaders that write one table at a time.
   */
  events?: boolean;
}

/** Yields the population in batches of users (in id order) with their events, keeping memory flat. */
export function* generateBatches(spec: SeedSpec, opts: BatchOptions = {}): Generator<SeedBatch> {
  const p = plan(spec);
  const size = Math.max(1, opts.batchSize ?? 2_000);
  const rows = opts.events ?? true;
  for (let from = 1; from <= spec.users; from += size) {
    const batch: SeedBatch = { users: [], events: [], summaries: [] };
    const to = Math.min(spec.users, from + size - 1);
    for (let i = from; i <= to; i++) generateOne(p, i, rows, batch);
    yield batch;
  }
}

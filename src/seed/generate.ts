/**
 * The synthetic population: pure and deterministic. Every user (and their events) comes from its
 * own random stream derived from (seed, user index), so the same seed gives the same rows byte for
 * byte, whatever the batch size, and a batch can be generated without the ones before it.
 *
 * Rows use the SQL column names. Timestamps are epoch milliseconds; the loader converts them (and
 * the booleans and JSON) to what each dialect stores.
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
  type EventType,
  type Tier,
} from './catalog.js';
import { Rng } from './rng.js';

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

export type SubscriptionStatus = 'active' | 'trialing' | 'canceled' | 'past_due';

export interface UserRow {
  workspace_id: string;
  id: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  status: 'active' | 'suspended';
  country: string | null;
  timezone: string;
  locale: string;
  tier: Tier;
  subscription_status: SubscriptionStatus;
  is_trial: boolean;
  credits_remaining: number;
  consent_email: boolean;
  consent_push: boolean;
  consent_sms: boolean;
  consent_in_app: boolean;
  consent_webhook: boolean;
  traits: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}

export interface EventRow {
  workspace_id: string;
  id: string;
  user_id: string;
  type: EventType;
  properties: Record<string, unknown>;
  value: number | null;
  source: 'seed';
  occurred_at: number;
  received_at: number;
}

/** The columns of `users` and `events`, in the order the loaders write them. */
export const USER_COLUMNS = [
  'workspace_id', 'id', 'email', 'phone', 'name', 'status', 'country', 'timezone', 'locale', 'tier',
  'subscription_status', 'is_trial', 'credits_remaining', 'consent_email', 'consent_push', 'consent_sms',
  'consent_in_app', 'consent_webhook', 'traits', 'created_at', 'updated_at',
] as const satisfies readonly (keyof UserRow)[];
export const EVENT_COLUMNS = [
  'workspace_id', 'id', 'user_id', 'type', 'properties', 'value', 'source', 'occurred_at', 'received_at',
] as const satisfies readonly (keyof EventRow)[];

export interface SeedBatch {
  users: UserRow[];
  events: EventRow[];
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const HISTORY_BEFORE_WINDOW = 730 * DAY;
const PRE_WINDOW_SHARE = 0.4;
/** Event ids carry a 4-digit per-user counter, which bounds events per user. */
export const MAX_EVENTS_PER_USER = 9_999;
const ACTIVITY_SIGMA = 1.1;
const DORMANT_SHARE = 0.2;
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
  };
}

/**
 * The user's events, in the order of the events index (type, then time). Counts are heavy-tailed:
 * a fifth of users are dormant (0-1 events), the rest lognormal, with the overall mean requested.
 * Times cluster around a preferred local hour of day, between signup (or the window start) and now.
 */
function drawEvents(p: Plan, r: Rng, user: UserRow, offsetMin: number, out: EventRow[]): void {
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

  const buckets: EventRow[][] = EVENT_TYPES.map(() => []);
  const idPrefix = `e_${p.seed}_${user.id.slice(2)}_`;
  for (let k = 0; k < n; k++) {
    const typeIndex = r.weighted(typeCumulative);
    const type = EVENT_TYPES[typeIndex]!;
    let properties: Record<string, unknown>;
    let value: number | null = null;
    switch (type) {
      case 'page_view':
        properties = { path: PAGE_PATHS[r.weighted(PAGE_PATH_CUMULATIVE)] };
        break;
      case 'app.open':
        properties = { platform: r.chance(0.85) ? platform : r.pick(PLATFORMS) };
        break;
      case 'cart.add': {
        const product = r.int(0, PRODUCT_COUNT - 1);
        properties = { sku: SKUS[product], price: PRICES[product] };
        break;
      }
      case 'cart.abandoned':
        properties = { items: r.int(1, 4) };
        break;
      case 'purchase': {
        const amount = Math.max(0.99, round2(r.lognormal(PURCHASE_MU, 0.7)));
        properties = { amount, currency: 'USD', items: r.chance(0.7) ? 1 : r.int(2, 5) };
        value = amount;
        break;
      }
    }
    const at = times[k]!;
    buckets[typeIndex]!.push({
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
  for (const bucket of buckets) for (const e of bucket) out.push(e);
}

/** Buyers (factor near 2) purchase up to twice the average share, browsers view pages instead. */
function cumulativeShares(buyer: number): number[] {
  const [appOpen, abandoned, cartAdd, pageView, purchase] = EVENT_SHARES;
  const out = [appOpen, abandoned, cartAdd, pageView + purchase * (1 - buyer), purchase * buyer];
  for (let i = 1; i < out.length; i++) out[i]! += out[i - 1]!;
  return out;
}

/** One user and (unless `withEvents` is false) their events; `index` is 1-based. */
export function generateUser(spec: SeedSpec, index: number, withEvents = true): SeedBatch {
  return generateOne(plan(spec), index, withEvents);
}

function generateOne(p: Plan, index: number, withEvents: boolean, out: SeedBatch = { users: [], events: [] }): SeedBatch {
  const r = Rng.forUser(p.seed, index);
  const userId = `u_${String(index).padStart(p.width, '0')}`;
  const user = drawUser(p, r, index, userId);
  out.users.push(user);
  if (withEvents) drawEvents(p, r, user, ZONE_OFFSETS.get(user.timezone) ?? 0, out.events);
  return out;
}

export interface BatchOptions {
  /** Users per batch (default 2,000). */
  batchSize?: number;
  /** Generate events too (default true); false yields the same users with no events. */
  withEvents?: boolean;
}

/** Yields the population in batches of users (in id order) with their events, keeping memory flat. */
export function* generateBatches(spec: SeedSpec, opts: BatchOptions = {}): Generator<SeedBatch> {
  const p = plan(spec);
  const size = Math.max(1, opts.batchSize ?? 2_000);
  const withEvents = opts.withEvents ?? true;
  for (let from = 1; from <= spec.users; from += size) {
    const batch: SeedBatch = { users: [], events: [] };
    const to = Math.min(spec.users, from + size - 1);
    for (let i = from; i <= to; i++) generateOne(p, i, withEvents, batch);
    yield batch;
  }
}

/**
 * A synthetic population with ground truth (pure and seeded; no I/O): people with a realistic
 * profile (zone, locale, tier), and what the store never sees, their true propensities per
 * variant, their preferred hour of the day and their order values.
 *
 * Propensities, per person and variant key:
 *   open        P(open | delivered)
 *   click       P(click | opened)            (a click only ever follows an open)
 *   conversion  P(conversion | clicked)      (a conversion only ever follows a click)
 * Each is Beta(μκ, (1−μ)κ) around the configured population mean μ, with concentration κ
 * (`concentration`): the population mean equals μ in expectation, and the spread is
 * μ(1−μ)/(κ+1). Draws are independent per variant (one person may prefer B, another A).
 *
 * Time of day: a share of people (`preferredShare`) has a preferred local hour; their 24 hourly
 * factors are a circular bump at that hour over a flat floor, the others are flat. Each person's
 * factors average exactly 1 over the day, so sending at a uniformly random hour leaves the
 * propensity unchanged on average, and timing a send well lifts it.
 */
import { cumulate, type Rng } from '../seed/rng.js';
import { FIRST_NAMES, LAST_NAMES, TIER_CUMULATIVE, TIERS, type Tier } from '../seed/catalog.js';
import { betaAround, streamOf } from './random.js';
import { SIM_ZONES, type SimZone } from './zones.js';

export interface VariantRates {
  /** Population mean of P(open | delivered). */
  open: number;
  /** Population mean of P(click | opened). */
  click: number;
  /** Population mean of P(conversion | clicked); default 0 (no conversions). */
  conversion?: number;
}

export interface PopulationOptions {
  seed: number;
  size: number;
  /** Rates per variant key (the campaign's variant keys, e.g. A and B). */
  variants: Record<string, VariantRates>;
  /** κ of the per-person Beta around each mean (default 20); larger means more alike. */
  concentration?: number;
  /** Share of people with a preferred hour (default 0.6); the others engage alike at any hour. */
  preferredShare?: number;
  /** Standard deviation in hours of the preferred-hour bump (default 2). */
  peakWidthHours?: number;
  /** Height of the bump over the flat floor before normalising (default 2: the peak hour is ~2.1x the day's mean). */
  peakBoost?: number;
  /** Zones to draw from (default SIM_ZONES). */
  zones?: readonly SimZone[];
  /**
   * Order values (lognormal): the population's median order value, the spread of people's own
   * medians around it (log-sd `sigma`), and of one person's orders around theirs (`withinSigma`).
   */
  value?: { median?: number; sigma?: number; withinSigma?: number };
  /** Id prefix (default 'sim_'): ids are `sim_000001`, `sim_000002`, ... */
  idPrefix?: string;
}

export interface ResolvedPopulationOptions {
  seed: number;
  size: number;
  variants: Record<string, Required<VariantRates>>;
  concentration: number;
  preferredShare: number;
  peakWidthHours: number;
  peakBoost: number;
  zones: readonly SimZone[];
  value: { median: number; sigma: number; withinSigma: number };
  idPrefix: string;
}

/** What only the simulator knows about a person. */
export interface UserTruth {
  /** P(open | delivered) per variant key, before the hour factor. */
  open: Record<string, number>;
  /** P(click | opened) per variant key. */
  click: Record<string, number>;
  /** P(conversion | clicked) per variant key. */
  conversion: Record<string, number>;
  /** The local hour (0-23) this person engages most at, or null for no preference. */
  preferredHour: number | null;
  /** Factor per local hour 0-23; the 24 average exactly 1. */
  hourWeights: readonly number[];
  /** Median of this person's order values. */
  valueMedian: number;
}

export interface SimUser {
  index: number;
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  country: string | null;
  locale: string;
  timezone: string;
  tier: Tier;
  /** The browser or mail client their hits come from (a person's, never a proxy's or scanner's). */
  userAgent: string;
  /** How long before loading they signed up, in days. */
  signupDaysAgo: number;
  truth: UserTruth;
}

export interface Population {
  options: ResolvedPopulationOptions;
  users: SimUser[];
  byId: ReadonlyMap<string, SimUser>;
}

/** Local hours people prefer: a morning, a lunch and an evening peak (relative weights, hour 0-23). */
const PREFERRED_HOUR_CUMULATIVE = cumulate([
  0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 3, 2.5, 1.5, 1.5, 2.5, 2, 1.2, 1, 1, 1.2, 1.8, 2.5, 3, 2.5, 1.2, 0.5,
]);

const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
] as const;

export function resolvePopulationOptions(opts: PopulationOptions): ResolvedPopulationOptions {
  const problems: string[] = [];
  const unit = (name: string, v: number) => {
    if (!(Number.isFinite(v) && v >= 0 && v <= 1)) problems.push(`${name} must be between 0 and 1 (got ${v})`);
  };
  if (!Number.isSafeInteger(opts.seed)) problems.push(`seed must be an integer (got ${opts.seed})`);
  if (!Number.isSafeInteger(opts.size) || opts.size < 0 || opts.size > 999_999_999) problems.push(`size must be an integer 0-999,999,999 (got ${opts.size})`);
  const keys = Object.keys(opts.variants ?? {});
  if (keys.length === 0) problems.push('variants must name at least one variant key');
  const variants: Record<string, Required<VariantRates>> = {};
  for (const key of keys.sort()) {
    const r = opts.variants[key]!;
    const rates = { open: r.open, click: r.click, conversion: r.conversion ?? 0 };
    for (const [name, v] of Object.entries(rates)) unit(`variants.${key}.${name}`, v);
    variants[key] = rates;
  }
  const concentration = opts.concentration ?? 20;
  if (!(concentration > 0 && Number.isFinite(concentration))) problems.push(`concentration must be > 0 (got ${concentration})`);
  const preferredShare = opts.preferredShare ?? 0.6;
  unit('preferredShare', preferredShare);
  const peakWidthHours = opts.peakWidthHours ?? 2;
  if (!(peakWidthHours > 0 && peakWidthHours <= 24)) problems.push(`peakWidthHours must be in (0, 24] (got ${peakWidthHours})`);
  const peakBoost = opts.peakBoost ?? 2;
  if (!(peakBoost >= 0 && Number.isFinite(peakBoost))) problems.push(`peakBoost must be >= 0 (got ${peakBoost})`);
  const zones = opts.zones ?? SIM_ZONES;
  if (zones.length === 0 || zones.some((z) => !(z.weight > 0))) problems.push('zones must be non-empty with positive weights');
  const value = { median: opts.value?.median ?? 40, sigma: opts.value?.sigma ?? 0.6, withinSigma: opts.value?.withinSigma ?? 0.3 };
  if (!(value.median > 0) || !(value.sigma >= 0) || !(value.withinSigma >= 0)) problems.push('value needs median > 0 and sigmas >= 0');
  if (problems.length > 0) throw new RangeError(`invalid population options: ${problems.join('; ')}`);
  return { seed: opts.seed, size: opts.size, variants, concentration, preferredShare, peakWidthHours, peakBoost, zones, value, idPrefix: opts.idPrefix ?? 'sim_' };
}

/** The population for `opts`: the same options always give the same people, ids and truths. */
export function generatePopulation(opts: PopulationOptions): Population {
  const o = resolvePopulationOptions(opts);
  const zoneCumulative = cumulate(o.zones.map((z) => z.weight));
  const users: SimUser[] = [];
  for (let i = 0; i < o.size; i++) users.push(generateUser(o, i, zoneCumulative));
  return { options: o, users, byId: new Map(users.map((u) => [u.id, u])) };
}

function generateUser(o: ResolvedPopulationOptions, index: number, zoneCumulative: readonly number[]): SimUser {
  // One stream for the profile, one per variant key: adding a variant changes no one's other draws.
  const p = streamOf(o.seed, 'profile', index);
  const zone = o.zones[p.weighted(zoneCumulative)]!;
  const tier = TIERS[p.weighted(TIER_CUMULATIVE)]!;
  const firstName = p.pick(FIRST_NAMES);
  const lastName = p.pick(LAST_NAMES);
  const userAgent = p.pick(USER_AGENTS);
  const signupDaysAgo = p.int(1, 720);
  const preferredHour = p.chance(o.preferredShare) ? p.weighted(PREFERRED_HOUR_CUMULATIVE) : null;
  const valueMedian = o.value.median * Math.exp(o.value.sigma * p.normal());

  const truth: UserTruth = { open: {}, click: {}, conversion: {}, preferredHour, hourWeights: hourWeights(preferredHour, o), valueMedian };
  for (const [key, rates] of Object.entries(o.variants)) {
    const v: Rng = streamOf(o.seed, 'variant', key, index);
    truth.open[key] = betaAround(v, rates.open, o.concentration);
    truth.click[key] = betaAround(v, rates.click, o.concentration);
    truth.conversion[key] = betaAround(v, rates.conversion, o.concentration);
  }
  const id = `${o.idPrefix}${String(index + 1).padStart(6, '0')}`;
  return {
    index, id, email: `${firstName.toLowerCase()}.${id}@example.com`, firstName, lastName,
    country: zone.country, locale: zone.locale, timezone: zone.tz, tier, userAgent, signupDaysAgo, truth,
  };
}

/** 24 factors with mean exactly 1: flat without a preferred hour, else a circular Gaussian bump over a floor. */
export function hourWeights(preferredHour: number | null, o: Pick<ResolvedPopulationOptions, 'peakWidthHours' | 'peakBoost'>): number[] {
  if (preferredHour === null) return Array.from({ length: 24 }, () => 1);
  const raw = Array.from({ length: 24 }, (_, h) => {
    const d = Math.min(Math.abs(h - preferredHour), 24 - Math.abs(h - preferredHour));
    return 1 + o.peakBoost * Math.exp(-(d * d) / (2 * o.peakWidthHours * o.peakWidthHours));
  });
  const mean = raw.reduce((s, w) => s + w, 0) / 24;
  return raw.map((w) => w / mean);
}

/** The person's factor at a local hour (0-23); averages 1 over the day. */
export function hourFactor(user: SimUser, hour: number): number {
  const w = user.truth.hourWeights[hour];
  if (w === undefined) throw new RangeError(`local hour must be 0-23 (got ${hour})`);
  return w;
}

/** The mean of a person's order values: their median times exp(withinSigma²/2) (lognormal). */
export function expectedOrderValue(pop: Population, user: SimUser): number {
  const s = pop.options.value.withinSigma;
  return user.truth.valueMedian * Math.exp((s * s) / 2);
}

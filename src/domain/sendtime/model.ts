/**
 * The send-time model (pure): when each person engages, learned from when they opened what was
 * sent to them, corrected for when it was sent.
 *
 * Opens are a point process: a delivered email is opened at local time t with intensity
 * b·a(hour(t))·k(t − sent), where a is the person's activity by local hour, b their overall
 * responsiveness and k the attention a message gets as it ages (how fast it sinks in the inbox).
 * The maximum-likelihood activity for an hour is the opens in that hour divided by the exposure
 * to that hour: for every message, the attention k it still had during that hour. That division
 * is what a histogram of open times (Braze's "most engaged hour") leaves out: after years of
 * 10:00 sends everyone looks most engaged at 10-12, because that is when their mail arrived.
 *
 * Per person only two counts per local hour are stored (sends by the hour they went out, first
 * opens within the horizon by the hour they happened), so exposure is recomputed from the sends
 * with the kernel in force: E_h = Σ_s sends_s · k_((h − s) mod 24).
 *
 * Estimates are shrunk by empirical Bayes (Gamma-Poisson), three levels deep:
 *   population  hourly rates around the population's mean, strength from the between-hour variance;
 *   segment     (when sending to one) around the population's profile, strength likewise;
 *   person      around b̂·θ_group(h), with b̂ their own level shrunk to the group's, and the
 *               strengths β (per hour) and β_b (overall) estimated by moments over a sample of people.
 * A new person thus gets the group's best hour, a heavy one their own. The shrunk rates are then
 * smoothed over neighbouring hours (activity is smooth in time). Rates, not counts: smoothing
 * opens and exposure separately would credit the hour before a frequent send hour with opens
 * it has no exposure for. The population's hour-of-week counts give a day-of-week modulation
 * per hour, shrunk to 1 by the same method.
 *
 * The kernel k and the population's activity are fitted jointly, by maximum likelihood on the
 * population's first opens by (local send hour, hours since sending): opens[s][j] ~ Poisson(
 * sends_s·k_j·λ(s + j)), alternating the two closed-form updates (a rank-one Poisson
 * factorization). Sends at many hours (the randomized control group, exploration, optimized
 * sends) separate the two; a history sent at one hour alone cannot (a late open may be a slow
 * reader or a late riser), so the fit includes a little pseudo-data sent at every hour with an
 * exponential 3-hour decay and flat activity, which decides what the data leaves open. Only opens
 * within HORIZON_HOURS of the send count: beyond that exposure is tiny and the ratio is noise.
 */
import { HOURS_PER_DAY, HOURS_PER_WEEK } from './local-slots.js';

/** Opens later than this after the send are not used (see above). */
export const HORIZON_HOURS = 12;
/** The pseudo-data of the population fit: an exponential decay with this mean, worth this many opens. */
const PRIOR_KERNEL_MEAN_HOURS = 3;
const PSEUDO_OPENS = 100;
/** Below this many real opens the fit is mostly the pseudo-data: reported as the prior. */
const FITTED_MIN_OPENS = 500;
const FIT_ITERATIONS = 200;
/** Weight of each neighbouring hour when hourly rates are smoothed. */
const NEIGHBOUR_WEIGHT = 0.25;
const MIN_STRENGTH = 0.5;
const MAX_STRENGTH = 1e6;

/** A person's (or a group's) counts by local hour of the day. */
export interface HourCounts {
  /** Emails sent, by the local hour they went out. */
  sends: number[];
  /** First opens within the horizon, by the local hour they happened. */
  opens: number[];
}

/** The population's counts (one per workspace). */
export interface PopulationCounts {
  /** By local hour of the week (168). */
  sends: number[];
  opens: number[];
  /** First opens by local send hour and whole hours since the send: index send_hour · HORIZON_HOURS + lag. */
  lagOpens: number[];
}

/** What scoring a person needs besides their own counts: fixed for one send. */
export interface ModelSnapshot {
  /** Attention per hour of age, HORIZON_HOURS values summing to 1. */
  kernel: number[];
  /** fitted from the population's opens, or mostly the prior (too few opens yet). */
  kernelSource: 'fitted' | 'prior';
  /** The group's (segment's, else population's) relative activity by local hour, mean 1. */
  theta: number[];
  /** The group's opens per unit of exposure. */
  groupRate: number;
  /** Day-of-week modulation by local hour of the week, around 1. */
  weekly: number[];
  /** Prior strengths, in units of exposure: per hour, and for a person's overall level. */
  beta: number;
  betaLevel: number;
}

export const zeros = (n: number): number[] => new Array<number>(n).fill(0);
export const emptyCounts = (): HourCounts => ({ sends: zeros(HOURS_PER_DAY), opens: zeros(HOURS_PER_DAY) });
export const emptyPopulation = (): PopulationCounts => ({
  sends: zeros(HOURS_PER_WEEK), opens: zeros(HOURS_PER_WEEK), lagOpens: zeros(HOURS_PER_DAY * HORIZON_HOURS),
});
export const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
const clampStrength = (x: number) => (Number.isFinite(x) && x > 0 ? Math.min(MAX_STRENGTH, Math.max(MIN_STRENGTH, x)) : MAX_STRENGTH);

/** The exponential prior's mass per hour of age over the horizon, normalised to 1. */
export function priorKernel(meanHours = PRIOR_KERNEL_MEAN_HOURS): number[] {
  const k = Array.from({ length: HORIZON_HOURS }, (_, j) => Math.exp(-j / meanHours) - Math.exp(-(j + 1) / meanHours));
  const total = sum(k);
  return k.map((x) => x / total);
}

export interface PopulationFit {
  kernel: number[];
  /** Relative activity by local hour of the day, mean 1. */
  theta: number[];
  /** Opens per unit of exposure at an average hour. */
  rate: number;
  source: ModelSnapshot['kernelSource'];
}

/** The joint maximum-likelihood fit of the attention kernel and the population's hourly activity (see above). */
export function fitPopulation(p: PopulationCounts): PopulationFit {
  const H = HORIZON_HOURS;
  const D = HOURS_PER_DAY;
  const k0 = priorKernel();
  const sends = byHourOfDay(p.sends);
  const realOpens = sum(p.lagOpens);
  const totalSends = sum(sends);
  const r0 = totalSends > 0 && realOpens > 0 ? realOpens / totalSends : 0.1;
  // Pseudo-data: PSEUDO_OPENS opens from sends spread over every hour, flat activity, decay k0.
  const pseudoSends = PSEUDO_OPENS / r0 / D;
  const n = sends.map((x) => x + pseudoSends);
  const o = Array.from({ length: D * H }, (_, i) => p.lagOpens[i]! + pseudoSends * r0 * k0[i % H]!);
  let k = [...k0];
  let lambda = zeros(D).map(() => r0);
  for (let it = 0; it < FIT_ITERATIONS; it++) {
    const num = zeros(D);
    const den = zeros(D);
    for (let s = 0; s < D; s++) for (let j = 0; j < H; j++) {
      num[(s + j) % D]! += o[s * H + j]!;
      den[(s + j) % D]! += n[s]! * k[j]!;
    }
    lambda = num.map((x, h) => x / den[h]!);
    const kn = zeros(H);
    const kd = zeros(H);
    for (let s = 0; s < D; s++) for (let j = 0; j < H; j++) {
      kn[j]! += o[s * H + j]!;
      kd[j]! += n[s]! * lambda[(s + j) % D]!;
    }
    k = kn.map((x, j) => x / kd[j]!);
    // Only the product is identified: keep the kernel's mass at 1.
    const mass = sum(k);
    k = k.map((x) => x / mass);
    lambda = lambda.map((x) => x * mass);
  }
  // No smoothing here: the population has the data, and people's rates are smoothed anyway.
  const rate = sum(lambda) / D;
  return { kernel: k, theta: lambda.map((x) => x / rate), rate, source: realOpens >= FITTED_MIN_OPENS ? 'fitted' : 'prior' };
}

/** Exposure by local hour of the day: each send's remaining attention, hour by hour. */
export function exposure(sends: readonly number[], kernel: readonly number[]): number[] {
  const n = sends.length;
  const e = zeros(n);
  for (let s = 0; s < n; s++) {
    const c = sends[s]!;
    if (c === 0) continue;
    for (let j = 0; j < kernel.length; j++) e[(s + j) % n]! += c * kernel[j]!;
  }
  return e;
}

/** Circular smoothing over neighbouring hours (mass-preserving). */
export function smooth(xs: readonly number[]): number[] {
  const n = xs.length;
  return xs.map((x, h) => (1 - 2 * NEIGHBOUR_WEIGHT) * x + NEIGHBOUR_WEIGHT * (xs[(h + n - 1) % n]! + xs[(h + 1) % n]!));
}

/** Folds hour-of-week counts into hour-of-day counts. */
export function byHourOfDay(week: readonly number[]): number[] {
  const day = zeros(HOURS_PER_DAY);
  week.forEach((x, i) => (day[i % HOURS_PER_DAY]! += x));
  return day;
}

/**
 * Gamma-Poisson shrinkage of hourly rates toward `prior` (rates, not relative): the strength,
 * in units of exposure, by moments: Var(o_h) = E_h·m_h + E_h²·m_h/β.
 */
export function shrinkHours(opens: readonly number[], expo: readonly number[], prior: readonly number[]): { rates: number[]; strength: number } {
  let num = 0;
  let den = 0;
  opens.forEach((o, h) => {
    const e = expo[h]!;
    const m = prior[h]!;
    num += e * e * m;
    den += (o - e * m) ** 2 - e * m;
  });
  const strength = den > 0 ? clampStrength(num / den) : MAX_STRENGTH;
  return { rates: smooth(opens.map((o, h) => (o + strength * prior[h]!) / (expo[h]! + strength))), strength };
}

/** Relative profile (mean 1 over the day) and mean rate of a group's counts, shrunk toward `parent` (relative) when given, else flat. */
export function groupProfile(c: HourCounts, kernel: readonly number[], parent?: readonly number[]): { theta: number[]; rate: number } {
  const expo = exposure(c.sends, kernel);
  const totalE = sum(expo);
  const rate = totalE > 0 ? sum(c.opens) / totalE : 0;
  if (rate <= 0) return { theta: parent ? [...parent] : zeros(HOURS_PER_DAY).map(() => 1), rate };
  const base = parent ?? zeros(HOURS_PER_DAY).map(() => 1);
  const { rates } = shrinkHours(c.opens, expo, base.map((t) => rate * t));
  const mean = sum(rates) / HOURS_PER_DAY;
  return { theta: rates.map((r) => r / mean), rate };
}

/**
 * Day-of-week modulation by hour of the week: the rate at (day, hour) over the rate at that hour
 * on any day, shrunk toward 1 with a strength from the between-day variance.
 */
export function weeklyModulation(p: PopulationCounts, kernel: readonly number[]): number[] {
  const expoWeek = exposure(p.sends, kernel);
  const opensDay = byHourOfDay(p.opens);
  const expoDay = byHourOfDay(expoWeek);
  const r = opensDay.map((o, h) => (expoDay[h]! > 0 ? o / expoDay[h]! : 0));
  // Var(o_dh) = E r + E² r² τ²: τ² is the variance of the modulation across days.
  let num = 0;
  let den = 0;
  for (let w = 0; w < HOURS_PER_WEEK; w++) {
    const e = expoWeek[w]!;
    const rh = r[w % HOURS_PER_DAY]!;
    if (e <= 0 || rh <= 0) continue;
    num += (p.opens[w]! - e * rh) ** 2 - e * rh;
    den += e * e * rh * rh;
  }
  const tau2 = den > 0 ? num / den : 0;
  if (!(tau2 > 0)) return zeros(HOURS_PER_WEEK).map(() => 1);
  return p.opens.map((o, w) => {
    const rh = r[w % HOURS_PER_DAY]!;
    if (rh <= 0) return 1;
    const strength = 1 / (rh * tau2);
    return (o + strength * rh) / (expoWeek[w]! + strength) / rh;
  });
}

/**
 * Prior strengths for people, by moments over a sample of their counts: per hour around
 * b·θ(h) with b the group rate, and for their overall level around the group rate.
 */
export function personStrengths(sample: readonly HourCounts[], kernel: readonly number[], theta: readonly number[], rate: number): { beta: number; betaLevel: number } {
  let hn = 0;
  let hd = 0;
  let ln = 0;
  let ld = 0;
  for (const c of sample) {
    const expo = exposure(c.sends, kernel);
    let so = 0;
    let se = 0;
    for (let h = 0; h < HOURS_PER_DAY; h++) {
      const e = expo[h]!;
      so += c.opens[h]!;
      se += e;
      if (e <= 0.01) continue;
      const m = rate * theta[h]!;
      hn += e * e * m;
      hd += (c.opens[h]! - e * m) ** 2 - e * m;
    }
    if (se <= 0) continue;
    ln += se * se * rate;
    ld += (so - se * rate) ** 2 - se * rate;
  }
  return { beta: hd > 0 ? clampStrength(hn / hd) : MAX_STRENGTH, betaLevel: ld > 0 ? clampStrength(ln / ld) : MAX_STRENGTH };
}

/** Everything scoring needs for one send: population, then segment, then the sample's strengths. */
export function buildSnapshot(p: PopulationCounts, segment: HourCounts | null, sample: readonly HourCounts[]): ModelSnapshot {
  const population = fitPopulation(p);
  const { kernel, source } = population;
  const group = segment && sum(segment.sends) > 0 ? groupProfile(segment, kernel, population.theta) : population;
  const rate = group.rate > 0 ? group.rate : population.rate;
  const { beta, betaLevel } = personStrengths(sample, kernel, group.theta, rate);
  return { kernel, kernelSource: source, theta: group.theta, groupRate: rate, weekly: weeklyModulation(p, kernel), beta, betaLevel };
}

/** A person's estimated opens per unit of exposure, by local hour of the day. */
export function personRates(c: HourCounts, m: ModelSnapshot): number[] {
  const expo = exposure(c.sends, m.kernel);
  const so = sum(c.opens);
  const se = sum(expo);
  const level = m.groupRate > 0 ? (so + m.betaLevel * m.groupRate) / (se + m.betaLevel) : 0;
  return smooth(c.opens.map((o, h) => (o + m.beta * level * m.theta[h]!) / (expo[h]! + m.beta)));
}

/** Expected opens of an email sent at the start of local hour `week` (0-167), given a person's rates. */
export function expectedOpens(rates: readonly number[], m: ModelSnapshot, week: number): number {
  let f = 0;
  for (let j = 0; j < m.kernel.length; j++) {
    const w = (week + j) % HOURS_PER_WEEK;
    f += m.kernel[j]! * rates[w % HOURS_PER_DAY]! * m.weekly[w]!;
  }
  return f;
}

/** How much of a person's estimate at each hour is their own evidence rather than the prior (0-1). */
export function ownShare(c: HourCounts, m: ModelSnapshot): number[] {
  return smooth(exposure(c.sends, m.kernel).map((x) => x / (x + m.beta)));
}

/**
 * Seeded Monte Carlo trials of the experiment statistics in src/domain/experiments: type I error
 * under continuous peeking (A/A), power, sequential SRM false alarms and detection, and the
 * batched Thompson-sampling bandit with delayed clicks. Used by the acceptance tests and
 * bench/experiments.ts. Pure and deterministic: one pure-rand Mersenne Twister stream per call
 * (seededUniform), consumed in a fixed order, so a seed always gives the same result.
 *
 * Speed: the tests only ever see the counts at a look, so the units between two looks are drawn
 * as binomial counts (exact inversion of the binomial CDF, tabulated once per trial from the pmf
 * via stdlib gammaln) instead of one by one: three uniforms per look instead of three per unit.
 * The bandit, whose weights change per batch and whose clicks mature on a clock, is simulated one
 * send at a time.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import exponential from '@stdlib/random-base-exponential';
import { invalidInput } from '../domain/errors.js';
import { banditUpdate } from '../domain/experiments/bandit.js';
import type { ArmCounts } from '../domain/experiments/bayes.js';
import { twoProportionTest } from '../domain/experiments/frequentist.js';
import { groupSequentialBoundaries, type Spending } from '../domain/experiments/group-sequential.js';
import { sequentialRateTest } from '../domain/experiments/sequential.js';
import { sequentialSrm } from '../domain/experiments/srm.js';
import { seededUniform } from '../domain/scores/simulate.js';

// ---------------------------------------------------------------------------------------------
// Binomial draws by inversion
// ---------------------------------------------------------------------------------------------

/**
 * CDF tables of Binomial(n, p) for n = 0..maxN: table[n][k] = P(X ≤ k), from the pmf
 * C(n, k) p^k (1 − p)^(n − k) in log space (stdlib gammaln). The last entry is set to exactly 1.
 */
export function binomialTables(maxN: number, p: number): Float64Array[] {
  if (!(p >= 0 && p <= 1)) throw invalidInput(`p must be in [0, 1], got ${p}`);
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  const tables: Float64Array[] = [];
  for (let n = 0; n <= maxN; n++) {
    const cdf = new Float64Array(n + 1);
    let acc = 0;
    for (let k = 0; k <= n; k++) {
      const logPmf = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1) + (k > 0 ? k * lp : 0) + (n - k > 0 ? (n - k) * lq : 0);
      acc += Math.exp(logPmf);
      cdf[k] = Math.min(1, acc);
    }
    cdf[n] = 1;
    tables.push(cdf);
  }
  return tables;
}

/** The smallest k with u < cdf[k] (binary search): a Binomial draw from one uniform u in [0, 1). */
export function invertCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (u < cdf[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function checkSims(sims: number): void {
  if (!(Number.isInteger(sims) && sims >= 1)) throw invalidInput(`sims must be a positive integer, got ${sims}`);
}

function lookSchedule(maxUnits: number, peekEvery: number): number[] {
  if (!(Number.isInteger(maxUnits) && maxUnits >= 1)) throw invalidInput(`maxUnits must be a positive integer, got ${maxUnits}`);
  if (!(Number.isInteger(peekEvery) && peekEvery >= 1)) throw invalidInput(`peekEvery must be a positive integer, got ${peekEvery}`);
  const looks: number[] = [];
  for (let n = peekEvery; n < maxUnits; n += peekEvery) looks.push(n);
  looks.push(maxUnits);
  return looks;
}

// ---------------------------------------------------------------------------------------------
// Two-arm conversion tests under peeking
// ---------------------------------------------------------------------------------------------

export type RateMethod = 'sequential_rate' | 'group_sequential' | 'naive_z';

export interface PeekingOptions {
  method: RateMethod;
  sims: number;
  seed: number;
  /** Units (sends) in total, both arms (default 20,000). */
  maxUnits?: number;
  /** Look after every this many units (default 100). */
  peekEvery?: number;
  /** Two-sided level (default 0.05). */
  alpha?: number;
  /** Variant share of the random assignment (default 0.5). */
  allocation?: number;
  /** group_sequential: spending function (default O'Brien–Fleming type). */
  spending?: Spending;
  /** sequential_rate: Beta mixture concentration (default the test's). */
  concentration?: number;
}

/** Per simulation: the look index of the first rejection (−1: none) and its sign (+1: variant better). */
interface RateRun {
  firstLook: Int32Array;
  direction: Int8Array;
  looks: number[];
}

/**
 * Core of aaPeekingTrial and powerTrial: units are assigned to the variant with probability
 * `allocation` and convert with the arm's rate; after every `peekEvery` units the method looks at
 * the counts and the run stops at its first rejection.
 * - naive_z: twoProportionTest's p < alpha at a look (the fixed-sample test, peeked at).
 * - group_sequential: the pooled z of twoProportionTest against the Lan–DeMets boundary at
 *   information fraction n/maxUnits (boundaries computed once for the whole look schedule).
 * - sequential_rate: sequentialRateTest significant (e-value ≥ 1/alpha).
 */
function runRateTrial(pA: number, pB: number, opts: PeekingOptions): RateRun {
  const { sims, seed, method } = opts;
  const maxUnits = opts.maxUnits ?? 20000;
  const peekEvery = opts.peekEvery ?? 100;
  const alpha = opts.alpha ?? 0.05;
  const w = opts.allocation ?? 0.5;
  checkSims(sims);
  if (!(w > 0 && w < 1)) throw invalidInput(`allocation must be in (0, 1), got ${w}`);
  if (!['sequential_rate', 'group_sequential', 'naive_z'].includes(method)) throw invalidInput(`unknown method '${method}'`);
  const looks = lookSchedule(maxUnits, peekEvery);
  const boundaries = method === 'group_sequential' ? groupSequentialBoundaries(looks.map((n) => n / maxUnits), alpha, opts.spending) : [];
  const assign = binomialTables(peekEvery, w);
  const convA = binomialTables(peekEvery, pA);
  const convB = binomialTables(peekEvery, pB);
  const u = seededUniform(seed);
  const firstLook = new Int32Array(sims).fill(-1);
  const direction = new Int8Array(sims);
  const rateOpts = { allocation: w, alpha, ...(opts.concentration !== undefined ? { concentration: opts.concentration } : {}) };

  for (let s = 0; s < sims; s++) {
    let nA = 0;
    let nB = 0;
    let xA = 0;
    let xB = 0;
    let prev = 0;
    for (let k = 0; k < looks.length; k++) {
      const block = looks[k]! - prev;
      prev = looks[k]!;
      // Always three uniforms per look, so the stream (and every later simulation) does not
      // depend on where this one stops.
      const toB = invertCdf(assign[block]!, u());
      const cA = invertCdf(convA[block - toB]!, u());
      const cB = invertCdf(convB[toB]!, u());
      nA += block - toB;
      nB += toB;
      xA += cA;
      xB += cB;
      if (firstLook[s]! >= 0) continue;
      let reject = false;
      let sign = 0;
      if (method === 'sequential_rate') {
        const r = sequentialRateTest({ successes: xA, trials: nA }, { successes: xB, trials: nB }, rateOpts);
        reject = r.significant;
        sign = reject && r.ratioCi ? (r.ratioCi[0] > 1 ? 1 : -1) : 0;
      } else {
        const r = twoProportionTest(xA, nA, xB, nB, { alpha });
        if (method === 'naive_z') reject = r.significant;
        else reject = r.z !== null && Math.abs(r.z) >= boundaries[k]!;
        sign = r.diff !== null && r.diff > 0 ? 1 : -1;
      }
      if (reject) {
        firstLook[s] = k;
        direction[s] = sign;
      }
    }
  }
  return { firstLook, direction, looks };
}

export interface AaPeekingResult {
  /** Share of simulations that rejected H0 at some look although both arms have the same rate. */
  falsePositiveRate: number;
  sims: number;
}

/** A/A test peeked at every `peekEvery` units: both arms convert at `rate`. */
export function aaPeekingTrial(opts: PeekingOptions & { rate: number }): AaPeekingResult {
  if (!(opts.rate > 0 && opts.rate < 1)) throw invalidInput(`rate must be in (0, 1), got ${opts.rate}`);
  const run = runRateTrial(opts.rate, opts.rate, opts);
  let fp = 0;
  for (const k of run.firstLook) if (k >= 0) fp++;
  return { falsePositiveRate: fp / opts.sims, sims: opts.sims };
}

export interface PowerResult {
  /** Share of simulations whose first rejection says the variant is better (the true direction when variant > control). */
  power: number;
  /** Share whose first rejection is in the wrong direction. */
  wrongDirection: number;
  /** Mean units at the first correct rejection (over the runs that detected). */
  meanUnitsAtDetection: number | null;
  sims: number;
}

/** Power under peeking: control and variant rates (defaults 5% and 6%). */
export function powerTrial(opts: PeekingOptions & { control?: number; variant?: number }): PowerResult {
  const pA = opts.control ?? 0.05;
  const pB = opts.variant ?? 0.06;
  for (const p of [pA, pB]) if (!(p > 0 && p < 1)) throw invalidInput(`rates must be in (0, 1), got ${p}`);
  const run = runRateTrial(pA, pB, opts);
  const want = pB >= pA ? 1 : -1;
  let right = 0;
  let wrong = 0;
  let units = 0;
  for (let s = 0; s < opts.sims; s++) {
    const k = run.firstLook[s]!;
    if (k < 0) continue;
    if (run.direction[s] === want) {
      right++;
      units += run.looks[k]!;
    } else wrong++;
  }
  return { power: right / opts.sims, wrongDirection: wrong / opts.sims, meanUnitsAtDetection: right > 0 ? units / right : null, sims: opts.sims };
}

// ---------------------------------------------------------------------------------------------
// Sequential SRM
// ---------------------------------------------------------------------------------------------

export interface SrmTrialResult {
  /** Share of simulations flagged at some look up to maxUnits. */
  alarmRate: number;
  /** Share flagged at or before n units. */
  alarmByUnits(n: number): number;
  /** Per simulation, units at the first alarm (null: none). */
  firstAlarm: Array<number | null>;
  sims: number;
}

/**
 * Two arms, each unit going to arm 1 with probability `trueShare` while the configured split is
 * `expectedShare` (default 0.5); sequentialSrm is checked every `peekEvery` units up to maxUnits.
 */
export function srmTrial(opts: {
  trueShare: number;
  maxUnits: number;
  sims: number;
  seed: number;
  peekEvery?: number;
  expectedShare?: number;
  threshold?: number;
  concentration?: number;
}): SrmTrialResult {
  const { trueShare, maxUnits, sims, seed } = opts;
  const peekEvery = opts.peekEvery ?? 100;
  const expected = opts.expectedShare ?? 0.5;
  checkSims(sims);
  if (!(trueShare > 0 && trueShare < 1)) throw invalidInput(`trueShare must be in (0, 1), got ${trueShare}`);
  if (!(expected > 0 && expected < 1)) throw invalidInput(`expectedShare must be in (0, 1), got ${expected}`);
  const looks = lookSchedule(maxUnits, peekEvery);
  const tables = binomialTables(peekEvery, trueShare);
  const weights = [expected, 1 - expected];
  const srmOpts = {
    ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
    ...(opts.concentration !== undefined ? { concentration: opts.concentration } : {}),
  };
  const u = seededUniform(seed);
  const firstAlarm: Array<number | null> = [];
  for (let s = 0; s < sims; s++) {
    let n1 = 0;
    let prev = 0;
    let alarm: number | null = null;
    for (const n of looks) {
      n1 += invertCdf(tables[n - prev]!, u());
      prev = n;
      if (alarm === null && sequentialSrm([n1, n - n1], weights, srmOpts).mismatch) alarm = n;
    }
    firstAlarm.push(alarm);
  }
  const sorted = firstAlarm.filter((a): a is number => a !== null).sort((a, b) => a - b);
  const alarmByUnits = (n: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= n) lo = mid + 1;
      else hi = mid;
    }
    return lo / sims;
  };
  return { alarmRate: sorted.length / sims, alarmByUnits, firstAlarm, sims };
}

// ---------------------------------------------------------------------------------------------
// Bandit with delayed clicks
// ---------------------------------------------------------------------------------------------

export interface BanditTrialOptions {
  sims: number;
  seed: number;
  /** True click rates per arm (default 3.0%, 3.3%, 3.6%, 4.0%). */
  rates?: readonly number[];
  /** Sends in total (default 40,000), arriving evenly over `days` (default 10). */
  sends?: number;
  days?: number;
  /** Click delay: exponential with this mean in hours (default 6). */
  meanDelayHours?: number;
  /** Evaluation window in hours (default 24): a click later than this never counts, and a send is used only once its window has closed. */
  windowHours?: number;
  /** Weights are recomputed every this many sends (default 1,000). */
  batch?: number;
  /** Posterior draws per update (default 2,000: Monte Carlo error of a weight ≤ 0.011, and 40 updates × 200 runs stay within a test's budget). */
  draws?: number;
  /** Thompson floor per arm (default 0.01). */
  minWeight?: number;
  /** Stop on value remaining (default false): from then on every send goes to the champion. */
  valueRemainingStop?: boolean;
  /** Value-remaining threshold (default 0.01). */
  stopThreshold?: number;
  /** Top-two Thompson sampling with this β; absent: plain Thompson. */
  topTwo?: number;
  /** The value-remaining stop needs the champion to have this many matured sends (default 0). */
  minChampion?: number;
  /** Percentile of the relative regret for the value remaining (default 0.95). */
  quantile?: number;
}

export interface BanditSimResult {
  /** Σ over sends of (p_best − p_arm): expected clicks lost against always sending the best arm. */
  regret: number;
  /** The same for a uniform split of the same sends: sends · (p_best − mean p). */
  uniformRegret: number;
  /** Champion when every window has closed. */
  chosen: number;
  /** Send index at which value remaining stopped the exploration (null: never). */
  stoppedAt: number | null;
}

export interface BanditTrialResult {
  meanRegret: number;
  uniformRegret: number;
  /** Share of runs whose chosen arm is the truly best one. */
  bestChosenRate: number;
  /** Share of runs stopped by value remaining. */
  stoppedRate: number;
  perSim: BanditSimResult[];
}

/**
 * Batched Thompson sampling as the server runs it (banditUpdate): sends arrive evenly over `days`;
 * send j (time j·days/sends) goes to an arm drawn from the current weights; it clicks with the
 * arm's rate, after an exponential delay (mean `meanDelayHours`), and the click counts only if it
 * comes within `windowHours`. Every `batch` sends the weights are recomputed from ONLY the sends
 * whose window has closed by then (matured counts); with the (optional) value-remaining stop on, once
 * banditUpdate says stop, the rest of the sends go to the champion and no more updates run. At the
 * end (all windows closed) the champion on all sends is the chosen arm.
 */
export function banditTrial(opts: BanditTrialOptions): BanditTrialResult {
  const rates = opts.rates ?? [0.03, 0.033, 0.036, 0.04];
  const sends = opts.sends ?? 40000;
  const days = opts.days ?? 10;
  const meanDelay = opts.meanDelayHours ?? 6;
  const windowH = opts.windowHours ?? 24;
  const batch = opts.batch ?? 1000;
  const draws = opts.draws ?? 2000;
  const minWeight = opts.minWeight ?? 0.01;
  const stopOn = opts.valueRemainingStop ?? false;
  const stopThreshold = opts.stopThreshold ?? 0.01;
  const { sims, seed } = opts;
  checkSims(sims);
  const k = rates.length;
  if (k < 2 || k > 255 || !rates.every((p) => p >= 0 && p <= 1)) throw invalidInput('rates: 2 to 255 click rates in [0, 1]');
  for (const [name, v] of [
    ['sends', sends],
    ['batch', batch],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw invalidInput(`${name} must be a positive integer, got ${v}`);
  }
  if (!(days > 0 && meanDelay > 0 && windowH > 0)) throw invalidInput('days, meanDelayHours and windowHours must be positive');

  const pBest = Math.max(...rates);
  const best = rates.indexOf(pBest);
  const uniformRegret = rates.reduce((s, p) => s + (pBest - p), 0) * (sends / k);
  const hoursPerSend = (days * 24) / sends;
  const u = seededUniform(seed);
  const delay = exponential.factory(1 / meanDelay, { prng: u });
  const nextSeed = () => Math.floor(u() * 0x7fffffff);
  const armOf = new Uint8Array(sends);
  const hit = new Uint8Array(sends);
  const perSim: BanditSimResult[] = [];

  for (let s = 0; s < sims; s++) {
    const matured: ArmCounts[] = rates.map(() => ({ successes: 0, trials: 0 }));
    let maturedUpTo = 0; // sends [0, maturedUpTo) are in `matured`
    const cum = new Float64Array(k);
    let stopped = false;
    let stoppedAt: number | null = null;
    let champion = 0;
    let regret = 0;
    for (let j = 0; j < sends; j++) {
      if (!stopped && j % batch === 0) {
        const now = j * hoursPerSend;
        while (maturedUpTo < j && maturedUpTo * hoursPerSend + windowH <= now) {
          const m = matured[armOf[maturedUpTo]!]!;
          m.trials++;
          m.successes += hit[maturedUpTo]!;
          maturedUpTo++;
        }
        const r = banditUpdate(matured, { draws, seed: nextSeed(), minWeight, stopThreshold, ...(opts.quantile !== undefined ? { quantile: opts.quantile } : {}), ...(opts.topTwo !== undefined ? { topTwo: opts.topTwo } : {}) });
        let acc = 0;
        for (let i = 0; i < k; i++) cum[i] = acc += r.weights[i]!;
        if (stopOn && r.stop && matured[r.champion]!.trials >= (opts.minChampion ?? 0)) {
          stopped = true;
          stoppedAt = j;
          champion = r.champion;
        }
      }
      let arm = champion;
      if (!stopped) {
        const x = u() * cum[k - 1]!;
        arm = 0;
        while (arm < k - 1 && x >= cum[arm]!) arm++;
      }
      armOf[j] = arm;
      hit[j] = u() < rates[arm]! && delay() <= windowH ? 1 : 0;
      regret += pBest - rates[arm]!;
    }
    const all: ArmCounts[] = rates.map(() => ({ successes: 0, trials: 0 }));
    for (let j = 0; j < sends; j++) {
      const m = all[armOf[j]!]!;
      m.trials++;
      m.successes += hit[j]!;
    }
    const chosen = banditUpdate(all, { draws, seed: nextSeed() }).champion;
    perSim.push({ regret, uniformRegret, chosen, stoppedAt });
  }
  return {
    meanRegret: perSim.reduce((t, r) => t + r.regret, 0) / sims,
    uniformRegret,
    bestChosenRate: perSim.filter((r) => r.chosen === best).length / sims,
    stoppedRate: perSim.filter((r) => r.stoppedAt !== null).length / sims,
    perSim,
  };
}

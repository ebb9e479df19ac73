/**
 * Frequentist A/B test statistics for campaign experiments: a two-proportion test with the
 * Newcombe hybrid score interval, Welch's t-test for revenue per recipient, Benjamini–Hochberg
 * false-discovery-rate control across several comparisons, and sample size / duration planning.
 *
 * Convention: arm 1 is the control (A) and arm 2 the variant (B); every `diff` is arm 2 − arm 1,
 * so a positive diff means the variant did better. Swapping the arms negates diff and the interval
 * and leaves the p-value unchanged.
 *
 * Distributions come from @stdlib: the normal CDF and quantile, the Student t CDF and quantile.
 */
import normalCdfAt from '@stdlib/stats-base-dists-normal-cdf';
import quantile from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { invalidInput } from '../errors.js';
import { wilson } from '../metrics/rates.js';

// ---------------------------------------------------------------------------------------------
// Distribution helpers
// ---------------------------------------------------------------------------------------------

/** Standard normal upper tail Q(x) = Φ(−x), accurate far into the tail (@stdlib evaluates it through erfc). */
export const normalUpperTail = (x: number): number => normalCdfAt(-x, 0, 1);

/** Standard normal CDF Φ(x). */
export const normalCdf = (x: number): number => normalCdfAt(x, 0, 1);

/** Two-sided Student t tail P(|T_ν| ≥ |t|) = 2·F_ν(−|t|); ν = ∞ is the normal. */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (!Number.isFinite(df)) return Math.min(1, 2 * normalUpperTail(Math.abs(t)));
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/** Student t CDF P(T_ν ≤ t). */
export const studentTCdf = (t: number, df: number): number => (Number.isFinite(df) ? tCdf(t, df) : normalCdf(t));

/** Student t quantile t_{p, ν}. */
export const studentTQuantile = (p: number, df: number): number => (Number.isFinite(df) ? tQuantile(p, df) : quantile(p, 0, 1));

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw invalidInput(`alpha must be in (0, 1), got ${alpha}`);
}

// ---------------------------------------------------------------------------------------------
// Two proportions
// ---------------------------------------------------------------------------------------------

export interface TwoProportionResult {
  /** p2 − p1; null when either arm has no trials. */
  diff: number | null;
  /** Pooled z statistic; null when undefined (an empty arm, or a pooled rate of 0 or 1). */
  z: number | null;
  /** Two-sided p-value of the pooled z test; null when z is. */
  pValue: number | null;
  /** Newcombe hybrid score interval for p2 − p1 at level 1 − alpha; null when an arm is empty. */
  ci: [number, number] | null;
  /** pValue < alpha (false when pValue is null). */
  significant: boolean;
}

/**
 * Compare two conversion rates p1 = x1/n1 (control) and p2 = x2/n2 (variant).
 *
 * Test (pooled two-proportion z test, equivalent to Pearson's χ² without continuity correction:
 * z² = χ²; Fleiss, Levin & Paik 2003, §2.3):
 *   p̄ = (x1 + x2)/(n1 + n2),  z = (p2 − p1) / sqrt(p̄(1 − p̄)(1/n1 + 1/n2)),  p = 2·Q(|z|).
 *
 * Interval (Newcombe 1998, "Interval estimation for the difference between independent
 * proportions", Statistics in Medicine 17:873–890, method 10, the hybrid score interval): with
 * Wilson score intervals [l1, u1] for p1 and [l2, u2] for p2 at the same level,
 *   low  = (p2 − p1) − sqrt((p2 − l2)² + (u1 − p1)²)
 *   high = (p2 − p1) + sqrt((u2 − p2)² + (p1 − l1)²)
 * It is defined for rates of 0 or 1 and stays within [−1, 1].
 */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number, opts: { alpha?: number } = {}): TwoProportionResult {
  const alpha = opts.alpha ?? 0.05;
  checkAlpha(alpha);
  for (const [name, x, n] of [
    ['arm 1', x1, n1],
    ['arm 2', x2, n2],
  ] as const) {
    if (!Number.isInteger(x) || !Number.isInteger(n) || n < 0 || x < 0 || x > n) {
      throw invalidInput(`${name}: need integer counts with 0 ≤ successes ≤ trials, got ${x}/${n}`);
    }
  }
  if (n1 === 0 || n2 === 0) return { diff: null, z: null, pValue: null, ci: null, significant: false };

  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const diff = p2 - p1;

  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = se > 0 ? diff / se : null;
  const pValue = z === null ? null : Math.min(1, 2 * normalUpperTail(Math.abs(z)));

  const zc = quantile(1 - alpha / 2, 0, 1);
  const w1 = wilson(x1, n1, zc);
  const w2 = wilson(x2, n2, zc);
  // n > 0 here, so the Wilson bounds are numbers.
  const l1 = w1.low!;
  const u1 = w1.high!;
  const l2 = w2.low!;
  const u2 = w2.high!;
  const low = diff - Math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2);
  const high = diff + Math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2);
  const ci: [number, number] = [Math.max(-1, low), Math.min(1, high)];

  return { diff, z, pValue, ci, significant: pValue !== null && pValue < alpha };
}

/** Throws unless both summaries have a finite mean, a finite variance ≥ 0 and n ≥ 0. */
export function checkSummaries(a: SampleSummary, b: SampleSummary): void {
  for (const [name, s] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (!Number.isFinite(s.mean) || !(s.variance >= 0) || !Number.isFinite(s.variance) || !(s.n >= 0)) {
      throw invalidInput(`sample ${name}: need a finite mean, a finite variance ≥ 0 and n ≥ 0`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Welch t-test
// ---------------------------------------------------------------------------------------------

export interface SampleSummary {
  mean: number;
  /** Sample variance (n − 1 denominator). */
  variance: number;
  n: number;
}

export interface WelchResult {
  /** b.mean − a.mean. */
  diff: number;
  /** Null when undefined (both standard errors zero, or an arm with n < 2). */
  t: number | null;
  /** Welch–Satterthwaite degrees of freedom; null when undefined. */
  df: number | null;
  /** Two-sided p-value; null when t is. */
  pValue: number | null;
  /** diff ± t_{1−α/2, df}·SE; null when df is undefined. */
  ci: [number, number] | null;
  significant: boolean;
}

/**
 * Welch's unequal-variance t-test for a difference in means, e.g. revenue per recipient (arm a
 * control, arm b variant), from per-arm summaries.
 *
 * Welch (1947), "The generalization of 'Student's' problem when several different population
 * variances are involved", Biometrika 34:28–35; Satterthwaite (1946) for the degrees of freedom:
 *   vA = sA²/nA, vB = sB²/nB,  SE = sqrt(vA + vB),  t = (x̄B − x̄A)/SE,
 *   ν = (vA + vB)² / (vA²/(nA − 1) + vB²/(nB − 1)),
 *   p = P(|T_ν| ≥ |t|),  CI = (x̄B − x̄A) ± t_{1−α/2, ν}·SE.
 * Revenue per recipient is heavily skewed (most recipients spend 0); the t approximation relies on
 * the central limit theorem, so it wants arms of at least a few hundred recipients.
 */
export function welchTTest(a: SampleSummary, b: SampleSummary, opts: { alpha?: number } = {}): WelchResult {
  const alpha = opts.alpha ?? 0.05;
  checkAlpha(alpha);
  checkSummaries(a, b);
  const diff = b.mean - a.mean;
  const none: WelchResult = { diff, t: null, df: null, pValue: null, ci: null, significant: false };
  if (a.n < 2 || b.n < 2) return none;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se2 = va + vb;
  if (!(se2 > 0)) return none;
  const se = Math.sqrt(se2);
  const t = diff / se;
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const pValue = studentTTwoSidedP(t, df);
  const half = studentTQuantile(1 - alpha / 2, df) * se;
  return { diff, t, df, pValue, ci: [diff - half, diff + half], significant: pValue < alpha };
}

// ---------------------------------------------------------------------------------------------
// Multiple comparisons
// ---------------------------------------------------------------------------------------------

export interface BhResult {
  /** Per input p-value: rejected at FDR level q. */
  rejected: boolean[];
  /** BH-adjusted p-values (q-values), in input order. */
  adjusted: number[];
}

/**
 * Benjamini–Hochberg step-up procedure (Benjamini & Hochberg 1995, "Controlling the false
 * discovery rate", JRSS B 57:289–300). With the m p-values sorted p_(1) ≤ … ≤ p_(m), reject
 * H_(1..k) for the largest k with p_(k) ≤ k·q/m. Adjusted p-values (as R's p.adjust "BH"):
 *   p̃_(i) = min_{j ≥ i} min(1, m·p_(j)/j),
 * monotone in the rank; H_i is rejected iff p̃_i ≤ q. Controls the FDR at q for independent or
 * positively dependent tests.
 */
export function benjaminiHochberg(pValues: readonly number[], q = 0.05): BhResult {
  if (!(q > 0 && q < 1)) throw invalidInput(`q must be in (0, 1), got ${q}`);
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw invalidInput(`p-value ${i} must be in [0, 1], got ${p}`);
  });
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const adjusted = new Array<number>(m).fill(1);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const { p, i } = order[k]!;
    // (m/(k+1))·p rather than m·p/(k+1): the factor is ≥ 1, so the rounded result is ≥ p.
    running = Math.min(running, (m / (k + 1)) * p);
    adjusted[i] = Math.min(1, running);
  }
  return { rejected: adjusted.map((p) => p <= q), adjusted };
}

// ---------------------------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------------------------

/**
 * Recipients per arm to detect an absolute lift `mde` over a baseline rate p1 with a pooled
 * two-proportion z test (Fleiss, Levin & Paik 2003, Statistical Methods for Rates and
 * Proportions, 3rd ed., eq. 4.14, without the continuity correction):
 *   p2 = p1 + mde,  p̄ = (p1 + p2)/2,
 *   n = [ z_{1−α/2}·sqrt(2·p̄(1 − p̄)) + z_{1−β}·sqrt(p1(1 − p1) + p2(1 − p2)) ]² / mde²,
 * rounded up; z_{1−α} replaces z_{1−α/2} when one-sided. Example: p1 = 0.10, mde = 0.05, α = 0.05
 * two-sided, power 0.8 → 686 per arm.
 */
export function sampleSizePerArm(baseline: number, mde: number, opts: { alpha?: number; power?: number; twoSided?: boolean } = {}): number {
  const alpha = opts.alpha ?? 0.05;
  const power = opts.power ?? 0.8;
  const twoSided = opts.twoSided ?? true;
  checkAlpha(alpha);
  if (!(power > 0 && power < 1)) throw invalidInput(`power must be in (0, 1), got ${power}`);
  if (!(baseline > 0 && baseline < 1)) throw invalidInput(`baseline rate must be in (0, 1), got ${baseline}`);
  const p2 = baseline + mde;
  if (mde === 0 || !Number.isFinite(mde) || !(p2 > 0 && p2 < 1)) {
    throw invalidInput(`mde must be non-zero with baseline + mde in (0, 1), got ${mde}`, 'mde is an absolute difference, e.g. 0.005 for half a point');
  }
  const za = quantile(twoSided ? 1 - alpha / 2 : 1 - alpha, 0, 1);
  const zb = quantile(power, 0, 1);
  const pbar = (baseline + p2) / 2;
  const num = za * Math.sqrt(2 * pbar * (1 - pbar)) + zb * Math.sqrt(baseline * (1 - baseline) + p2 * (1 - p2));
  // Guard against 686.0000000001 from rounding before ceil.
  return Math.ceil((num * num) / (mde * mde) - 1e-9);
}

/** Days to reach nPerArm recipients in each of `arms` arms: ⌈nPerArm·arms / dailyTraffic⌉. */
export function durationDays(nPerArm: number, arms: number, dailyTraffic: number): number {
  if (!(nPerArm >= 0) || !Number.isFinite(nPerArm)) throw invalidInput(`nPerArm must be ≥ 0, got ${nPerArm}`);
  if (!Number.isInteger(arms) || arms < 1) throw invalidInput(`arms must be an integer ≥ 1, got ${arms}`);
  if (!(dailyTraffic > 0) || !Number.isFinite(dailyTraffic)) throw invalidInput(`dailyTraffic must be > 0, got ${dailyTraffic}`);
  return Math.ceil((nPerArm * arms) / dailyTraffic);
}

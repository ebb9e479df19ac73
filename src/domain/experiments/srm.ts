/**
 * Sample ratio mismatch (SRM) check: are the observed per-arm counts consistent with the intended
 * split? Pearson's χ² goodness-of-fit test (Fabijan et al., "Diagnosing Sample Ratio Mismatch in
 * Online Controlled Experiments", KDD 2019, recommend it with a strict threshold such as 0.001):
 *
 *   E_i = N · w_i / Σ_j w_j,   χ² = Σ_i (O_i − E_i)² / E_i,   df = k − 1,
 *   p = P(χ²_df ≥ χ²) = Q(df / 2, χ² / 2),
 *
 * where Q(a, x) = Γ(a, x) / Γ(a) is the regularized upper incomplete gamma function.
 *
 * No installed package provides the incomplete gamma (stdlib's math-base-special-gammainc is not a
 * dependency here, and none may be added), so Q is computed as in Numerical Recipes (Press et al.,
 * 3rd ed., 2007, §6.2, routines gser / gcf): for x < a + 1 the series
 *   P(a, x) = e^{−x} x^a / Γ(a + 1) · Σ_{n≥0} x^n / ((a + 1)(a + 2)…(a + n)),   Q = 1 − P,
 * otherwise the continued fraction
 *   Q(a, x) = e^{−x} x^a / Γ(a) · 1 / (x + 1 − a − 1·(1 − a) / (x + 3 − a − 2·(2 − a) / (x + 5 − a − …)))
 * evaluated by the modified Lentz method. ln Γ is stdlib's gammaln.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import { invalidInput } from '../errors.js';

const EPS = 1e-15;
const TINY = 1e-300;
const MAX_ITER = 10000;

/** Lower regularized gamma P(a, x) by its series (NR gser); converges fast for x < a + 1. */
function gammaPSeries(a: number, x: number): number {
  let ap = a;
  let del = 1 / a;
  let sum = del;
  for (let n = 0; n < MAX_ITER; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - gammaln(a));
}

/** Upper regularized gamma Q(a, x) by its continued fraction (NR gcf, modified Lentz); x ≥ a + 1. */
function gammaQContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - gammaln(a)) * h;
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a), for a > 0, x ≥ 0. */
export function regularizedUpperGamma(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw invalidInput(`regularizedUpperGamma needs a > 0 and x >= 0 (got a=${a}, x=${x})`);
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const q = x < a + 1 ? 1 - gammaPSeries(a, x) : gammaQContinuedFraction(a, x);
  return Math.min(1, Math.max(0, q));
}

/** P(χ²_df ≥ x): the χ² survival function. */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0)) throw invalidInput(`df must be positive (got ${df})`);
  return x <= 0 ? 1 : regularizedUpperGamma(df / 2, x / 2);
}

export interface SrmResult {
  statistic: number;
  df: number;
  pValue: number;
  /** pValue < threshold: the split is not what was configured; do not trust the results. */
  mismatch: boolean;
  /** Expected counts per arm under the configured split. */
  expected: number[];
  threshold: number;
}

/**
 * SRM test of `observed` counts per arm against `expectedWeights` (any positive scale, e.g. [50,
 * 50] or [0.5, 0.5]). With no observations at all the test is vacuous: statistic 0, p = 1.
 */
export function sampleRatioMismatch(
  observed: readonly number[],
  expectedWeights: readonly number[],
  opts: { threshold?: number } = {},
): SrmResult {
  const threshold = opts.threshold ?? 0.001;
  if (observed.length < 2) throw invalidInput('the SRM test needs at least two arms');
  if (observed.length !== expectedWeights.length) {
    throw invalidInput(`observed has ${observed.length} arms but expectedWeights has ${expectedWeights.length}`);
  }
  if (!observed.every((o) => Number.isInteger(o) && o >= 0)) throw invalidInput('observed counts must be non-negative integers');
  if (!expectedWeights.every((w) => Number.isFinite(w) && w > 0)) throw invalidInput('expected weights must be positive numbers');
  if (!(threshold > 0 && threshold < 1)) throw invalidInput(`threshold must be in (0, 1) (got ${threshold})`);
  const n = observed.reduce((s, o) => s + o, 0);
  const wSum = expectedWeights.reduce((s, w) => s + w, 0);
  const expected = expectedWeights.map((w) => (n * w) / wSum);
  const df = observed.length - 1;
  if (n === 0) return { statistic: 0, df, pValue: 1, mismatch: false, expected, threshold };
  const statistic = observed.reduce((s, o, i) => {
    const e = expected[i]!;
    return s + ((o - e) * (o - e)) / e;
  }, 0);
  const pValue = chiSquareSurvival(statistic, df);
  return { statistic, df, pValue, mismatch: pValue < threshold, expected, threshold };
}

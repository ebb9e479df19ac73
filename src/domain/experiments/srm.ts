/**
 * Sample ratio mismatch (SRM) check: are the observed per-arm counts consistent with the intended
 * split? Pearson's χ² goodness-of-fit test (Fabijan et al., "Diagnosing Sample Ratio Mismatch in
 * Online Controlled Experiments", KDD 2019, recommend it with a strict threshold such as 0.001):
 *
 *   E_i = N · w_i / Σ_j w_j,   χ² = Σ_i (O_i − E_i)² / E_i,   df = k − 1,
 *   p = P(χ²_df ≥ χ²) = Q(df / 2, χ² / 2),
 *
 * with the χ² distribution from @stdlib (stats-base-dists-chisquare-cdf).
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { invalidInput } from '../errors.js';

/** P(χ²_df ≥ x): the χ² survival function. */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0)) throw invalidInput(`df must be positive (got ${df})`);
  return x <= 0 ? 1 : Math.min(1, Math.max(0, 1 - chisquareCdf(x, df)));
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

/**
 * Always-valid (anytime-valid) sequential tests for campaign experiments: results may be checked
 * after every send, as often as one likes, and a test that is stopped the first time it is
 * significant still has type I error ≤ α. Both tests are e-processes, nonnegative (super)martingales
 * with mean ≤ 1 under H0, so Ville's inequality, P(sup_n E_n ≥ 1/α) ≤ α (Ville 1939, "Étude
 * critique de la notion de collectif"), bounds the chance of ever crossing 1/α.
 *
 * - `sequentialRateTest`: two conversion rates, exact at any sample size (no normal
 *   approximation), by conditioning on the successes (Lindon & Malek 2022).
 * - `sequentialMeanTest`: a difference of means (revenue per recipient) by the normal-mixture
 *   mSPRT of Johari, Koomen, Pekelis & Walsh (asymptotic: it treats θ̂ as normal with a known
 *   variance V, which is plugged in from the samples).
 *
 * Convention as in ./frequentist.ts: `control` / `a` is arm A, `variant` / `b` is arm B; the
 * effect is B relative to A (ratio pB/pA, difference x̄B − x̄A).
 */
import betaln from '@stdlib/math-base-special-betaln';
import { invalidInput } from '../errors.js';
import type { ArmCounts } from './bayes.js';
import { checkSummaries, type SampleSummary } from './frequentist.js';

/**
 * Default strength c of the Beta(c·w, c·(1 − w)) mixing prior over q in `sequentialRateTest`: 100.
 * Its standard deviation is sqrt(w(1 − w)/(c + 1)): at a 50/50 split, 0.05 on q, i.e. relative
 * lifts pB/pA of roughly ±20%, the size of effect a campaign test is usually run to find. A
 * mixture martingale is most powerful near the sample size where the data's standard error is a
 * few times smaller than the prior's (Johari et al. 2017, §4, for the normal mixture). Chosen by
 * simulation (src/sim/trials.ts powerTrial, 50/50, a look every 100 units; c = 10 / 30 / 100 /
 * 300 / 1000 / 3000): 5% → 6% within 20,000 units is detected in 53 / 58 / 61 / 56 / 34 / 4% of
 * runs, 1% → 1.2% within 100,000 in 52 / 57 / 59 / 55 / 30 / 3%, 5% → 5.5% within 100,000 in
 * 58 / 65 / 72 / 75 / 75 / 61%: c = 100 is the best or close to it across a few hundred to a few
 * thousand conversions, which is where campaign tests live.
 */
export const DEFAULT_RATE_CONCENTRATION = 100;

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw invalidInput(`alpha must be in (0, 1), got ${alpha}`);
}

function checkCounts(name: string, arm: ArmCounts): void {
  const { successes: s, trials: n } = arm;
  if (!(Number.isInteger(s) && Number.isInteger(n) && s >= 0 && n >= s)) {
    throw invalidInput(`${name}: need integer counts with 0 ≤ successes ≤ trials, got ${s}/${n}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Two conversion rates: conditional binomial with a Beta mixture
// ---------------------------------------------------------------------------------------------

export interface SequentialRateResult {
  /** The mixture e-value E = exp(logEValue) against H0: pB = pA (may be +Infinity for huge evidence). */
  eValue: number;
  /** ln E, finite even when E overflows. */
  logEValue: number;
  /** eValue ≥ 1/alpha. */
  significant: boolean;
  /**
   * Always-valid confidence interval for pB/pA at level 1 − alpha (the confidence sequence for q
   * mapped by r = q(1 − w)/((1 − q)w)); null when there are no successes yet. The lower end is 0
   * when the variant has no successes, the upper end +Infinity when the control has none.
   */
  ratioCi: [number, number] | null;
  /** ratioCi − 1: the relative lift of the variant. */
  liftCi: [number, number] | null;
}

/** ln of the Beta-mixture marginal likelihood of the labels: ln[B(a + kB, b + kA) / B(a, b)]. */
function logMixture(kA: number, kB: number, a: number, b: number): number {
  return betaln(a + kB, b + kA) - betaln(a, b);
}

/** ln L(q) = kB ln q + kA ln(1 − q), with 0·ln 0 = 0. */
function logLik(q: number, kA: number, kB: number): number {
  return (kB > 0 ? kB * Math.log(q) : 0) + (kA > 0 ? kA * Math.log1p(-q) : 0);
}

/** ln(1 + e^u) without overflow. */
const softplus = (u: number): number => (u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u)));

/** Root of f on [lo, hi] with f(lo)·f(hi) ≤ 0, by bisection to double precision. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  let fLo = f(lo);
  for (let i = 0; i < 2100; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const fMid = f(mid);
    if (fMid === 0) return mid;
    if (fMid < 0 === fLo < 0) {
      lo = mid;
      fLo = fMid;
    } else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** g(u) = kB·u − (kA + kB)·ln(1 + e^u) − level: the label log likelihood at q = logistic(u), shifted. */
function shiftedLogLik(u: number, kA: number, kB: number, level: number): number {
  return kB * u - (kA + kB) * softplus(u) - level;
}

/**
 * The root of g (shiftedLogLik; both counts > 0) on the side `dir` of its maximum û = ln(kB/kA),
 * where g(û) > 0. g is concave and asymptotically linear, so Newton's method started past the
 * root converges monotonically; the start is the root of g's quadratic expansion at û. Bisection
 * backs it up. (Plain functions rather than closures: this runs millions of times in simulations.)
 */
function logitRoot(kA: number, kB: number, level: number, dir: -1 | 1): number {
  const n = kA + kB;
  const uHat = Math.log(kB / kA);
  const curvature = (kA * kB) / n; // n·q̂(1 − q̂)
  let u = uHat + dir * Math.sqrt((2 * shiftedLogLik(uHat, kA, kB, level)) / curvature);
  for (let i = 0; i < 100; i++) {
    const next = u - shiftedLogLik(u, kA, kB, level) / (kB - n / (1 + Math.exp(-u)));
    if (!Number.isFinite(next) || (next - uHat) * dir <= 0) break;
    if (Math.abs(next - u) <= 1e-14 * Math.max(1, Math.abs(u))) return next;
    u = next;
  }
  // Not reached in practice: bracket and bisect.
  const g = (x: number) => shiftedLogLik(x, kA, kB, level);
  let far = uHat + dir;
  while (g(far) > 0) far = uHat + 2 * (far - uHat);
  return dir < 0 ? bisect(g, far, uHat) : bisect(g, uHat, far);
}

/**
 * Anytime-valid test of pA = pB for two conversion rates under a fixed traffic split.
 *
 * Model (the conditional binomial argument; Lindon & Malek 2022, "Anytime-valid inference for
 * multinomial count data", NeurIPS 35, §3): each unit goes to the variant with known probability
 * w = `allocation` (w_variant / (w_variant + w_control)). Given that a unit converted, the chance
 * it is a variant unit is
 *   q = w·pB / (w·pB + (1 − w)·pA),      so under H0 (pA = pB) q = w exactly,
 * whatever the common rate and even if it drifts over time. The kB variant and kA control
 * successes are therefore iid Bernoulli(q) labels, and the mixture likelihood ratio with a prior
 * q ~ Beta(a, b), a = c·w, b = c·(1 − w) (c = `concentration`, default
 * DEFAULT_RATE_CONCENTRATION, centred on H0),
 *   E = [B(a + kB, b + kA) / B(a, b)] / [w^kB (1 − w)^kA],
 * is a nonnegative martingale with mean 1 under H0 (in the filtration of all units, since a
 * non-converting unit leaves it unchanged). Ville's inequality gives P(sup E ≥ 1/α) ≤ α: reject
 * as soon as E ≥ 1/α. Computed in log space with ln B (stdlib betaln).
 *
 * Interval: for any q0 the same mixture over the likelihood at q0, E(q0) = B(a + kB, b + kA) /
 * (B(a, b)·q0^kB (1 − q0)^kA), is an e-process for H0: q = q0, so {q0 : E(q0) < 1/α} is a
 * (1 − α) confidence sequence for q (Howard, Ramdas, McAuliffe & Sekhon 2021, "Time-uniform,
 * nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49:1055, §3). The log
 * likelihood is concave with its maximum at q̂ = kB/(kA + kB) ≥ the mixture, so the set is an
 * interval around q̂; its ends are found on the logit scale by safeguarded Newton (closed forms
 * when an arm has no successes). Mapped to r = pB/pA by the increasing r(q) = q(1 − w) /
 * ((1 − q)w). The CI excludes r = 1 exactly when the test is significant.
 *
 * Only the successes enter; the trial counts are validated but otherwise unused (w carries the
 * split). They must come from randomization with the fixed probability w: a split that changes
 * mid-test, or a sample ratio mismatch, breaks the guarantee (check ./srm.ts first).
 */
export function sequentialRateTest(
  control: ArmCounts,
  variant: ArmCounts,
  opts: { allocation: number; alpha?: number; concentration?: number },
): SequentialRateResult {
  const w = opts.allocation;
  const alpha = opts.alpha ?? 0.05;
  const c = opts.concentration ?? DEFAULT_RATE_CONCENTRATION;
  if (!(w > 0 && w < 1)) throw invalidInput(`allocation must be in (0, 1), got ${w}`, 'allocation is the variant share of traffic, e.g. 0.5 for a 50/50 split');
  checkAlpha(alpha);
  if (!(c > 0 && Number.isFinite(c))) throw invalidInput(`concentration must be a positive number, got ${c}`);
  checkCounts('control', control);
  checkCounts('variant', variant);

  const kA = control.successes;
  const kB = variant.successes;
  const a = c * w;
  const b = c * (1 - w);
  const lnM = logMixture(kA, kB, a, b);
  const logEValue = lnM - logLik(w, kA, kB);
  const eValue = Math.exp(logEValue);
  const logThreshold = -Math.log(alpha);
  const significant = logEValue >= logThreshold;
  if (kA + kB === 0) return { eValue, logEValue, significant, ratioCi: null, liftCi: null };

  // E(q0) < 1/α  ⇔  ln L(q0) > ln M − ln(1/α) =: level (< 0). With u = logit(q0) the ends are
  // the roots of kB·u − (kA + kB)·ln(1 + e^u) = level, and r = e^u·(1 − w)/w.
  const level = lnM - logThreshold;
  const odds = (1 - w) / w;
  let ratioCi: [number, number];
  if (kB === 0) ratioCi = [0, odds * -Math.expm1(level / kA) / Math.exp(level / kA)]; // q = 1 − e^{level/kA}
  else if (kA === 0) ratioCi = [(odds * Math.exp(level / kB)) / -Math.expm1(level / kB), Number.POSITIVE_INFINITY]; // q = e^{level/kB}
  else ratioCi = [odds * Math.exp(logitRoot(kA, kB, level, -1)), odds * Math.exp(logitRoot(kA, kB, level, 1))];
  return { eValue, logEValue, significant, ratioCi, liftCi: [ratioCi[0] - 1, ratioCi[1] - 1] };
}

// ---------------------------------------------------------------------------------------------
// Difference of means: normal-mixture mSPRT
// ---------------------------------------------------------------------------------------------

export interface SequentialMeanResult {
  /** The mixture likelihood ratio Λ against H0: θ = 0 (may be +Infinity). */
  eValue: number;
  /** eValue ≥ 1/alpha. */
  significant: boolean;
  /** Always-valid CI for θ = x̄B − x̄A at level 1 − alpha; null when V is undefined or 0. */
  ci: [number, number] | null;
}

/**
 * Mixture sequential probability ratio test (mSPRT) for θ = μB − μA, e.g. revenue per recipient
 * (Johari, Koomen, Pekelis & Walsh, "Peeking at A/B tests: why it matters, and what to do about
 * it", KDD 2017; "Always valid inference: continuous monitoring of A/B tests", Operations Research
 * 70:1806, 2022, §4). With θ̂ = x̄B − x̄A, V = sA²/nA + sB²/nB and the mixing distribution
 * θ ~ N(0, τ²):
 *   Λ = sqrt(V / (V + τ²)) · exp(τ²θ̂² / (2V(V + τ²))),
 * reject when Λ ≥ 1/α; the always-valid interval (the set of θ0 not rejected) is
 *   θ̂ ± sqrt( V(V + τ²)/τ² · (2 ln(1/α) + ln((V + τ²)/V)) ).
 * `tau` is on the scale of θ (same units as the means): the effect size one expects, e.g. a few
 * percent of the control mean. The guarantee is asymptotic (θ̂ normal, V plugged in), so as with
 * Welch's test the arms want at least a few hundred units; callers who report an interval over
 * many looks may intersect the intervals of successive looks.
 */
export function sequentialMeanTest(a: SampleSummary, b: SampleSummary, opts: { alpha?: number; tau: number }): SequentialMeanResult {
  const alpha = opts.alpha ?? 0.05;
  checkAlpha(alpha);
  const tau = opts.tau;
  if (!(tau > 0 && Number.isFinite(tau))) throw invalidInput(`tau must be a positive number, got ${tau}`, 'tau is the standard deviation of the effect sizes expected, in the units of the means');
  checkSummaries(a, b);
  if (a.n < 2 || b.n < 2) return { eValue: 1, significant: false, ci: null };
  const V = a.variance / a.n + b.variance / b.n;
  if (!(V > 0)) return { eValue: 1, significant: false, ci: null };
  const theta = b.mean - a.mean;
  const tau2 = tau * tau;
  const logLambda = 0.5 * Math.log(V / (V + tau2)) + (tau2 * theta * theta) / (2 * V * (V + tau2));
  const logThreshold = -Math.log(alpha);
  const half = Math.sqrt(((V * (V + tau2)) / tau2) * (2 * logThreshold + Math.log1p(tau2 / V)));
  return { eValue: Math.exp(logLambda), significant: logLambda >= logThreshold, ci: [theta - half, theta + half] };
}

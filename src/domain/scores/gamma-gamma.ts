/**
 * The Gamma-Gamma model of spend per transaction, and customer lifetime value from BG/NBD +
 * Gamma-Gamma.
 *
 * Sources: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base
 * Analysis", Journal of Marketing Research 42(4), 415-430 (the spend sub-model); Fader & Hardie
 * (2013), "The Gamma-Gamma Model of Monetary Value" (Hardie's note 025), which gives the
 * likelihood and the conditional expectation used here.
 *
 * Assumptions: a customer's transaction values z are i.i.d. Gamma(shape p, rate ν); ν varies
 * across customers as Gamma(shape q, rate v); spend is independent of the purchase process. A
 * customer is summarised as (x, m̄): x transactions with average value m̄ > 0. As in the CDNOW
 * analyses, x counts the repeat transactions and m̄ is their average (the first purchase is left
 * out), and the model is fitted on customers with x ≥ 1.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import { invalidInput } from '../errors.js';
import { expectedPurchases, type BgNbdParams, type RfCustomer } from './bgnbd.js';
import { minimize } from './nelder-mead.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface SpendCustomer {
  /** Number of transactions the average is over (≥ 1 to enter the fit). */
  x: number;
  /** Their average value (> 0). */
  mbar: number;
}

export interface GammaGammaFit extends GammaGammaParams {
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/**
 * Log-likelihood of one customer (Fader & Hardie 2013, note 025): x·m̄ | ν ~ Gamma(px, ν), so
 * m̄ | ν ~ Gamma(px, xν); integrating ν over Gamma(q, v) gives
 *
 *   ln f(m̄ | p, q, v, x) = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m̄ + px ln x − (px+q) ln(v + x m̄)
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, c: SpendCustomer): number {
  const { p, q, v } = params;
  const px = p * c.x;
  return (
    gammaln(px + q) - gammaln(px) - gammaln(q) + q * Math.log(v) + (px - 1) * Math.log(c.mbar) + px * Math.log(c.x) - (px + q) * Math.log(v + c.x * c.mbar)
  );
}

/** Sum of the per-customer log-likelihoods, with the x-only gamma terms computed once per distinct x. */
export function gammaGammaTotalLogLikelihood(params: GammaGammaParams, customers: readonly SpendCustomer[]): number {
  return makeObjective(customers)(params);
}

function makeObjective(customers: readonly SpendCustomer[]): (params: GammaGammaParams) => number {
  const xCount = new Map<number, number>();
  const x = new Float64Array(customers.length);
  const lnM = new Float64Array(customers.length);
  const m = new Float64Array(customers.length);
  customers.forEach((c, i) => {
    xCount.set(c.x, (xCount.get(c.x) ?? 0) + 1);
    x[i] = c.x;
    m[i] = c.mbar;
    lnM[i] = Math.log(c.mbar);
  });
  const groups = [...xCount.entries()];
  return ({ p, q, v }) => {
    const lnV = Math.log(v);
    const lnGq = gammaln(q);
    let total = 0;
    for (const [xi, n] of groups) total += n * (gammaln(p * xi + q) - gammaln(p * xi) - lnGq + q * lnV + p * xi * Math.log(xi));
    for (let i = 0; i < x.length; i++) {
      const px = p * x[i]!;
      total += (px - 1) * lnM[i]! - (px + q) * Math.log(v + x[i]! * m[i]!);
    }
    return total;
  };
}

/**
 * Maximum-likelihood (p, q, v) from customers with x ≥ 1 and m̄ > 0, by Nelder-Mead on
 * (ln p, ln q, ln v). Start: p = 1, q = 2, v = mean(m̄), which puts the population mean spend
 * p·v/(q−1) at the sample mean.
 */
export function fitGammaGamma(customers: readonly SpendCustomer[], opts: { maxIterations?: number; xTol?: number; fTol?: number } = {}): GammaGammaFit {
  if (customers.length === 0) throw invalidInput('cannot fit Gamma-Gamma to an empty population');
  let sum = 0;
  for (const c of customers) {
    if (!(Number.isFinite(c.x) && c.x >= 1)) throw invalidInput(`x must be >= 1, got ${c.x}`);
    if (!(Number.isFinite(c.mbar) && c.mbar > 0)) throw invalidInput(`mean value must be > 0, got ${c.mbar}`);
    sum += c.mbar;
  }
  const n = customers.length;
  const ll = makeObjective(customers);
  const toParams = (u: readonly number[]): GammaGammaParams => ({ p: Math.exp(u[0]!), q: Math.exp(u[1]!), v: Math.exp(u[2]!) });
  const res = minimize((u) => -ll(toParams(u)) / n, [0, Math.log(2), Math.log(sum / n)], {
    xTol: opts.xTol ?? 1e-5,
    fTol: opts.fTol ?? 1e-9,
    maxIterations: opts.maxIterations ?? 4000,
  });
  return { ...toParams(res.x), logLikelihood: -res.fx * n, iterations: res.iterations, converged: res.converged };
}

/**
 * E[M | p, q, v, x, m̄]: the expected average transaction value of a customer with x transactions
 * averaging m̄ (Fader & Hardie 2013, note 025):
 *
 *   E[M | x, m̄] = p(v + x m̄) / (px + q − 1)
 *               = (q−1)/(px+q−1) · p v/(q−1)  +  px/(px+q−1) · m̄
 *
 * a weighted average of the population mean p·v/(q−1) and the customer's own mean. With x = 0 it
 * is the population mean. Defined only for q > 1 (otherwise the mean spend is infinite): returns
 * NaN then.
 */
export function expectedAverageValue(params: GammaGammaParams, c: SpendCustomer): number {
  const { p, q, v } = params;
  if (!(q > 1)) return Number.NaN;
  const x = c.x > 0 ? c.x : 0;
  const mbar = x > 0 ? c.mbar : 0;
  return (p * (v + x * mbar)) / (p * x + q - 1);
}

export interface ClvOptions {
  /** Length of one discounting period in the BG/NBD time unit (e.g. 30 when time is in days). Default 30. */
  periodLength?: number;
  /** Discount rate per period (e.g. 0.01 a month). Default 0: undiscounted expected revenue. */
  discountRate?: number;
}

/**
 * Customer lifetime value over `horizon` (in the BG/NBD time unit), from BG/NBD + Gamma-Gamma
 * (Fader, Hardie & Lee 2005, "RFM and CLV", with the discrete-period discounting used by common
 * implementations such as lifetimes' `customer_lifetime_value`):
 *
 *   CLV = E[M | x, m̄] · Σ_{k=1..K} (E[Y(t_k)] − E[Y(t_{k−1})]) / (1 + d)^k,
 *   t_k = min(k·L, horizon), K = ⌈horizon / L⌉, E[Y(·)] = BG/NBD eq. (10) for (x, t_x, T)
 *
 * i.e. expected purchases in each period times the expected value per purchase, discounted at the
 * end of each period. With d = 0 this is E[M | x, m̄] · E[Y(horizon) | x, t_x, T]. The customer's
 * `mbar` is the average of their repeat transactions (ignored when x = 0).
 */
export function clv(
  params: { bgnbd: BgNbdParams; gammaGamma: GammaGammaParams },
  c: RfCustomer & { mbar: number },
  horizon: number,
  opts: ClvOptions = {},
): number {
  const value = expectedAverageValue(params.gammaGamma, { x: c.x, mbar: c.mbar });
  if (!(horizon > 0)) return 0;
  const d = opts.discountRate ?? 0;
  if (d === 0) return value * expectedPurchases(params.bgnbd, c, horizon);
  const L = opts.periodLength ?? 30;
  let total = 0;
  let previous = 0;
  const K = Math.ceil(horizon / L);
  for (let k = 1; k <= K; k++) {
    const cumulative = expectedPurchases(params.bgnbd, c, Math.min(k * L, horizon));
    total += (cumulative - previous) / Math.pow(1 + d, k);
    previous = cumulative;
  }
  return value * total;
}

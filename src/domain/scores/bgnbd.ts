/**
 * The BG/NBD model of repeat buying ("beta-geometric / negative binomial distribution"):
 * Fader, Hardie & Lee (2005), "'Counting Your Customers' the Easy Way: An Alternative to the
 * Pareto/NBD Model", Marketing Science 24(2), 275-284. Equation numbers below refer to that paper.
 *
 * Assumptions: while active, a customer buys as a Poisson process with rate λ; λ ~ Gamma(r, α)
 * (shape r, rate α) across customers; after each repeat purchase the customer drops out for good
 * with probability p; p ~ Beta(a, b). Time 0 is the customer's first purchase.
 *
 * A customer is summarised as (x, t_x, T): x repeat purchases (purchases after the first), the
 * last of them at t_x, observed for T since the first purchase (0 ≤ t_x ≤ T; t_x = 0 when x = 0),
 * all in one time unit. α is in that unit (it scales with it); r, a, b are unit-free.
 *
 * Special functions come from stdlib (log-gamma, log-beta, Gauss hypergeometric 2F1); nothing here
 * approximates them.
 */
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';
import { invalidInput } from '../errors.js';
import { minimize } from './nelder-mead.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface RfCustomer {
  /** Repeat purchases (purchases after the first). */
  x: number;
  /** Time of the last repeat purchase, since the first purchase (0 when x = 0). */
  tx: number;
  /** Length of observation since the first purchase. */
  T: number;
}

export interface BgNbdFit extends BgNbdParams {
  /** Total log-likelihood at the estimate (sum of eq. 6 logs over customers). */
  logLikelihood: number;
  /** Nelder-Mead iterations used (all restarts). */
  iterations: number;
  /** False when the iteration cap stopped the search before the tolerances were met. */
  converged: boolean;
}

export interface FitOptions {
  /** Iteration cap for the simplex search (default 4000). */
  maxIterations?: number;
  /** Tolerance on the simplex spread in log-parameter space (default 1e-5). */
  xTol?: number;
  /** Tolerance on the spread of the mean log-likelihood over the simplex (default 1e-9). */
  fTol?: number;
}

/** ln(e^u + e^v) without overflow. */
function logSumExp(u: number, v: number): number {
  return u >= v ? u + Math.log1p(Math.exp(v - u)) : v + Math.log1p(Math.exp(u - v));
}

/**
 * Log-likelihood of one customer, the log of eq. (6):
 *
 *   L = A1 · A2 · (A3 + δ_{x>0} A4)
 *   A1 = Γ(r+x) α^r / Γ(r)                 A2 = B(a, b+x) / B(a, b)   [= Γ(a+b)Γ(b+x) / (Γ(b)Γ(a+b+x))]
 *   A3 = (α+T)^−(r+x)                      A4 = a/(b+x−1) · (α+t_x)^−(r+x)
 *
 * evaluated in logs (log-gamma, log-beta, log-sum-exp) so that large x or T do not overflow.
 */
export function bgNbdLogLikelihood(params: BgNbdParams, c: RfCustomer): number {
  const { r, alpha, a, b } = params;
  const { x, tx, T } = c;
  const a1 = gammaln(r + x) - gammaln(r) + r * Math.log(alpha);
  const a2 = betaln(a, b + x) - betaln(a, b);
  const a3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return a1 + a2 + logSumExp(a3, a4);
}

/** Sum of eq. (6) log-likelihoods over a population (eq. 7 of the paper, the function to maximise). */
export function bgNbdTotalLogLikelihood(params: BgNbdParams, customers: readonly RfCustomer[]): number {
  return makeObjective(compress(customers))(params);
}

/**
 * P(alive | x, t_x, T): the probability that the customer has not dropped out by T.
 * Fader, Hardie & Lee (2008), "Computing P(alive) Using the BG/NBD Model" (Hardie's note 021);
 * it is the share of the A3 term in A3 + A4 of eq. (6):
 *
 *   P(alive) = 1 / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
 *
 * Churn risk is 1 − P(alive).
 */
export function pAlive(params: BgNbdParams, c: RfCustomer): number {
  if (c.x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logOdds = Math.log(a) - Math.log(b + c.x - 1) + (r + c.x) * (Math.log(alpha + c.T) - Math.log(alpha + c.tx));
  return 1 / (1 + Math.exp(logOdds));
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in (T, T+t] for a customer with history (x, t_x, T),
 * eq. (10):
 *
 *   E = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)] / D,
 *   z = t/(α+T+t),   D = 1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)   (so 1/D = P(alive)).
 *
 * The product of the power and 2F1 is evaluated after Euler's transformation
 * 2F1(A,B;C;z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z) (Abramowitz & Stegun 15.3.3), which gives
 *
 *   ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z) = (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z)
 *
 * and so avoids the overflow of the first 2F1 for heavy buyers (the '#NUM!' problem of
 * Fader & Hardie 2013, note 027). At a = 1 the expression is 0/0; a is then moved by 1e-7.
 */
export function expectedPurchases(params: BgNbdParams, c: RfCustomer, t: number): number {
  if (!(t > 0)) return 0;
  const { r, alpha, b } = params;
  const a = Math.abs(params.a - 1) < 1e-7 ? 1 + 1e-7 : params.a;
  const z = t / (alpha + c.T + t);
  const c2 = a + b + c.x - 1;
  const tail = Math.exp((a - 1) * Math.log1p(-z)) * hyp2f1(a + b - 1 - r, a - 1, c2, z);
  return ((c2 / (a - 1)) * (1 - tail)) * pAlive(params, c);
}

/**
 * E[X(t)]: expected repeat purchases in (0, t] for a customer just acquired, eq. (9):
 *
 *   E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))]
 *
 * which is eq. (10) at x = t_x = T = 0, and is computed that way.
 */
export function expectedPurchasesNewCustomer(params: BgNbdParams, t: number): number {
  return expectedPurchases(params, { x: 0, tx: 0, T: 0 }, t);
}

/** Identical (x, t_x, T) rows merged with a count, plus the distinct values of x. */
interface Compressed {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  w: Float64Array;
  /** Index into `xs` of each row's x. */
  xi: Int32Array;
  xs: number[];
  xCount: number[];
  n: number;
}

function compress(customers: readonly RfCustomer[]): Compressed {
  const rows = new Map<string, { c: RfCustomer; w: number }>();
  for (const c of customers) {
    const tx = c.x === 0 ? 0 : c.tx;
    const key = `${c.x}|${tx}|${c.T}`;
    const row = rows.get(key);
    if (row) row.w++;
    else rows.set(key, { c: { x: c.x, tx, T: c.T }, w: 1 });
  }
  const list = [...rows.values()];
  const xIndex = new Map<number, number>();
  const xs: number[] = [];
  const xCount: number[] = [];
  const out: Compressed = {
    x: new Float64Array(list.length),
    tx: new Float64Array(list.length),
    T: new Float64Array(list.length),
    w: new Float64Array(list.length),
    xi: new Int32Array(list.length),
    xs,
    xCount,
    n: customers.length,
  };
  list.forEach(({ c, w }, i) => {
    let k = xIndex.get(c.x);
    if (k === undefined) {
      k = xs.length;
      xIndex.set(c.x, k);
      xs.push(c.x);
      xCount.push(0);
    }
    xCount[k]! += w;
    out.x[i] = c.x;
    out.tx[i] = c.tx;
    out.T[i] = c.T;
    out.w[i] = w;
    out.xi[i] = k;
  });
  return out;
}

/** The total log-likelihood as a function of the parameters, with the x-only terms computed once per distinct x. */
function makeObjective(d: Compressed): (p: BgNbdParams) => number {
  return ({ r, alpha, a, b }) => {
    const lnAlpha = Math.log(alpha);
    const lnA = Math.log(a);
    const lnGr = gammaln(r);
    const lnBab = betaln(a, b);
    let total = 0;
    const lnB1 = new Float64Array(d.xs.length);
    for (let k = 0; k < d.xs.length; k++) {
      const x = d.xs[k]!;
      total += d.xCount[k]! * (gammaln(r + x) - lnGr + r * lnAlpha + betaln(a, b + x) - lnBab);
      lnB1[k] = x > 0 ? Math.log(b + x - 1) : 0;
    }
    for (let i = 0; i < d.x.length; i++) {
      const x = d.x[i]!;
      const a3 = -(r + x) * Math.log(alpha + d.T[i]!);
      const term = x === 0 ? a3 : logSumExp(a3, lnA - lnB1[d.xi[i]!]! - (r + x) * Math.log(alpha + d.tx[i]!));
      total += d.w[i]! * term;
    }
    return total;
  };
}

function validate(customers: readonly RfCustomer[]): void {
  if (customers.length === 0) throw invalidInput('cannot fit BG/NBD to an empty population');
  for (const c of customers) {
    if (!Number.isInteger(c.x) || c.x < 0) throw invalidInput(`x must be a non-negative integer, got ${c.x}`);
    if (!(c.T >= 0) || !Number.isFinite(c.T)) throw invalidInput(`T must be finite and >= 0, got ${c.T}`);
    if (c.x > 0 && !(c.tx >= 0 && c.tx <= c.T)) throw invalidInput(`t_x must be in [0, T] when x > 0, got t_x=${c.tx}, T=${c.T}`);
  }
}

/**
 * Maximum-likelihood estimate of (r, α, a, b): maximises eq. (7), the sum of eq. (6) logs, by
 * Nelder-Mead on (ln r, ln α, ln a, ln b) so every parameter stays positive. The objective is the
 * mean log-likelihood per customer (tolerances then do not depend on the population size); the
 * start is r = a = b = 1 and α = r·mean(T)/mean(x), the rate that matches the mean purchase count
 * if nobody dropped out.
 */
export function fitBgNbd(customers: readonly RfCustomer[], opts: FitOptions = {}): BgNbdFit {
  validate(customers);
  const d = compress(customers);
  const ll = makeObjective(d);
  let sumX = 0;
  let sumT = 0;
  for (const c of customers) {
    sumX += c.x;
    sumT += c.T;
  }
  const alpha0 = Math.max(sumT, 1e-6) / Math.max(sumX, 1);
  const toParams = (v: readonly number[]): BgNbdParams => ({
    r: Math.exp(v[0]!),
    alpha: Math.exp(v[1]!),
    a: Math.exp(v[2]!),
    b: Math.exp(v[3]!),
  });
  const res = minimize((v) => -ll(toParams(v)) / d.n, [0, Math.log(alpha0), 0, 0], {
    xTol: opts.xTol ?? 1e-5,
    fTol: opts.fTol ?? 1e-9,
    maxIterations: opts.maxIterations ?? 4000,
  });
  const p = toParams(res.x);
  return { ...p, logLikelihood: -res.fx * d.n, iterations: res.iterations, converged: res.converged };
}

/**
 * Seeded simulators of the BG/NBD purchase process and the Gamma-Gamma spend process, used to
 * check that the fitters recover known parameters (and usable as synthetic data).
 *
 * Randomness: one pure-rand Mersenne Twister stream per call, seeded with `seed`, read as uniform
 * doubles in [0, 1) (53 random bits). The distributions are stdlib's samplers driven by that
 * stream through their `prng` option: gamma is Marsaglia & Tsang (2000) with stdlib's improved
 * ziggurat normals (and the U^(1/k) boost for shape < 1), beta is stdlib's beta sampler, and the
 * exponential waits are inversion (−ln(1−U)/λ). The same seed therefore always gives the same
 * customers, on any machine.
 */
import beta from '@stdlib/random-base-beta';
import exponential from '@stdlib/random-base-exponential';
import gamma from '@stdlib/random-base-gamma';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { mersenne } from 'pure-rand/generator/mersenne';
import type { BgNbdParams, RfCustomer } from './bgnbd.js';
import type { GammaGammaParams } from './gamma-gamma.js';

/** Uniform doubles in [0, 1) from a Mersenne Twister seeded with `seed` (a 32-bit integer). */
export function seededUniform(seed: number): () => number {
  const rng = mersenne(seed | 0);
  return () => uniformFloat64(rng);
}

interface Samplers {
  uniform: () => number;
  gamma: (shape: number, rate: number) => number;
  beta: (a: number, b: number) => number;
  exponential: (rate: number) => number;
}

function samplers(seed: number): Samplers {
  const prng = seededUniform(seed);
  return {
    uniform: prng,
    gamma: gamma.factory({ prng }),
    beta: beta.factory({ prng }),
    exponential: exponential.factory({ prng }),
  };
}

export interface SimulatedCustomer extends RfCustomer {
  /** The customer's purchase rate while active. */
  lambda: number;
  /** The customer's dropout probability after each repeat purchase. */
  p: number;
  /** Times of the repeat purchases, ascending, in (0, T]. */
  times: number[];
  /** Whether the customer was still active at T. */
  alive: boolean;
}

/**
 * Draws customers from the BG/NBD model (Fader, Hardie & Lee 2005, section 2): for each customer
 * λ ~ Gamma(shape r, rate α) and p ~ Beta(a, b); from the first purchase at time 0, waits between
 * purchases are Exponential(λ); after each repeat purchase the customer drops out with
 * probability p (a uniform draw U < p); purchases are observed up to T. `T` is one length for
 * everyone or one per customer (`T[i]`); the population size is `n` or `T.length`.
 */
export function simulateBgNbd(params: BgNbdParams, opts: { n?: number; T: number | readonly number[]; seed: number }): SimulatedCustomer[] {
  const { r, alpha, a, b } = params;
  const s = samplers(opts.seed);
  const n = opts.n ?? (typeof opts.T === 'number' ? 0 : opts.T.length);
  const out: SimulatedCustomer[] = [];
  for (let i = 0; i < n; i++) {
    const T = typeof opts.T === 'number' ? opts.T : opts.T[i]!;
    const lambda = s.gamma(r, alpha);
    const p = s.beta(a, b);
    const times: number[] = [];
    let t = 0;
    let alive = true;
    for (;;) {
      t += lambda > 0 ? s.exponential(lambda) : Number.POSITIVE_INFINITY;
      if (!(t <= T)) break;
      times.push(t);
      if (s.uniform() < p) {
        alive = false;
        break;
      }
    }
    out.push({ x: times.length, tx: times.length ? times[times.length - 1]! : 0, T, lambda, p, times, alive });
  }
  return out;
}

export interface SimulatedSpend {
  /** The customer's mean-spend rate parameter ν (E[z | ν] = p/ν). */
  nu: number;
  /** The individual transaction values. */
  amounts: number[];
  /** Their average (0 when there are none). */
  mean: number;
}

/**
 * Draws transaction values from the Gamma-Gamma model (Fader, Hardie & Lee 2005, "RFM and CLV:
 * Using Iso-Value Curves for Customer Base Analysis", JMR 42(4), section on the spend model; Fader &
 * Hardie 2013, "The Gamma-Gamma Model of Monetary Value"): for each customer ν ~ Gamma(shape q,
 * rate v), then each of their `counts[i]` transactions z ~ Gamma(shape p, rate ν), independent of
 * the purchase process.
 */
export function simulateSpend(params: GammaGammaParams, counts: readonly number[], seed: number): SimulatedSpend[] {
  const s = samplers(seed);
  return counts.map((count) => {
    const nu = s.gamma(params.q, params.v);
    const amounts: number[] = [];
    let sum = 0;
    for (let j = 0; j < count; j++) {
      const z = s.gamma(params.p, nu);
      amounts.push(z);
      sum += z;
    }
    return { nu, amounts, mean: count > 0 ? sum / count : 0 };
  });
}

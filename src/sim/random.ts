/**
 * The simulator's seeded randomness: an independent stream per named purpose (a user's profile,
 * a user's propensities for one variant, one message's outcome), so that each can be drawn alone
 * and in any order, and adding a variant or a message never shifts the draws of another.
 *
 * Streams are the seeder's xoroshiro128+ (src/seed/rng.ts) with the full 128-bit state taken
 * from a SHA-256 of the stream's name; the distributions below read only from the stream, so
 * nothing depends on a sampler's hidden state.
 */
import { createHash } from 'node:crypto';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { Rng } from '../seed/rng.js';

/** The stream named by `parts` (e.g. seed, 'message', messageId). */
export function streamOf(...parts: ReadonlyArray<string | number>): Rng {
  const digest = createHash('sha256').update(parts.map(String).join('\u0000')).digest();
  // The last word is forced odd: xoroshiro's state must not be all zeros.
  const state = [digest.readInt32BE(0), digest.readInt32BE(4), digest.readInt32BE(8), digest.readInt32BE(12) | 1];
  return new Rng(xoroshiro128plusFromState(state));
}

/** Exponential with the given mean, by inversion. */
export function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.float()) * mean;
}

/** Gamma(shape, 1): Marsaglia & Tsang (2000), with the U^(1/k) boost for shape < 1. */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(1 - rng.float(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.float();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * Beta with mean `mean` and concentration `kappa` (alpha + beta), i.e. Beta(mean·κ, (1−mean)·κ):
 * its expectation is exactly `mean`, its variance mean(1−mean)/(κ+1). Means of 0 or 1 are
 * returned as they are (a degenerate Beta).
 */
export function betaAround(rng: Rng, mean: number, kappa: number): number {
  if (mean <= 0) return 0;
  if (mean >= 1) return 1;
  const x = gamma(rng, mean * kappa);
  const y = gamma(rng, (1 - mean) * kappa);
  return x + y > 0 ? x / (x + y) : mean;
}

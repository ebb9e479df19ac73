/**
 * Seeded randomness for the synthetic population: one independent xoroshiro128+ stream per
 * (seed, user index), so any user can be generated alone and batches do not depend on each other.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** murmur3's finaliser: spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const combine = (h: number, v: number): number => fmix32(h ^ fmix32((v + 0x9e3779b9) | 0));

export class Rng {
  constructor(private readonly g: RandomGenerator) {}

  /**
   * The stream of user `index` under `seed`. xoroshiro128plus(seed) only spreads a 32-bit seed
   * thinly over its state (neighbouring seeds start out correlated), so the full 128-bit state is
   * derived by hashing instead.
   */
  static forUser(seed: number, index: number): Rng {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 0x1_0000_0000) | 0;
    const h = combine(combine(combine(0x5eed, lo), hi), index);
    const state = [combine(h, 1), combine(h, 2), combine(h, 3), combine(h, 4) | 1];
    return new Rng(xoroshiro128plusFromState(state));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.g);
  }

  /** Uniform integer in [from, to]. */
  int(from: number, to: number): number {
    return uniformInt(this.g, from, to);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Standard normal (Box-Muller; the second value is dropped to keep the stream simple). */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** exp(mu + sigma * Z): median e^mu, mean e^(mu + sigma^2 / 2). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** An index into `cumulative` (ascending cumulative weights, the last one being the total). */
  weighted(cumulative: readonly number[]): number {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const x = this.float() * total;
    for (let i = 0; i < cumulative.length - 1; i++) if (x < cumulative[i]!) return i;
    return cumulative.length - 1;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

export function cumulate(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

/** Pooling a bandit's waves (strata.ts): Simpson's paradox is removed, plain data is left alone. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stratifiedCounts } from '../../src/domain/experiments/strata.js';

const rate = (a: { successes: number; trials: number }) => a.successes / a.trials;

describe('stratifiedCounts', () => {
  it('does not blame an arm for the weak wave it was mostly sent in', () => {
    // Both arms convert at 10% in wave 1 and at 2% in wave 2, but B got most of wave 2.
    const waves = [
      [{ successes: 90, trials: 900 }, { successes: 10, trials: 100 }],
      [{ successes: 2, trials: 100 }, { successes: 18, trials: 900 }],
    ];
    const pooledA = (90 + 2) / 1000;
    const pooledB = (10 + 18) / 1000;
    expect(pooledA / pooledB).toBeGreaterThan(3); // the paradox: B looks 3x worse pooled
    const [a, b] = stratifiedCounts(waves);
    expect(Math.abs(rate(a!) - rate(b!))).toBeLessThan(0.01);
    expect(rate(a!)).toBeCloseTo(0.06, 1);
  });

  it('with one wave, is the plain counts', () => {
    expect(stratifiedCounts([[{ successes: 3, trials: 50 }, { successes: 7, trials: 60 }]])).toEqual([{ successes: 3, trials: 50 }, { successes: 7, trials: 60 }]);
  });

  it('gives valid counts whose rate lies between the per-wave rates (and the wave means they shrink toward)', () => {
    const arm = fc.record({ trials: fc.integer({ min: 1, max: 5000 }), p: fc.double({ min: 0, max: 1, noNaN: true }) }).map(({ trials, p }) => ({ trials, successes: Math.round(trials * p) }));
    fc.assert(
      fc.property(fc.array(fc.tuple(arm, arm), { minLength: 2, maxLength: 6 }), (waves) => {
        const out = stratifiedCounts(waves);
        for (const [i, a] of out.entries()) {
          expect(Number.isInteger(a.successes) && Number.isInteger(a.trials) && a.trials >= 1 && a.successes >= 0 && a.successes <= a.trials).toBe(true);
          const bounds = waves.flatMap((w) => [w[i]!.successes / w[i]!.trials, (w[0]!.successes + w[1]!.successes) / (w[0]!.trials + w[1]!.trials)]);
          // Rounding to whole effective counts moves the rate by at most half a count.
          const slack = 0.5 / a.trials + 1e-9;
          expect(rate(a)).toBeGreaterThanOrEqual(Math.min(...bounds) - slack);
          expect(rate(a)).toBeLessThanOrEqual(Math.max(...bounds) + slack);
        }
      }),
    );
  });
});

/**
 * Bayesian experiment analysis: Monte Carlo chance-to-beat against Evan Miller's exact two-arm
 * formula, Thompson-sampling weights, value remaining, and the SRM χ² test against known χ²
 * quantiles and closed forms of the incomplete gamma function.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFloor, shouldStop, thompsonWeights, valueRemaining } from '../../src/domain/experiments/bandit.js';
import { chanceToBeat, chanceToBeatControlExact, type ArmCounts } from '../../src/domain/experiments/bayes.js';
import { chiSquareSurvival, sampleRatioMismatch } from '../../src/domain/experiments/srm.js';

const arm = (successes: number, trials: number): ArmCounts => ({ successes, trials });

describe('chanceToBeat', () => {
  const cases: Array<[ArmCounts, ArmCounts, { alpha: number; beta: number }?]> = [
    [arm(100, 1000), arm(120, 1000)],
    [arm(10, 100), arm(15, 100)],
    [arm(3, 20), arm(2, 25)],
    [arm(500, 10000), arm(540, 10000)],
    [arm(0, 50), arm(1, 50)],
    [arm(40, 200), arm(45, 210), { alpha: 2, beta: 8 }],
  ];

  it.each(cases)('Monte Carlo matches the exact two-arm value within 0.01 (%o vs %o)', (a, b, prior) => {
    const exact = chanceToBeatControlExact(a, b, prior);
    const mc = chanceToBeat([a, b], { seed: 42, ...(prior ? { prior } : {}) });
    expect(Math.abs(mc.chanceToBeat[1]! - exact)).toBeLessThan(0.01);
    expect(mc.chanceToBeat[0]! + mc.chanceToBeat[1]!).toBeCloseTo(1, 12);
  });

  it('exact formula: known values and symmetry', () => {
    // Beta(1,1) vs Beta(1,1): 1/2. Beta(2,1) vs Beta(1,1): P(max of 2 uniforms-ish) = 2/3.
    expect(chanceToBeatControlExact(arm(0, 0), arm(0, 0))).toBeCloseTo(0.5, 12);
    expect(chanceToBeatControlExact(arm(0, 0), arm(1, 1))).toBeCloseTo(2 / 3, 12);
    const a = arm(37, 400);
    const b = arm(52, 410);
    expect(chanceToBeatControlExact(a, b) + chanceToBeatControlExact(b, a)).toBeCloseTo(1, 10);
    // A non-integer prior beta is fine; a non-integer prior alpha is rejected.
    const prior = { alpha: 1, beta: 0.5 };
    const mc = chanceToBeat([a, b], { prior, seed: 4 });
    expect(Math.abs(chanceToBeatControlExact(a, b, prior) - mc.chanceToBeat[1]!)).toBeLessThan(0.01);
    expect(() => chanceToBeatControlExact(a, b, { alpha: 0.5, beta: 0.5 })).toThrow(/integer prior alpha/);
  });

  it('symmetric arms get ~1/k each and equal expected loss', () => {
    const two = chanceToBeat([arm(50, 500), arm(50, 500)], { seed: 7 });
    expect(two.chanceToBeat[0]!).toBeCloseTo(0.5, 1);
    expect(Math.abs(two.chanceToBeat[0]! - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(two.expectedLoss[0]! - two.expectedLoss[1]!)).toBeLessThan(0.001);
    const three = chanceToBeat([arm(30, 300), arm(30, 300), arm(30, 300)], { seed: 8 });
    for (const c of three.chanceToBeat) expect(Math.abs(c - 1 / 3)).toBeLessThan(0.015);
  });

  it('expected loss: non-negative, smaller for the better arm', () => {
    const r = chanceToBeat([arm(100, 1000), arm(130, 1000)], { seed: 3 });
    expect(r.expectedLoss.every((l) => l >= 0)).toBe(true);
    expect(r.expectedLoss[1]!).toBeLessThan(r.expectedLoss[0]!);
    // E[max − p_A] − E[max − p_B] = E[p_B] − E[p_A] (posterior means 131/1002 and 101/1002).
    expect(r.expectedLoss[0]! - r.expectedLoss[1]!).toBeCloseTo(30 / 1002, 3);
  });

  it('is deterministic for a seed and varies with it', () => {
    const arms = [arm(20, 200), arm(25, 200), arm(22, 190)];
    expect(chanceToBeat(arms, { seed: 99, draws: 5000 })).toEqual(chanceToBeat(arms, { seed: 99, draws: 5000 }));
    expect(chanceToBeat(arms, { seed: 99, draws: 5000 }).chanceToBeat).not.toEqual(
      chanceToBeat(arms, { seed: 100, draws: 5000 }).chanceToBeat,
    );
  });

  it('rejects invalid counts', () => {
    expect(() => chanceToBeat([arm(5, 3)])).toThrow(/successes/);
    expect(() => chanceToBeat([arm(-1, 3)])).toThrow();
    expect(() => chanceToBeat([])).toThrow();
  });
});

describe('thompsonWeights', () => {
  it('sum to 1, respect the floor, and favour a clearly better arm', () => {
    const w = thompsonWeights([arm(50, 1000), arm(100, 1000), arm(52, 1000)], { seed: 1, minWeight: 0.05 });
    expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    for (const x of w) expect(x).toBeGreaterThanOrEqual(0.05 - 1e-12);
    expect(w[1]!).toBeGreaterThan(0.85);
    expect(w[0]!).toBeCloseTo(0.05, 12);
  });

  it('is deterministic for a seed', () => {
    const arms = [arm(10, 100), arm(12, 100)];
    expect(thompsonWeights(arms, { seed: 5 })).toEqual(thompsonWeights(arms, { seed: 5 }));
  });

  it('property: any arms give weights summing to 1 and each ≥ minWeight', () => {
    const armArb = fc.integer({ min: 0, max: 500 }).chain((n) => fc.integer({ min: 0, max: n }).map((s) => arm(s, n)));
    fc.assert(
      fc.property(fc.array(armArb, { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 0.15, noNaN: true }), fc.integer(), (arms, m, seed) => {
        const w = thompsonWeights(arms, { seed, minWeight: m, draws: 500 });
        expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
        for (const x of w) expect(x).toBeGreaterThanOrEqual(m - 1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it('applyFloor water-fills', () => {
    expect(applyFloor([1, 0, 0], 0.1)).toEqual([0.8, 0.1, 0.1]);
    const w = applyFloor([0.9, 0.095, 0.005], 0.1);
    expect(w[2]).toBeCloseTo(0.1, 12);
    expect(w[1]).toBeGreaterThanOrEqual(0.1 - 1e-12);
    expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(applyFloor([0.5, 0.5], 0.5)).toEqual([0.5, 0.5]);
    expect(() => applyFloor([0.5, 0.5], 0.6)).toThrow();
  });
});

describe('valueRemaining', () => {
  it('shrinks with more data and eventually says stop', () => {
    // Close rates, so that the champion is not yet > 95% likely best until n is large (else the
    // 95th percentile of the regret is already 0).
    const rates = [0.1, 0.102];
    const at = (n: number) =>
      valueRemaining(
        rates.map((p) => arm(Math.round(p * n), n)),
        { seed: 11 },
      );
    const small = at(500);
    const mid = at(5000);
    const big = at(50000);
    const large = at(5_000_000);
    expect(small.valueRemaining).toBeGreaterThan(mid.valueRemaining);
    expect(mid.valueRemaining).toBeGreaterThan(big.valueRemaining);
    expect(big.valueRemaining).toBeGreaterThan(large.valueRemaining);
    expect(large.champion).toBe(1);
    expect(shouldStop(small)).toBe(false);
    expect(shouldStop(large)).toBe(true);
    expect(shouldStop(0.02, 0.05)).toBe(true);
    expect(large.valueRemaining).toBeGreaterThanOrEqual(0);
  });

  it('identical arms keep value remaining high; a higher quantile gives more', () => {
    const arms = [arm(100, 1000), arm(100, 1000)];
    const v95 = valueRemaining(arms, { seed: 2 });
    const v50 = valueRemaining(arms, { seed: 2, quantile: 0.5 });
    expect(v95.valueRemaining).toBeGreaterThan(0.1);
    expect(v50.valueRemaining).toBeLessThan(v95.valueRemaining);
    expect(valueRemaining(arms, { seed: 2 })).toEqual(v95);
  });
});

describe('sampleRatioMismatch', () => {
  it('balanced counts: no mismatch', () => {
    const r = sampleRatioMismatch([5000, 5000], [50, 50]);
    expect(r.statistic).toBe(0);
    expect(r.pValue).toBe(1);
    expect(r.mismatch).toBe(false);
    expect(sampleRatioMismatch([5030, 4970], [0.5, 0.5]).mismatch).toBe(false);
  });

  it('5200/4800 against 50/50: χ² = 16, p ≈ 6.33e-5, mismatch', () => {
    const r = sampleRatioMismatch([5200, 4800], [50, 50]);
    expect(r.statistic).toBeCloseTo(16, 12);
    expect(r.df).toBe(1);
    // P(χ²₁ > 16) = erfc(√8) = 6.334248366623996e-5.
    expect(r.pValue).toBeCloseTo(6.334248366623996e-5, 12);
    expect(r.pValue / 6.334248366623996e-5).toBeCloseTo(1, 9);
    expect(r.mismatch).toBe(true);
  });

  it('unequal splits and several arms', () => {
    expect(sampleRatioMismatch([9000, 1000], [90, 10]).mismatch).toBe(false);
    const r = sampleRatioMismatch([3400, 3300, 3300], [1, 1, 1]);
    expect(r.df).toBe(2);
    // df = 2: survival is exp(−x/2).
    expect(r.pValue).toBeCloseTo(Math.exp(-r.statistic / 2), 12);
    expect(sampleRatioMismatch([0, 0], [1, 1]).pValue).toBe(1);
    expect(() => sampleRatioMismatch([1, 2], [1])).toThrow();
    expect(() => sampleRatioMismatch([1, 2], [1, 0])).toThrow();
  });

  it('χ² survival agrees with closed forms and χ² tables', () => {
    // df = 2: P(χ² ≥ x) = e^{−x/2}; df = 6: e^{−x/2}(1 + x/2 + x²/8).
    for (const x of [0.01, 0.5, 1, 2, 5, 10, 30]) {
      expect(chiSquareSurvival(x, 2)).toBeCloseTo(Math.exp(-x / 2), 12);
      expect(chiSquareSurvival(x, 6) / (Math.exp(-x / 2) * (1 + x / 2 + (x * x) / 8))).toBeCloseTo(1, 8);
    }
    // Upper 5% points of χ² (standard tables).
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 10);
    expect(chiSquareSurvival(7.814727903251178, 3)).toBeCloseTo(0.05, 10);
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 10);
    expect(chiSquareSurvival(6.634896601021214, 1)).toBeCloseTo(0.01, 10);
    expect(chiSquareSurvival(0, 4)).toBe(1);
  });

  it('property: p in [0, 1], statistic ≥ 0, mismatch iff p < threshold', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 6 }).chain((k) =>
          fc.tuple(
            fc.array(fc.integer({ min: 0, max: 100000 }), { minLength: k, maxLength: k }),
            fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: k, maxLength: k }),
          ),
        ),
        ([observed, weights]) => {
          const r = sampleRatioMismatch(observed, weights);
          expect(r.statistic).toBeGreaterThanOrEqual(0);
          expect(r.pValue).toBeGreaterThanOrEqual(0);
          expect(r.pValue).toBeLessThanOrEqual(1);
          expect(r.mismatch).toBe(r.pValue < 0.001);
          expect(r.df).toBe(observed.length - 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * Frequentist experiment statistics: published and hand-computed values, symmetry and range
 * properties, BH against the example of Benjamini & Hochberg (1995), sample-size monotonicity,
 * and a fast-check property on random counts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  durationDays,
  normalCdf,
  normalUpperTail,
  sampleSizePerArm,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
  twoProportionTest,
  welchTTest,
} from '../../src/domain/experiments/frequentist.js';

describe('distribution helpers', () => {
  it('normal tail matches standard table values', () => {
    // Φ(1) = 0.841344746068543, Φ(1.959963984540054) = 0.975, Q(3) = 1.349898031630095e-3,
    // Q(5) = 2.866515718791939e-7 (Abramowitz & Stegun table 26.1 / R pnorm).
    expect(normalCdf(1)).toBeCloseTo(0.841344746068543, 12);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 12);
    expect(normalUpperTail(3) / 1.349898031630095e-3).toBeCloseTo(1, 9);
    expect(normalUpperTail(5) / 2.866515718791939e-7).toBeCloseTo(1, 8);
    expect(normalCdf(0)).toBe(0.5);
    // Far tail (Gordon bound branch): Q(10) = 7.619853024160527e-24, relative error < 2/x⁴.
    expect(Math.abs(normalUpperTail(10) / 7.619853024160527e-24 - 1)).toBeLessThan(2e-4);
    expect(normalUpperTail(40)).toBeGreaterThanOrEqual(0);
    // Continuity across the branch switch at 7.3.
    expect(normalUpperTail(7.2999999) / normalUpperTail(7.3000001)).toBeCloseTo(1, 3);
  });

  it('Student t tail equals closed forms for ν = 1, 2 and textbook quantiles', () => {
    for (const t of [0.1, 0.5, 1, 2, 5, 30]) {
      // ν = 1 (Cauchy): P(|T| ≥ t) = 1 − (2/π)·atan(t); ν = 2: 1 − t/sqrt(2 + t²).
      expect(studentTTwoSidedP(t, 1)).toBeCloseTo(1 - (2 / Math.PI) * Math.atan(t), 12);
      expect(studentTTwoSidedP(t, 2)).toBeCloseTo(1 - t / Math.sqrt(2 + t * t), 12);
    }
    // Textbook t table: t_{0.975,1} = 12.7062, t_{0.975,10} = 2.2281, t_{0.975,30} = 2.0423.
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062047, 5);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281389, 6);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.0422725, 6);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.2281389, 6);
    // R: 2*pt(-2, 10) = 0.07338803.
    expect(studentTTwoSidedP(2, 10)).toBeCloseTo(0.0733880348, 9);
    expect(studentTCdf(2, 10)).toBeCloseTo(1 - 0.0733880348 / 2, 9);
    // Large ν approaches the normal: 2·Q(1.96) = 0.0499958.
    expect(studentTTwoSidedP(1.96, 1e6)).toBeCloseTo(0.0499958, 5);
  });

  it('reproduces Newcombe (1998) Table II, method 10, and the pooled z by hand', () => {
    // Newcombe's examples are written p1 − p2; ours is arm 2 − arm 1, so arm 2 holds his p1.
    const cases: [number, number, number, number, number, number][] = [
      // x1, n1, x2, n2, low, high
      [48, 80, 56, 70, 0.0524, 0.3339], // (a) 56/70 − 48/80
      [3, 10, 9, 10, 0.1705, 0.809], // (b) 9/10 − 3/10
      [0, 29, 5, 56, -0.0381, 0.1926], // (d) 5/56 − 0/29
      [0, 20, 0, 10, -0.1611, 0.2775], // (e) 0/10 − 0/20
      [0, 20, 10, 10, 0.6791, 1], // (f) 10/10 − 0/20
      [0, 10, 10, 10, 0.6075, 1], // (g) 10/10 − 0/10
    ];
    for (const [x1, n1, x2, n2, lo, hi] of cases) {
      const r = twoProportionTest(x1, n1, x2, n2);
      expect(r.ci![0]).toBeCloseTo(lo, 4);
      expect(r.ci![1]).toBeCloseTo(hi, 4);
    }
    // (a) by hand: p̄ = 104/150 = 0.693333, SE = sqrt(0.693333·0.306667·(1/70 + 1/80)) = 0.0754665,
    // z = 0.2/0.0754665 = 2.65017, p = 2·Q(2.65017) = 0.008045.
    const a = twoProportionTest(48, 80, 56, 70);
    expect(a.diff).toBeCloseTo(0.2, 12);
    expect(a.z).toBeCloseTo(2.65017, 4);
    expect(a.pValue).toBeCloseTo(0.008045, 5);
    expect(a.significant).toBe(true);
  });

  it('z² equals Pearson χ² of the 2×2 table (no continuity correction)', () => {
    const [x1, n1, x2, n2] = [120, 1000, 150, 1000];
    const table = [
      [x1, n1 - x1],
      [x2, n2 - x2],
    ];
    const N = n1 + n2;
    const col = [x1 + x2, N - x1 - x2];
    const row = [n1, n2];
    let chi2 = 0;
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        const e = (row[i]! * col[j]!) / N;
        chi2 += (table[i]![j]! - e) ** 2 / e;
      }
    expect(twoProportionTest(x1, n1, x2, n2).z! ** 2).toBeCloseTo(chi2, 10);
  });

  it('swapping arms negates diff and the interval, keeps p', () => {
    const ab = twoProportionTest(230, 10000, 270, 10000);
    const ba = twoProportionTest(270, 10000, 230, 10000);
    expect(ba.diff).toBeCloseTo(-ab.diff!, 15);
    expect(ba.z).toBeCloseTo(-ab.z!, 12);
    expect(ba.pValue).toBeCloseTo(ab.pValue!, 15);
    expect(ba.ci![0]).toBeCloseTo(-ab.ci![1], 15);
    expect(ba.ci![1]).toBeCloseTo(-ab.ci![0], 15);
  });

  it('handles empty arms and 0% / 100% rates without NaN', () => {
    expect(twoProportionTest(0, 0, 5, 10)).toEqual({ diff: null, z: null, pValue: null, ci: null, significant: false });
    expect(twoProportionTest(5, 10, 0, 0).diff).toBeNull();
    const zero = twoProportionTest(0, 100, 0, 200);
    expect(zero.diff).toBe(0);
    expect(zero.z).toBeNull();
    expect(zero.pValue).toBeNull();
    expect(zero.significant).toBe(false);
    expect(zero.ci![0]).toBeLessThan(0);
    expect(zero.ci![1]).toBeGreaterThan(0);
    const full = twoProportionTest(100, 100, 200, 200);
    expect(full.z).toBeNull();
    expect(full.ci!.every(Number.isFinite)).toBe(true);
    expect(() => twoProportionTest(11, 10, 1, 10)).toThrow(/successes/);
  });

  it('alpha widens or narrows the interval', () => {
    const w90 = twoProportionTest(40, 400, 60, 400, { alpha: 0.1 }).ci!;
    const w99 = twoProportionTest(40, 400, 60, 400, { alpha: 0.01 }).ci!;
    expect(w99[0]).toBeLessThan(w90[0]);
    expect(w99[1]).toBeGreaterThan(w90[1]);
  });

  it('property: random counts give finite z, p in [0,1], ordered CI containing diff', () => {
    const arm = fc.integer({ min: 0, max: 5000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(arm, arm, fc.double({ min: 0.001, max: 0.5, noNaN: true }), ([x1, n1], [x2, n2], alpha) => {
        const r = twoProportionTest(x1, n1, x2, n2, { alpha });
        for (const v of [r.diff, r.z, r.pValue, ...(r.ci ?? [])]) expect(Number.isNaN(v)).toBe(false);
        if (n1 === 0 || n2 === 0) {
          expect(r.ci).toBeNull();
          return;
        }
        const [lo, hi] = r.ci!;
        expect(lo).toBeLessThanOrEqual(hi);
        expect(lo).toBeGreaterThanOrEqual(-1);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(r.diff! + 1e-12);
        expect(hi).toBeGreaterThanOrEqual(r.diff! - 1e-12);
        if (r.pValue !== null) {
          expect(r.pValue).toBeGreaterThanOrEqual(0);
          expect(r.pValue).toBeLessThanOrEqual(1);
          expect(Number.isFinite(r.z)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('welchTTest', () => {
  it('matches a hand computation', () => {
    // vA = 4/10 = 0.4, vB = 9/15 = 0.6, SE = 1, t = (22 − 20)/1 = 2,
    // ν = 1² / (0.4²/9 + 0.6²/14) = 1/(0.0177778 + 0.0257143) = 22.9927.
    // p = 2·P(T_22.99 ≥ 2) ≈ 0.05745 (between R's 2*pt(-2,22) = 0.05798 and 2*pt(-2,23) = 0.05746).
    const r = welchTTest({ mean: 20, variance: 4, n: 10 }, { mean: 22, variance: 9, n: 15 });
    expect(r.diff).toBe(2);
    expect(r.t).toBeCloseTo(2, 12);
    expect(r.df).toBeCloseTo(22.9927007, 6);
    expect(r.pValue).toBeGreaterThan(0.0574);
    expect(r.pValue).toBeLessThan(0.058);
    expect(r.significant).toBe(false);
    // CI = 2 ± t_{0.975, 22.99}·1, t_{0.975,23} = 2.068658.
    expect(r.ci![1] - 2).toBeCloseTo(2.0687, 3);
    expect(r.ci![0]).toBeLessThan(0); // consistent with p > 0.05
  });

  it('equal variances and sizes give the pooled Student df 2n − 2', () => {
    const r = welchTTest({ mean: 1, variance: 2, n: 50 }, { mean: 1.5, variance: 2, n: 50 });
    expect(r.df).toBeCloseTo(98, 10);
  });

  it('swapping arms negates diff, keeps p; CI contains diff; large revenue arms', () => {
    const a = { mean: 0.42, variance: 25.3, n: 48000 };
    const b = { mean: 0.51, variance: 31.8, n: 47500 };
    const ab = welchTTest(a, b);
    const ba = welchTTest(b, a);
    expect(ba.diff).toBeCloseTo(-ab.diff, 15);
    expect(ba.pValue).toBeCloseTo(ab.pValue!, 14);
    expect(ba.df).toBeCloseTo(ab.df!, 8);
    expect(ab.ci![0]).toBeLessThan(ab.diff);
    expect(ab.ci![1]).toBeGreaterThan(ab.diff);
    expect(ab.pValue).toBeGreaterThan(0);
    expect(ab.pValue).toBeLessThan(1);
    // Large ν: close to the z test, 2·Q(|t|).
    expect(ab.pValue).toBeCloseTo(2 * normalUpperTail(Math.abs(ab.t!)), 4);
  });

  it('returns nulls when undefined', () => {
    expect(welchTTest({ mean: 1, variance: 0, n: 10 }, { mean: 2, variance: 0, n: 10 }).t).toBeNull();
    expect(welchTTest({ mean: 1, variance: 1, n: 1 }, { mean: 2, variance: 1, n: 10 }).df).toBeNull();
  });
});

describe('benjaminiHochberg', () => {
  it('hand-worked example', () => {
    // Sorted: 0.005, 0.01, 0.03, 0.04 → m·p/i = 0.02, 0.02, 0.04, 0.04 → already monotone.
    const r = benjaminiHochberg([0.01, 0.04, 0.03, 0.005]);
    [0.02, 0.04, 0.04, 0.02].forEach((v, i) => expect(r.adjusted[i]).toBeCloseTo(v, 15));
    expect(r.rejected).toEqual([true, true, true, true]);
    // Monotone step: sorted 0.01, 0.02, 0.5 → 0.03, 0.03, 0.5 (the second raw 3·0.02/2 = 0.03).
    expect(benjaminiHochberg([0.5, 0.02, 0.01]).adjusted.map((p) => +p.toFixed(12))).toEqual([0.5, 0.03, 0.03]);
    expect(benjaminiHochberg([0.9, 0.95]).adjusted).toEqual([0.95, 0.95]);
    expect(benjaminiHochberg([])).toEqual({ rejected: [], adjusted: [] });
  });

  it('Benjamini & Hochberg (1995) example: 15 p-values, q = 0.05 rejects 4', () => {
    const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0];
    const r = benjaminiHochberg(p, 0.05);
    expect(r.rejected.filter(Boolean)).toHaveLength(4);
    expect(r.rejected.slice(0, 4)).toEqual([true, true, true, true]);
    // Bonferroni (0.05/15 = 0.00333) rejects only 3.
    expect(p.filter((x) => x <= 0.05 / 15)).toHaveLength(3);
  });

  it('properties: adjusted ≥ raw, ≤ 1, monotone in rank; rejects a superset of Bonferroni', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.double({ min: 0.001, max: 0.3, noNaN: true }), (p, q) => {
        const { adjusted, rejected } = benjaminiHochberg(p, q);
        expect(adjusted).toHaveLength(p.length);
        p.forEach((raw, i) => {
          expect(adjusted[i]!).toBeGreaterThanOrEqual(raw);
          expect(adjusted[i]!).toBeLessThanOrEqual(1);
          if (raw <= q / p.length) expect(rejected[i]).toBe(true); // Bonferroni ⊆ BH
        });
        const order = p.map((_, i) => i).sort((i, j) => p[i]! - p[j]!);
        for (let k = 1; k < order.length; k++) expect(adjusted[order[k]!]!).toBeGreaterThanOrEqual(adjusted[order[k - 1]!]!);
      }),
      { numRuns: 300 },
    );
  });
});

describe('sample size and duration', () => {
  it('matches the Fleiss formula by hand', () => {
    // p1 = 0.10, p2 = 0.15, p̄ = 0.125: 1.959964·sqrt(2·0.125·0.875) = 0.916689,
    // 0.841621·sqrt(0.09 + 0.1275) = 0.392507; (1.309196)²/0.05² = 685.6 → 686.
    expect(sampleSizePerArm(0.1, 0.05)).toBe(686);
    // One-sided uses z_{0.95} = 1.644854: (0.769310 + 0.392507)²/0.0025 = 1.161817²/0.0025 = 539.9 → 540.
    expect(sampleSizePerArm(0.1, 0.05, { twoSided: false })).toBe(540);
  });

  it('is monotone: smaller mde or higher power or smaller alpha → larger n', () => {
    const base = 0.03;
    const mdes = [0.02, 0.01, 0.005, 0.002, 0.001];
    const ns = mdes.map((m) => sampleSizePerArm(base, m));
    for (let i = 1; i < ns.length; i++) expect(ns[i]!).toBeGreaterThan(ns[i - 1]!);
    const powers = [0.5, 0.7, 0.8, 0.9, 0.95].map((power) => sampleSizePerArm(base, 0.005, { power }));
    for (let i = 1; i < powers.length; i++) expect(powers[i]!).toBeGreaterThan(powers[i - 1]!);
    expect(sampleSizePerArm(base, 0.005, { alpha: 0.01 })).toBeGreaterThan(sampleSizePerArm(base, 0.005));
    expect(() => sampleSizePerArm(0.99, 0.02)).toThrow(/mde/);
    expect(() => sampleSizePerArm(0.1, 0)).toThrow(/mde/);
  });

  it('durationDays', () => {
    expect(durationDays(686, 2, 500)).toBe(3); // 1372/500 = 2.744 → 3
    expect(durationDays(1000, 2, 2000)).toBe(1);
    expect(durationDays(0, 3, 100)).toBe(0);
    expect(() => durationDays(100, 2, 0)).toThrow(/dailyTraffic/);
  });
});

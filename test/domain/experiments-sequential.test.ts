/**
 * Sequential experiment statistics: Lan–DeMets group sequential boundaries against published
 * values (R ldbounds / gsDesign) and a seeded Monte Carlo of Brownian motion; the spending
 * functions; the mSPRT against hand-computed numbers; the conditional-binomial Beta-mixture
 * e-value against brute-force numerical integration over q, its martingale identity, the coverage
 * of its confidence sequence, and fast-check properties; the sequential SRM e-value against a
 * closed form; banditUpdate against thompsonWeights/valueRemaining; the binomial sampler of the
 * simulation harness.
 */
import quantile from '@stdlib/stats-base-dists-normal-quantile';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { banditUpdate, thompsonWeights, valueRemaining } from '../../src/domain/experiments/bandit.js';
import type { ArmCounts } from '../../src/domain/experiments/bayes.js';
import { normalUpperTail } from '../../src/domain/experiments/frequentist.js';
import {
  MAX_BOUNDARY,
  groupSequentialBoundaries,
  nextLook,
  spendingAt,
  startGroupSequential,
  type GroupSequentialState,
  type Spending,
} from '../../src/domain/experiments/group-sequential.js';
import { sequentialMeanTest, sequentialRateTest } from '../../src/domain/experiments/sequential.js';
import { DEFAULT_SRM_CONCENTRATION, sequentialSrm } from '../../src/domain/experiments/srm.js';
import { seededUniform } from '../../src/domain/scores/simulate.js';
import { binomialTables, invertCdf } from '../../src/sim/trials.js';

const arm = (successes: number, trials: number): ArmCounts => ({ successes, trials });
const equalLooks = (k: number) => Array.from({ length: k }, (_, i) => (i + 1) / k);

/**
 * Seeded Monte Carlo of the z statistic Z_k = B(t_k)/√t_k of standard Brownian motion at the looks
 * (normals by inversion through stdlib's quantile): per look, the share of paths that first
 * cross ±boundary there.
 */
function brownianCrossings(ts: readonly number[], boundaries: readonly number[], sims: number, seed: number): number[] {
  const u = seededUniform(seed);
  const first = new Array<number>(ts.length).fill(0);
  for (let s = 0; s < sims; s++) {
    let b = 0;
    let prev = 0;
    for (let k = 0; k < ts.length; k++) {
      b += Math.sqrt(ts[k]! - prev) * quantile(u(), 0, 1);
      prev = ts[k]!;
      if (Math.abs(b / Math.sqrt(ts[k]!)) >= boundaries[k]!) {
        first[k]! += 1;
        break;
      }
    }
  }
  return first.map((c) => c / sims);
}

describe('group sequential: spending functions', () => {
  it('O’Brien–Fleming and Pocock types at known points', () => {
    // z_{1−α/4} = z_0.9875 = 2.2414027276049464; α(t) = 4·Q(z/√t).
    expect(spendingAt(0.5, 0.05, 'obrien_fleming')).toBeCloseTo(0.003050645515977557, 12);
    expect(spendingAt(0.2, 0.05, 'obrien_fleming') / 1.0777425258901019e-6).toBeCloseTo(1, 8);
    expect(spendingAt(0.37, 0.05, 'obrien_fleming')).toBeCloseTo(4 * normalUpperTail(2.2414027276049464 / Math.sqrt(0.37)), 12);
    // α·ln(1 + (e − 1)/2) = 0.05 · 0.6201145069582775
    expect(spendingAt(0.5, 0.05, 'pocock')).toBeCloseTo(0.031005725347913876, 14);
    for (const s of ['obrien_fleming', 'pocock'] as const) {
      expect(spendingAt(0, 0.05, s)).toBe(0);
      expect(spendingAt(-1, 0.05, s)).toBe(0);
      expect(spendingAt(1, 0.05, s)).toBe(0.05);
      expect(spendingAt(1.5, 0.05, s)).toBe(0.05);
      let last = 0;
      for (let t = 0.01; t < 1; t += 0.01) {
        const a = spendingAt(t, 0.05, s);
        expect(a).toBeGreaterThan(last);
        expect(a).toBeLessThan(0.05);
        last = a;
      }
    }
    expect(spendingAt(1 - 1e-9, 0.05, 'obrien_fleming')).toBeCloseTo(0.05, 8);
    expect(() => spendingAt(0.5, 0, 'pocock')).toThrow(/alpha/);
  });
});

describe('group sequential: boundaries', () => {
  it('5 equal looks, two-sided α = 0.05, match R ldbounds / gsDesign within 0.01', () => {
    // ldbounds::bounds(seq(0.2, 1, 0.2), iuse = c(1, 1), alpha = c(0.025, 0.025)) and gsDesign
    // sfLDOF: 4.8769 3.3569 2.6803 2.2898 2.0310; iuse = c(2, 2) (sfLDPocock): 2.4380 2.4268
    // 2.4101 2.3966 2.3859.
    const obf = groupSequentialBoundaries(equalLooks(5), 0.05, 'obrien_fleming');
    [4.8769, 3.3569, 2.6803, 2.2898, 2.031].forEach((b, i) => expect(Math.abs(obf[i]! - b)).toBeLessThan(0.01));
    const pocock = groupSequentialBoundaries(equalLooks(5), 0.05, 'pocock');
    [2.44, 2.43, 2.41, 2.4, 2.39].forEach((b, i) => expect(Math.abs(pocock[i]! - b)).toBeLessThan(0.01));
    // Tighter: the grid integration agrees with the published 4-decimal values to ~1e-4.
    [4.8769, 3.3569, 2.6803, 2.2898, 2.031].forEach((b, i) => expect(Math.abs(obf[i]! - b)).toBeLessThan(2e-4));
    [2.438, 2.4268, 2.4101, 2.3966, 2.3859].forEach((b, i) => expect(Math.abs(pocock[i]! - b)).toBeLessThan(2e-4));
  });

  it('a single look at t = 1 is the fixed-sample 1.95996', () => {
    const [b] = groupSequentialBoundaries([1], 0.05);
    expect(b).toBeCloseTo(1.959963984540054, 9);
    expect(groupSequentialBoundaries([1], 0.01, 'pocock')[0]).toBeCloseTo(2.5758293035489, 9);
  });

  it.each(['obrien_fleming', 'pocock'] as Spending[])('%s: Brownian-motion Monte Carlo spends what the function says, look by look', (spending) => {
    const ts = [0.15, 0.4, 0.55, 0.8, 1];
    const bounds = groupSequentialBoundaries(ts, 0.05, spending);
    const sims = 200_000;
    const first = brownianCrossings(ts, bounds, sims, 20240601);
    let prev = 0;
    ts.forEach((t, k) => {
      const inc = spendingAt(t, 0.05, spending) - prev;
      prev += inc;
      const se = Math.sqrt((inc * (1 - inc)) / sims);
      expect(Math.abs(first[k]! - inc)).toBeLessThan(4 * se + 1e-5);
    });
    const total = first.reduce((s, p) => s + p, 0);
    expect(Math.abs(total - 0.05)).toBeLessThan(4 * Math.sqrt((0.05 * 0.95) / sims));
  });

  it('200 looks: fast, monotone, and the Monte Carlo type I error is 5%', () => {
    const ts = equalLooks(200);
    const t0 = performance.now();
    const obf = groupSequentialBoundaries(ts, 0.05, 'obrien_fleming');
    const pocock = groupSequentialBoundaries(ts, 0.05, 'pocock');
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1500); // two schedules; typically ~350 ms in all
    for (let k = 1; k < 200; k++) {
      expect(obf[k]!).toBeLessThanOrEqual(obf[k - 1]!);
      expect(pocock[k]!).toBeLessThanOrEqual(pocock[k - 1]! + 1e-9);
    }
    expect(obf[199]!).toBeGreaterThan(1.96);
    const sims = 40_000;
    for (const b of [obf, pocock]) {
      const total = brownianCrossings(ts, b, sims, 7).reduce((s, p) => s + p, 0);
      expect(Math.abs(total - 0.05)).toBeLessThan(4 * Math.sqrt((0.05 * 0.95) / sims));
    }
  });

  it('looks one at a time through a JSON round trip give the same boundaries', () => {
    const ts = [0.05, 0.12, 0.3, 0.31, 0.6, 0.95, 1.2];
    const batch = groupSequentialBoundaries(ts, 0.05, 'pocock');
    let state: GroupSequentialState = startGroupSequential(0.05, 'pocock');
    const one: number[] = [];
    for (const t of ts) {
      const r = nextLook(JSON.parse(JSON.stringify(state)) as GroupSequentialState, t);
      one.push(r.boundary);
      state = r.state;
    }
    expect(one).toEqual(batch);
    expect(state.spent).toBe(0.05); // t ≥ 1 spends what is left
    expect(state.looks.map((l) => l.t)).toEqual(ts);
    expect(state.grid.length % 2).toBe(1);
    expect(state.density.length).toBe(state.grid.length);
    expect(() => nextLook(state, 1.3)).toThrow(/final look/);
    const mid = nextLook(startGroupSequential(0.05), 0.5).state;
    expect(() => nextLook(mid, 0.5)).toThrow(/not after/);
    expect(() => nextLook(mid, 0.4)).toThrow(/not after/);
    expect(() => nextLook({ ...mid, density: [] }, 0.7)).toThrow(/malformed/);
    expect(() => startGroupSequential(1.5)).toThrow(/alpha/);
  });

  it('nothing left to spend: the boundary is MAX_BOUNDARY (never rejects)', () => {
    const [b] = groupSequentialBoundaries([0.001], 0.05, 'obrien_fleming');
    expect(b).toBe(MAX_BOUNDARY);
    // OBF-type at t = 0.01: 4·Q(22.4) ≈ 1e-110, still a finite boundary near 22.3.
    const [b2] = groupSequentialBoundaries([0.01], 0.05, 'obrien_fleming');
    expect(b2).toBeGreaterThan(22);
    expect(b2).toBeLessThan(23);
  });
});

describe('sequentialMeanTest (mSPRT)', () => {
  const a = { mean: 1, variance: 4, n: 100 };
  it('hand-computed Λ and interval', () => {
    // V = 4/100 + 5/100 = 0.09, τ² = 0.09, θ̂ = 0.3: Λ = sqrt(1/2)·exp(0.09·0.09/(2·0.09·0.18)) = e^{1/4}/√2.
    const r = sequentialMeanTest(a, { mean: 1.3, variance: 5, n: 100 }, { tau: 0.3 });
    expect(r.eValue).toBeCloseTo(0.9079430793557843, 12);
    expect(r.significant).toBe(false);
    // half-width sqrt(0.18·(2 ln 20 + ln 2)) = 1.0969184614091545
    expect(r.ci![0]).toBeCloseTo(0.3 - 1.0969184614091545, 12);
    expect(r.ci![1]).toBeCloseTo(0.3 + 1.0969184614091545, 12);
    // θ̂ = 1.2: Λ = e⁴/√2 = 38.6 ≥ 20.
    const s = sequentialMeanTest(a, { mean: 2.2, variance: 5, n: 100 }, { tau: 0.3 });
    expect(s.eValue).toBeCloseTo(38.606722128676815, 10);
    expect(s.significant).toBe(true);
    expect(s.ci![0]).toBeGreaterThan(0);
  });

  it('degenerate inputs', () => {
    expect(sequentialMeanTest(a, { mean: 2, variance: 1, n: 1 }, { tau: 1 })).toEqual({ eValue: 1, significant: false, ci: null });
    expect(sequentialMeanTest({ ...a, variance: 0 }, { mean: 2, variance: 0, n: 50 }, { tau: 1 }).ci).toBeNull();
    expect(() => sequentialMeanTest(a, a, { tau: 0 })).toThrow(/tau/);
    expect(() => sequentialMeanTest(a, a, { tau: 1, alpha: 1 })).toThrow(/alpha/);
  });

  it('properties: Λ ≥ 0, the CI holds θ̂, rejects exactly when 0 is outside it, and swapping arms mirrors it', () => {
    const sample = fc.record({
      mean: fc.double({ min: -50, max: 50, noNaN: true }),
      variance: fc.double({ min: 0.01, max: 100, noNaN: true }),
      n: fc.integer({ min: 2, max: 100000 }),
    });
    fc.assert(
      fc.property(sample, sample, fc.double({ min: 0.01, max: 10, noNaN: true }), (x, y, tau) => {
        const r = sequentialMeanTest(x, y, { tau });
        const m = sequentialMeanTest(y, x, { tau });
        const theta = y.mean - x.mean;
        expect(r.eValue).toBeGreaterThanOrEqual(0);
        expect(r.ci![0]).toBeLessThanOrEqual(theta);
        expect(r.ci![1]).toBeGreaterThanOrEqual(theta);
        const margin = Math.min(Math.abs(r.ci![0]), Math.abs(r.ci![1]));
        if (margin > 1e-9 * (1 + Math.abs(theta))) expect(r.significant).toBe(r.ci![0] > 0 || r.ci![1] < 0);
        expect(m.eValue).toBeCloseTo(r.eValue, 10);
        expect(m.ci![0]).toBeCloseTo(-r.ci![1], 9);
      }),
      { seed: 31, numRuns: 300 },
    );
  });
});

/**
 * Independent brute force: ln E by midpoint-rule integration over q of the label likelihood
 * q^kB (1 − q)^kA against the Beta(c·w, c·(1 − w)) density, itself normalized numerically (no
 * Beta function), with log-sum-exp.
 */
function bruteLogE(kA: number, kB: number, w: number, c: number, q0 = w, points = 400_000): number {
  const a = c * w;
  const b = c * (1 - w);
  const lse = (f: (q: number) => number) => {
    let max = -Infinity;
    const vals = new Float64Array(points);
    for (let i = 0; i < points; i++) {
      const q = (i + 0.5) / points;
      vals[i] = f(q);
      if (vals[i]! > max) max = vals[i]!;
    }
    let s = 0;
    for (let i = 0; i < points; i++) s += Math.exp(vals[i]! - max);
    return max + Math.log(s);
  };
  const num = lse((q) => (kB + a - 1) * Math.log(q) + (kA + b - 1) * Math.log1p(-q));
  const den = lse((q) => (a - 1) * Math.log(q) + (b - 1) * Math.log1p(-q));
  return num - den - kB * Math.log(q0) - kA * Math.log1p(-q0);
}

describe('sequentialRateTest (conditional binomial, Beta mixture)', () => {
  it.each([
    [0, 0, 0.5, 100],
    [30, 45, 0.5, 100],
    [500, 560, 0.5, 100],
    [12, 3, 0.3, 20],
    [1000, 1100, 0.6, 50],
    [7, 40, 0.5, 4],
  ])('e-value matches numerical integration over q (kA=%i, kB=%i, w=%f, c=%f)', (kA, kB, w, c) => {
    const r = sequentialRateTest(arm(kA, 10 * kA + 5), arm(kB, 10 * kB + 5), { allocation: w, concentration: c });
    expect(Math.abs(r.logEValue - bruteLogE(kA, kB, w, c))).toBeLessThan(1e-6);
    expect(r.eValue).toBeCloseTo(Math.exp(r.logEValue), 12);
    expect(r.significant).toBe(r.logEValue >= Math.log(20));
  });

  it('the interval ends are where the e-value against q0 equals 1/α (brute force)', () => {
    const w = 0.4;
    const r = sequentialRateTest(arm(260, 9000), arm(240, 6000), { allocation: w, concentration: 80 });
    for (const ratio of r.ratioCi!) {
      const q0 = (w * ratio) / (w * ratio + 1 - w);
      expect(bruteLogE(260, 240, w, 80, q0)).toBeCloseTo(Math.log(20), 5);
    }
  });

  it('is a martingale with mean 1 under H0: w·E(kA, kB+1) + (1 − w)·E(kA+1, kB) = E(kA, kB)', () => {
    for (const [kA, kB, w] of [
      [0, 0, 0.5],
      [10, 3, 0.5],
      [120, 170, 0.3],
      [4000, 3900, 0.8],
    ] as const) {
      // In logs (E overflows for the last case): ln(w·E₁ + (1 − w)·E₂) − ln E₀ = 0.
      const l = (x: number, y: number) => sequentialRateTest(arm(x, x), arm(y, y), { allocation: w }).logEValue;
      const [l0, l1, l2] = [l(kA, kB), l(kA, kB + 1), l(kA + 1, kB)];
      const m = Math.max(l1, l2);
      expect(m + Math.log(w * Math.exp(l1 - m) + (1 - w) * Math.exp(l2 - m)) - l0).toBeCloseTo(0, 9);
    }
  });

  it('edge cases and inputs', () => {
    const none = sequentialRateTest(arm(0, 100), arm(0, 100), { allocation: 0.5 });
    expect(none).toEqual({ eValue: 1, logEValue: 0, significant: false, ratioCi: null, liftCi: null });
    const noVariant = sequentialRateTest(arm(20, 100), arm(0, 100), { allocation: 0.5 });
    expect(noVariant.ratioCi![0]).toBe(0);
    const noControl = sequentialRateTest(arm(0, 100), arm(20, 100), { allocation: 0.5 });
    expect(noControl.ratioCi![1]).toBe(Number.POSITIVE_INFINITY);
    expect(noControl.liftCi![0]).toBeCloseTo(noControl.ratioCi![0] - 1, 14);
    // Overwhelming evidence: ln E stays finite.
    const big = sequentialRateTest(arm(10, 1e6), arm(90000, 1e6), { allocation: 0.5 });
    expect(Number.isFinite(big.logEValue)).toBe(true);
    expect(big.significant).toBe(true);
    expect(() => sequentialRateTest(arm(1, 10), arm(1, 10), { allocation: 1 })).toThrow(/allocation/);
    expect(() => sequentialRateTest(arm(11, 10), arm(1, 10), { allocation: 0.5 })).toThrow(/control/);
    expect(() => sequentialRateTest(arm(1, 10), arm(1, 10), { allocation: 0.5, concentration: 0 })).toThrow(/concentration/);
    expect(() => sequentialRateTest(arm(1, 10), arm(1, 10), { allocation: 0.5, alpha: 0 })).toThrow(/alpha/);
  });

  it('confidence sequence: over 400 runs of 3,000 successes checked every 25, the true ratio 1.2 is ever excluded in ≤ 5%', () => {
    // pA = 5%, pB = 6%, split 50/50: a success is the variant's with q = 0.06/(0.06 + 0.05).
    const q = 0.06 / 0.11;
    const u = seededUniform(99);
    let missed = 0;
    for (let s = 0; s < 400; s++) {
      let kA = 0;
      let kB = 0;
      let miss = false;
      for (let i = 1; i <= 3000; i++) {
        if (u() < q) kB++;
        else kA++;
        if (i % 25 === 0 && !miss) {
          const ci = sequentialRateTest(arm(kA, 20 * kA), arm(kB, 20 * kB), { allocation: 0.5 }).ratioCi!;
          if (!(ci[0] <= 1.2 && 1.2 <= ci[1])) miss = true;
        }
      }
      if (miss) missed++;
    }
    expect(missed / 400).toBeLessThanOrEqual(0.05);
  });

  it('properties: E ≥ 0, the CI holds the point estimate, arm swap symmetry, significant ⇔ 1 ∉ CI', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 1, max: 2000, noNaN: true }),
        (kA, kB, w, c) => {
          const opts = { allocation: w, concentration: c };
          const r = sequentialRateTest(arm(kA, kA + 50), arm(kB, kB + 70), opts);
          expect(r.eValue).toBeGreaterThanOrEqual(0);
          expect(Number.isFinite(r.logEValue)).toBe(true);
          const m = sequentialRateTest(arm(kB, kB + 70), arm(kA, kA + 50), { ...opts, allocation: 1 - w });
          expect(m.logEValue).toBeCloseTo(r.logEValue, 8);
          if (kA + kB === 0) return;
          const [lo, hi] = r.ratioCi!;
          expect(lo).toBeLessThanOrEqual(hi);
          if (kA > 0 && kB > 0) {
            const rHat = (kB * (1 - w)) / (kA * w);
            expect(lo).toBeLessThanOrEqual(rHat * (1 + 1e-12));
            expect(hi).toBeGreaterThanOrEqual(rHat * (1 - 1e-12));
            expect(m.ratioCi![0]).toBeCloseTo(1 / hi, 6);
          }
          if (Math.abs(r.logEValue - Math.log(20)) > 1e-6) expect(r.significant).toBe(lo > 1 || hi < 1);
        },
      ),
      { seed: 17, numRuns: 400 },
    );
  });
});

describe('sequentialSrm (Dirichlet–multinomial mixture)', () => {
  it('closed form with a uniform prior: E = 2ⁿ·x!(n − x)!/(n + 1)!', () => {
    // c = 2 at 50/50 is Beta(1, 1): B(1 + x, 1 + n − x)/B(1, 1) = x!(n − x)!/(n + 1)!; n = 10, x = 5.
    const r = sequentialSrm([5, 5], [1, 1], { concentration: 2 });
    expect(r.eValue).toBeCloseTo(0.3694083694083694, 12);
    expect(r.pValue).toBe(1);
    expect(r.mismatch).toBe(false);
    // x = 0, n = 10: 2^10 / 11 = 93.09.
    expect(sequentialSrm([0, 10], [50, 50], { concentration: 2 }).eValue).toBeCloseTo(1024 / 11, 9);
  });

  it('no data gives E = 1; weights scale freely; p = min(1, 1/E); mismatch at 1/threshold', () => {
    expect(sequentialSrm([0, 0, 0], [1, 2, 1]).eValue).toBeCloseTo(1, 12);
    const x = sequentialSrm([5200, 4800], [0.5, 0.5]);
    expect(sequentialSrm([5200, 4800], [50, 50]).eValue).toBeCloseTo(x.eValue, 9);
    expect(x.threshold).toBe(0.001);
    const big = sequentialSrm([10800, 9200], [1, 1]);
    expect(big.mismatch).toBe(true);
    expect(big.pValue).toBeCloseTo(1 / big.eValue, 12);
    expect(big.pValue).toBeLessThanOrEqual(0.001);
    expect(sequentialSrm([10800, 9200], [1, 1], { threshold: 1e-30 }).mismatch).toBe(false);
    expect(DEFAULT_SRM_CONCENTRATION).toBeGreaterThan(0);
    expect(() => sequentialSrm([1], [1])).toThrow(/two arms/);
    expect(() => sequentialSrm([1, 2], [1, 0])).toThrow(/weights/);
    expect(() => sequentialSrm([1, 2], [1, 1], { concentration: -1 })).toThrow(/concentration/);
  });

  it('is a martingale with mean 1 under H0: Σ_i w_i·E(counts + e_i) = E(counts)', () => {
    const w = [0.2, 0.3, 0.5];
    for (const counts of [
      [0, 0, 0],
      [13, 40, 51],
      [2000, 3100, 4900],
    ]) {
      const e = (c: number[]) => sequentialSrm(c, w, { concentration: 50 }).eValue;
      const next = w.reduce((s, wi, i) => s + wi * e(counts.map((c, j) => (j === i ? c + 1 : c))), 0);
      expect(next / e(counts)).toBeCloseTo(1, 9);
    }
  });
});

describe('banditUpdate', () => {
  it('agrees with thompsonWeights and valueRemaining on the same draws', () => {
    const arms = [arm(30, 1000), arm(38, 1000), arm(45, 1000), arm(41, 990)];
    const opts = { draws: 3000, seed: 8 };
    const u = banditUpdate(arms, opts);
    expect(u.weights).toEqual(thompsonWeights(arms, opts));
    const v = valueRemaining(arms, opts);
    expect(u.valueRemaining).toBe(v.valueRemaining);
    expect(u.champion).toBe(v.champion);
    expect(u.chanceToBeat).toEqual(v.chanceToBeat);
    expect(u.stop).toBe(v.valueRemaining < 0.01);
    expect(u.weights.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(Math.min(...u.weights)).toBeGreaterThanOrEqual(0.01 - 1e-12);
    const clear = banditUpdate([arm(100, 10000), arm(400, 10000)], { seed: 3, draws: 2000 });
    expect(clear.champion).toBe(1);
    expect(clear.stop).toBe(true);
    expect(() => banditUpdate(arms, { quantile: 2 })).toThrow(/quantile/);
  });
});

describe('simulation harness: binomial draws by inversion', () => {
  it('tables are CDFs and draws have the binomial mean and variance', () => {
    const tables = binomialTables(100, 0.05);
    expect(tables).toHaveLength(101);
    expect(tables[0]!).toEqual(Float64Array.of(1));
    for (const t of tables) for (let k = 1; k < t.length; k++) expect(t[k]!).toBeGreaterThanOrEqual(t[k - 1]!);
    // P(X = 0) for Binomial(100, 0.05) = 0.95^100
    expect(tables[100]![0]).toBeCloseTo(0.95 ** 100, 14);
    const u = seededUniform(5);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = invertCdf(tables[100]!, u());
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    expect(Math.abs(mean - 5)).toBeLessThan(4 * Math.sqrt(4.75 / n));
    expect(s2 / n - mean * mean).toBeCloseTo(4.75, 1);
  });
});

import { describe, expect, it } from 'vitest';
import { expectedPurchases, pAlive } from '../../src/domain/scores/bgnbd.js';
import { computeScores, type CustomerHistory } from '../../src/domain/scores/compute.js';
import { clv } from '../../src/domain/scores/gamma-gamma.js';
import { seededUniform, simulateBgNbd, simulateSpend } from '../../src/domain/scores/simulate.js';
import { RFM_SEGMENTS } from '../../src/domain/segments/ast.js';

const DAY = 86_400_000;
const NOW = new Date(Date.UTC(2026, 0, 1, 12));
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

/** A population simulated from known BG/NBD (days) and Gamma-Gamma parameters, as purchase histories. */
function population(n: number, seed: number): CustomerHistory[] {
  const u = seededUniform(seed + 1);
  const T = Array.from({ length: n }, () => 730 * u());
  const sim = simulateBgNbd({ r: 0.8, alpha: 30, a: 0.5, b: 3 }, { T, seed });
  const spend = simulateSpend({ p: 6, q: 4, v: 60 }, sim.map((c) => c.x + 1), seed + 2);
  return sim.map((c, i) => {
    const first = NOW.getTime() - c.T * DAY;
    const at = [first, ...c.times.map((t) => first + t * DAY)];
    return {
      userId: `u${String(i).padStart(5, '0')}`,
      firstSeen: new Date(first - 5 * DAY),
      purchases: at.map((t, j) => ({ at: new Date(t), amount: spend[i]!.amounts[j]! })),
    };
  });
}

describe('computeScores', () => {
  it('scores a population: RFM for purchasers, model fields from the fits, nulls for non-buyers', () => {
    const buyers = population(3000, 1);
    const browsers: CustomerHistory[] = Array.from({ length: 50 }, (_, i) => ({ userId: `b${i}`, firstSeen: daysAgo(i), purchases: [] }));
    const { rows, params, notes } = computeScores([...buyers, ...browsers], NOW);

    expect(rows).toHaveLength(3050);
    expect(params.bgnbd).not.toBeNull();
    expect(params.gammaGamma).not.toBeNull();
    expect(params.fittedOn).toBe(3000);
    expect(notes).toEqual([]);
    // Fitted on 3,000 customers: in the neighbourhood of the truth (the ±10% checks are in the model tests).
    expect(params.bgnbd!.r / 0.8).toBeGreaterThan(0.8);
    expect(params.bgnbd!.r / 0.8).toBeLessThan(1.25);
    expect(params.bgnbd!.alpha / 30).toBeGreaterThan(0.8);
    expect(params.bgnbd!.alpha / 30).toBeLessThan(1.25);

    for (const row of rows.slice(0, 3000)) {
      expect(row.recencyDays).not.toBeNull();
      expect(row.frequency).toBeGreaterThanOrEqual(1);
      for (const s of [row.rfmR, row.rfmF, row.rfmM]) expect(s! >= 1 && s! <= 5).toBe(true);
      expect(RFM_SEGMENTS).toContain(row.rfmSegment);
      expect(row.churnRisk! >= 0 && row.churnRisk! <= 1).toBe(true);
      expect(row.expectedPurchases90d!).toBeGreaterThanOrEqual(0);
      expect(row.predictedLtv!).toBeGreaterThanOrEqual(0);
    }
    for (const row of rows.slice(3000)) {
      expect(row).toEqual({
        userId: row.userId,
        recencyDays: null,
        frequency: 0,
        monetary: 0,
        rfmR: null,
        rfmF: null,
        rfmM: null,
        rfmSegment: null,
        churnRisk: null,
        expectedPurchases90d: null,
        predictedLtv: null,
      });
    }
    // Churn risk separates: customers who were really gone at `now` score higher on average.
    const truth = simulateBgNbd({ r: 0.8, alpha: 30, a: 0.5, b: 3 }, { T: Array.from({ length: 3000 }, (() => { const u = seededUniform(2); return () => 730 * u(); })()), seed: 1 });
    const mean = (alive: boolean) => {
      const xs = rows.slice(0, 3000).filter((_, i) => truth[i]!.alive === alive && truth[i]!.x > 0);
      return xs.reduce((s, r) => s + r.churnRisk!, 0) / xs.length;
    };
    expect(mean(false)).toBeGreaterThan(mean(true) + 0.2);
  });

  it('uses purchase days as transactions, days as the time unit, and repeat-day totals for spend', () => {
    const base = population(400, 3);
    const probe: CustomerHistory = {
      userId: 'probe',
      firstSeen: daysAgo(60),
      purchases: [
        { at: new Date(NOW.getTime() - 40 * DAY - 2 * 3600_000), amount: 10 },
        { at: new Date(NOW.getTime() - 40 * DAY - 1 * 3600_000), amount: 5 }, // same day: one transaction
        { at: daysAgo(30), amount: 20 },
        { at: daysAgo(10), amount: 40 },
        { at: new Date(NOW.getTime() + DAY), amount: 999 }, // after now: ignored
      ],
    };
    const { rows, params } = computeScores([...base, probe], NOW);
    const row = rows.at(-1)!;
    expect(row.recencyDays).toBe(10);
    expect(row.frequency).toBe(4);
    expect(row.monetary).toBe(75);
    const rf = { x: 2, tx: 30, T: 40 };
    expect(row.churnRisk).toBeCloseTo(1 - pAlive(params.bgnbd!, rf), 12);
    expect(row.expectedPurchases90d).toBeCloseTo(expectedPurchases(params.bgnbd!, rf, 90), 12);
    expect(row.predictedLtv).toBeCloseTo(clv({ bgnbd: params.bgnbd!, gammaGamma: params.gammaGamma! }, { ...rf, mbar: 30 }, 365), 9);
    const discounted = computeScores([...base, probe], NOW, { horizonDays: 365, monthlyDiscountRate: 0.01 }).rows.at(-1)!;
    expect(discounted.predictedLtv!).toBeLessThan(row.predictedLtv!);
  });

  it('leaves the model fields null, with a note, when too few customers have a repeat purchase', () => {
    const few: CustomerHistory[] = Array.from({ length: 200 }, (_, i) => ({
      userId: `s${i}`,
      firstSeen: daysAgo(i + 1),
      purchases: i < 20 ? [{ at: daysAgo(i + 1), amount: 5 }, { at: daysAgo(0.5), amount: 7 }] : [{ at: daysAgo(i + 1), amount: 5 + i }],
    }));
    const { rows, params, notes } = computeScores(few, NOW);
    expect(params.bgnbd).toBeNull();
    expect(params.gammaGamma).toBeNull();
    expect(notes.join(' ')).toMatch(/BG\/NBD not fitted: 20 customers with a repeat purchase, at least 50 needed/);
    for (const r of rows) {
      expect(r.rfmSegment).not.toBeNull();
      expect([r.churnRisk, r.expectedPurchases90d, r.predictedLtv]).toEqual([null, null, null]);
    }
    expect(computeScores([], NOW).rows).toEqual([]);
  });

  it('fits on a deterministic sample when the population exceeds the cap, whatever the input order', () => {
    const pop = population(1500, 4);
    const a = computeScores(pop, NOW, { maxFitCustomers: 1000 });
    const b = computeScores([...pop].reverse(), NOW, { maxFitCustomers: 1000 });
    expect(a.params.fittedOn).toBe(1000);
    expect(a.notes).toContain('models fitted on a deterministic sample of 1000 of 1500 purchasers');
    for (const k of ['r', 'alpha', 'a', 'b'] as const) expect(b.params.bgnbd![k] / a.params.bgnbd![k]).toBeCloseTo(1, 4);
    expect(b.rows.map((r) => r.rfmSegment).reverse()).toEqual(a.rows.map((r) => r.rfmSegment));
  });
});

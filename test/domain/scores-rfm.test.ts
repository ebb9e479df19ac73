import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quintileScores, rfmScores, rfmSegment, type RfmLabel } from '../../src/domain/scores/rfm.js';
import { RFM_SEGMENTS } from '../../src/domain/segments/ast.js';

describe('quintileScores', () => {
  it('splits distinct values into five equal quintiles, higher value → higher score', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i * 37) % 100); // 0..99, shuffled
    const scores = quintileScores(values);
    values.forEach((v, i) => expect(scores[i]).toBe(1 + Math.floor(v / 20)));
    for (let s = 1; s <= 5; s++) expect(scores.filter((x) => x === s)).toHaveLength(20);
  });

  it('gives equal values equal scores, by the share strictly below (min rank)', () => {
    // 6 of 10 bought once: all score 1; 2 purchases have 6 of 10 below → 1 + ⌊5·6/10⌋ = 4.
    const freq = [1, 1, 1, 1, 1, 1, 2, 2, 3, 9];
    expect(quintileScores(freq)).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
    expect(quintileScores([7, 7, 7])).toEqual([1, 1, 1]);
    expect(quintileScores([])).toEqual([]);
    expect(quintileScores([3])).toEqual([1]);
  });

  it('does not depend on input order', () => {
    const values = [5, 3, 3, 9, 1, 0, 3, 8, 8, 2];
    const reversed = [...values].reverse();
    expect(quintileScores(reversed)).toEqual([...quintileScores(values)].reverse());
  });

  it('rejects non-finite values', () => {
    expect(() => quintileScores([1, Number.NaN])).toThrow(/finite/);
  });

  it('property: scores are integers in 1..5, the lowest value scores 1, and scores are monotone in value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 200 }), (values) => {
        const scores = quintileScores(values);
        const min = Math.min(...values);
        for (let i = 0; i < values.length; i++) {
          expect(Number.isInteger(scores[i]) && scores[i]! >= 1 && scores[i]! <= 5).toBe(true);
          if (values[i] === min) expect(scores[i]).toBe(1);
          for (let j = 0; j < values.length; j++) {
            if (values[i]! < values[j]!) expect(scores[i]!).toBeLessThanOrEqual(scores[j]!);
            if (values[i] === values[j]) expect(scores[i]).toBe(scores[j]);
          }
        }
      }),
    );
  });

  it('property: with distinct values, each quintile holds ⌊n/5⌋ or ⌈n/5⌉ customers', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 5, maxLength: 300, comparator: 'SameValueZero' }), (values) => {
        const scores = quintileScores(values);
        const n = values.length;
        for (let s = 1; s <= 5; s++) {
          const size = scores.filter((x) => x === s).length;
          expect(size).toBeGreaterThanOrEqual(Math.floor(n / 5));
          expect(size).toBeLessThanOrEqual(Math.ceil(n / 5));
        }
      }),
    );
  });
});

describe('rfmScores', () => {
  it('scores recency by fewer days = higher R', () => {
    const customers = [0, 10, 20, 30, 40].map((d, i) => ({ recencyDays: d, frequency: i + 1, monetary: 10 * (i + 1) }));
    const scores = rfmScores(customers);
    expect(scores.map((s) => s.r)).toEqual([5, 4, 3, 2, 1]);
    expect(scores.map((s) => s.f)).toEqual([1, 2, 3, 4, 5]);
    expect(scores.map((s) => s.m)).toEqual([1, 2, 3, 4, 5]);
    expect(scores.map((s) => s.segment)).toEqual(['new_customers', 'potential_loyalists', 'loyal_customers', 'at_risk', 'cannot_lose_them']);
  });
});

describe('rfmSegment', () => {
  // The published ranges (Putler; R package rfm) each label's cells must fall in: [Rlo, Rhi, FMlo, FMhi].
  const RANGES: Record<RfmLabel, [number, number, number, number]> = {
    champions: [4, 5, 4, 5],
    loyal_customers: [2, 5, 3, 5],
    potential_loyalists: [3, 5, 1, 3],
    new_customers: [4, 5, 0, 1],
    promising: [3, 4, 0, 1],
    need_attention: [2, 3, 2, 3],
    about_to_sleep: [2, 3, 0, 2],
    at_risk: [0, 2, 2, 5],
    cannot_lose_them: [0, 1, 4, 5],
    hibernating: [1, 2, 1, 2],
    lost: [0, 2, 0, 2],
  };

  it('maps the documented grid', () => {
    const table: [number, number, number, RfmLabel][] = [
      [5, 5, 5, 'champions'],
      [4, 4, 4, 'champions'],
      [1, 5, 5, 'cannot_lose_them'],
      [2, 5, 5, 'at_risk'],
      [3, 5, 5, 'loyal_customers'],
      [5, 3, 3, 'loyal_customers'],
      [5, 4, 3, 'loyal_customers'],
      [1, 3, 3, 'at_risk'],
      [2, 2, 3, 'need_attention'],
      [3, 3, 2, 'need_attention'],
      [4, 2, 3, 'potential_loyalists'],
      [5, 1, 2, 'potential_loyalists'],
      [3, 2, 2, 'about_to_sleep'],
      [2, 1, 2, 'hibernating'],
      [2, 1, 1, 'hibernating'],
      [1, 2, 2, 'lost'],
      [1, 1, 1, 'lost'],
      [3, 1, 1, 'promising'],
      [4, 1, 1, 'promising'],
      [5, 1, 1, 'new_customers'],
    ];
    for (const [r, f, m, label] of table) expect(rfmSegment(r, f, m), `${r}${f}${m}`).toBe(label);
  });

  it('every one of the 125 cells gets a label inside its published range, and every label is used', () => {
    const used = new Set<RfmLabel>();
    for (let r = 1; r <= 5; r++)
      for (let f = 1; f <= 5; f++)
        for (let m = 1; m <= 5; m++) {
          const label = rfmSegment(r, f, m);
          used.add(label);
          const [rlo, rhi, fmlo, fmhi] = RANGES[label];
          const fm = (f + m) / 2;
          expect(r >= rlo && r <= rhi && fm >= fmlo && fm <= fmhi, `${r}${f}${m} → ${label}`).toBe(true);
        }
    expect([...used].sort()).toEqual([...RFM_SEGMENTS].sort());
  });

  it('rejects scores outside 1..5', () => {
    expect(() => rfmSegment(0, 1, 1)).toThrow(/1-5/);
    expect(() => rfmSegment(1, 6, 1)).toThrow(/1-5/);
    expect(() => rfmSegment(1, 1, 2.5)).toThrow(/1-5/);
  });
});

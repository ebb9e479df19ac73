/**
 * Experiment assignment (assignment.ts): every person is covered by exactly one send of the
 * experiment (the test send, one of a bandit's waves, or the roll-out), in the configured shares,
 * the same way every time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { armOf, coveredBy, partOf, waveOf, type ScheduleExperiment } from '../../src/domain/experiments/assignment.js';

const users = Array.from({ length: 20_000 }, (_, i) => `user_${i}`);

describe('experiment assignment', () => {
  it('puts the configured shares in the holdout, the test group and the remainder', () => {
    const e = { id: 'exp_a', holdout_share: 0.1, test_share: 0.3 };
    const counts = { holdout: 0, test: 0, remainder: 0 };
    for (const u of users) counts[partOf(e, u)]++;
    const n = users.length;
    // Binomial sd at n = 20k is under 0.4 points: 4 sd of slack.
    expect(Math.abs(counts.holdout / n - 0.1)).toBeLessThan(0.009);
    expect(Math.abs(counts.test / n - 0.9 * 0.3)).toBeLessThan(0.013);
    expect(Math.abs(counts.remainder / n - 0.9 * 0.7)).toBeLessThan(0.014);
  });

  it('splits the test group by the arm weights', () => {
    const e = { id: 'exp_b', split: { var_a: 0.2, var_b: 0.8 } };
    const b = users.filter((u) => armOf(e, u) === 'var_b').length / users.length;
    expect(Math.abs(b - 0.8)).toBeLessThan(0.012);
  });

  it('covers everyone exactly once across the test send, the waves and the roll-out', () => {
    fc.assert(
      fc.property(
        fc.record({
          holdout: fc.double({ min: 0, max: 0.5, noNaN: true }),
          test: fc.double({ min: 0.01, max: 1, noNaN: true }),
          waves: fc.integer({ min: 1, max: 8 }),
          sent: fc.integer({ min: 1, max: 8 }),
          seed: fc.string({ minLength: 1, maxLength: 8 }),
        }),
        ({ holdout, test, waves, sent, seed }) => {
          const base = { id: `exp_${seed}`, holdout_share: holdout, test_share: test, split: { v1: 1 } };
          const bandit = waves > 1;
          const wavesSent = Math.min(sent, waves);
          const sends: ScheduleExperiment[] = bandit
            ? [
                ...Array.from({ length: wavesSent }, (_, w) => ({ ...base, phase: 'test' as const, wave: w, waves })),
                { ...base, phase: 'rollout', waves, ...(wavesSent < waves ? { from_wave: wavesSent } : {}) },
              ]
            : [{ ...base, phase: 'test' }, { ...base, phase: 'rollout' }];
          for (const u of users.slice(0, 400)) {
            expect(sends.filter((s) => coveredBy(s, u)).length).toBe(1);
            if (bandit) expect(waveOf({ id: base.id, waves }, u)).toBeLessThan(waves);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is a pure function of (experiment, person)', () => {
    const e = { id: 'exp_c', holdout_share: 0.2, test_share: 0.5 };
    expect(users.slice(0, 100).map((u) => partOf(e, u))).toEqual(users.slice(0, 100).map((u) => partOf({ ...e }, u)));
    // A different experiment draws independently.
    const other = users.filter((u) => partOf(e, u) === partOf({ ...e, id: 'exp_d' }, u)).length / users.length;
    expect(other).toBeLessThan(0.5);
  });
});

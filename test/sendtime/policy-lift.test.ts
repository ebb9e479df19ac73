/**
 * The send-time policy, the lift estimate and the learner's folding of facts: arm shares and
 * permanence; chooseTime per arm (argmax, allowed hours, exploration distance, uniform control,
 * gain); the cluster-robust lift by hand and its coverage in a Monte Carlo with person-level
 * heterogeneity (where a per-message interval under-covers); opens outside the 12 h horizon.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldFacts } from '../../src/domain/sendtime/learn.js';
import type { PendingFact } from '../../src/domain/sendtime/repo.js';
import { addPerson, emptyArm, liftOver, type ArmSums } from '../../src/domain/sendtime/lift.js';
import { HORIZON_HOURS } from '../../src/domain/sendtime/model.js';
import { armOf, chooseTime, DEFAULT_ARM_SHARES, type SendTimeArm } from '../../src/domain/sendtime/policy.js';
import type { Candidate } from '../../src/domain/sendtime/local-slots.js';
import { betaAround, streamOf } from '../../src/sim/random.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 2, 2, 0); // a Monday, 00:00 UTC
/** Hourly candidates from `first` (UTC hour of the day), as localHourStarts would give in UTC. */
const hourly = (count: number, first = 0): Candidate[] =>
  Array.from({ length: count }, (_, i) => ({ at: new Date(T0 + (first + i) * HOUR), hour: (first + i) % 24, week: first + i }));
const indexOf = (cs: readonly Candidate[], at: Date) => cs.findIndex((c) => c.at.getTime() === at.getTime());

describe('armOf', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => `u${i}`);

  it('is deterministic, with about 5% control and 10% of the rest exploring', () => {
    const arms = ids.map((u) => armOf('ws1', 'sch1', u, DEFAULT_ARM_SHARES));
    expect(ids.map((u) => armOf('ws1', 'sch1', u, DEFAULT_ARM_SHARES))).toEqual(arms);
    const control = arms.filter((a) => a === 'control').length;
    const explore = arms.filter((a) => a === 'explore').length;
    // Within 4 binomial standard deviations.
    expect(Math.abs(control - 20_000 * 0.05)).toBeLessThan(4 * Math.sqrt(20_000 * 0.05 * 0.95));
    const rest = 20_000 - control;
    expect(Math.abs(explore - rest * 0.1)).toBeLessThan(4 * Math.sqrt(rest * 0.1 * 0.9));
  });

  it('keeps the control group across schedules (permanent) but draws exploration per schedule', () => {
    const a = ids.map((u) => armOf('ws1', 'sch1', u, DEFAULT_ARM_SHARES));
    const b = ids.map((u) => armOf('ws1', 'sch2', u, DEFAULT_ARM_SHARES));
    a.forEach((arm, i) => expect(arm === 'control').toBe(b[i] === 'control'));
    const exploreA = ids.map((_, i) => i).filter((i) => a[i] === 'explore');
    const both = exploreA.filter((i) => b[i] === 'explore').length;
    expect(both / exploreA.length).toBeLessThan(0.2); // ~10% overlap if independent, 100% if fixed
    // Another workspace has another control group.
    const other = ids.map((_, i) => i).filter((i) => armOf('ws2', 'sch1', ids[i]!, DEFAULT_ARM_SHARES) === 'control');
    expect(other.filter((i) => a[i] === 'control').length / other.length).toBeLessThan(0.2);
  });
});

describe('chooseTime', () => {
  const scores = [1, 3, 2, 9, 4, 8, 5, 7, 6, 2, 1, 3];

  it('optimized takes the best allowed hour, and the best of all when nothing is allowed', () => {
    const cs = hourly(12, 6);
    expect(indexOf(cs, chooseTime(cs, scores, () => true, 'optimized', 0.5).at)).toBe(3);
    const choice = chooseTime(cs, scores, (i) => i !== 3, 'optimized', 0.5);
    expect(indexOf(cs, choice.at)).toBe(5);
    expect(choice.hour).toBe(11);
    expect(indexOf(cs, chooseTime(cs, scores, () => false, 'optimized', 0.5).at)).toBe(3);
  });

  it('never picks a disallowed hour while one is allowed, in any arm; gain is score over the allowed mean', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 10, noNaN: true }), { minLength: 1, maxLength: 30 }).chain((s) =>
          fc.tuple(fc.constant(s), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }))),
        fc.constantFrom<SendTimeArm>('optimized', 'explore', 'control'),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        ([s, mask], arm, draw) => {
          const cs = hourly(s.length);
          const choice = chooseTime(cs, s, (i) => mask[i]!, arm, draw);
          const i = indexOf(cs, choice.at);
          expect(i).toBeGreaterThanOrEqual(0);
          const usable = mask.some(Boolean) ? s.map((_, j) => j).filter((j) => mask[j]) : s.map((_, j) => j);
          expect(usable).toContain(i);
          const mean = usable.reduce((t, j) => t + s[j]!, 0) / usable.length;
          expect(choice.gain).toBeCloseTo(s[i]! / mean, 12);
          expect(choice.arm).toBe(arm);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('explore moves 2 or 1 hours earlier or later from an interior best, by the draw', () => {
    const cs = hourly(12, 6); // best at index 3
    const shifts = [0.1, 0.3, 0.6, 0.9].map((d) => (chooseTime(cs, scores, () => true, 'explore', d).at.getTime() - cs[3]!.at.getTime()) / HOUR);
    expect(shifts).toEqual([-2, -1, 1, 2]);
    // A disallowed target: the nearest allowed hour, still within 1-2 hours of the best.
    const shift = (chooseTime(cs, scores, (i) => i !== 5, 'explore', 0.9).at.getTime() - cs[3]!.at.getTime()) / HOUR;
    expect([1, 2, -1, -2]).toContain(shift);
    expect(shift).not.toBe(2);
  });

  // At the window's edge a shift the window has no room for goes the other way.
  it('explore lands 1-2 hours from the best whenever such an hour is allowed, even at the window edge', () => {
    const cs = hourly(8);
    const edge = [9, 5, 4, 3, 2, 1, 1, 1];
    for (const draw of [0.1, 0.3, 0.6, 0.9]) {
      const d = Math.abs(chooseTime(cs, edge, () => true, 'explore', draw).at.getTime() - cs[0]!.at.getTime()) / HOUR;
      expect(d, `draw ${draw}`).toBeGreaterThanOrEqual(1);
      expect(d).toBeLessThanOrEqual(2);
    }
  });

  it('control is uniform over the allowed hours', () => {
    const cs = hourly(12);
    const allowed = (i: number) => i % 3 !== 0; // 8 allowed
    const counts = new Map<number, number>();
    const rng = streamOf('chooseTime-control');
    const N = 16_000;
    for (let n = 0; n < N; n++) {
      const i = indexOf(cs, chooseTime(cs, scores, allowed, 'control', rng.float()).at);
      counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([1, 2, 4, 5, 7, 8, 10, 11]);
    const expected = N / 8;
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(24.3); // chi-square, 7 df, p = 0.001
  });
});

describe('liftOver', () => {
  const arm = (people: Array<[number, number]>): ArmSums => {
    const a = emptyArm();
    for (const [n, y] of people) addPerson(a, n, y);
    return a;
  };

  it('matches a hand computation: ratio of rates and a cluster-robust log-scale interval', () => {
    const treated: Array<[number, number]> = [[2, 1], [3, 2], [1, 0]]; // 3 opens / 6 sends = 0.5
    const control: Array<[number, number]> = [[2, 0], [2, 1], [4, 1]]; // 2 / 8 = 0.25
    const l = liftOver(arm(treated), arm(control));
    expect(l.treated).toEqual({ people: 3, sends: 6, opens: 3, open_rate: 0.5 });
    expect(l.control.open_rate).toBe(0.25);
    expect(l.lift).toBeCloseTo(1, 12);
    // Var(R) = K/(K-1) Σ(y - R n)² / N²: treated residuals 0, 0.5, -0.5; control -0.5, 0.5, 0.
    const vT = (3 / 2) * 0.5 / 36;
    const vC = (3 / 2) * 0.5 / 64;
    const se = Math.sqrt(vT / 0.25 + vC / 0.0625); // = sqrt(0.2708333)
    expect(se).toBeCloseTo(0.5204165, 6);
    expect(l.ci95![0]).toBeCloseTo(2 * Math.exp(-1.959964 * se) - 1, 5);
    expect(l.ci95![1]).toBeCloseTo(2 * Math.exp(1.959964 * se) - 1, 5);
    expect(l.ci95![0]).toBeCloseTo(-0.2788, 3);
  });

  it('is null without control sends, and has no interval with a single control person', () => {
    const treated = arm([[3, 1], [2, 1]]);
    const none = liftOver(treated, emptyArm());
    expect(none.lift).toBeNull();
    expect(none.ci95).toBeNull();
    expect(none.control.open_rate).toBeNull();
    const one = liftOver(treated, arm([[4, 1]]));
    expect(one.lift).toBeCloseTo(0.4 / 0.25 - 1, 12);
    expect(one.ci95).toBeNull();
  });

  it('covers the true lift about 95% of the time with clustered messages, where a per-message interval does not', () => {
    const DATASETS = 400;
    const PEOPLE = 300;
    const TRUE_LIFT = 0.1;
    const Z = 1.959964;
    let covered = 0;
    let naiveCovered = 0;
    for (let d = 0; d < DATASETS; d++) {
      const rng = streamOf('lift-coverage', d);
      const simulate = (mean: number) => {
        const a = emptyArm();
        for (let i = 0; i < PEOPLE; i++) {
          const p = betaAround(rng, mean, 2); // strong person-level heterogeneity (ICC 1/3)
          const n = 1 + Math.floor(rng.float() * 10);
          let y = 0;
          for (let m = 0; m < n; m++) if (rng.float() < p) y++;
          addPerson(a, n, y);
        }
        return a;
      };
      const t = simulate(0.2 * (1 + TRUE_LIFT));
      const c = simulate(0.2);
      const ci = liftOver(t, c).ci95!;
      if (ci[0] <= TRUE_LIFT && TRUE_LIFT <= ci[1]) covered++;
      // Naive: every message an independent Bernoulli trial.
      const rt = t.opens / t.sends;
      const rc = c.opens / c.sends;
      const se = Math.sqrt((1 - rt) / (rt * t.sends) + (1 - rc) / (rc * c.sends));
      const log = Math.log(rt / rc);
      if (Math.exp(log - Z * se) - 1 <= TRUE_LIFT && TRUE_LIFT <= Math.exp(log + Z * se) - 1) naiveCovered++;
    }
    expect(covered / DATASETS).toBeGreaterThanOrEqual(0.92);
    expect(covered / DATASETS).toBeLessThanOrEqual(0.98);
    expect(naiveCovered / DATASETS).toBeLessThan(0.88);
    expect(covered - naiveCovered).toBeGreaterThan(0.07 * DATASETS);
  });
});

describe('foldFacts and addOpen', () => {
  const sent = (userId: string, at: string, timezone: string, workspaceId = 'ws'): PendingFact =>
    ({ kind: 'sent', workspaceId, userId, sentAt: new Date(at), occurredAt: new Date(at), timezone, arm: null });
  const open = (userId: string, sentAt: string, openedAt: string, timezone: string, workspaceId = 'ws'): PendingFact =>
    ({ kind: 'open', workspaceId, userId, sentAt: new Date(sentAt), occurredAt: new Date(openedAt), timezone, arm: 'optimized' });

  it('counts sends and opens at local hours; lagOpens index = local send hour × 12 + whole hours since', () => {
    const d = foldFacts([
      sent('a', '2026-03-02T02:30:00Z', 'Asia/Kolkata'), // Monday 08:00 IST
      open('a', '2026-03-02T02:30:00Z', '2026-03-02T03:45:00Z', 'Asia/Kolkata'), // 09:15 IST, 1 h 15 after
    ]).get('ws')!;
    const a = d.people.get('a')!;
    expect(a.sends[8]).toBe(1);
    expect(a.opens[9]).toBe(1);
    expect(a.sends.reduce((s, x) => s + x, 0) + a.opens.reduce((s, x) => s + x, 0)).toBe(2);
    expect(d.population.sends[8]).toBe(1); // Monday 08
    expect(d.population.opens[9]).toBe(1); // Monday 09
    expect(d.population.lagOpens[8 * HORIZON_HOURS + 1]).toBe(1);
    expect(d.population.lagOpens.reduce((s, x) => s + x, 0)).toBe(1);
    expect(d.late).toBe(0);
  });

  it('measures the lag in absolute hours, across midnight and a DST change', () => {
    const d = foldFacts([
      // Sunday 23:30 EST, opened 02:00 EST Monday (2.5 h): send hour 23, lag 2, Monday hour 2.
      open('b', '2026-01-05T04:30:00Z', '2026-01-05T07:00:00Z', 'America/New_York'),
      // 00:30 EST on 2026-03-08, opened 03:30 EDT: 2 absolute hours (the wall clock says 3).
      open('c', '2026-03-08T05:30:00Z', '2026-03-08T07:30:00Z', 'America/New_York'),
    ]).get('ws')!;
    expect(d.population.lagOpens[23 * HORIZON_HOURS + 2]).toBe(1);
    expect(d.population.opens[2]).toBe(1);
    expect(d.population.lagOpens[0 * HORIZON_HOURS + 2]).toBe(1);
    expect(d.people.get('c')!.opens[3]).toBe(1);
    expect(d.population.opens[6 * 24 + 3]).toBe(1); // Sunday 03 EDT
  });

  it('does not count opens 12 h or more after the send, or before it, but counts them as late', () => {
    const s = '2026-03-02T10:00:00Z';
    const d = foldFacts([
      open('a', s, '2026-03-02T21:59:59Z', 'UTC'), // 11 h 59 m 59 s: counted, lag 11
      open('a', s, '2026-03-02T22:00:00Z', 'UTC'), // exactly 12 h: late
      open('a', s, '2026-03-03T09:00:00Z', 'UTC'), // 23 h: late
      open('a', s, '2026-03-02T09:59:00Z', 'UTC'), // before the send: late
      open('z', s, '2026-03-02T10:00:00Z', 'UTC', 'other'), // another workspace, lag 0
    ]);
    const d1 = d.get('ws')!;
    expect(d1.late).toBe(3);
    expect(d1.population.lagOpens[10 * HORIZON_HOURS + 11]).toBe(1);
    expect(d1.population.lagOpens.reduce((t, x) => t + x, 0)).toBe(1);
    expect(d1.people.get('a')!.opens.reduce((t, x) => t + x, 0)).toBe(1);
    expect(d1.people.get('a')!.opens[21]).toBe(1);
    const d2 = d.get('other')!;
    expect(d2.late).toBe(0);
    expect(d2.population.lagOpens[10 * HORIZON_HOURS]).toBe(1);
    expect(d1.people.has('z')).toBe(false);
  });
});

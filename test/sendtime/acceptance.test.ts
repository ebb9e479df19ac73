/**
 * Issue #9's acceptance on the simulator with ground truth (src/sim/sendtime-trials.ts: the
 * shipped model, policy and learner functions against people whose true hours are known):
 * 20,000 people, 60% with a preferred hour, a history sent at 10:00 local time, then weekly
 * optimized sends. bench/sto-trials.ts runs the same at full size with more seeds.
 */
import { describe, expect, it } from 'vitest';
import { runSendTimeTrial } from '../../src/sim/sendtime-trials.js';

describe('send-time optimization against ground truth', () => {
  const r = runSendTimeTrial({ seed: 1, users: 20_000, legacySends: 12, optimizedSends: 8 });

  it('lifts opens over random send times by at least 8%, and beats the population\'s best hour by at least 2 points', () => {
    if (process.env.SIM_DEBUG) for (const s of r.sends) console.log(s.index, s.lift);
    expect(r.meanLift.model).toBeGreaterThanOrEqual(0.08);
    expect(r.meanLift.model - r.meanLift.population_best).toBeGreaterThanOrEqual(0.02);
    // Once it has seen a few sends at other hours than 10:00, every send clears both bars.
    for (const s of r.sends.slice(2)) {
      expect(s.lift.model).toBeGreaterThanOrEqual(0.08);
      expect(s.lift.model - s.lift.population_best).toBeGreaterThanOrEqual(0.02);
    }
    // And it beats the open-time histogram (Braze-style), which 10:00 history misleads.
    expect(r.meanLift.model).toBeGreaterThan(r.meanLift.histogram);
  });

  it('costs people without a preferred hour nothing', () => {
    for (const s of r.sends) expect(s.flatLift).toBeGreaterThanOrEqual(-0.005);
  });

  it('the control group measures the lift, and its interval covers the truth', () => {
    expect(r.measured.lift).not.toBeNull();
    expect(r.measured.ci95![0]).toBeGreaterThan(0);
    expect(r.covered).toBe(true);
  });

  it('the control group\'s 95% interval covers the true lift in at least 93% of seeded runs', () => {
    const runs = 60;
    let covered = 0;
    for (let seed = 1001; seed <= 1000 + runs; seed++) if (runSendTimeTrial({ seed, users: 4_000, optimizedSends: 4 }).covered) covered++;
    expect(covered / runs).toBeGreaterThanOrEqual(0.93);
  }, 180_000);

  it('is deterministic for a seed', () => {
    const a = runSendTimeTrial({ seed: 7, users: 1_500, legacySends: 3, optimizedSends: 2 });
    const b = runSendTimeTrial({ seed: 7, users: 1_500, legacySends: 3, optimizedSends: 2 });
    expect(b).toEqual(a);
  });
});

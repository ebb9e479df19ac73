/**
 * The decision logic of one look (analysis.ts), on hand-made counts: each rule decides when its
 * evidence is there and not before, a sample ratio mismatch blocks decisions, guardrails stop a
 * variant, and official looks advance the group-sequential state while ad-hoc reads do not.
 */
import { describe, expect, it } from 'vitest';
import { analyze, type LookInput } from '../../src/domain/experiments/analysis.js';
import { emptyState, type ExperimentConfig } from '../../src/domain/experiments/model.js';
import type { ArmStats } from '../../src/domain/experiments/repo.js';

const NOW = new Date('2026-12-10T12:00:00Z');
const HOUR = 3_600_000;

const config = (over: Partial<ExperimentConfig> = {}): ExperimentConfig => ({
  metric: 'click',
  controlKey: 'A',
  arms: [
    { key: 'A', variantId: 'var_a', weight: 0.5 },
    { key: 'B', variantId: 'var_b', weight: 0.5 },
  ],
  allocation: 'fixed',
  holdoutShare: 0,
  testShare: 1,
  minimumDetectableLift: 0.1,
  baselineRate: 0.05,
  method: 'always_valid',
  alpha: 0.05,
  chanceToBeat: 0.95,
  minPerArm: 500,
  windowHours: 24,
  checkEveryMinutes: 60,
  rollout: 'auto',
  onInconclusive: 'keep_control',
  waves: 8,
  waveEveryHours: 6,
  audienceAtStart: 20_000,
  guardrailAlpha: 0.05,
  ...over,
});

const arm = (id: string, exposed: number, successes: number, over: Partial<ArmStats> = {}): ArmStats => ({
  arm: id, assigned: exposed, exposed, successes, valueSum: 0, valueSquares: 0, unsubscribes: 0, complaints: 0, lastAt: new Date(NOW.getTime() - 2 * HOUR), ...over,
});

const look = (c: ExperimentConfig, live: ArmStats[], over: Partial<LookInput> = {}) =>
  analyze({ experiment: { id: 'exp_test', config: c, state: emptyState() }, live, matured: live, sendsDone: false, now: NOW, official: true, ...over });

describe('experiment analysis', () => {
  it('always_valid: continues on weak evidence, decides on strong evidence', () => {
    const weak = look(config(), [arm('var_a', 1000, 50), arm('var_b', 1000, 60)]);
    expect(weak.analysis.recommendation.action).toBe('continue');
    const strong = look(config(), [arm('var_a', 10_000, 500), arm('var_b', 10_000, 700)]);
    expect(strong.analysis.recommendation).toMatchObject({ action: 'decide', winner_key: 'B' });
    expect(strong.analysis.comparisons[0]!.verdict).toBe('better');
    expect(strong.analysis.comparisons[0]!.always_valid_ci![0]).toBeGreaterThan(0);
  });

  it('decides for the control when the variant is clearly worse', () => {
    const r = look(config(), [arm('var_a', 10_000, 700), arm('var_b', 10_000, 450)]);
    expect(r.analysis.recommendation).toMatchObject({ action: 'decide', winner_key: 'A' });
  });

  it('keeps the control when every window has closed without a difference, or takes the best observed when told to', () => {
    const old = { lastAt: new Date(NOW.getTime() - 30 * HOUR) };
    const live = [arm('var_a', 5000, 250, old), arm('var_b', 5000, 262, old)];
    expect(look(config(), live, { sendsDone: true }).analysis.recommendation).toMatchObject({ action: 'decide', winner_key: 'A' });
    expect(look(config({ onInconclusive: 'best_observed' }), live, { sendsDone: true }).analysis.recommendation).toMatchObject({ action: 'decide', winner_key: 'B' });
    expect(look(config(), live, { sendsDone: false }).analysis.recommendation.action).toBe('continue');
  });

  it('fixed_horizon decides only once every window has closed', () => {
    const live = [arm('var_a', 10_000, 500), arm('var_b', 10_000, 700)];
    expect(look(config({ method: 'fixed_horizon' }), live).analysis.recommendation.action).toBe('continue');
    const old = live.map((a) => ({ ...a, lastAt: new Date(NOW.getTime() - 30 * HOUR) }));
    expect(look(config({ method: 'fixed_horizon' }), old, { sendsDone: true }).analysis.recommendation).toMatchObject({ action: 'decide', winner_key: 'B' });
  });

  it('group_sequential spends its boundary only at official looks', () => {
    const c = config({ method: 'group_sequential', audienceAtStart: 20_000 });
    const live = [arm('var_a', 5000, 250), arm('var_b', 5000, 330)];
    const adHoc = look(c, live, { official: false });
    expect(adHoc.state.looks).toBe(0);
    expect(adHoc.state.sequential).toEqual({});
    const first = look(c, live);
    expect(first.state.looks).toBe(1);
    const boundary = first.analysis.comparisons[0]!.boundary!;
    // At half the information an O'Brien-Fleming boundary is far above 1.96.
    expect(boundary).toBeGreaterThan(2.5);
    expect(first.state.sequential['B']!.looks).toHaveLength(1);
  });

  it('bayesian decides on the chance to be best with enough recipients per arm', () => {
    const c = config({ method: 'bayesian', minPerArm: 500 });
    expect(look(c, [arm('var_a', 400, 20), arm('var_b', 400, 60)]).analysis.recommendation.action).toBe('continue');
    const r = look(c, [arm('var_a', 2000, 100), arm('var_b', 2000, 150)]);
    expect(r.analysis.arms.find((a) => a.key === 'B')!.chance_to_be_best).toBeGreaterThan(0.95);
    expect(r.analysis.recommendation).toMatchObject({ action: 'decide', winner_key: 'B' });
  });

  it('a sample ratio mismatch blocks the decision, whatever the metric says', () => {
    const r = look(config(), [arm('var_a', 10_000, 500), arm('var_b', 8_000, 700)]);
    expect(r.analysis.srm.mismatch).toBe(true);
    expect(r.analysis.recommendation.action).toBe('continue');
    expect(r.analysis.recommendation.reason).toMatch(/sample ratio mismatch/);
  });

  it('checks the split with the holdout and the test share as configured', () => {
    // 20% holdout, half of the rest tested: holdout : A : B = 0.2 : 0.2 : 0.2 of the audience.
    const c = config({ metric: 'conversion', holdoutShare: 0.2, testShare: 0.5, goalEvent: 'purchase' });
    const fine = look(c, [arm('var_a', 2000, 40), arm('var_b', 2010, 40), arm('holdout', 1990, 30)]);
    expect(fine.analysis.srm.mismatch).toBe(false);
    const broken = look(c, [arm('var_a', 2000, 40), arm('var_b', 2010, 40), arm('holdout', 1000, 30)]);
    expect(broken.analysis.srm.mismatch).toBe(true);
  });

  it('a guardrail stops a variant with significantly more unsubscribes, which then cannot win', () => {
    const r = look(config(), [arm('var_a', 10_000, 500, { unsubscribes: 10 }), arm('var_b', 10_000, 700, { unsubscribes: 80 })]);
    expect(r.state.stoppedArms['B']).toMatch(/unsubscribe/);
    expect(r.analysis.guardrails.find((g) => g.key === 'B' && g.metric === 'unsubscribe')!.worse).toBe(true);
    expect(r.analysis.recommendation.winner_key).not.toBe('B');
  });

  it('measures incrementality against the holdout', () => {
    const c = config({ metric: 'conversion', holdoutShare: 0.2, goalEvent: 'purchase' });
    const r = look(c, [arm('var_a', 4000, 200), arm('var_b', 4000, 220), arm('holdout', 2000, 40)]);
    expect(r.analysis.holdout!.holdout_rate).toBeCloseTo(0.02, 6);
    expect(r.analysis.holdout!.treated_rate).toBeCloseTo(420 / 8000, 6);
    expect(r.analysis.holdout!.diff_ci![0]).toBeGreaterThan(0);
    expect(r.analysis.arms.find((a) => a.key === 'holdout')!.role).toBe('holdout');
  });

  it('revenue: compares value per recipient', () => {
    const c = config({ metric: 'revenue', goalEvent: 'purchase' });
    // A: 5% buy at 40; B: 5% buy at 60. Per-unit sums of values and squares.
    const a = arm('var_a', 10_000, 500, { valueSum: 500 * 40, valueSquares: 500 * 1600 });
    const b = arm('var_b', 10_000, 500, { valueSum: 500 * 60, valueSquares: 500 * 3600 });
    const r = look(c, [a, b]);
    expect(r.analysis.arms.find((x) => x.key === 'B')!.value_per_unit).toBeCloseTo(3, 6);
    expect(r.analysis.comparisons[0]!.diff).toBeCloseTo(1, 6);
    expect(r.analysis.recommendation).toMatchObject({ action: 'decide', winner_key: 'B' });
  });
});

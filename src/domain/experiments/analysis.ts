/**
 * One look at an experiment: the statistics of frequentist.ts, sequential.ts, group-sequential.ts,
 * bayes.ts, bandit.ts and srm.ts applied to its per-arm counts, and what its decision rule says
 * to do now. Pure: the counts, the state of earlier looks and the time come in; the analysis and
 * the next state go out.
 *
 * Conventions:
 * - The control is the configured control arm; every comparison is variant − control.
 * - With k arms there are k − 1 comparisons; the sequential methods give each α/(k − 1)
 *   (Bonferroni: valid for e-values under any dependence), the fixed-horizon one adjusts its
 *   p-values by Benjamini-Hochberg.
 * - A variant stopped by a guardrail can no longer win.
 * - A sample ratio mismatch blocks every automatic decision: the split is broken, so the
 *   numbers cannot be trusted; a person (or the agent) must look and decide explicitly.
 */
import type { ArmStats } from './repo.js';
import type { Experiment, ExperimentConfig, ExperimentState } from './model.js';
import { wilson } from '../metrics/rates.js';
import { chanceToBeat } from './bayes.js';
import { banditUpdate, SERVER_STOP } from './bandit.js';
import { recommend, verdictOf } from './decision.js';
import { benjaminiHochberg, twoProportionTest, welchTTest, type SampleSummary } from './frequentist.js';
import { nextLook, startGroupSequential } from './group-sequential.js';
import { sequentialMeanTest, sequentialRateTest } from './sequential.js';
import { sequentialSrm } from './srm.js';
import { stratifiedCounts } from './strata.js';

export interface ArmResult {
  key: string;
  variant_id: string | null;
  role: 'control' | 'variant' | 'holdout';
  weight: number;
  assigned: number;
  exposed: number;
  successes: number;
  rate: number | null;
  rate_ci: [number, number] | null;
  value_per_unit: number | null;
  unsubscribe_rate: number | null;
  complaint_rate: number | null;
  chance_to_be_best: number | null;
  expected_loss: number | null;
  stopped: string | null;
}

export interface Comparison {
  key: string;
  control: string;
  /** Absolute difference of rates (or of value per unit, for revenue). */
  diff: number | null;
  /** Fixed-horizon interval: Newcombe for rates, Welch for revenue. */
  diff_ci: [number, number] | null;
  p_value: number | null;
  /** Benjamini-Hochberg over the comparisons. */
  p_adjusted: number | null;
  relative_lift: number | null;
  /** Anytime-valid: relative lift interval (rates) or difference interval (revenue), at α/(k−1); null ends are unbounded. */
  always_valid_ci: Interval;
  e_value: number | null;
  /** group_sequential: the z statistic at the last official look and its boundary. */
  z: number | null;
  boundary: number | null;
  /** What the decision rule concludes for this comparison so far. */
  verdict: 'better' | 'worse' | 'undecided';
}

export interface Guardrail {
  key: string;
  metric: 'unsubscribe' | 'complaint';
  rate: number | null;
  control_rate: number | null;
  e_value: number;
  worse: boolean;
}

export interface Recommendation {
  action: 'continue' | 'decide';
  winner_key: string | null;
  reason: string;
}

export interface Analysis {
  metric: ExperimentConfig['metric'];
  method: ExperimentConfig['method'] | 'bandit';
  at: string;
  units: number;
  arms: ArmResult[];
  comparisons: Comparison[];
  srm: { p_value: number; min_p_value: number; mismatch: boolean };
  holdout: { treated_rate: number | null; holdout_rate: number | null; diff: number | null; diff_ci: [number, number] | null; relative_lift: number | null } | null;
  guardrails: Guardrail[];
  /** Whether every test send's window has closed. */
  complete: boolean;
  /** Bandits: the split for the next wave, and the value still possibly left by stopping now. */
  bandit: { weights: Record<string, number>; value_remaining: number; champion: string } | null;
  recommendation: Recommendation;
}

export interface LookInput {
  experiment: Pick<Experiment, 'id' | 'config' | 'state'>;
  /** Counts at the live data (every unit so far). */
  live: readonly ArmStats[];
  /** Counts of units whose window has closed. */
  matured: readonly ArmStats[];
  /** Bandits: the same per wave, in wave order (the split changes between waves; see strata.ts). */
  maturedByWave?: ReadonlyArray<readonly ArmStats[]>;
  /** Every test send has been written (no more units will join the test). */
  sendsDone: boolean;
  now: Date;
  /** Record this look in the state (the scheduled looks do; ad-hoc reads do not). */
  official: boolean;
}

const EMPTY: ArmStats = { arm: '', assigned: 0, exposed: 0, successes: 0, valueSum: 0, valueSquares: 0, unsubscribes: 0, complaints: 0, lastAt: null };

/** Mean and sample variance of per-unit values from their sum and sum of squares. */
export function summary(a: ArmStats): SampleSummary {
  const n = a.exposed;
  const mean = n > 0 ? a.valueSum / n : 0;
  const variance = n > 1 ? Math.max(0, (a.valueSquares - n * mean * mean) / (n - 1)) : 0;
  return { mean, variance, n };
}

/** An interval for JSON: an unbounded end (no evidence yet on that side) is null. */
export type Interval = [number | null, number | null] | null;
const bounded = (ci: [number, number] | null): Interval => (ci ? [Number.isFinite(ci[0]) ? ci[0] : null, Number.isFinite(ci[1]) ? ci[1] : null] : null);

const rateOf = (s: number, n: number) => (n > 0 ? s / n : null);

export function analyze(input: LookInput): { analysis: Analysis; state: ExperimentState } {
  const { config: c } = input.experiment;
  const state: ExperimentState = structuredClone(input.experiment.state);
  const byArm = (rows: readonly ArmStats[]) => new Map(rows.map((r) => [r.arm, r]));
  const live = byArm(input.live);
  const matured = byArm(input.matured);
  const arm = (m: Map<string, ArmStats>, variantId: string) => m.get(variantId) ?? { ...EMPTY, arm: variantId };
  const control = c.arms.find((a) => a.key === c.controlKey)!;
  const variants = c.arms.filter((a) => a.key !== c.controlKey);
  const comparisons = Math.max(1, variants.length);
  const alphaEach = c.alpha / comparisons;
  const isRate = c.metric !== 'revenue';
  const latest = [...input.live].reduce<number>((t, r) => Math.max(t, r.lastAt?.getTime() ?? 0), 0);
  const complete = input.sendsDone && latest > 0 && input.now.getTime() >= latest + c.windowHours * 3_600_000;

  // Bayesian view over every arm (rates only).
  const posteriors = isRate
    ? chanceToBeat(c.arms.map((a) => ({ successes: arm(live, a.variantId).successes, trials: arm(live, a.variantId).exposed })), { seed: seedOf(input.experiment.id), draws: 20000 })
    : null;

  const arms: ArmResult[] = c.arms.map((a, i) => {
    const s = arm(live, a.variantId);
    const w = wilson(s.successes, s.exposed);
    return {
      key: a.key,
      variant_id: a.variantId,
      role: a.key === c.controlKey ? 'control' : 'variant',
      weight: a.weight,
      assigned: s.assigned,
      exposed: s.exposed,
      successes: s.successes,
      rate: rateOf(s.successes, s.exposed),
      rate_ci: w.low === null ? null : [w.low, w.high!],
      value_per_unit: c.metric === 'revenue' && s.exposed > 0 ? s.valueSum / s.exposed : null,
      unsubscribe_rate: rateOf(s.unsubscribes, s.exposed),
      complaint_rate: rateOf(s.complaints, s.exposed),
      chance_to_be_best: posteriors ? posteriors.chanceToBeat[i]! : null,
      expected_loss: posteriors ? posteriors.expectedLoss[i]! : null,
      stopped: state.stoppedArms[a.key] ?? null,
    };
  });
  const holdoutStats = live.get('holdout');
  if (c.holdoutShare > 0) {
    arms.push({
      key: 'holdout', variant_id: null, role: 'holdout', weight: c.holdoutShare,
      assigned: holdoutStats?.assigned ?? 0, exposed: holdoutStats?.exposed ?? 0, successes: holdoutStats?.successes ?? 0,
      rate: rateOf(holdoutStats?.successes ?? 0, holdoutStats?.exposed ?? 0),
      rate_ci: holdoutStats && holdoutStats.exposed > 0 ? ((w) => [w.low!, w.high!] as [number, number])(wilson(holdoutStats.successes, holdoutStats.exposed)) : null,
      value_per_unit: c.metric === 'revenue' && holdoutStats && holdoutStats.exposed > 0 ? holdoutStats.valueSum / holdoutStats.exposed : null,
      unsubscribe_rate: null, complaint_rate: null, chance_to_be_best: null, expected_loss: null, stopped: null,
    });
  }

  // Guardrails: a variant significantly worse than the control on unsubscribes or complaints.
  const guardrails: Guardrail[] = [];
  const ctl = arm(live, control.variantId);
  for (const v of variants) {
    const s = arm(live, v.variantId);
    const allocation = v.weight / (v.weight + control.weight);
    for (const metric of ['unsubscribe', 'complaint'] as const) {
      const pick = (a: ArmStats) => ({ successes: metric === 'unsubscribe' ? a.unsubscribes : a.complaints, trials: a.exposed });
      const t = sequentialRateTest(pick(ctl), pick(s), { allocation, alpha: c.guardrailAlpha });
      const worse = t.significant && t.liftCi !== null && t.liftCi[0] > 0;
      guardrails.push({ key: v.key, metric, rate: rateOf(pick(s).successes, s.exposed), control_rate: rateOf(pick(ctl).successes, ctl.exposed), e_value: t.eValue, worse });
      if (worse && !state.stoppedArms[v.key]) state.stoppedArms[v.key] = `${metric} rate significantly worse than the control (e-value ${t.eValue.toFixed(1)} ≥ ${(1 / c.guardrailAlpha).toFixed(0)})`;
    }
  }
  for (const a of arms) a.stopped = state.stoppedArms[a.key] ?? null;

  // Sample ratio: the exposed counts against the configured split. The test send covers the whole
  // holdout (share h of the audience) and the test group ((1 − h)·test share, split by weight).
  // A variant a guardrail stopped sends no more, so it leaves the check.
  const srmArms = c.arms.filter((a) => !state.stoppedArms[a.key]).map((a) => ({ n: arm(live, a.variantId).exposed, w: (1 - c.holdoutShare) * c.testShare * a.weight }));
  if (c.holdoutShare > 0) srmArms.push({ n: holdoutStats?.exposed ?? 0, w: c.holdoutShare });
  const srmNow = c.allocation === 'fixed' && srmArms.length >= 2 ? sequentialSrm(srmArms.map((a) => a.n), srmArms.map((a) => a.w)).pValue : 1;
  if (input.official) state.srmMinP = Math.min(state.srmMinP, srmNow);
  const srmMin = Math.min(state.srmMinP, srmNow);

  // Comparisons.
  const fixed = variants.map((v) => {
    const a = arm(live, control.variantId);
    const b = arm(live, v.variantId);
    return isRate ? twoProportionTest(a.successes, a.exposed, b.successes, b.exposed, { alpha: c.alpha }) : welchTTest(summary(a), summary(b), { alpha: c.alpha });
  });
  const adjusted = benjaminiHochberg(fixed.map((f) => f.pValue ?? 1), c.alpha).adjusted;
  const doLook = input.official && c.method === 'group_sequential' && c.allocation === 'fixed';
  const maturedUnits = c.arms.reduce((n, a) => n + arm(matured, a.variantId).exposed, 0);
  const plannedUnits = Math.max(1, Math.round(c.audienceAtStart * (1 - c.holdoutShare) * c.testShare));
  const lookNow = doLook && (maturedUnits >= state.lastLookUnits + Math.max(1, plannedUnits / 100) || (complete && maturedUnits > state.lastLookUnits));
  if (lookNow) {
    state.looks += 1;
    state.lastLookUnits = maturedUnits;
  }
  const comparisonsOut: Comparison[] = variants.map((v, i) => {
    const a = arm(live, control.variantId);
    const b = arm(live, v.variantId);
    const f = fixed[i]!;
    const allocation = v.weight / (v.weight + control.weight);
    let eValue: number | null = null;
    let avci: [number, number] | null = null;
    if (isRate) {
      const t = sequentialRateTest({ successes: a.successes, trials: a.exposed }, { successes: b.successes, trials: b.exposed }, { allocation, alpha: alphaEach });
      eValue = t.eValue;
      avci = t.liftCi;
    } else {
      const sa = summary(a);
      const tau = Math.max(Math.abs(sa.mean) * c.minimumDetectableLift, 1e-6);
      const t = sequentialMeanTest(sa, summary(b), { alpha: alphaEach, tau });
      eValue = t.eValue;
      avci = t.ci;
    }
    let z: number | null = null;
    let boundary: number | null = null;
    const gs = state.sequential[v.key];
    if (c.method === 'group_sequential') {
      const ma = arm(matured, control.variantId);
      const mb = arm(matured, v.variantId);
      const mt = isRate ? twoProportionTest(ma.successes, ma.exposed, mb.successes, mb.exposed) : welchTTest(summary(ma), summary(mb));
      z = 'z' in mt ? mt.z : mt.t;
      if (lookNow) {
        const t = complete ? 1 : Math.min(0.999, maturedUnits / plannedUnits);
        const prior = gs ?? startGroupSequential(alphaEach, 'obrien_fleming');
        const lastT = prior.looks.at(-1)?.t ?? 0;
        if (t > lastT) {
          const next = nextLook(prior, t);
          state.sequential[v.key] = next.state;
          boundary = next.boundary;
        } else boundary = prior.looks.at(-1)?.boundary ?? null;
      } else boundary = gs?.looks.at(-1)?.boundary ?? null;
    }
    const base = isRate ? rateOf(a.successes, a.exposed) : a.exposed > 0 ? a.valueSum / a.exposed : null;
    const diff = f.diff;
    const verdict = verdictOf(c, { eValue, avci, z, boundary, lookNow, pAdjusted: adjusted[i]!, diff, complete, alphaEach, isRate });
    return {
      key: v.key,
      control: control.key,
      diff,
      diff_ci: f.ci,
      p_value: f.pValue,
      p_adjusted: f.pValue === null ? null : adjusted[i]!,
      relative_lift: base && diff !== null && base !== 0 ? diff / base : null,
      always_valid_ci: bounded(avci),
      e_value: eValue,
      z,
      boundary,
      verdict,
    };
  });

  const holdout = c.holdoutShare > 0 ? incrementality(c, input.live, holdoutStats) : null;
  const bandit = c.allocation === 'bandit' ? banditView(c, state, (input.maturedByWave ?? [input.matured]).map(byArm), input.experiment.id) : null;
  const analysis: Analysis = {
    metric: c.metric,
    method: c.allocation === 'bandit' ? 'bandit' : c.method,
    at: input.now.toISOString(),
    units: c.arms.reduce((n, a) => n + arm(live, a.variantId).exposed, 0),
    arms,
    comparisons: comparisonsOut,
    srm: { p_value: srmNow, min_p_value: srmMin, mismatch: srmMin < 0.001 },
    holdout,
    guardrails,
    complete,
    bandit,
    recommendation: { action: 'continue', winner_key: null, reason: '' },
  };
  analysis.recommendation = recommend(c, analysis, state);
  return { analysis, state };
}

function incrementality(c: ExperimentConfig, live: readonly ArmStats[], h: ArmStats | undefined): Analysis['holdout'] {
  const treated = live.filter((r) => r.arm !== 'holdout').reduce((t, r) => ({ s: t.s + r.successes, n: t.n + r.exposed, v: t.v + r.valueSum, q: t.q + r.valueSquares }), { s: 0, n: 0, v: 0, q: 0 });
  const hs = h ?? { ...EMPTY, arm: 'holdout' };
  if (c.metric === 'revenue') {
    const a = summary(hs);
    const b = summary({ ...EMPTY, exposed: treated.n, valueSum: treated.v, valueSquares: treated.q });
    const w = welchTTest(a, b, { alpha: c.alpha });
    return { treated_rate: treated.n ? b.mean : null, holdout_rate: hs.exposed ? a.mean : null, diff: w.diff, diff_ci: w.ci, relative_lift: a.mean ? w.diff / a.mean : null };
  }
  const t = twoProportionTest(hs.successes, hs.exposed, treated.s, treated.n, { alpha: c.alpha });
  const base = rateOf(hs.successes, hs.exposed);
  return { treated_rate: rateOf(treated.s, treated.n), holdout_rate: base, diff: t.diff, diff_ci: t.ci, relative_lift: base && t.diff !== null ? t.diff / base : null };
}

function banditView(c: ExperimentConfig, state: ExperimentState, waves: Array<Map<string, ArmStats>>, id: string): Analysis['bandit'] {
  const open = c.arms.filter((a) => !state.stoppedArms[a.key]);
  const perWave = waves.map((m) => open.map((a) => ({ successes: m.get(a.variantId)?.successes ?? 0, trials: m.get(a.variantId)?.exposed ?? 0 })));
  const u = banditUpdate(stratifiedCounts(perWave), { seed: seedOf(id) + state.waves.length, minWeight: 0.01, quantile: SERVER_STOP.quantile, stopThreshold: SERVER_STOP.threshold });
  const weights: Record<string, number> = Object.fromEntries(c.arms.map((a) => [a.key, 0]));
  open.forEach((a, i) => (weights[a.key] = u.weights[i]!));
  return { weights, value_remaining: u.valueRemaining, champion: open[u.champion]!.key };
}

/** A stable seed per experiment, so a look's Monte Carlo numbers repeat exactly. */
export function seedOf(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

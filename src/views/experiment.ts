/** Experiments as tools and resources show them (declared once so output schemas agree), and a short text table. */
import { z } from 'zod';
import type { Analysis } from '../domain/experiments/analysis.js';
import { EXPERIMENT_STATUSES, type Experiment } from '../domain/experiments/model.js';
import type { ExperimentPlan } from '../services/experiment-start.js';

export const experimentIdInput = z
  .string({ error: 'experiment_id is required: the id of an experiment, e.g. "exp_0193..." (see get_metrics or the run_ab_test result)' })
  .regex(/^exp_[0-9a-f]{32}$/, { error: 'experiment_id must look like "exp_" followed by 32 hex characters' });

const interval = z.tuple([z.number(), z.number()]).nullable();

export const planView = z.object({
  audience: z.number().int(),
  holdout: z.number().int(),
  test_group: z.number().int(),
  remainder: z.number().int().describe('Gets the winner once it is decided.'),
  per_arm: z.record(z.string(), z.number().int()),
  needed_per_arm: z.number().int().describe('Per arm, for the minimum detectable lift at 80% power (fixed horizon); -1 when the audience cannot reach it.'),
  detectable_lift: z.number().nullable().describe('Smallest relative lift these arms detect at 80% power (fixed horizon).'),
  warnings: z.array(z.string()),
});

export const analysisView = z.object({
  metric: z.string(),
  method: z.string(),
  at: z.string(),
  units: z.number().int(),
  arms: z.array(
    z.object({
      key: z.string(),
      variant_id: z.string().nullable(),
      role: z.enum(['control', 'variant', 'holdout']),
      weight: z.number(),
      assigned: z.number().int(),
      exposed: z.number().int(),
      successes: z.number().int(),
      rate: z.number().nullable(),
      rate_ci: interval,
      value_per_unit: z.number().nullable(),
      unsubscribe_rate: z.number().nullable(),
      complaint_rate: z.number().nullable(),
      chance_to_be_best: z.number().nullable(),
      expected_loss: z.number().nullable(),
      stopped: z.string().nullable(),
    }),
  ),
  comparisons: z.array(
    z.object({
      key: z.string(),
      control: z.string(),
      diff: z.number().nullable(),
      diff_ci: interval,
      p_value: z.number().nullable(),
      p_adjusted: z.number().nullable(),
      relative_lift: z.number().nullable(),
      always_valid_ci: z.tuple([z.number().nullable(), z.number().nullable()]).nullable().describe('Anytime-valid interval; a null end is unbounded.'),
      e_value: z.number().nullable(),
      z: z.number().nullable(),
      boundary: z.number().nullable(),
      verdict: z.enum(['better', 'worse', 'undecided']),
    }),
  ),
  srm: z.object({ p_value: z.number(), min_p_value: z.number(), mismatch: z.boolean() }),
  holdout: z
    .object({ treated_rate: z.number().nullable(), holdout_rate: z.number().nullable(), diff: z.number().nullable(), diff_ci: interval, relative_lift: z.number().nullable() })
    .nullable(),
  guardrails: z.array(z.object({ key: z.string(), metric: z.enum(['unsubscribe', 'complaint']), rate: z.number().nullable(), control_rate: z.number().nullable(), e_value: z.number(), worse: z.boolean() })),
  complete: z.boolean(),
  bandit: z.object({ weights: z.record(z.string(), z.number()), value_remaining: z.number(), champion: z.string() }).nullable(),
  recommendation: z.object({ action: z.enum(['continue', 'decide']), winner_key: z.string().nullable(), reason: z.string() }),
});

export const experimentView = z.object({
  id: z.string(),
  campaign_id: z.string(),
  status: z.enum(EXPERIMENT_STATUSES),
  metric: z.string(),
  allocation: z.string(),
  method: z.string(),
  control_key: z.string(),
  arms: z.array(z.object({ key: z.string(), variant_id: z.string(), weight: z.number() })),
  holdout_share: z.number(),
  test_share: z.number(),
  window_hours: z.number(),
  rollout: z.string(),
  test_schedule_id: z.string().nullable(),
  rollout_schedule_id: z.string().nullable(),
  waves: z.array(z.object({ index: z.number().int(), schedule_id: z.string(), weights: z.record(z.string(), z.number()), at: z.string() })),
  looks: z.number().int(),
  decision: z.object({ winner_key: z.string().nullable(), reason: z.string(), decided_by: z.string(), at: z.string() }).nullable(),
  created_at: z.string(),
});

export type ExperimentView = z.output<typeof experimentView>;

export function toExperimentView(e: Experiment): ExperimentView {
  const c = e.config;
  return {
    id: e.id,
    campaign_id: e.campaignId,
    status: e.status,
    metric: c.metric,
    allocation: c.allocation,
    method: c.allocation === 'bandit' ? 'bandit' : c.method,
    control_key: c.controlKey,
    arms: c.arms.map((a) => ({ key: a.key, variant_id: a.variantId, weight: a.weight })),
    holdout_share: c.holdoutShare,
    test_share: c.testShare,
    window_hours: c.windowHours,
    rollout: c.rollout,
    test_schedule_id: e.testScheduleId,
    rollout_schedule_id: e.rolloutScheduleId,
    waves: e.state.waves.map((w) => ({ index: w.index, schedule_id: w.scheduleId, weights: w.weights, at: w.at })),
    looks: e.state.looks,
    decision: e.decision ? { winner_key: e.decision.winnerKey, reason: e.decision.reason, decided_by: e.decision.decidedBy, at: e.decision.at } : null,
    created_at: e.createdAt.toISOString(),
  };
}

const pct = (x: number | null, digits = 2) => (x === null ? '-' : `${(x * 100).toFixed(digits)}%`);
const ci = (x: [number | null, number | null] | null) => (x ? `[${x[0] === null ? '-∞' : pct(x[0])}, ${x[1] === null ? '+∞' : pct(x[1])}]` : '-');

/** A short table of the arms and the recommendation, for the text content. */
export function analysisTable(e: Experiment, a: Analysis): string {
  const lines = [`Experiment ${e.id} (${e.status}) on ${a.metric}, ${a.method}: ${a.units.toLocaleString('en-US')} recipients`];
  lines.push('arm        recipients  rate     95% interval         vs control (anytime-valid lift)  chance best');
  for (const arm of a.arms) {
    const cmp = a.comparisons.find((x) => x.key === arm.key);
    const rate = a.metric === 'revenue' ? (arm.value_per_unit === null ? '-' : arm.value_per_unit.toFixed(2)) : pct(arm.rate);
    const vs = arm.role === 'control' ? 'control' : cmp ? `${pct(cmp.relative_lift, 1)} ${ci(cmp.always_valid_ci)} ${cmp.verdict}` : '';
    lines.push(`${(arm.key + (arm.stopped ? ' (stopped)' : '')).padEnd(10)} ${String(arm.exposed).padStart(10)}  ${rate.padEnd(8)} ${ci(arm.rate_ci).padEnd(20)} ${vs.padEnd(32)} ${pct(arm.chance_to_be_best, 1)}`);
  }
  if (a.holdout) lines.push(`incrementality vs holdout: ${pct(a.holdout.diff)} ${ci(a.holdout.diff_ci)} (relative ${pct(a.holdout.relative_lift, 1)})`);
  if (a.srm.mismatch) lines.push(`WARNING sample ratio mismatch (p = ${a.srm.min_p_value.toExponential(2)}): do not trust these results`);
  const decided = e.decision ? `decided: ${e.decision.winnerKey ?? 'no winner'} (${e.decision.reason})` : `recommendation: ${a.recommendation.action}${a.recommendation.winner_key ? ` ${a.recommendation.winner_key}` : ''} (${a.recommendation.reason})`;
  lines.push(decided);
  return lines.join('\n');
}

export type { ExperimentPlan };

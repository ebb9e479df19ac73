/**
 * What run_ab_test accepts (zod shapes with per-field messages) and the rules that span fields
 * and the campaign (`toExperimentConfig`). Every message says what was wrong and how to fix it.
 */
import { z } from 'zod';
import { GOAL_METRICS, type Campaign } from '../campaign.js';
import { invalidInput } from '../errors.js';
import { ALLOCATIONS, DECISION_METHODS, INCONCLUSIVE_CHOICES, ROLLOUT_MODES, type ExperimentConfig } from './model.js';

const oneOf = (field: string, values: readonly string[]) => `${field} must be one of: ${values.join(', ')}`;
const share = (field: string, max: number, what: string) =>
  z
    .number({ error: `${field} must be a number between 0 and ${max} (${what})` })
    .min(0, { error: `${field} must be 0 or more` })
    .max(max, { error: `${field} must be at most ${max} (${what})` });

export const experimentFields = {
  metric: z.enum(GOAL_METRICS, { error: oneOf('metric', GOAL_METRICS) }).optional().describe("What decides the winner: open, click, conversion (the campaign's goal event) or revenue per recipient. Default: the campaign's goal metric."),
  variant_keys: z
    .array(z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, { error: 'variant_keys[] must be variant keys such as "A"' }), { error: 'variant_keys must be a list of variant keys' })
    .max(8, { error: 'variant_keys may name at most 8 variants' })
    .optional()
    .describe('The variants to test (2-8). Default: every variant of the campaign.'),
  control_key: z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, { error: 'control_key must be a variant key such as "A"' }).optional().describe('The control (baseline) variant. Default: the first tested variant.'),
  allocation: z.enum(ALLOCATIONS, { error: oneOf('allocation', ALLOCATIONS) }).default('fixed').describe('fixed: a fixed split (weights); bandit: Thompson sampling moves traffic to the better variants wave by wave.'),
  weights: z
    .record(z.string(), z.number({ error: 'weights values must be numbers' }), { error: 'weights must map variant keys to shares, e.g. {"A": 0.5, "B": 0.5}' })
    .optional()
    .describe('Fixed split: share of the test group per variant key; must sum to 1. Default: an even split.'),
  holdout_share: share('holdout_share', 0.5, 'the share of the audience that gets no message, to measure incrementality').default(0),
  test_share: z
    .number({ error: 'test_share must be a number in (0, 1]' })
    .gt(0, { error: 'test_share must be greater than 0' })
    .max(1, { error: 'test_share must be at most 1' })
    .default(1)
    .describe('Share of the (non-holdout) audience in the test; the rest gets the winner when it is decided. 1: everyone is in the test.'),
  minimum_detectable_lift: z
    .number({ error: 'minimum_detectable_lift must be a number, e.g. 0.1 for +10%' })
    .gt(0, { error: 'minimum_detectable_lift must be greater than 0' })
    .max(10, { error: 'minimum_detectable_lift must be at most 10 (+1000%)' })
    .default(0.1)
    .describe('Relative lift the test should be able to detect (0.1 = +10%); sizes the plan in the preview.'),
  baseline_rate: z
    .number({ error: 'baseline_rate must be a rate in (0, 1)' })
    .gt(0, { error: 'baseline_rate must be greater than 0' })
    .lt(1, { error: 'baseline_rate must be less than 1' })
    .optional()
    .describe("Expected control rate for the plan. Default: typical rates (open 20%, click 3%, conversion 2%)."),
  method: z.enum(DECISION_METHODS, { error: oneOf('method', DECISION_METHODS) }).default('always_valid').describe('Decision rule of a fixed split: always_valid (anytime-valid, safe to watch continuously), group_sequential (O\'Brien-Fleming boundary over the known audience), bayesian (chance to be best), fixed_horizon (one test at the end).'),
  alpha: z.number({ error: 'alpha must be a number' }).gt(0).max(0.2, { error: 'alpha must be at most 0.2' }).default(0.05).describe('False-positive rate across the comparisons.'),
  chance_to_beat: z.number({ error: 'chance_to_beat must be a number' }).min(0.5).max(0.999).default(0.95).describe('bayesian: probability to be best needed to decide.'),
  min_per_arm: z.number({ error: 'min_per_arm must be a whole number' }).int().min(1).max(1_000_000).default(500).describe('bayesian: recipients per arm before deciding; bandit: recipients of the leading arm before it may stop early.'),
  window_hours: z.number({ error: 'window_hours must be a number of hours' }).gt(0).max(2160).optional().describe('Opens, clicks or conversions count within this many hours of the send. Default: 24 h for open and click, the goal attribution window for conversion and revenue.'),
  check_every_minutes: z.number({ error: 'check_every_minutes must be a number' }).int().min(1).max(1440).default(60).describe('How often the server looks at the results and applies the decision rule.'),
  rollout: z.enum(ROLLOUT_MODES, { error: oneOf('rollout', ROLLOUT_MODES) }).default('auto').describe('auto: the winner is sent to the remainder as soon as it is decided; manual: wait for decide_experiment action rollout.'),
  on_inconclusive: z.enum(INCONCLUSIVE_CHOICES, { error: oneOf('on_inconclusive', INCONCLUSIVE_CHOICES) }).default('keep_control').describe('What wins when every window has closed without a significant difference.'),
  waves: z.number({ error: 'waves must be a whole number' }).int().min(2).max(48).default(8).describe('bandit: the test group is sent in this many waves.'),
  wave_every_hours: z.number({ error: 'wave_every_hours must be a number of hours' }).min(0.25).max(168).default(6).describe('bandit: hours between waves.'),
};

export const experimentInput = z.strictObject(experimentFields);
export type ExperimentInput = z.output<typeof experimentInput>;

const TYPICAL: Record<ExperimentConfig['metric'], number> = { open: 0.2, click: 0.03, conversion: 0.02, revenue: 0.02 };

export interface Measurable {
  /** Opens and clicks are tracked (emails with tracking on, or a provider that reports them). */
  engagementTracked: boolean;
}

/** Checks the request against the campaign; throws `invalid_input` naming what to change. */
export function toExperimentConfig(input: ExperimentInput, campaign: Campaign, m: Measurable, audience: number): ExperimentConfig {
  const keys = input.variant_keys ?? campaign.variants.map((v) => v.key);
  const unknown = keys.filter((k) => !campaign.variants.some((v) => v.key === k));
  if (unknown.length) throw invalidInput(`variant_keys names variants the campaign does not have: ${unknown.join(', ')}`, `Its variants are: ${campaign.variants.map((v) => v.key).join(', ')}`);
  if (new Set(keys).size !== keys.length) throw invalidInput('variant_keys repeats a variant', 'Name each variant once');
  if (keys.length < 2) {
    throw invalidInput(`An A/B test needs at least 2 variants; campaign '${campaign.id}' ${input.variant_keys ? 'was given' : 'has'} ${keys.length}`, 'Add variants with create_campaign (campaign_id of this draft), or name 2-8 in variant_keys');
  }
  const controlKey = input.control_key ?? keys[0]!;
  if (!keys.includes(controlKey)) throw invalidInput(`control_key '${controlKey}' is not one of the tested variants (${keys.join(', ')})`, 'Pick the control among variant_keys');
  const metric = input.metric ?? campaign.goal.metric;
  const goalEvent = campaign.goal.event_type;
  if ((metric === 'open' || metric === 'click') && !m.engagementTracked) {
    throw invalidInput(`metric '${metric}' cannot be measured for this campaign: ${metric}s are tracked only for emails with tracking on (or a provider that reports them)`, "Use metric 'conversion' with a goal event, or send by email with TRACKING_ENABLED=true");
  }
  if ((metric === 'conversion' || metric === 'revenue') && !goalEvent) {
    throw invalidInput(`metric '${metric}' cannot be measured: campaign '${campaign.id}' has no goal event`, 'Set goal: {"metric": "conversion", "event_type": "purchase"} with create_campaign while it is a draft');
  }
  if (metric === 'revenue' && !campaign.goal.value_property) {
    throw invalidInput(`metric 'revenue' cannot be measured: the campaign's goal has no value_property`, 'Set goal.value_property (e.g. "amount") with create_campaign');
  }
  if (input.holdout_share > 0 && (metric === 'open' || metric === 'click')) {
    throw invalidInput(`holdout_share needs metric conversion or revenue: a holdout gets no message, so it has no ${metric}s to compare`, 'Use metric conversion (or revenue), or set holdout_share to 0');
  }
  if (input.method === 'bayesian' && metric === 'revenue') throw invalidInput("method 'bayesian' decides on rates (open, click, conversion), not revenue", "Use method 'always_valid' or 'group_sequential' for revenue");
  if (input.allocation === 'bandit' && metric === 'revenue') throw invalidInput("allocation 'bandit' works on rates (open, click, conversion), not revenue", "Use allocation 'fixed' for revenue");
  if (input.allocation === 'bandit' && input.weights) throw invalidInput('weights are for a fixed split; a bandit sets its own', "Drop weights, or use allocation 'fixed'");
  const weights = splitOf(keys, input.weights);
  const window = input.window_hours ?? (metric === 'open' || metric === 'click' ? 24 : campaign.goal.attribution_window_hours);
  return {
    metric,
    controlKey,
    arms: keys.map((k) => ({ key: k, variantId: campaign.variants.find((v) => v.key === k)!.id, weight: weights[k]! })),
    allocation: input.allocation,
    holdoutShare: input.holdout_share,
    testShare: input.test_share,
    minimumDetectableLift: input.minimum_detectable_lift,
    baselineRate: input.baseline_rate ?? TYPICAL[metric],
    method: input.method,
    alpha: input.alpha,
    chanceToBeat: input.chance_to_beat,
    minPerArm: input.min_per_arm,
    windowHours: window,
    checkEveryMinutes: input.check_every_minutes,
    rollout: input.rollout,
    onInconclusive: input.on_inconclusive,
    waves: input.waves,
    waveEveryHours: input.wave_every_hours,
    ...(goalEvent ? { goalEvent } : {}),
    audienceAtStart: audience,
    guardrailAlpha: 0.05,
  };
}

function splitOf(keys: string[], given: Record<string, number> | undefined): Record<string, number> {
  if (!given) return Object.fromEntries(keys.map((k) => [k, 1 / keys.length]));
  const extra = Object.keys(given).filter((k) => !keys.includes(k));
  if (extra.length) throw invalidInput(`weights names variants that are not tested: ${extra.join(', ')}`, `Give a weight to each of: ${keys.join(', ')}`);
  const missing = keys.filter((k) => given[k] === undefined);
  if (missing.length) throw invalidInput(`weights has no share for ${missing.join(', ')}`, `Give a weight to each of: ${keys.join(', ')}`);
  for (const k of keys) {
    const w = given[k]!;
    if (!(w > 0 && w < 1)) throw invalidInput(`weights.${k} is ${w}; every share must be between 0 and 1`, 'e.g. {"A": 0.5, "B": 0.5}');
  }
  const total = keys.reduce((s, k) => s + given[k]!, 0);
  if (Math.abs(total - 1) > 1e-6) throw invalidInput(`weights sum to ${Number(total.toFixed(6))}, not 1`, `Scale them so they add up to 1, e.g. ${keys.map((k) => `"${k}": ${(1 / keys.length).toFixed(3)}`).join(', ')}`);
  return Object.fromEntries(keys.map((k) => [k, given[k]!]));
}

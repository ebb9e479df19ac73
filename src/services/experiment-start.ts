/**
 * Starting an experiment (run_ab_test): the checks, the plan a dry run shows, and the confirmed
 * start: the experiment row, its test send (through the same path as schedule_send, covering the
 * test group and the holdout), and its first scheduled look. Repeating a confirmed call with the
 * same idempotency key returns what the first made, also after a crash half way through.
 */
import type { HandlerContext } from '../context.js';
import type { Campaign } from '../domain/campaign.js';
import { DomainError, invalidInput, notFound } from '../domain/errors.js';
import type { ScheduleExperiment } from '../domain/experiments/assignment.js';
import { sampleSizePerArm } from '../domain/experiments/frequentist.js';
import { toExperimentConfig, type ExperimentInput } from '../domain/experiments/input.js';
import { emptyState, type Experiment, type ExperimentConfig } from '../domain/experiments/model.js';
import type { Schedule } from '../domain/delivery/schedule.js';
import { audienceSize } from './send-preview.js';
import { confirmSend, loadSendable, type SendRequest, type SendTiming } from './sends.js';
import { EXPERIMENT_TICK, tickKey } from './experiment-jobs.js';

export interface StartRequest {
  campaignId: string;
  input: ExperimentInput;
  timing: SendTiming;
  respectQuietHours: boolean;
  deadlineHours: number;
}

export interface ExperimentPlan {
  audience: number;
  holdout: number;
  test_group: number;
  remainder: number;
  per_arm: Record<string, number>;
  /** Recipients per arm a fixed-horizon test needs for the minimum detectable lift (80% power). */
  needed_per_arm: number;
  /** The smallest relative lift the planned arms detect with 80% power (fixed horizon); null when none. */
  detectable_lift: number | null;
  warnings: string[];
}

/** Checks the campaign and the request; returns the configuration and the plan. Changes nothing. */
export async function planExperiment(ctx: HandlerContext, req: StartRequest): Promise<{ campaign: Campaign; config: ExperimentConfig; plan: ExperimentPlan }> {
  const campaign = await ctx.store.campaigns.get(ctx.workspaceId, req.campaignId);
  if (!campaign) throw notFound('campaign', req.campaignId, 'Call list_campaigns to see the campaigns of this workspace');
  if (campaign.status !== 'draft') {
    throw new DomainError('invalid_transition', `Campaign '${campaign.id}' is '${campaign.status}'; an experiment starts with the campaign's first send, so it needs a draft`, 'Create a new campaign (create_campaign) with the variants to test');
  }
  if (campaign.type !== 'one_time') throw invalidInput(`Campaign '${campaign.id}' is ${campaign.type}; run_ab_test tests one-time sends`, "Create a one_time campaign for the test");
  const sendReq = sendRequest(req);
  await loadSendable(ctx, sendReq);
  const audience = await audienceSize(ctx, sendReq, campaign);
  const engagementTracked = campaign.channels.includes('email') && (ctx.tracking !== null || ctx.delivery.provider === 'notification_service');
  const config = toExperimentConfig(req.input, campaign, { engagementTracked }, audience);
  return { campaign, config, plan: planOf(config, audience) };
}

export function planOf(c: ExperimentConfig, audience: number): ExperimentPlan {
  const holdout = Math.round(audience * c.holdoutShare);
  const testGroup = Math.round((audience - holdout) * c.testShare);
  const perArm = Object.fromEntries(c.arms.map((a) => [a.key, Math.round(testGroup * a.weight)]));
  const comparisons = c.arms.length - 1;
  const alpha = c.alpha / comparisons;
  const lift = c.minimumDetectableLift;
  const fits = c.baselineRate * (1 + lift) < 1;
  const needed = fits ? sampleSizePerArm(c.baselineRate, c.baselineRate * lift, { alpha }) : Number.POSITIVE_INFINITY;
  const smallest = Math.min(...Object.values(perArm));
  const warnings: string[] = [];
  if (smallest < needed) {
    warnings.push(`each arm gets about ${smallest.toLocaleString('en-US')} recipients; detecting a ${(lift * 100).toFixed(0)}% lift on a ${(c.baselineRate * 100).toFixed(1)}% baseline needs about ${Number.isFinite(needed) ? needed.toLocaleString('en-US') : 'more than the audience'} per arm`);
  }
  if (c.allocation === 'bandit') warnings.push(`the test group goes out in ${c.waves} waves ${c.waveEveryHours} h apart; only sends older than ${c.windowHours} h steer the split`);
  if (c.method === 'group_sequential' && c.allocation === 'fixed') warnings.push(`group_sequential looks only at sends whose ${c.windowHours} h window has closed; a send to everyone at once is judged when its window closes`);
  return { audience, holdout, test_group: testGroup, remainder: audience - holdout - testGroup, per_arm: perArm, needed_per_arm: Number.isFinite(needed) ? needed : -1, detectable_lift: detectableLift(c, smallest, alpha), warnings };
}

/** Bisection on the relative lift whose fixed-horizon sample size fits in `n` per arm. */
function detectableLift(c: ExperimentConfig, n: number, alpha: number): number | null {
  if (n < 2) return null;
  const maxLift = (1 - c.baselineRate) / c.baselineRate - 1e-9;
  if (sampleSizePerArm(c.baselineRate, c.baselineRate * maxLift, { alpha }) > n) return null;
  let lo = 1e-6;
  let hi = maxLift;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (sampleSizePerArm(c.baselineRate, c.baselineRate * mid, { alpha }) <= n) hi = mid;
    else lo = mid;
  }
  return hi;
}

function sendRequest(req: StartRequest, experiment?: ScheduleExperiment): SendRequest {
  return { campaignId: req.campaignId, timing: req.timing, respectQuietHours: req.respectQuietHours, deadlineHours: req.deadlineHours, sampleSize: 0, ...(experiment ? { experiment } : {}) };
}

/** The split of the test send: the fixed weights, or a bandit's even first wave. */
function firstSplit(c: ExperimentConfig): Record<string, number> {
  return Object.fromEntries(c.arms.map((a) => [a.variantId, c.allocation === 'bandit' ? 1 / c.arms.length : a.weight]));
}

export async function startExperiment(ctx: HandlerContext, req: StartRequest, idempotencyKey: string): Promise<{ experiment: Experiment; schedule: Schedule; created: boolean; plan: ExperimentPlan }> {
  const ws = ctx.workspaceId;
  let experiment = await ctx.store.experiments.forCampaign(ws, req.campaignId);
  let created = false;
  let plan: ExperimentPlan;
  if (experiment) {
    if ((experiment.config as ExperimentConfig & { idempotencyKey?: string }).idempotencyKey !== idempotencyKey) {
      throw new DomainError('conflict', `Campaign '${req.campaignId}' already has an experiment (${experiment.id})`, `Read experiment://${experiment.id}; repeat the original call with its idempotency_key to retry it, or create a new campaign for a new test`);
    }
    plan = planOf(experiment.config, experiment.config.audienceAtStart);
  } else {
    const planned = await planExperiment(ctx, req);
    plan = planned.plan;
    const config = { ...planned.config, idempotencyKey } as ExperimentConfig;
    experiment = await ctx.store.experiments.create(ws, { campaignId: req.campaignId, config, state: emptyState(), createdBy: ctx.principal.actor });
    created = true;
  }
  const c = experiment.config;
  const spec: ScheduleExperiment = {
    id: experiment.id, phase: 'test', holdout_share: c.holdoutShare, test_share: c.testShare, split: firstSplit(c),
    ...(c.allocation === 'bandit' ? { wave: 0, waves: c.waves } : {}),
  };
  const { campaign } = await loadSendableForRetry(ctx, req, experiment);
  const { schedule } = await confirmSend(ctx, sendRequest(req, spec), campaign, idempotencyKey, c.audienceAtStart);
  if (!experiment.testScheduleId) {
    const state = c.allocation === 'bandit'
      ? { ...experiment.state, waves: [{ index: 0, scheduleId: schedule.id, weights: Object.fromEntries(c.arms.map((a) => [a.key, 1 / c.arms.length])), at: (schedule.nextRunAt ?? ctx.clock.now()).toISOString() }] }
      : experiment.state;
    const updated = await ctx.store.experiments.update(ws, experiment.id, experiment.version, { testScheduleId: schedule.id, state });
    if (updated) experiment = updated;
  }
  const firstLook = new Date((schedule.nextRunAt ?? ctx.clock.now()).getTime() + Math.min(c.checkEveryMinutes, 60) * 60_000);
  await ctx.store.jobs.enqueue({ workspaceId: ws, kind: EXPERIMENT_TICK, payload: { experimentId: experiment.id }, runAt: firstLook, dedupeKey: tickKey(ws, experiment.id) });
  if (created) {
    await ctx.store.audit.record({
      workspaceId: ws, actor: ctx.principal.actor, action: 'experiment.start', targetType: 'experiment', targetId: experiment.id, inputDigest: '', result: 'ok',
      detail: { campaign_id: req.campaignId, schedule_id: schedule.id, plan, config: { ...c } },
    });
  }
  return { experiment, schedule, created, plan };
}

/** A retried start finds the campaign already scheduled by its first attempt: that is fine. */
async function loadSendableForRetry(ctx: HandlerContext, req: StartRequest, e: Experiment): Promise<{ campaign: Campaign }> {
  const campaign = await ctx.store.campaigns.get(ctx.workspaceId, req.campaignId);
  if (!campaign) throw notFound('campaign', req.campaignId);
  if (campaign.status === 'draft') await loadSendable(ctx, sendRequest(req));
  else if (!e.testScheduleId && campaign.status !== 'scheduled' && campaign.status !== 'running') {
    throw new DomainError('invalid_transition', `Campaign '${campaign.id}' is '${campaign.status}'`, 'Create a new campaign for the test');
  }
  return { campaign };
}

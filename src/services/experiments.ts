/**
 * Running experiments: looking at their results, the scheduled look (`experiment.tick`, a durable
 * job) that applies the decision rule and the guardrails, bandit waves, decisions and roll-outs.
 * Starting one (run_ab_test) is in ./experiment-start.ts.
 *
 * Every decision and roll-out goes to the audit log with the numbers that justified it.
 */
import type { ScheduleExperiment } from '../domain/experiments/assignment.js';
import { analyze, type Analysis } from '../domain/experiments/analysis.js';
import { hasRemainder, type Experiment, type ExperimentDecision } from '../domain/experiments/model.js';
import { DomainError } from '../domain/errors.js';
import { byArm } from '../domain/experiments/repo.js';
import type { Clock, Logger, Store } from '../domain/ports.js';
import { JOB_KINDS } from '../engine/delivery/deps.js';

export interface ExperimentDeps {
  store: Store;
  clock: Clock;
  log: Logger;
}

export { EXPERIMENT_TICK, tickKey } from './experiment-jobs.js';
export const ENGINE_ACTOR = 'experiment-engine';

/** The step keys of the test: the test send and every bandit wave (one-time sends: the schedule id). */
export function testSteps(e: Experiment): string[] {
  return [...new Set([...(e.testScheduleId ? [e.testScheduleId] : []), ...e.state.waves.map((w) => w.scheduleId)])];
}

/** The analysis at this moment; `official` looks also advance the experiment's state. */
export async function lookAt(d: ExperimentDeps, ws: string, e: Experiment, official: boolean): Promise<ReturnType<typeof analyze>> {
  const now = d.clock.now();
  const windowMs = e.config.windowHours * 3_600_000;
  const q = { campaignId: e.campaignId, stepKeys: testSteps(e), metric: e.config.metric, windowMs, ...(e.config.goalEvent ? { goalEvent: e.config.goalEvent } : {}) };
  // One read: every unit, and those whose window has closed.
  const rows = await d.store.experiments.arms(ws, { ...q, sentBy: new Date(now.getTime() - windowMs) });
  const live = byArm(rows.map((r) => r.live));
  const matured = byArm(rows.map((r) => r.matured));
  // A bandit's split changes from wave to wave: its evidence is kept per wave (see strata.ts).
  const maturedByWave = e.config.allocation === 'bandit' ? e.state.waves.map((w) => rows.filter((r) => r.step === w.scheduleId).map((r) => r.matured)) : undefined;
  return analyze({ experiment: e, live, matured, ...(maturedByWave ? { maturedByWave } : {}), sendsDone: await testSendsDone(d, ws, e), now, official });
}

async function testSendsDone(d: ExperimentDeps, ws: string, e: Experiment): Promise<boolean> {
  if (e.config.allocation === 'bandit' && e.state.waves.length < e.config.waves) return false;
  for (const id of testSteps(e)) {
    const s = await d.store.schedules.get(ws, id);
    if (!s || s.status === 'active') return false;
  }
  return testSteps(e).length > 0;
}

/** The scheduled look: apply guardrails and the decision rule, send the next bandit wave when due. */
export async function tick(d: ExperimentDeps, ws: string, experimentId: string): Promise<{ nextAt: Date | null }> {
  const e = await d.store.experiments.get(ws, experimentId);
  if (!e || e.status !== 'running') return { nextAt: null };
  const now = d.clock.now();
  const { analysis, state } = await lookAt(d, ws, e, true);
  const abandoned = await abandonedBecause(d, ws, e);
  if (abandoned) {
    await stop(d, ws, e, ENGINE_ACTOR, abandoned, analysis);
    return { nextAt: null };
  }
  const newlyStopped = Object.keys(state.stoppedArms).filter((k) => !e.state.stoppedArms[k]);
  let current = await d.store.experiments.update(ws, e.id, e.version, { state });
  if (!current) return { nextAt: new Date(now.getTime() + 1_000) };
  for (const key of newlyStopped) {
    await audit(d, ws, ENGINE_ACTOR, 'experiment.guardrail', current, { variant: key, why: state.stoppedArms[key], guardrails: analysis.guardrails.filter((g) => g.key === key) });
    d.log.warn({ experiment: e.id, variant: key }, 'guardrail stopped a variant');
  }
  if (analysis.recommendation.action === 'decide') {
    await decide(d, ws, current, { winnerKey: analysis.recommendation.winner_key, reason: analysis.recommendation.reason, actor: ENGINE_ACTOR, analysis });
    return { nextAt: null };
  }
  if (current.config.allocation === 'bandit') {
    current = await sendDueWave(d, ws, current, analysis);
    const next = nextWaveAt(current);
    const check = now.getTime() + current.config.checkEveryMinutes * 60_000;
    return { nextAt: new Date(next ? Math.min(next.getTime(), check) : check) };
  }
  return { nextAt: new Date(now.getTime() + current.config.checkEveryMinutes * 60_000) };
}

/** An experiment whose test send was cancelled, or whose campaign was archived, ends without a winner. */
async function abandonedBecause(d: ExperimentDeps, ws: string, e: Experiment): Promise<string | null> {
  const campaign = await d.store.campaigns.get(ws, e.campaignId);
  if (!campaign || campaign.status === 'archived') return 'the campaign was archived';
  const test = e.testScheduleId ? await d.store.schedules.get(ws, e.testScheduleId) : null;
  return test?.status === 'cancelled' ? `the test send (${test.id}) was cancelled` : null;
}

function nextWaveAt(e: Experiment): Date | null {
  if (e.state.waves.length >= e.config.waves) return null;
  const first = e.state.waves[0];
  if (!first) return null;
  return new Date(Date.parse(first.at) + e.state.waves.length * e.config.waveEveryHours * 3_600_000);
}

/** Sends the next bandit wave when its time has come, split by the current Thompson weights. */
async function sendDueWave(d: ExperimentDeps, ws: string, e: Experiment, analysis: Analysis): Promise<Experiment> {
  const at = nextWaveAt(e);
  const now = d.clock.now();
  if (!at || at.getTime() > now.getTime() || !analysis.bandit) return e;
  const index = e.state.waves.length;
  const split = Object.fromEntries(e.config.arms.map((a) => [a.variantId, analysis.bandit!.weights[a.key] ?? 0]));
  const schedule = await sendStep(d, ws, e, { phase: 'test', split, wave: index, waves: e.config.waves }, `experiment:${e.id}:wave:${index}`);
  const used = schedule.spec.experiment?.split ?? split;
  const weights = Object.fromEntries(e.config.arms.map((a) => [a.key, used[a.variantId] ?? 0]));
  const state = { ...e.state, waves: [...e.state.waves, { index, scheduleId: schedule.id, weights, at: now.toISOString() }] };
  const updated = await d.store.experiments.update(ws, e.id, e.version, { state });
  await audit(d, ws, ENGINE_ACTOR, 'experiment.wave', updated ?? e, { wave: index, weights, value_remaining: analysis.bandit.value_remaining, champion: analysis.bandit.champion });
  return updated ?? e;
}

/** Creates (or finds, by its key) a send of part of the experiment's audience, and enqueues its firing. */
async function sendStep(d: ExperimentDeps, ws: string, e: Experiment, part: Pick<ScheduleExperiment, 'phase' | 'split' | 'wave' | 'waves' | 'from_wave'>, key: string) {
  const test = e.testScheduleId ? await d.store.schedules.get(ws, e.testScheduleId) : null;
  const now = d.clock.now();
  const experiment: ScheduleExperiment = { id: e.id, holdout_share: e.config.holdoutShare, test_share: e.config.testShare, ...part };
  const { schedule } = await d.store.schedules.create(
    ws,
    {
      campaignId: e.campaignId,
      kind: 'at',
      spec: { at: now.toISOString(), respect_quiet_hours: test?.spec.respect_quiet_hours ?? true, deadline_hours: test?.spec.deadline_hours ?? 24, experiment },
      idempotencyKey: key,
      nextRunAt: now,
    },
    ENGINE_ACTOR,
  );
  await d.store.jobs.enqueue({ workspaceId: ws, kind: JOB_KINDS.fire, payload: { scheduleId: schedule.id, occurrence: null }, runAt: now, dedupeKey: `fire:${ws}:${schedule.id}:once` });
  return schedule;
}

export interface DecideRequest {
  winnerKey: string | null;
  reason: string;
  actor: string;
  analysis: Analysis;
}

/** Records the decision (with its evidence) and, when configured, rolls the winner out. */
export async function decide(d: ExperimentDeps, ws: string, e: Experiment, r: DecideRequest): Promise<Experiment> {
  if (e.status !== 'running') throw new DomainError('invalid_transition', `Experiment '${e.id}' is '${e.status}'; only a running experiment can be decided`, 'Read experiment://' + e.id);
  if (r.winnerKey !== null && !e.config.arms.some((a) => a.key === r.winnerKey)) {
    throw new DomainError('invalid_input', `winner_key '${r.winnerKey}' is not an arm of experiment '${e.id}'`, `Its arms are: ${e.config.arms.map((a) => a.key).join(', ')}`);
  }
  const now = d.clock.now();
  const decision: ExperimentDecision = { winnerKey: r.winnerKey, reason: r.reason, decidedBy: r.actor, at: now.toISOString(), evidence: evidenceOf(r.analysis) };
  const decided = await d.store.experiments.update(ws, e.id, e.version, { status: 'decided', decision, decidedAt: now });
  if (!decided) throw new DomainError('conflict', `Experiment '${e.id}' changed while it was being decided`, 'Read it again and retry');
  await audit(d, ws, r.actor, 'experiment.decide', decided, { winner: r.winnerKey, reason: r.reason, evidence: decision.evidence });
  d.log.info({ experiment: e.id, winner: r.winnerKey, reason: r.reason }, 'experiment decided');
  if (hasRemainder(decided) && decided.config.rollout === 'auto' && r.winnerKey) return rollout(d, ws, decided, r.actor);
  if (!hasRemainder(decided)) await completeCampaignIfIdle(d, ws, decided.campaignId, 'the experiment was decided');
  return decided;
}

/** Sends the winner to the remainder (the audience outside the test and the holdout). */
export async function rollout(d: ExperimentDeps, ws: string, e: Experiment, actor: string): Promise<Experiment> {
  if (e.status !== 'decided' || !e.decision?.winnerKey) {
    throw new DomainError('invalid_transition', `Experiment '${e.id}' is '${e.status}'${e.decision && !e.decision.winnerKey ? ' without a winner' : ''}; only a decided experiment with a winner is rolled out`, "Decide it first (decide_experiment action 'decide')");
  }
  if (!hasRemainder(e)) throw new DomainError('invalid_transition', `Experiment '${e.id}' tested its whole audience (test_share 1): there is no remainder to roll out to`, 'Nothing to do');
  const winner = e.config.arms.find((a) => a.key === e.decision!.winnerKey)!;
  const unsent = e.config.allocation === 'bandit' && e.state.waves.length < e.config.waves ? { waves: e.config.waves, from_wave: e.state.waves.length } : {};
  const schedule = await sendStep(d, ws, e, { phase: 'rollout', split: { [winner.variantId]: 1 }, ...unsent }, `experiment:${e.id}:rollout`);
  const rolled = await d.store.experiments.update(ws, e.id, e.version, { status: 'rolled_out', rolloutScheduleId: schedule.id });
  if (!rolled) throw new DomainError('conflict', `Experiment '${e.id}' changed while it was being rolled out`, 'Read it again and retry');
  await audit(d, ws, actor, 'experiment.rollout', rolled, { winner: winner.key, variant_id: winner.variantId, schedule_id: schedule.id, remainder_share: (1 - e.config.holdoutShare) * (1 - e.config.testShare), evidence: e.decision!.evidence });
  return rolled;
}

/** Ends the experiment without a winner: no more waves, no roll-out. */
export async function stop(d: ExperimentDeps, ws: string, e: Experiment, actor: string, reason: string, analysis: Analysis): Promise<Experiment> {
  if (e.status !== 'running' && !(e.status === 'decided' && hasRemainder(e))) throw new DomainError('invalid_transition', `Experiment '${e.id}' is '${e.status}' and cannot be stopped`, 'It has already ended');
  const decision: ExperimentDecision = { winnerKey: null, reason, decidedBy: actor, at: d.clock.now().toISOString(), evidence: evidenceOf(analysis) };
  const stopped = await d.store.experiments.update(ws, e.id, e.version, { status: 'stopped', decision, decidedAt: d.clock.now() });
  if (!stopped) throw new DomainError('conflict', `Experiment '${e.id}' changed while it was being stopped`, 'Read it again and retry');
  await audit(d, ws, actor, 'experiment.stop', stopped, { reason, evidence: decision.evidence });
  await completeCampaignIfIdle(d, ws, e.campaignId, 'the experiment was stopped');
  return stopped;
}

async function completeCampaignIfIdle(d: ExperimentDeps, ws: string, campaignId: string, why: string) {
  const c = await d.store.campaigns.get(ws, campaignId);
  if (c?.status === 'running' && (await d.store.schedules.countActive(ws, campaignId)) === 0) await d.store.campaigns.transition(ws, campaignId, 'complete', ENGINE_ACTOR, why);
}

/** The numbers a decision rests on, compact enough for the audit log. */
export function evidenceOf(a: Analysis): Record<string, unknown> {
  return {
    at: a.at,
    metric: a.metric,
    method: a.method,
    units: a.units,
    arms: a.arms.map((x) => ({ key: x.key, exposed: x.exposed, successes: x.successes, rate: x.rate, rate_ci: x.rate_ci, value_per_unit: x.value_per_unit, chance_to_be_best: x.chance_to_be_best, stopped: x.stopped })),
    comparisons: a.comparisons.map((x) => ({ key: x.key, diff: x.diff, diff_ci: x.diff_ci, p_value: x.p_value, p_adjusted: x.p_adjusted, relative_lift: x.relative_lift, always_valid_ci: x.always_valid_ci, e_value: x.e_value, z: x.z, boundary: x.boundary, verdict: x.verdict })),
    srm: a.srm,
    holdout: a.holdout,
    bandit: a.bandit,
    recommendation: a.recommendation,
  };
}

async function audit(d: ExperimentDeps, ws: string, actor: string, action: string, e: Experiment, detail: Record<string, unknown>) {
  await d.store.audit.record({ workspaceId: ws, actor, action, targetType: 'experiment', targetId: e.id, inputDigest: '', result: 'ok', detail: { campaign_id: e.campaignId, ...detail } });
}

/**
 * The journey runner: one durable job per step a user reaches (`journey.step`). A job runs its
 * step and moves the user on, and every move writes the next step's job in the same transaction,
 * so a crash or restart at any point loses nothing; every write is fenced on the enrollment's
 * `seq`, so a job that runs twice, late, or in a second process moves no one twice.
 *
 * Times come from the plan, not the worker's clock: a step reached at 10:00 whose job runs at
 * 10:02 still waits "1 day" until 10:00 the next day (see domain/journeys/transitions.ts).
 */
import type { Campaign } from '../../domain/campaign.js';
import type { Schedule } from '../../domain/delivery/schedule.js';
import type { JourneyDefinition, JourneyStep } from '../../domain/journeys/definition.js';
import { NOT_IN_AUDIENCE } from '../../domain/journeys/intake.js';
import { JOURNEY_STEP_JOB, type StepJobPayload } from '../../domain/journeys/repo.js';
import { triggeredFlow } from '../../domain/journeys/triggered.js';
import { branchMatched, nextAfter, resumeAt } from '../../domain/journeys/transitions.js';
import { conditionHolds } from '../../domain/triggers/conditions.js';
import type { Job } from '../../domain/jobs.js';
import { audienceRules } from '../../domain/segments/audience.js';
import type { JobControl, JobHandler, JobOutcome } from '../worker.js';
import type { DeliveryDeps } from '../delivery/deps.js';
import { PAUSED_RECHECK_MS } from '../delivery/dispatch.js';
import { INACTIVITY_JOB, inactivityJob } from './inactivity.js';
import { sendStep } from './send-step.js';

export { JOURNEY_STEP_JOB } from '../../domain/journeys/repo.js';

const MINUTE_MS = 60_000;
const DONE: JobOutcome = { kind: 'done' };

/** The idempotency key of a triggered campaign's or journey's standing schedule (made on activation). */
export const activationKey = (campaignId: string) => `activate:${campaignId}`;

export function journeyHandlers(d: DeliveryDeps): Record<string, JobHandler> {
  const definitions = new Map<string, Promise<JourneyDefinition | null>>();
  const definitionOf = (ws: string, c: Campaign, version: number): Promise<JourneyDefinition | null> => {
    if (c.type === 'triggered') return Promise.resolve(c.trigger ? triggeredFlow(c.trigger) : null);
    const key = `${ws}:${c.id}:${version}`;
    let hit = definitions.get(key);
    if (!hit) {
      // Revisions never change once written, so they are read once per process.
      hit = d.store.journeys.definition(ws, c.id, version).then((r) => r?.definition ?? null);
      definitions.set(key, hit);
      hit.catch(() => definitions.delete(key));
    }
    return hit;
  };
  return {
    [JOURNEY_STEP_JOB]: (job, control) => runStep(d, definitionOf, job, control),
    [INACTIVITY_JOB]: (job, control) => inactivityJob(d, job, control),
  };
}

type DefinitionOf = (ws: string, c: Campaign, version: number) => Promise<JourneyDefinition | null>;

async function runStep(d: DeliveryDeps, definitionOf: DefinitionOf, job: Job, control: JobControl): Promise<JobOutcome> {
  const ws = job.workspaceId;
  const p = job.payload as StepJobPayload;
  const journeys = d.store.journeys;
  const e = await journeys.get(ws, p.enrollmentId);
  if (!e || e.status !== 'active' || e.seq !== p.seq || e.step !== p.step) return DONE;
  const now = () => d.clock.now();
  const campaign = await d.store.campaigns.get(ws, e.campaignId);
  if (campaign?.status === 'paused') return { kind: 'again', at: new Date(now().getTime() + PAUSED_RECHECK_MS) };
  if (!campaign || campaign.status !== 'running') {
    await journeys.end(ws, e, 'exited', `campaign_${campaign?.status ?? 'deleted'}`, 'exited:campaign', now());
    return DONE;
  }
  const def = await definitionOf(ws, campaign, e.journeyVersion);
  const step = def?.steps[e.step];
  if (!def || !step) {
    d.log.error({ campaignId: campaign.id, enrollmentId: e.id, step: e.step, version: e.journeyVersion }, 'journey step not found in its revision; ending the enrollment');
    await journeys.end(ws, e, 'exited', 'step_missing', 'exited:error', now());
    return DONE;
  }
  // The planned time of this step: when the user reached it.
  const at = job.runAt;
  const go = (to: string, outcome: string, when: Date, fromPhase?: 'due' | 'waiting') =>
    journeys.move(ws, e, { from: e.step, to, outcome, at: when, ...(fromPhase ? { fromPhase } : {}) }, now()).then(() => DONE);

  if (p.via === 'resume' || p.via === 'timeout') {
    if (e.phase !== 'waiting') return DONE;
    if (step.kind === 'wait') return go(step.next, 'resumed', at, 'waiting');
    if (step.kind === 'wait_for_event') return go(step.on_timeout, 'timeout', at, 'waiting');
    return DONE;
  }
  if (e.phase !== 'due') return DONE;

  if (p.via === 'entry' && campaign.segment_id && !(await inSegment(d, ws, campaign.segment_id, e.userId))) {
    await journeys.end(ws, e, 'exited', NOT_IN_AUDIENCE, 'exited:audience', now());
    return DONE;
  }
  switch (step.kind) {
    case 'exit':
      await journeys.end(ws, e, 'completed', 'completed', 'completed', at);
      return DONE;
    case 'send': {
      // An exit event stored before this enrollment existed (it arrived late, or out of order).
      const exit = await journeys.didSince(ws, e.userId, def.entry.trigger.exit_events, e.enteredAt);
      if (exit) {
        await journeys.end(ws, e, 'exited', `exit_event:${exit}`, 'exited', now());
        return DONE;
      }
      if (!control.stillOwner()) return DONE;
      const schedule = await standingSchedule(d, ws, campaign);
      const r = await sendStep(d, ws, campaign, schedule, e, e.step, step, `${job.id}:${job.attempts}`);
      if (r.kind === 'pending') return { kind: 'again', at: r.at };
      return go(step.next, r.outcome, now());
    }
    case 'wait': {
      const zone = await zoneOf(d, ws, e.userId);
      const until = resumeAt(step, at, zone);
      await journeys.park(ws, e, { waitingFor: null, since: at, until, job: { payload: { ...p, via: 'resume' }, runAt: until } }, now());
      return DONE;
    }
    case 'wait_for_event': {
      const deadline = new Date(at.getTime() + step.timeout_minutes * MINUTE_MS);
      const parked = await journeys.park(ws, e, { waitingFor: step.event_type, since: at, until: deadline, job: { payload: { ...p, via: 'timeout' }, runAt: deadline } }, now());
      if (!parked) return DONE;
      // An awaited event stored before the wait began to be watched (a late job): answer it now.
      // Events stored after the park are answered by the intake, which now sees the user waiting.
      const answer = (await journeys.eventsBetween(ws, e.userId, step.event_type, at, deadline)).find((ev) => step.conditions.every((c) => conditionHolds(c, ev.properties)));
      if (answer) await journeys.move(ws, e, { from: e.step, to: step.on_event, outcome: 'event', at: answer.at, fromPhase: 'waiting' }, now());
      return DONE;
    }
    case 'branch': {
      const on = step.on;
      const matched = on.segment_id ? await inSegment(d, ws, on.segment_id, e.userId) : branchMatched(on, { triggerProperties: e.triggerProperties });
      return go(matched ? step.then : step.else, matched ? 'then' : 'else', at);
    }
    case 'split': {
      const next = nextAfter(e.step, step as JourneyStep, { kind: 'arrived' }, { journeyId: campaign.id, userId: e.userId, now: at });
      if (next.kind !== 'go') return DONE;
      const i = step.branches.findIndex((b) => b.next === next.to);
      return go(next.to, `branch:${i}`, at);
    }
  }
}

async function inSegment(d: DeliveryDeps, ws: string, segmentId: string, userId: string): Promise<boolean> {
  const segment = await d.store.segments.get(ws, segmentId);
  if (!segment) return false;
  const page = await d.store.segments.memberFacts(ws, audienceRules(segment), { now: d.clock.now(), limit: 1, userIds: [userId] });
  return page.members.length > 0;
}

async function zoneOf(d: DeliveryDeps, ws: string, userId: string): Promise<string | null> {
  const [facts] = (await d.store.segments.memberFacts(ws, null, { now: d.clock.now(), limit: 1, userIds: [userId] })).members;
  return facts?.timezone ?? null;
}

async function standingSchedule(d: DeliveryDeps, ws: string, c: Campaign): Promise<Schedule> {
  const s = await d.store.schedules.findByKey(ws, activationKey(c.id));
  if (!s) throw new Error(`campaign ${c.id} is running without its standing schedule (${activationKey(c.id)})`);
  return s;
}

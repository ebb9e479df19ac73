/**
 * Where a user goes next in a journey, and when: a pure function of the step, what happened there
 * and a clock. The runner (later) turns each `go` into a durable job at `at`.
 *
 * `ctx.now` is the instant the user reached the step or the outcome happened. Pass the planned
 * time of the job being run, not the worker's wall clock, so that a late worker does not stretch
 * every following wait; a resulting `at` in the past means "run at once".
 *
 * Outcomes by step kind (any other pairing is a bug in the caller and throws):
 *   send            'sent'     the message went out, or delivery rules dropped it: go to next now
 *   wait            'arrived'  go to next at the resume time
 *   wait_for_event  'arrived'  await the event until the deadline (now + timeout)
 *                   'event'    a candidate event: go to on_event at the event's time, or ignore it
 *                   'timeout'  the deadline passed: go to on_timeout now
 *   branch          'branch'   the runner's verdict (see branchMatched): then or else, now
 *   split           'arrived'  go down the branch splitChoice picks, now
 *   exit            'arrived'  the journey ends
 */
import { createHash } from 'node:crypto';
import { nextLocalTimeOfDay } from '../delivery/schedule.js';
import { conditionHolds, type IncomingEvent, type Properties } from '../triggers/conditions.js';
import type { BranchOn, JourneyStep, SplitStep } from './definition.js';

const MINUTE_MS = 60_000;

export interface TransitionContext {
  journeyId: string;
  userId: string;
  now: Date;
  /** The user's IANA time zone; a missing or unknown zone counts as UTC. */
  zone?: string | null;
}

export type StepOutcome =
  | { kind: 'arrived' }
  | { kind: 'sent' }
  | { kind: 'event'; event: IncomingEvent & { at: Date }; waitingSince: Date }
  | { kind: 'timeout' }
  | { kind: 'branch'; matched: boolean };

export type Next =
  /** Move to step `to` at `at`. */
  | { kind: 'go'; to: string; at: Date }
  /** Wait for `event_type` (then on_event); without it, move to `to` (on_timeout) at `at`, the deadline. */
  | { kind: 'await_event'; event_type: string; on_event: string; to: string; at: Date }
  | { kind: 'end' }
  /** The event does not move the user: another event, or outside the waiting window by its timestamp. */
  | { kind: 'ignore'; reason: 'not_awaited' | 'before_wait' | 'after_deadline' };

export function nextAfter(stepId: string, step: JourneyStep, outcome: StepOutcome, ctx: TransitionContext): Next {
  const now = ctx.now;
  const mismatch = () => new Error(`journey step '${stepId}' (${step.kind}) cannot take outcome '${outcome.kind}'`);
  switch (step.kind) {
    case 'send':
      if (outcome.kind !== 'sent') throw mismatch();
      return { kind: 'go', to: step.next, at: now };
    case 'wait':
      if (outcome.kind !== 'arrived') throw mismatch();
      return { kind: 'go', to: step.next, at: resumeAt(step, now, ctx.zone) };
    case 'wait_for_event':
      if (outcome.kind === 'arrived') {
        return { kind: 'await_event', event_type: step.event_type, on_event: step.on_event, to: step.on_timeout, at: deadline(step.timeout_minutes, now) };
      }
      if (outcome.kind === 'timeout') return { kind: 'go', to: step.on_timeout, at: now };
      if (outcome.kind !== 'event') throw mismatch();
      return afterEvent(step, outcome);
    case 'branch':
      if (outcome.kind !== 'branch') throw mismatch();
      return { kind: 'go', to: outcome.matched ? step.then : step.else, at: now };
    case 'split': {
      if (outcome.kind !== 'arrived') throw mismatch();
      const branch = step.branches[splitChoice(stepId, ctx.userId, ctx.journeyId, step.branches)]!;
      return { kind: 'go', to: branch.next, at: now };
    }
    case 'exit':
      if (outcome.kind !== 'arrived') throw mismatch();
      return { kind: 'end' };
  }
}

/**
 * When a wait step resumes: `minutes` of elapsed time (not wall-clock: 1440 minutes across a DST
 * change is 23 or 25 wall-clock hours), then, if given, the next `until_local_time` in the user's
 * zone, DST-correct. A wall-clock time that a spring-forward skips moves forward by the gap
 * (02:30 becomes 03:30). A time reached less than a minute ago counts as now, as for send-time
 * variants, so a user arriving at 09:00:20 for "09:00" resumes at once, not tomorrow.
 */
export function resumeAt(step: { minutes?: number | undefined; until_local_time?: string | undefined }, now: Date, zone?: string | null): Date {
  const after = new Date(now.getTime() + (step.minutes ?? 0) * MINUTE_MS);
  return step.until_local_time ? nextLocalTimeOfDay(step.until_local_time, zone || 'UTC', after) : after;
}

function deadline(timeoutMinutes: number, waitingSince: Date): Date {
  return new Date(waitingSince.getTime() + timeoutMinutes * MINUTE_MS);
}

/**
 * An event counts when it is the awaited type, its conditions hold, and by its own timestamp it
 * happened within [waitingSince, deadline], both ends included: an earlier event that arrives
 * late is not an answer to this wait, and one after the deadline lost to the timeout even if it
 * is processed before the timeout job runs.
 */
function afterEvent(step: Extract<JourneyStep, { kind: 'wait_for_event' }>, outcome: Extract<StepOutcome, { kind: 'event' }>): Next {
  const { event, waitingSince } = outcome;
  if (event.type !== step.event_type || !step.conditions.every((c) => conditionHolds(c, event.properties))) return { kind: 'ignore', reason: 'not_awaited' };
  if (event.at.getTime() < waitingSince.getTime()) return { kind: 'ignore', reason: 'before_wait' };
  if (event.at.getTime() > deadline(step.timeout_minutes, waitingSince).getTime()) return { kind: 'ignore', reason: 'after_deadline' };
  return { kind: 'go', to: step.on_event, at: event.at };
}

/**
 * A branch's verdict. A property test reads the event that entered the user into the journey; a
 * segment test needs the store, so the runner looks membership up and passes it as `inSegment`.
 */
export function branchMatched(on: BranchOn, facts: { triggerProperties: Properties; inSegment?: boolean }): boolean {
  if (on.segment_id !== undefined) {
    if (facts.inSegment === undefined) throw new Error(`branch on segment '${on.segment_id}' needs inSegment`);
    return facts.inSegment;
  }
  if (on.field === undefined || on.op === undefined) return false;
  return conditionHolds({ field: on.field, op: on.op, value: on.value }, facts.triggerProperties);
}

/**
 * A uniform number in [0, 1) from a hash of (journey, step, user): the same user always goes the
 * same way at the same step, and different split steps choose independently.
 */
export function splitUnit(stepId: string, userId: string, journeyId: string): number {
  return createHash('sha1').update(`${journeyId}:${stepId}:${userId}`).digest().readUInt32BE(0) / 0x1_0000_0000;
}

/** The index of the split branch a user goes down, with probability proportional to weight. */
export function splitChoice(stepId: string, userId: string, journeyId: string, branches: SplitStep['branches']): number {
  const total = branches.reduce((s, b) => s + b.weight, 0);
  let point = splitUnit(stepId, userId, journeyId) * total;
  for (let i = 0; i < branches.length; i++) {
    point -= branches[i]!.weight;
    if (point < 0) return i;
  }
  return branches.length - 1;
}

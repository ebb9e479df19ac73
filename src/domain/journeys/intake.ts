/**
 * What a batch of newly stored events does to triggered campaigns and journeys: who enters, whose
 * pending step an exit event cancels, and whose wait_for_event step an event answers. Pure: the
 * store reads the users' enrollments, calls this, and writes the plan in the transaction that
 * stored the events, so an event and its consequences commit together (and a redelivered event,
 * already stored, has none).
 *
 * Events are taken in timestamp order, whatever order they arrived in, and every rule compares
 * the events' own timestamps (./../triggers/entry.ts), so a batch gives the same plan however its
 * events were shuffled. Within the batch each decision sees the ones before it: two matching
 * events of one user inside the cooldown enter once.
 */
import type { CampaignTrigger } from '../campaign.js';
import { entryDecision, exitCancels } from '../triggers/entry.js';
import { matchesTrigger, type Properties } from '../triggers/conditions.js';
import type { JourneyDefinition } from './definition.js';
import { nextAfter } from './transitions.js';

/** A running triggered campaign or journey, at its current revision. */
export interface ActiveFlow {
  campaignId: string;
  version: number;
  trigger: CampaignTrigger;
  definition: JourneyDefinition;
}

export interface IntakeEvent {
  id: string;
  userId: string;
  type: string;
  properties: Properties;
  at: Date;
}

export type EnrollmentStatus = 'active' | 'completed' | 'exited';

/** What the planner needs of an existing enrollment. */
export interface EnrollmentState {
  id: string;
  campaignId: string;
  userId: string;
  journeyVersion: number;
  status: EnrollmentStatus;
  step: string;
  seq: number;
  phase: 'due' | 'waiting';
  waitingFor: string | null;
  waitingSince: Date | null;
  enteredAt: Date;
  endReason: string | null;
}

/** Enrollments that ended this way never counted as an entry (the user was not in the audience). */
export const NOT_IN_AUDIENCE = 'not_in_segment';

export interface NewEnrollment {
  id: string;
  campaignId: string;
  journeyVersion: number;
  userId: string;
  entryEventId: string;
  enteredAt: Date;
  /** When the first step runs: the event's time plus the trigger's delay. */
  actAt: Date;
  start: string;
  properties: Properties;
}

export interface PlannedExit {
  id: string;
  seq: number;
  step: string;
  reason: string;
  at: Date;
}

export interface PlannedAnswer {
  id: string;
  seq: number;
  from: string;
  to: string;
  at: Date;
  eventId: string;
}

export interface Skip {
  campaignId: string;
  userId: string;
  eventId: string;
  reason: 'cooldown' | 'max_entries';
}

export interface IntakePlan {
  enter: NewEnrollment[];
  exit: PlannedExit[];
  answer: PlannedAnswer[];
  skipped: Skip[];
}

/** The event types a set of flows reacts to: entries, exits and awaited events. */
export function typesOf(flows: readonly ActiveFlow[], awaited: Iterable<string> = []): Set<string> {
  const out = new Set<string>(awaited);
  for (const f of flows) {
    out.add(f.trigger.event_type);
    for (const t of f.trigger.exit_events) out.add(t);
    for (const s of Object.values(f.definition.steps)) if (s.kind === 'wait_for_event') out.add(s.event_type);
  }
  return out;
}

/**
 * Plans the consequences of `events`. `enrollments` holds every enrollment of the events' users
 * in these flows (any status); `definitions` resolves the revision an enrollment is on
 * (`campaignId:version`); `newId` names new enrollments.
 */
export function planIntake(args: {
  flows: readonly ActiveFlow[];
  events: readonly IntakeEvent[];
  enrollments: readonly EnrollmentState[];
  definitions: ReadonlyMap<string, JourneyDefinition>;
  newId: () => string;
}): IntakePlan {
  const plan: IntakePlan = { enter: [], exit: [], answer: [], skipped: [] };
  const flowById = new Map(args.flows.map((f) => [f.campaignId, f]));
  const byUser = new Map<string, EnrollmentState[]>();
  for (const e of args.enrollments) {
    const list = byUser.get(e.userId);
    if (list) list.push({ ...e });
    else byUser.set(e.userId, [{ ...e }]);
  }
  const ordered = [...args.events].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const ev of ordered) {
    const mine = byUser.get(ev.userId) ?? [];
    for (const en of mine) {
      if (en.status !== 'active') continue;
      const flow = flowById.get(en.campaignId);
      const def = args.definitions.get(`${en.campaignId}:${en.journeyVersion}`) ?? flow?.definition;
      const trigger = def?.entry.trigger ?? flow?.trigger;
      if (trigger && exitCancels(trigger, { type: ev.type, at: ev.at }, { enteredAt: en.enteredAt })) {
        plan.exit.push({ id: en.id, seq: en.seq, step: en.step, reason: `exit_event:${ev.type}`, at: ev.at });
        en.status = 'exited';
        continue;
      }
      if (en.phase !== 'waiting' || en.waitingFor !== ev.type || !def || !en.waitingSince) continue;
      const step = def.steps[en.step];
      if (!step || step.kind !== 'wait_for_event') continue;
      const next = nextAfter(en.step, step, { kind: 'event', event: { type: ev.type, properties: ev.properties, at: ev.at }, waitingSince: en.waitingSince }, {
        journeyId: en.campaignId,
        userId: en.userId,
        now: ev.at,
      });
      if (next.kind !== 'go') continue;
      plan.answer.push({ id: en.id, seq: en.seq, from: en.step, to: next.to, at: next.at, eventId: ev.id });
      en.seq += 1;
      en.step = next.to;
      en.phase = 'due';
      en.waitingFor = null;
    }
    for (const flow of args.flows) {
      if (!matchesTrigger(flow.trigger, { type: ev.type, properties: ev.properties })) continue;
      const counted = mine.filter((e) => e.campaignId === flow.campaignId && e.endReason !== NOT_IN_AUDIENCE);
      const last = counted.reduce<Date | null>((m, e) => (m === null || e.enteredAt > m ? e.enteredAt : m), null);
      const decision = entryDecision({ trigger: flow.trigger, previous: { entries: counted.length, lastEnteredAt: last }, eventAt: ev.at });
      if (decision.kind === 'skip') {
        plan.skipped.push({ campaignId: flow.campaignId, userId: ev.userId, eventId: ev.id, reason: decision.reason });
        continue;
      }
      const entry: NewEnrollment = {
        id: args.newId(),
        campaignId: flow.campaignId,
        journeyVersion: flow.version,
        userId: ev.userId,
        entryEventId: ev.id,
        enteredAt: ev.at,
        actAt: decision.actAt,
        start: flow.definition.start,
        properties: ev.properties,
      };
      plan.enter.push(entry);
      const state: EnrollmentState = {
        id: entry.id, campaignId: flow.campaignId, userId: ev.userId, journeyVersion: flow.version, status: 'active', step: entry.start,
        seq: 1, phase: 'due', waitingFor: null, waitingSince: null, enteredAt: ev.at, endReason: null,
      };
      mine.push(state);
      byUser.set(ev.userId, mine);
    }
  }
  return plan;
}

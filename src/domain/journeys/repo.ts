/** The journey store's port (implemented in src/store/repos/journeys.ts). */
import type { TrackedEvent } from '../events.js';
import type { JourneyDefinition } from './definition.js';
import type { ActiveFlow, EnrollmentState, EnrollmentStatus, IntakePlan } from './intake.js';

export const JOURNEY_STEP_JOB = 'journey.step';

export type StepVia = 'entry' | 'go' | 'resume' | 'timeout';

export interface StepJobPayload {
  [key: string]: unknown;
  enrollmentId: string;
  seq: number;
  step: string;
  via: StepVia;
}

export interface Enrollment extends EnrollmentState {
  entryEventId: string;
  triggerProperties: Record<string, unknown>;
  nextAt: Date | null;
  endedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewStepJob {
  payload: StepJobPayload;
  runAt: Date;
}

export interface IntakeResult {
  inserted: number;
  plan: IntakePlan;
}

export interface StepCounts {
  step: string;
  entered: number;
  /** Active enrollments at this step now (waiting, or due to run it). */
  waiting: number;
  sent: number;
  /** Enrollments an exit event (or the campaign's end) took out at this step. */
  exited: number;
  /** Enrollments that reached this step and then did the goal event within the attribution window. */
  converted: number;
}

export interface JourneyRepo {
  /** Running triggered campaigns and journeys at their current revision (cached for a second; `forget` drops the cache). */
  activeFlows(ws: string): Promise<ActiveFlow[]>;
  forget(ws: string): void;
  saveVersion(ws: string, campaignId: string, definition: JourneyDefinition, actor: string, now: Date): Promise<number>;
  definition(ws: string, campaignId: string, version?: number): Promise<{ version: number; definition: JourneyDefinition } | null>;
  /** Stores the events and, for the new ones, what they trigger; one transaction. */
  intake(ws: string, events: readonly TrackedEvent[], flows: readonly ActiveFlow[], now: Date): Promise<IntakeResult>;
  get(ws: string, id: string): Promise<Enrollment | null>;
  /** Leaves `from` with `outcome` and moves to `to` (phase due, next_at `at`), enqueuing its job; false when fenced out. */
  move(ws: string, e: Pick<Enrollment, 'id' | 'campaignId' | 'seq'>, m: { from: string; to: string; outcome: string; at: Date; fromPhase?: 'due' | 'waiting' }, now: Date): Promise<boolean>;
  /** Parks the enrollment at its step until `job` runs (or an awaited event answers it). */
  park(ws: string, e: Pick<Enrollment, 'id' | 'seq' | 'step'>, w: { waitingFor: string | null; since: Date; until: Date; job: NewStepJob }, now: Date): Promise<boolean>;
  /** Ends the enrollment at its step; false when fenced out. */
  end(ws: string, e: Pick<Enrollment, 'id' | 'seq' | 'step'>, status: Exclude<EnrollmentStatus, 'active'>, reason: string, outcome: string, at: Date): Promise<boolean>;
  list(ws: string, campaignId: string, o: { status?: EnrollmentStatus; step?: string; userId?: string; limit: number; cursor?: string }): Promise<{ enrollments: Enrollment[]; next_cursor: string | null }>;
  statusCounts(ws: string, campaignId: string): Promise<Record<string, number>>;
  stepCounts(ws: string, campaignId: string, goal: { eventType?: string; windowMs: number }): Promise<StepCounts[]>;
  /** Active users whose last event (or, without one, their creation) is before `before`, in id order. */
  inactiveUsers(ws: string, before: Date, o: { cursor?: string; limit: number }): Promise<Array<{ id: string; lastEventAt: Date | null; createdAt: Date }>>;
  /** Whether the user did one of `types` at or after `since` (events already stored). */
  didSince(ws: string, userId: string, types: readonly string[], since: Date): Promise<string | null>;
  /** The user's stored events of `type` within [since, until], oldest first. */
  eventsBetween(ws: string, userId: string, type: string, since: Date, until: Date): Promise<Array<{ id: string; at: Date; properties: Record<string, unknown> }>>;
}

export const stepJobKey = (ws: string, p: StepJobPayload) => `journey:${ws}:${p.enrollmentId}:${p.seq}:${p.via === 'resume' || p.via === 'timeout' ? 'wake' : 'run'}`;


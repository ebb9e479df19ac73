/** Schedules: what schedule_send stores, and the pure rules for when each one fires. */
import { Cron } from 'croner';
import { DateTime } from 'luxon';
import { invalidInput } from '../errors.js';

/** `trigger`: the standing schedule of a triggered campaign or journey, whose sends events start. */
export const SCHEDULE_KINDS = ['at', 'local_time', 'recurring', 'trigger', 'optimal'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
export type ScheduleStatus = 'active' | 'completed' | 'cancelled';
import type { ScheduleExperiment } from '../experiments/assignment.js';

export interface ScheduleSpec {
  /** `at`: the instant (ISO with offset). `local_time`: a wall-clock date-time without offset, e.g. 2026-12-05T09:00. */
  at?: string;
  cron?: string;
  timezone?: string;
  /** Send only these variants (keys); all when absent. */
  variant_keys?: string[];
  respect_quiet_hours: boolean;
  /** How long after its planned time a message may still go out when quiet hours hold it back. */
  deadline_hours: number;
  /** How many people the segment matched when the send was confirmed. */
  segment_size_at_confirm?: number;
  /** The experiment this send serves: who it covers and which arm each person gets. */
  experiment?: ScheduleExperiment;
  /** `optimal`: each person at their best hour within `window_hours` of the firing, with these arm shares. */
  send_time?: { window_hours: number; control_share: number; explore_share: number };
}

export interface Schedule {
  id: string;
  workspaceId: string;
  campaignId: string;
  kind: ScheduleKind;
  spec: ScheduleSpec;
  status: ScheduleStatus;
  idempotencyKey: string;
  nextRunAt: Date | null;
  createdBy: string;
  createdAt: Date;
}

export interface NewSchedule {
  campaignId: string;
  kind: ScheduleKind;
  spec: ScheduleSpec;
  idempotencyKey: string;
  nextRunAt: Date | null;
}

export interface ScheduleRepo {
  /** Creates the schedule, or returns the existing one with that idempotency key (`created: false`). */
  create(workspaceId: string, s: NewSchedule, actor: string): Promise<{ schedule: Schedule; created: boolean }>;
  get(workspaceId: string, id: string): Promise<Schedule | null>;
  findByKey(workspaceId: string, idempotencyKey: string): Promise<Schedule | null>;
  list(workspaceId: string, filter: { campaignId?: string; status?: ScheduleStatus; limit: number }): Promise<Schedule[]>;
  setStatus(workspaceId: string, id: string, status: ScheduleStatus, now: Date): Promise<boolean>;
  setNextRun(workspaceId: string, id: string, at: Date | null, now: Date): Promise<void>;
  /** Active schedules of a campaign other than `exceptId`. */
  countActive(workspaceId: string, campaignId: string, exceptId?: string): Promise<number>;
}

/** The next occurrence of a cron expression strictly after `after`, in its time zone (DST-correct through croner). */
export function nextCronRun(cron: string, timezone: string, after: Date): Date | null {
  return new Cron(cron, { timezone, paused: true }).nextRun(after);
}

/** Validates a cron expression and zone; throws invalid_input naming the problem. */
export function checkCron(cron: string, timezone: string, fields = { cron: 'recurring.cron', timezone: 'recurring.timezone' }): void {
  if (!DateTime.now().setZone(timezone).isValid) throw invalidInput(`${fields.timezone} '${timezone}' is not an IANA time zone`, 'Use a name like Europe/Berlin or America/New_York');
  try {
    new Cron(cron, { timezone, paused: true });
  } catch (err) {
    throw invalidInput(`${fields.cron} '${cron}' is not a valid cron expression (${(err as Error).message})`, "Use five fields, e.g. '0 9 * * MON' for Mondays at 09:00");
  }
}

/** Parses a wall-clock date-time with no offset (`YYYY-MM-DDTHH:MM[:SS]`). */
export function isLocalDateTime(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(s) && DateTime.fromISO(s, { zone: 'UTC' }).isValid;
}

/** For a local-time send: the earliest instant that wall-clock time occurs anywhere on Earth (UTC+14). */
export function earliestLocalOccurrence(local: string): Date {
  return DateTime.fromISO(local, { zone: 'Pacific/Kiritimati' }).toJSDate();
}

/** For a local-time send: the latest instant that wall-clock time occurs anywhere on Earth (UTC-12). */
export function latestLocalOccurrence(local: string): Date {
  return DateTime.fromISO(local, { zone: 'Etc/GMT+12' }).toJSDate();
}

/** The instant of a local wall-clock time in the user's zone; a time already past when the send fires moves to the next day. */
/** The first `hh:mm` wall-clock time in `zone` at or after `after` (a send-time variant's moment; DST-correct). */
export function nextLocalTimeOfDay(hhmm: string, zone: string, after: Date): Date {
  const [hour, minute] = hhmm.split(':').map(Number) as [number, number];
  let base = DateTime.fromJSDate(after, { zone });
  if (!base.isValid) base = DateTime.fromJSDate(after, { zone: 'UTC' });
  let dt = base.set({ hour, minute, second: 0, millisecond: 0 });
  if (dt.toMillis() < after.getTime() - 60_000) dt = dt.plus({ days: 1 }).set({ hour, minute });
  return dt.toJSDate();
}

export function localPlannedTime(local: string, zone: string, firedAt: Date): Date {
  let dt = DateTime.fromISO(local, { zone });
  if (!dt.isValid) dt = DateTime.fromISO(local, { zone: 'UTC' });
  while (dt.toMillis() < firedAt.getTime() - 60_000) dt = dt.plus({ days: 1 });
  return dt.toJSDate();
}

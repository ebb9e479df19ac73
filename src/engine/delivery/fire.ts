/**
 * `send.fire`: one firing of a schedule. Writes a queued ledger row for every audience member
 * (keyed, so re-running a page after a crash adds nothing), then splits the step's rows into
 * user-id ranges and enqueues one dispatch job per range (keyed by its index), then a finalizer.
 *
 * Ranges are cut from the ledger only after expansion has finished, when the step's rows no
 * longer change: a resumed run cuts exactly the same ranges, so no two dispatch jobs ever share
 * a row and no row is left outside every range.
 */
import { DateTime } from 'luxon';
import type { Campaign } from '../../domain/campaign.js';
import { ledgerKeyParts, scheduleStepKey } from '../../domain/delivery/ledger.js';
import { audienceRules } from '../../domain/segments/audience.js';
import { nextCronRun, type Schedule } from '../../domain/delivery/schedule.js';
import type { Job } from '../../domain/jobs.js';
import type { JobControl, JobOutcome } from '../worker.js';
import { finalizeKey, JOB_KINDS, type DeliveryDeps } from './deps.js';

export interface FirePayload {
  scheduleId: string;
  /** ISO instant of a recurring occurrence; null for one-time schedules. */
  occurrence: string | null;
  phase?: 'expand' | 'partition';
  cursor?: string | null;
}

const PAUSED_RECHECK_MS = 60_000;
const ANALYZE_AFTER_ROWS = 5_000;

export async function fireJob(d: DeliveryDeps, job: Job, control: JobControl): Promise<JobOutcome> {
  const p = job.payload as unknown as FirePayload;
  const ws = job.workspaceId;
  const now = d.clock.now();
  const schedule = await d.store.schedules.get(ws, p.scheduleId);
  if (!schedule || schedule.status !== 'active') return { kind: 'done' };
  const campaign = await d.store.campaigns.get(ws, schedule.campaignId);
  if (!campaign || campaign.status === 'archived' || campaign.status === 'completed') {
    await d.store.schedules.setStatus(ws, schedule.id, 'cancelled', now);
    return { kind: 'done' };
  }
  const occurrence = p.occurrence ? new Date(p.occurrence) : null;
  if ((p.phase ?? 'expand') === 'expand') {
    if (campaign.status === 'paused') {
      if (!occurrence) return { kind: 'again', at: new Date(now.getTime() + PAUSED_RECHECK_MS) };
      d.log.info({ schedule: schedule.id, occurrence: p.occurrence }, 'campaign paused: occurrence skipped');
      await enqueueNextOccurrence(d, schedule, occurrence);
      return { kind: 'done' };
    }
    if (occurrence) await enqueueNextOccurrence(d, schedule, occurrence);
    if (campaign.status === 'scheduled') await d.store.campaigns.transition(ws, campaign.id, 'start', 'scheduler');
    // Messages are planned for when the send was meant to fire, not for when a worker got to it,
    // so a late firing counts against each message's deadline.
    const intended = occurrence ?? schedule.nextRunAt ?? now;
    const inserted = await expand(d, job, control, schedule, campaign, intended, p.cursor ?? null);
    if (!control.stillOwner()) return { kind: 'done' };
    // A big expansion changes the ledger's shape; without fresh statistics PostgreSQL plans the
    // dispatcher's batched updates as scans of every open row.
    if (inserted >= ANALYZE_AFTER_ROWS) await d.store.ledger.analyze();
    await control.progress({ ...p, phase: 'partition', cursor: null });
  }
  await partition(d, ws, schedule, campaign, scheduleStepKey(schedule.id, occurrence));
  return { kind: 'done' };
}

/**
 * Writes the step's ledger rows straight from the segment query, a chunk of members per statement
 * (resuming after `from`); returns how many were new. Variants are assigned when each message is
 * sent, from the same stable hash the preview uses.
 */
async function expand(d: DeliveryDeps, job: Job, control: JobControl, s: Schedule, c: Campaign, firedAt: Date, from: string | null): Promise<number> {
  const ws = job.workspaceId;
  if (!c.segment_id) throw new Error(`campaign ${c.id} has no segment`);
  const segment = await d.store.segments.get(ws, c.segment_id);
  if (!segment) throw new Error(`segment ${c.segment_id} of campaign ${c.id} no longer exists`);
  const stepKey = scheduleStepKey(s.id, s.kind === 'recurring' ? firedAt : null);
  const { prefix, suffix } = ledgerKeyParts(c.id, stepKey, c.channels);
  let plannedByZone: Record<string, Date> | undefined;
  if (s.kind === 'local_time') {
    plannedByZone = {};
    for (const zone of await d.store.users.distinctTimezones(ws)) plannedByZone[zone] = localPlannedTime(s.spec.at!, zone, firedAt);
  }
  let cursor = from;
  let inserted = 0;
  for (;;) {
    if (!control.stillOwner()) return inserted;
    const r = await d.store.segments.expandToLedger(ws, audienceRules(segment), {
      now: d.clock.now(),
      campaignId: c.id,
      stepKey,
      scheduleId: s.id,
      channel: c.channels[0]!,
      keyPrefix: prefix,
      keySuffix: suffix,
      plannedFor: firedAt,
      ...(plannedByZone ? { plannedByZone } : {}),
      after: cursor,
      limit: d.expandPage ?? 50_000,
    });
    inserted += r.inserted;
    if (r.through === null) return inserted;
    cursor = r.through;
    await control.progress({ ...(job.payload as object), phase: 'expand', cursor });
  }
}

/** The instant of a local wall-clock time in the user's zone; a time already past when the send fires moves to the next day. */
export function localPlannedTime(local: string, zone: string, firedAt: Date): Date {
  let dt = DateTime.fromISO(local, { zone });
  if (!dt.isValid) dt = DateTime.fromISO(local, { zone: 'UTC' });
  while (dt.toMillis() < firedAt.getTime() - 60_000) dt = dt.plus({ days: 1 });
  return dt.toJSDate();
}

async function partition(d: DeliveryDeps, ws: string, s: Schedule, c: Campaign, stepKey: string) {
  const bounds = await d.store.ledger.boundaries(ws, c.id, stepKey, d.chunk ?? 2000);
  const edges: Array<string | null> = [null, ...bounds, null];
  const now = d.clock.now();
  for (let i = 0; i + 1 < edges.length; i++) {
    await d.store.jobs.enqueue({
      workspaceId: ws,
      kind: JOB_KINDS.dispatch,
      payload: { campaignId: c.id, scheduleId: s.id, stepKey, afterUserId: edges[i], throughUserId: edges[i + 1] },
      runAt: now,
      dedupeKey: `dispatch:${ws}:${stepKey}:${i}`,
    });
  }
  await d.store.jobs.enqueue({
    workspaceId: ws,
    kind: JOB_KINDS.finalize,
    payload: { campaignId: c.id, scheduleId: s.id, stepKey },
    runAt: new Date(now.getTime() + 1_000),
    dedupeKey: finalizeKey(ws, stepKey),
  });
}

async function enqueueNextOccurrence(d: DeliveryDeps, s: Schedule, occurrence: Date) {
  const next = nextCronRun(s.spec.cron!, s.spec.timezone!, occurrence);
  await d.store.schedules.setNextRun(s.workspaceId, s.id, next, d.clock.now());
  if (!next) return;
  await d.store.jobs.enqueue({
    workspaceId: s.workspaceId,
    kind: JOB_KINDS.fire,
    payload: { scheduleId: s.id, occurrence: next.toISOString() },
    runAt: next,
    dedupeKey: `fire:${s.workspaceId}:${s.id}:${next.toISOString()}`,
  });
}

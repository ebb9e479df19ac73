/**
 * `send.fire`: one firing of a schedule. Cuts the audience into user-id ranges of about `chunk`
 * members and enqueues one dispatch job per range (keyed by its index), then a finalizer. The
 * dispatch jobs read their range's members and write each one's ledger row with its first
 * outcome, so a message costs one ledger write, not a queued row and then an update.
 *
 * The ranges are saved in the job's progress before any dispatch job is enqueued: a resumed run
 * enqueues exactly the same ranges, so no member falls between two of them. They cover every id
 * (the first starts at the beginning, the last runs to the end), whoever joins the segment later.
 */
import type { Campaign } from '../../domain/campaign.js';
import { scheduleStepKey } from '../../domain/delivery/ledger.js';
import { audienceRules } from '../../domain/segments/audience.js';
import { nextCronRun, type Schedule } from '../../domain/delivery/schedule.js';
import type { Job } from '../../domain/jobs.js';
import type { JobControl, JobOutcome } from '../worker.js';
import { dispatchKey, finalizeKey, JOB_KINDS, type DeliveryDeps } from './deps.js';
import type { DispatchPayload } from './dispatch.js';
import type { FinalizePayload } from './finalize.js';
import { planSendTimes, type SendTimePlan } from '../../services/send-time-plan.js';

export interface FirePayload {
  scheduleId: string;
  /** ISO instant of a recurring occurrence; null for one-time schedules. */
  occurrence: string | null;
  /** 'partition' once the ranges are saved (absent: the firing has not cut them yet). */
  phase?: 'partition';
  /** The ranges' upper bounds, saved before the dispatch jobs are enqueued. */
  bounds?: string[];
  /** Optimized send times: the plan, saved with the bounds, so a resumed firing hands every range the same. */
  sendTime?: SendTimePlan;
}

const PAUSED_RECHECK_MS = 60_000;

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
  let bounds = p.phase === 'partition' ? p.bounds : undefined;
  let sendTime = p.phase === 'partition' ? p.sendTime : undefined;
  if (!bounds) {
    if (campaign.status === 'paused') {
      if (!occurrence) return { kind: 'again', at: new Date(now.getTime() + PAUSED_RECHECK_MS) };
      d.log.info({ schedule: schedule.id, occurrence: p.occurrence }, 'campaign paused: occurrence skipped');
      await enqueueNextOccurrence(d, schedule, occurrence);
      return { kind: 'done' };
    }
    if (occurrence) await enqueueNextOccurrence(d, schedule, occurrence);
    if (campaign.status === 'scheduled') await d.store.campaigns.transition(ws, campaign.id, 'start', 'scheduler');
    bounds = await audienceBounds(d, ws, campaign, now);
    const window = schedule.kind === 'optimal' ? schedule.spec.send_time : undefined;
    if (window) {
      sendTime = await planSendTimes(d, ws, campaign, {
        from: schedule.nextRunAt ?? now,
        windowHours: window.window_hours,
        shares: { control: window.control_share, explore: window.explore_share },
        respectQuietHours: schedule.spec.respect_quiet_hours,
      });
    }
    if (!control.stillOwner()) return { kind: 'done' };
    await control.progress({ ...p, phase: 'partition', bounds, ...(sendTime ? { sendTime } : {}) });
  }
  // Messages are planned for when the send was meant to fire, not for when a worker got to it,
  // so a late firing counts against each message's deadline.
  const intended = occurrence ?? schedule.nextRunAt ?? now;
  await enqueueRanges(d, ws, schedule, campaign, scheduleStepKey(schedule.id, occurrence), bounds, intended, sendTime);
  return { kind: 'done' };
}

async function audienceBounds(d: DeliveryDeps, ws: string, c: Campaign, now: Date): Promise<string[]> {
  if (!c.segment_id) throw new Error(`campaign ${c.id} has no segment`);
  const segment = await d.store.segments.get(ws, c.segment_id);
  if (!segment) throw new Error(`segment ${c.segment_id} of campaign ${c.id} no longer exists`);
  return d.store.segments.boundaries(ws, audienceRules(segment), { now, chunk: d.chunk ?? 2000 });
}

async function enqueueRanges(d: DeliveryDeps, ws: string, s: Schedule, c: Campaign, stepKey: string, bounds: string[], intended: Date, sendTime?: SendTimePlan) {
  const edges: Array<string | null> = [null, ...bounds, null];
  const now = d.clock.now();
  for (let i = 0; i + 1 < edges.length; i++) {
    const payload: DispatchPayload = {
      campaignId: c.id, scheduleId: s.id, stepKey, afterUserId: edges[i]!, throughUserId: edges[i + 1]!, plannedFor: intended.toISOString(),
      ...(sendTime ? { sendTime } : {}),
    };
    await d.store.jobs.enqueue({ workspaceId: ws, kind: JOB_KINDS.dispatch, payload: { ...payload }, runAt: now, dedupeKey: dispatchKey(ws, stepKey, i) });
  }
  const finalize: FinalizePayload = { campaignId: c.id, scheduleId: s.id, stepKey, startedAt: now.toISOString() };
  await d.store.jobs.enqueue({
    workspaceId: ws,
    kind: JOB_KINDS.finalize,
    payload: { ...finalize },
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

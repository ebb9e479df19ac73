/**
 * `send.dispatch`: sends one user-id range of one step, a batch at a time, in two phases.
 *
 * Members (members.ts): the range's segment members are read a page at a time, and each one's
 * ledger row is written with its first outcome.
 *
 * Due: then the rows of the range still open (held, deferred, retried, or left `sending` by a
 * crash or a timeout) are sent as they come due.
 *
 * Both hand their messages to the same batch pipeline (batch.ts): nothing is sent before its
 * ledger row says so, and a row moves on only on a confirmed result.
 */
import type { Campaign } from '../../domain/campaign.js';
import type { RangeQuery } from '../../domain/delivery/ports.js';
import type { Schedule } from '../../domain/delivery/schedule.js';
import type { Job } from '../../domain/jobs.js';
import type { JobControl, JobOutcome } from '../worker.js';
import { sendBatch } from './batch.js';
import { finalizeKey, MEMBERS_DONE_PHASE, type DeliveryDeps } from './deps.js';
import { sendMembers } from './members.js';
import type { SendTimePlan } from '../../services/send-time-plan.js';

export interface DispatchPayload {
  campaignId: string;
  scheduleId: string;
  stepKey: string;
  afterUserId: string | null;
  throughUserId: string | null;
  /**
   * ISO instant the send was meant to fire (local-time sends count each zone's time from it).
   * Absent in jobs enqueued before members were read per range: those send only written rows.
   */
  plannedFor?: string;
  /** `members` (the default) or, once every member of the range has a row, `due`. */
  phase?: 'members' | typeof MEMBERS_DONE_PHASE;
  /** The last member handled in the members phase. */
  cursor?: string | null;
  /** Optimized send times: the plan every range of the send decides with. */
  sendTime?: SendTimePlan;
}

export const PAUSED_RECHECK_MS = 30_000;
/** How often a long dispatch re-reads the campaign, so a pause takes effect within a few batches. */
const STATUS_REFRESH_MS = 2_000;

export type Status = { campaign: Campaign; schedule: Schedule };

export async function dispatchJob(d: DeliveryDeps, job: Job, control: JobControl): Promise<JobOutcome> {
  const p = job.payload as unknown as DispatchPayload;
  const ws = job.workspaceId;
  const status = statusReader(d, ws, p);
  if (p.plannedFor && p.phase !== MEMBERS_DONE_PHASE) {
    const stop = await sendMembers(d, job, control, p, status);
    if (stop) return stop;
    await control.progress({ ...p, phase: MEMBERS_DONE_PHASE, cursor: null });
  }
  const range: RangeQuery = { campaignId: p.campaignId, stepKey: p.stepKey, afterUserId: p.afterUserId, throughUserId: p.throughUserId };
  const batchSize = d.batch ?? 1000;
  // Rows before the cursor were handled in this run, so each query starts after it; at the end one
  // more pass from the start picks up what became due meanwhile (a quick retry).
  let cursor: string | null = null;
  let passes = 1;
  for (;;) {
    if (!control.stillOwner()) return { kind: 'done' };
    const now = d.clock.now();
    const { campaign, schedule } = await status(now);
    if (campaign.status === 'paused') return { kind: 'again', at: new Date(now.getTime() + PAUSED_RECHECK_MS) };
    const rows = await d.store.ledger.due(ws, cursor === null ? range : { ...range, afterUserId: cursor }, now, batchSize);
    if (rows.length === 0 && cursor !== null && passes < 2) {
      cursor = null;
      passes++;
      continue;
    }
    if (rows.length === 0) {
      const next = await d.store.ledger.nextDue(ws, range);
      if (next) return { kind: 'again', at: new Date(Math.max(next.getTime(), now.getTime() + 1_000)) };
      // A range that leaves no open row of the step wakes the finalizer rather than leaving it to
      // its next poll (the finalizer itself checks that every range is past its members).
      if (!(await d.store.ledger.hasOpen(ws, p.campaignId, p.stepKey))) await d.store.jobs.wake(finalizeKey(ws, p.stepKey), now);
      return { kind: 'done' };
    }
    await sendBatch(d, ws, campaign, schedule, rows, stopped({ campaign, schedule }), `${job.id}:${job.attempts}:${rows[0]!.id}`);
    cursor = rows[rows.length - 1]!.userId;
  }
}

/** The campaign and schedule, re-read at most every STATUS_REFRESH_MS. */
function statusReader(d: DeliveryDeps, ws: string, p: DispatchPayload): ((now: Date) => Promise<Status>) & { last?: Status } {
  let readAt = -Infinity;
  const read = async (now: Date): Promise<Status> => {
    if (!read.last || now.getTime() - readAt > STATUS_REFRESH_MS) {
      const [campaign, schedule] = await Promise.all([d.store.campaigns.get(ws, p.campaignId), d.store.schedules.get(ws, p.scheduleId)]);
      if (!campaign || !schedule) throw new Error(`dispatch for a missing campaign or schedule (${p.campaignId}, ${p.scheduleId})`);
      read.last = { campaign, schedule };
      readAt = now.getTime();
    }
    return read.last;
  };
  read.last = undefined as Status | undefined;
  return read;
}

export const stopped = (s: Status) => s.schedule.status === 'cancelled' || s.campaign.status === 'archived';

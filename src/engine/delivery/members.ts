/**
 * The members phase of a dispatch range: the range's segment members are read a page at a time,
 * in id order (membership as of each read), and each one's ledger row is written with its first
 * outcome (held until its local time, or sent through the batch pipeline). Rows are keyed on the
 * idempotency key, so a page a crashed run already handled writes and sends nothing again; the
 * cursor saved after each page keeps such repeats to one page.
 */
import type { DueMessage, LedgerOutcome } from '../../domain/delivery/ports.js';
import { ledgerKeyParts } from '../../domain/delivery/ledger.js';
import { coveredBy } from '../../domain/experiments/assignment.js';
import { localPlannedTime, nextLocalTimeOfDay } from '../../domain/delivery/schedule.js';
import { variantFor } from '../../domain/delivery/variant.js';
import type { Job } from '../../domain/jobs.js';
import { audienceRules } from '../../domain/segments/audience.js';
import type { MemberFacts } from '../../domain/segments/repo.js';
import { newId } from '../../store/ids.js';
import type { JobControl, JobOutcome } from '../worker.js';
import { ACTOR, sendBatch } from './batch.js';
import type { DeliveryDeps } from './deps.js';
import { chooseSendTimes } from './send-times.js';
import type { Choice } from '../../domain/sendtime/policy.js';
import { PAUSED_RECHECK_MS, stopped, type DispatchPayload, type Status } from './dispatch.js';

/**
 * The members phase: returns an outcome when the job must stop here (paused, or no longer its
 * owner), null when every member of the range has a row (or the send was stopped: nobody more
 * is written).
 */
export async function sendMembers(d: DeliveryDeps, job: Job, control: JobControl, p: DispatchPayload, status: (now: Date) => Promise<Status>): Promise<JobOutcome | null> {
  const ws = job.workspaceId;
  const batchSize = d.batch ?? 1000;
  const firedAt = new Date(p.plannedFor!);
  let cursor = p.cursor ?? p.afterUserId;
  let members: MemberMessages | null = null;
  for (;;) {
    if (!control.stillOwner()) return { kind: 'done' };
    const now = d.clock.now();
    const s = await status(now);
    if (s.campaign.status === 'paused') return { kind: 'again', at: new Date(now.getTime() + PAUSED_RECHECK_MS) };
    if (stopped(s)) return null;
    members ??= await memberMessages(d, ws, s, p, firedAt);
    const page = await d.store.segments.memberFacts(ws, members.rules, {
      now,
      limit: batchSize,
      ...(cursor === null ? {} : { cursor }),
      ...(p.throughUserId === null ? {} : { through: p.throughUserId }),
    });
    if (page.members.length === 0) return null;
    const due: DueMessage[] = [];
    const held: LedgerOutcome[] = [];
    const covers = members.covers;
    const times = p.sendTime ? await chooseSendTimes(d, ws, p.scheduleId, p.sendTime, page.members, now) : null;
    for (const m of page.members) {
      if (covers && !covers(m.id)) continue;
      const message = members.toMessage(m, times?.get(m.id));
      if (message.plannedFor.getTime() > now.getTime()) held.push({ id: message.id, kind: 'hold', until: message.plannedFor, row: message.row });
      else due.push(message);
    }
    await d.store.ledger.record(ws, held, now, ACTOR);
    cursor = page.members[page.members.length - 1]!.id;
    if (due.length > 0) await sendBatch(d, ws, s.campaign, s.schedule, due, false, `${job.id}:${job.attempts}:after:${p.cursor ?? p.afterUserId ?? ''}:${cursor}`);
    if (page.next_cursor === null) return null;
    await control.progress({ ...p, phase: 'members', cursor });
  }
}

interface MemberMessages {
  rules: ReturnType<typeof audienceRules>;
  /** An experiment's send covers only its part of the audience (test group and holdout, or the remainder). */
  covers: ((userId: string) => boolean) | null;
  /** The message a member is due, not yet written: its row is written with its first outcome (at `time` when optimized). */
  toMessage(m: MemberFacts, time?: Choice): DueMessage & { row: NonNullable<DueMessage['row']> };
}

async function memberMessages(d: DeliveryDeps, ws: string, s: Status, p: DispatchPayload, firedAt: Date): Promise<MemberMessages> {
  const { campaign: c, schedule } = s;
  if (!c.segment_id) throw new Error(`campaign ${c.id} has no segment`);
  const segment = await d.store.segments.get(ws, c.segment_id);
  if (!segment) throw new Error(`segment ${c.segment_id} of campaign ${c.id} no longer exists`);
  const { prefix, suffix } = ledgerKeyParts(c.id, p.stepKey, c.channels);
  const channel = c.channels[0]!;
  const localAt = schedule.kind === 'local_time' ? schedule.spec.at! : null;
  const byZone = new Map<string, Date>();
  const timed = c.variants.some((v) => v.send_time);
  // Send-time variants go out at their own local time of day; the schedule's time otherwise.
  const plannedFor = (zone: string, userId: string): Date => {
    const sendTime = timed ? variantFor(c, schedule.spec, userId).send_time : undefined;
    if (!sendTime && localAt === null) return firedAt;
    // A time of day ("09:00") and a wall-clock date-time ("2026-12-05T09:00") never share a key.
    const cacheKey = `${sendTime ?? localAt}|${zone}`;
    let at = byZone.get(cacheKey);
    if (!at) byZone.set(cacheKey, (at = sendTime ? nextLocalTimeOfDay(sendTime, zone, firedAt) : localPlannedTime(localAt!, zone, firedAt)));
    return at;
  };
  return {
    rules: audienceRules(segment),
    covers: schedule.spec.experiment ? (userId) => coveredBy(schedule.spec.experiment!, userId) : null,
    toMessage: (m, time) => {
      const idempotencyKey = prefix + m.id + suffix;
      const planned = time ? time.at : plannedFor(m.timezone, m.id);
      return {
        id: newId('msg'),
        row: {
          campaignId: c.id, stepKey: p.stepKey, scheduleId: p.scheduleId, userId: m.id, idempotencyKey, channel, plannedFor: planned,
          ...(time ? { sendTimeArm: time.arm } : {}),
        },
        idempotencyKey,
        campaignId: c.id,
        userId: m.id,
        channel,
        variantId: null,
        status: 'queued',
        attempts: 0,
        credits: 0,
        plannedFor: planned,
        user: m,
      };
    },
  };
}

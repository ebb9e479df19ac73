/**
 * Scheduling sends: what schedule_send, cancel_schedule and list_scheduled_sends share (the
 * preview is in ./send-preview.ts). Confirming stores the schedule under its idempotency key and
 * enqueues its first firing, each step keyed, so repeating the call (or finishing one cut short)
 * adds nothing.
 */
import { createHash } from 'node:crypto';
import type { HandlerContext } from '../context.js';
import type { Campaign, Variant } from '../domain/campaign.js';
import { variantProblems } from '../domain/delivery/render.js';
import {
  earliestLocalOccurrence,
  nextCronRun,
  type Schedule,
  type ScheduleKind,
  type ScheduleSpec,
} from '../domain/delivery/schedule.js';
import { DomainError, invalidInput, notFound } from '../domain/errors.js';
import type { ScheduleExperiment } from '../domain/experiments/assignment.js';
import { JOB_KINDS } from '../engine/delivery/deps.js';

export type SendTiming =
  | { kind: 'now' }
  | { kind: 'at'; at: Date }
  | { kind: 'local_time'; local: string }
  | { kind: 'recurring'; cron: string; timezone: string }
  /** Each person at their best hour within the window, from now (send-time optimization). */
  | { kind: 'optimal'; windowHours: number; from?: Date };

export interface SendRequest {
  campaignId: string;
  timing: SendTiming;
  variantKeys?: string[];
  respectQuietHours: boolean;
  deadlineHours: number;
  sampleSize: number;
  /** The experiment this send is the test of (run_ab_test): who it covers and which arm each gets. */
  experiment?: ScheduleExperiment;
}


/** Checks that the campaign can be sent this way; returns it with the variants to send. */
export async function loadSendable(ctx: HandlerContext, req: SendRequest): Promise<{ campaign: Campaign; variants: Variant[] }> {
  const campaign = await ctx.store.campaigns.get(ctx.workspaceId, req.campaignId);
  if (!campaign) throw notFound('campaign', req.campaignId, 'Call list_campaigns to see the campaigns of this workspace');
  if (campaign.type === 'triggered' || campaign.type === 'journey') {
    throw invalidInput(`Campaign '${campaign.id}' is a ${campaign.type} campaign; schedule_send sends to a segment`, 'Triggered and journey campaigns start from events, not from a schedule');
  }
  if (campaign.type === 'recurring' && req.timing.kind === 'optimal') {
    throw invalidInput(`Campaign '${campaign.id}' is recurring; optimal send times apply to one-time sends`, 'Send a one-time campaign with optimal: true, or give recurring: {cron, timezone}');
  }
  if (campaign.type === 'recurring' && req.timing.kind !== 'recurring') {
    throw invalidInput(`Campaign '${campaign.id}' is recurring`, 'Give recurring: {cron, timezone}, e.g. {"cron": "0 9 * * MON", "timezone": "Europe/Paris"}');
  }
  if (campaign.type === 'one_time' && req.timing.kind === 'recurring') {
    throw invalidInput(`Campaign '${campaign.id}' is one_time and cannot recur`, "Create a campaign of type 'recurring' for repeated sends, or give at / in_user_timezone");
  }
  if (!['draft', 'scheduled', 'running'].includes(campaign.status)) {
    const hint = campaign.status === 'paused' ? "Resume it first (update_campaign_status action 'resume')" : 'Create a new campaign to send again';
    throw new DomainError('invalid_transition', `Campaign '${campaign.id}' is '${campaign.status}' and cannot be scheduled`, hint);
  }
  if (!campaign.segment_id) throw invalidInput(`Campaign '${campaign.id}' has no segment to send to`, 'Set segment_id with create_campaign while it is a draft');
  let variants = campaign.variants;
  if (req.variantKeys) {
    const unknown = req.variantKeys.filter((k) => !campaign.variants.some((v) => v.key === k));
    if (unknown.length) throw invalidInput(`variant_keys names variants the campaign does not have: ${unknown.join(', ')}`, `Its variants are: ${campaign.variants.map((v) => v.key).join(', ')}`);
    variants = campaign.variants.filter((v) => req.variantKeys!.includes(v.key));
  }
  for (const v of variants) {
    const [problem] = variantProblems(v);
    if (problem) {
      throw invalidInput(
        `Variant '${v.key}' ${problem}`,
        'Templates are Liquid: use profile variables (user_name, first_name, email, tier, country, locale, timezone, or user.*) or the variant\'s template_vars, and give optional ones a default: {{ first_name | default: "there" }}',
      );
    }
  }
  return { campaign, variants };
}

/** When the schedule first fires (recurring: the next occurrence; local time: its earliest instance on Earth). */
export function firstRun(timing: SendTiming, now: Date): Date {
  switch (timing.kind) {
    case 'now':
      return now;
    case 'optimal':
      return timing.from ?? now;
    case 'at':
      return timing.at;
    case 'local_time': {
      const earliest = earliestLocalOccurrence(timing.local);
      return earliest.getTime() > now.getTime() ? earliest : now;
    }
    case 'recurring': {
      const next = nextCronRun(timing.cron, timing.timezone, now);
      if (!next) throw invalidInput(`recurring.cron '${timing.cron}' never fires after now`, 'Check the expression');
      return next;
    }
  }
}


/** Stores the schedule (or finds the one this idempotency key made) and enqueues its first firing. */
export async function confirmSend(
  ctx: HandlerContext,
  req: SendRequest,
  campaign: Campaign,
  idempotencyKey: string,
  segmentSizeAtConfirm: number,
): Promise<{ schedule: Schedule; created: boolean }> {
  const ws = ctx.workspaceId;
  const now = ctx.clock.now();
  const requestDigest = sendDigest(req);
  const kind: ScheduleKind = req.timing.kind === 'now' ? 'at' : req.timing.kind;
  const runAt = firstRun(req.timing, now);
  const spec: ScheduleSpec & { request_digest: string } = {
    ...(req.timing.kind === 'at' ? { at: req.timing.at.toISOString() } : req.timing.kind === 'now' ? { at: now.toISOString() } : {}),
    ...(req.timing.kind === 'local_time' ? { at: req.timing.local } : {}),
    ...(req.timing.kind === 'recurring' ? { cron: req.timing.cron, timezone: req.timing.timezone } : {}),
    ...(req.timing.kind === 'optimal' && req.timing.from ? { at: req.timing.from.toISOString() } : {}),
    ...(req.timing.kind === 'optimal'
      ? { send_time: { window_hours: req.timing.windowHours, control_share: ctx.delivery.sendTimeShares.control, explore_share: ctx.delivery.sendTimeShares.explore } }
      : {}),
    ...(req.variantKeys ? { variant_keys: req.variantKeys } : {}),
    ...(req.experiment ? { experiment: req.experiment } : {}),
    respect_quiet_hours: req.respectQuietHours,
    deadline_hours: req.deadlineHours,
    segment_size_at_confirm: segmentSizeAtConfirm,
    request_digest: requestDigest,
  };
  const prior = await priorSend(ctx, req, idempotencyKey);
  if (!prior && campaign.type === 'one_time' && (await ctx.store.schedules.countActive(ws, campaign.id)) > 0) {
    const [active] = await ctx.store.schedules.list(ws, { campaignId: campaign.id, status: 'active', limit: 1 });
    throw new DomainError(
      'conflict',
      `Campaign '${campaign.id}' already has an active schedule (${active?.id ?? 'unknown'}); a one-time campaign is sent once`,
      'Repeat the original call with its idempotency_key to see it, cancel it with cancel_schedule, or create a new campaign',
    );
  }
  const { schedule, created } = await ctx.store.schedules.create(ws, { campaignId: campaign.id, kind, spec, idempotencyKey, nextRunAt: runAt }, ctx.principal.actor);
  if (!created && (schedule.spec as { request_digest?: string }).request_digest !== requestDigest) {
    throw new DomainError(
      'conflict',
      `idempotency_key '${idempotencyKey}' was already used for a different send (schedule ${schedule.id})`,
      'Use a new idempotency_key for a new send; repeat a call exactly to retry it',
    );
  }
  if (schedule.status === 'active') {
    // The campaign is scheduled before its first firing can exist, so a worker never sees a draft.
    const current = await ctx.store.campaigns.get(ws, campaign.id);
    if (current?.status === 'draft') await ctx.store.campaigns.transition(ws, campaign.id, 'schedule', ctx.principal.actor, `schedule ${schedule.id}`);
    const occurrence = kind === 'recurring' && schedule.nextRunAt ? schedule.nextRunAt.toISOString() : null;
    await ctx.store.jobs.enqueue({
      workspaceId: ws,
      kind: JOB_KINDS.fire,
      payload: { scheduleId: schedule.id, occurrence },
      runAt: schedule.nextRunAt ?? runAt,
      dedupeKey: `fire:${ws}:${schedule.id}:${occurrence ?? 'once'}`,
    });
  }
  return { schedule, created };
}

/** Cancels an active schedule: its queued and deferred messages are cancelled; messages already handed to the provider are not recalled. */
export async function cancelSchedule(ctx: HandlerContext, scheduleId: string, reason: string): Promise<{ schedule: Schedule; cancelledMessages: number }> {
  const ws = ctx.workspaceId;
  const now = ctx.clock.now();
  const schedule = await ctx.store.schedules.get(ws, scheduleId);
  if (!schedule) throw notFound('schedule', scheduleId, 'Call list_scheduled_sends to see the schedules of this workspace');
  if (schedule.status !== 'active') {
    throw new DomainError('invalid_transition', `Schedule '${scheduleId}' is already ${schedule.status}`, 'Only active schedules can be cancelled');
  }
  await ctx.store.schedules.setStatus(ws, scheduleId, 'cancelled', now);
  const cancelledMessages = await ctx.store.ledger.cancelSchedule(ws, scheduleId, `cancelled by ${ctx.principal.actor}: ${reason}`, now);
  const campaign = await ctx.store.campaigns.get(ws, schedule.campaignId);
  if (campaign && (await ctx.store.schedules.countActive(ws, campaign.id)) === 0) {
    if (campaign.status === 'scheduled') await ctx.store.campaigns.transition(ws, campaign.id, 'unschedule', ctx.principal.actor, `schedule ${scheduleId} cancelled`);
    else if (campaign.status === 'running') await ctx.store.campaigns.transition(ws, campaign.id, 'complete', ctx.principal.actor, `schedule ${scheduleId} cancelled`);
  }
  // A triggered campaign or journey stops entering users at once.
  if (schedule.kind === 'trigger') ctx.store.journeys.forget(ws);
  const after = await ctx.store.schedules.get(ws, scheduleId);
  return { schedule: after ?? schedule, cancelledMessages };
}

/**
 * The schedule an earlier call made under this idempotency key, if any; a key reused for a
 * different request is refused rather than silently answered with the other send.
 */
export async function priorSend(ctx: HandlerContext, req: SendRequest, idempotencyKey: string): Promise<Schedule | null> {
  const prior = await ctx.store.schedules.findByKey(ctx.workspaceId, idempotencyKey);
  if (prior && (prior.campaignId !== req.campaignId || (prior.spec as { request_digest?: string }).request_digest !== sendDigest(req))) {
    throw new DomainError(
      'conflict',
      `idempotency_key '${idempotencyKey}' was already used for a different send (schedule ${prior.id})`,
      'Use a new idempotency_key for a new send; repeat a call exactly to retry it',
    );
  }
  return prior;
}

function sendDigest(req: SendRequest): string {
  const t = req.timing;
  const timing = t.kind === 'at' ? { kind: t.kind, at: t.at.toISOString() } : t.kind === 'optimal' && t.from ? { ...t, from: t.from.toISOString() } : t;
  return createHash('sha256')
    .update(JSON.stringify([req.campaignId, timing, req.variantKeys ?? null, req.respectQuietHours, req.deadlineHours, ...(req.experiment ? [req.experiment] : [])]))
    .digest('hex');
}

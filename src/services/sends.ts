/**
 * Scheduling sends: what schedule_send, cancel_schedule and list_scheduled_sends share.
 *
 * The preview walks the real audience through the same contact-pressure function the dispatcher
 * applies at send time (`decide`), at each person's planned moment, so what it reports (who is
 * dropped by which rule, who waits for quiet hours, when messages go out, what it costs) is what
 * a send started now would do. Confirming stores the schedule under its idempotency key and
 * enqueues its first firing, each step keyed, so repeating the call (or finishing one cut short)
 * adds nothing.
 */
import { createHash } from 'node:crypto';
import type { HandlerContext } from '../context.js';
import type { Campaign, Channel, Variant } from '../domain/campaign.js';
import { assignVariant } from '../domain/delivery/ledger.js';
import { CAP_LOOKBACK_MS, decide, DROP_RULES } from '../domain/delivery/pressure.js';
import { renderMessage, TemplateError, variantProblems, type RenderedMessage } from '../domain/delivery/render.js';
import {
  earliestLocalOccurrence,
  nextCronRun,
  type Schedule,
  type ScheduleKind,
  type ScheduleSpec,
} from '../domain/delivery/schedule.js';
import { DomainError, invalidInput, notFound } from '../domain/errors.js';
import { audienceRules } from '../domain/segments/audience.js';
import { JOB_KINDS } from '../engine/delivery/deps.js';
import { localPlannedTime } from '../engine/delivery/fire.js';

export type SendTiming =
  | { kind: 'now' }
  | { kind: 'at'; at: Date }
  | { kind: 'local_time'; local: string }
  | { kind: 'recurring'; cron: string; timezone: string };

export interface SendRequest {
  campaignId: string;
  timing: SendTiming;
  variantKeys?: string[];
  respectQuietHours: boolean;
  deadlineHours: number;
  sampleSize: number;
}

export interface SendPreview {
  segment_id: string;
  segment_size: number;
  /** Messages that would go out (now or after a quiet-hours wait). */
  eligible: number;
  dropped: Record<(typeof PREVIEW_DROPS)[number], number>;
  deferred_by_quiet_hours: number;
  by_channel: Partial<Record<Channel, number>>;
  by_variant: Record<string, number>;
  /** Messages per UTC hour (the first 72 hours that have any; `later` sums the rest). */
  sends_per_hour: Array<{ hour: string; count: number }>;
  later: number;
  first_send_at: string | null;
  last_send_at: string | null;
  estimated_credits: number;
  budget: { budget_credits: number | null; credits_spent: number; remaining: number | null };
  /** At the configured per-channel rates, how long handing everything to the provider takes. */
  estimated_duration_seconds: number | null;
  samples: Array<{ user_id: string; channel: Channel; variant_key: string; send_at: string; subject: string | null; text: string }>;
  /** When the preview's audience was evaluated (recurring: the next occurrence). */
  occurrence_at: string;
  warnings: string[];
}

const PAGE = 10_000;

/** What can leave a person out of a send: the contact-pressure rules, a template value they lack, the budget. */
export const PREVIEW_DROPS = [...DROP_RULES, 'missing_variable', 'budget_exhausted'] as const;
const HOURS_SHOWN = 72;

/** Checks that the campaign can be sent this way; returns it with the variants to send. */
export async function loadSendable(ctx: HandlerContext, req: SendRequest): Promise<{ campaign: Campaign; variants: Variant[] }> {
  const campaign = await ctx.store.campaigns.get(ctx.workspaceId, req.campaignId);
  if (!campaign) throw notFound('campaign', req.campaignId, 'Call list_campaigns to see the campaigns of this workspace');
  if (campaign.type === 'triggered' || campaign.type === 'journey') {
    throw invalidInput(`Campaign '${campaign.id}' is a ${campaign.type} campaign; schedule_send sends to a segment`, 'Triggered and journey campaigns start from events, not from a schedule');
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

export async function previewSend(ctx: HandlerContext, req: SendRequest, campaign: Campaign, variants: Variant[]): Promise<SendPreview> {
  const ws = ctx.workspaceId;
  const now = ctx.clock.now();
  const fireAt = firstRun(req.timing, now);
  const segment = await ctx.store.segments.get(ws, campaign.segment_id!);
  if (!segment) throw notFound('segment', campaign.segment_id!, 'The campaign points at a segment that no longer exists; set another with create_campaign');
  const rules = audienceRules(segment);
  const { policy, prices, ratePerSecond } = ctx.delivery;
  const total = await ctx.store.segments.count(ws, rules, { now: fireAt });

  const dropped = Object.fromEntries(PREVIEW_DROPS.map((r) => [r, 0])) as SendPreview['dropped'];
  let renderProblem: string | undefined;
  const byChannel: Partial<Record<Channel, number>> = {};
  const byVariant: Record<string, number> = {};
  const hours = new Map<number, number>();
  const samples: SendPreview['samples'] = [];
  const remaining = campaign.budget_credits === undefined ? null : Math.max(0, campaign.budget_credits - campaign.credits_spent);
  let credits = 0;
  let eligible = 0;
  let deferred = 0;
  let first: number | null = null;
  let last: number | null = null;

  let cursor: string | undefined;
  let seen = 0;
  for (;;) {
    if (ctx.signal.aborted) throw new DomainError('unavailable', 'The preview was cancelled', 'Call schedule_send again');
    const page = await ctx.store.segments.memberFacts(ws, rules, { now: fireAt, limit: PAGE, ...(cursor ? { cursor } : {}) });
    if (page.members.length === 0) break;
    const capped = policy.capPerDay !== null || policy.capPerWeek !== null;
    const recent = capped
      ? await ctx.store.ledger.recentSends(ws, page.members.map((m) => m.id), new Date(now.getTime() - CAP_LOOKBACK_MS))
      : new Map<string, Date[]>();
    for (const r of page.members) {
      const userId = r.id;
      const plannedFor = req.timing.kind === 'local_time' ? localPlannedTime(req.timing.local, r.timezone, fireAt) : fireAt;
      const sendCtx = {
        channels: campaign.channels,
        plannedFor,
        respectQuietHours: req.respectQuietHours,
        deadlineMs: req.deadlineHours * 3_600_000,
        recentSends: recent.get(userId) ?? [],
      };
      let at = plannedFor;
      let d = decide(r, sendCtx, policy, at);
      if (d.kind === 'defer') {
        deferred++;
        at = d.until;
        d = decide(r, sendCtx, policy, at);
      }
      if (d.kind === 'drop') {
        dropped[d.rule]++;
        continue;
      }
      const channel = d.channel;
      const variant = assignVariant(variants, campaign.id, userId);
      let content: RenderedMessage;
      try {
        content = renderMessage(variant, { ...r, id: userId }, channel);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        dropped.missing_variable++;
        renderProblem ??= `${userId}: ${err.message}`;
        continue;
      }
      const price = prices[channel];
      if (remaining !== null && credits + price > remaining) {
        dropped.budget_exhausted++;
        continue;
      }
      credits += price;
      eligible++;
      byChannel[channel] = (byChannel[channel] ?? 0) + 1;
      byVariant[variant.key] = (byVariant[variant.key] ?? 0) + 1;
      const t = at.getTime();
      const hour = Math.floor(t / 3_600_000) * 3_600_000;
      hours.set(hour, (hours.get(hour) ?? 0) + 1);
      first = first === null ? t : Math.min(first, t);
      last = last === null ? t : Math.max(last, t);
      if (samples.length < req.sampleSize) {
        samples.push({ user_id: userId, channel, variant_key: variant.key, send_at: at.toISOString(), subject: content.subject, text: content.text.slice(0, 500) });
      }
    }
    seen += page.members.length;
    await ctx.progress(seen, total, `previewed ${seen} of ${total} users`);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }

  const sorted = [...hours.entries()].sort((a, b) => a[0] - b[0]);
  const shown = sorted.slice(0, HOURS_SHOWN).map(([h, count]) => ({ hour: new Date(h).toISOString(), count }));
  const warnings: string[] = [];
  if (renderProblem) warnings.push(`${dropped.missing_variable} message${dropped.missing_variable === 1 ? '' : 's'} would fail to render, e.g. ${renderProblem}; give the variable a default, e.g. {{ first_name | default: "there" }}`);
  if (dropped.budget_exhausted > 0) warnings.push(`The campaign budget covers ${eligible} of ${eligible + dropped.budget_exhausted} messages; the rest would be skipped`);
  if (total === 0) warnings.push('The segment matches nobody right now');
  if (!ctx.settings.sendsEnabled) warnings.push('Sends are disabled on this server (SENDS_ENABLED=false): confirming is refused');
  if (req.timing.kind === 'recurring') warnings.push(`Recurring: this preview is for the next occurrence (${fireAt.toISOString()}); each later one re-evaluates the segment`);
  return {
    segment_id: segment.id,
    segment_size: total,
    eligible,
    dropped,
    deferred_by_quiet_hours: deferred,
    by_channel: byChannel,
    by_variant: byVariant,
    sends_per_hour: shown,
    later: sorted.slice(HOURS_SHOWN).reduce((s, [, n]) => s + n, 0),
    first_send_at: first === null ? null : new Date(first).toISOString(),
    last_send_at: last === null ? null : new Date(last).toISOString(),
    estimated_credits: credits,
    budget: { budget_credits: campaign.budget_credits ?? null, credits_spent: campaign.credits_spent, remaining },
    estimated_duration_seconds: durationAtRates(byChannel, ratePerSecond),
    samples,
    occurrence_at: fireAt.toISOString(),
    warnings,
  };
}

function durationAtRates(byChannel: Partial<Record<Channel, number>>, rates: Partial<Record<Channel, number>>): number | null {
  let longest: number | null = null;
  for (const [c, n] of Object.entries(byChannel) as [Channel, number][]) {
    const rate = rates[c];
    if (rate && rate > 0) longest = Math.max(longest ?? 0, Math.ceil(n / rate));
  }
  return longest;
}

/** Stores the schedule (or finds the one this idempotency key made) and enqueues its first firing. */
export async function confirmSend(
  ctx: HandlerContext,
  req: SendRequest,
  campaign: Campaign,
  idempotencyKey: string,
  previewedAudience: number,
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
    ...(req.variantKeys ? { variant_keys: req.variantKeys } : {}),
    respect_quiet_hours: req.respectQuietHours,
    deadline_hours: req.deadlineHours,
    previewed_audience: previewedAudience,
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
  const timing = t.kind === 'at' ? { kind: t.kind, at: t.at.toISOString() } : t;
  return createHash('sha256')
    .update(JSON.stringify([req.campaignId, timing, req.variantKeys ?? null, req.respectQuietHours, req.deadlineHours]))
    .digest('hex');
}

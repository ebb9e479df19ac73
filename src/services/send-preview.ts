/**
 * The send preview: walks the real audience through the same contact-pressure function the
 * dispatcher applies at send time (`decide`), at each person's planned moment, and renders each
 * message, so what it reports (who is dropped by which rule, who waits for quiet hours, when
 * messages go out, what it costs) is what a send started now would do.
 */
import type { HandlerContext } from '../context.js';
import type { Campaign, Channel, Variant } from '../domain/campaign.js';
import { assignVariant } from '../domain/delivery/ledger.js';
import { CAP_LOOKBACK_MS, decide, DROP_RULES } from '../domain/delivery/pressure.js';
import { renderMessage, TemplateError, variantVariables, type RenderedMessage } from '../domain/delivery/render.js';
import { DomainError, notFound } from '../domain/errors.js';
import { audienceRules } from '../domain/segments/audience.js';
import { localPlannedTime } from '../domain/delivery/schedule.js';
import { contextRoots, personContexts, type ContextRoot } from './person-context.js';
import type { SendTimeArm } from '../domain/sendtime/policy.js';
import { chooseSendTimes } from '../engine/delivery/send-times.js';
import { planSendTimes } from './send-time-plan.js';
import { firstRun, type SendRequest } from './sends.js';

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
  send_time?: {
    window: { from: string; until: string };
    by_local_hour: number[];
    by_arm: Record<SendTimeArm, number>;
    expected_gain: number | null;
    model: { kernel_source: 'fitted' | 'prior'; people_with_history: number };
    note: string;
  };
  warnings: string[];
}

const PAGE = 10_000;

/** What can leave a person out of a send: the contact-pressure rules, a template value they lack, the budget. */
export const PREVIEW_DROPS = [...DROP_RULES, 'missing_variable', 'budget_exhausted'] as const;
const HOURS_SHOWN = 72;

/** How many people the campaign's segment matches at the send's first firing (a count, no rules applied). */
export async function audienceSize(ctx: HandlerContext, req: SendRequest, campaign: Campaign): Promise<number> {
  const segment = await ctx.store.segments.get(ctx.workspaceId, campaign.segment_id!);
  if (!segment) throw notFound('segment', campaign.segment_id!, 'The campaign points at a segment that no longer exists; set another with create_campaign');
  return ctx.store.segments.count(ctx.workspaceId, audienceRules(segment), { now: firstRun(req.timing, ctx.clock.now()) });
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

  // Templates reading more than the profile get it per page, as the dispatcher does per batch.
  const roots = new Set<ContextRoot>();
  for (const v of variants) for (const r of contextRoots(variantVariables(v))) roots.add(r);
  const plan = req.timing.kind === 'optimal'
    ? await planSendTimes({ store: ctx.store, clock: ctx.clock, policy }, ws, campaign, {
      from: fireAt, windowHours: req.timing.windowHours, shares: ctx.delivery.sendTimeShares, respectQuietHours: req.respectQuietHours,
    })
    : null;
  const sendTime = plan ? { byHour: new Array<number>(24).fill(0), byArm: { optimized: 0, explore: 0, control: 0 }, gain: 0, withHistory: 0 } : null;
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
    const contexts = roots.size > 0 ? await personContexts(ctx, ws, page.members.map((m) => m.id), roots, { id: campaign.id, name: campaign.name }) : null;
    // The exploration draw depends on the schedule, which a preview does not have yet: its split is typical, not exact.
    const times = plan ? await chooseSendTimes({ store: ctx.store, policy }, ws, 'preview', plan, page.members, now) : null;
    for (const r of page.members) {
      const userId = r.id;
      const time = times?.get(userId);
      const plannedFor = time ? time.at : req.timing.kind === 'local_time' ? localPlannedTime(req.timing.local, r.timezone, fireAt) : fireAt;
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
        content = renderMessage(variant, { ...r, id: userId }, channel, contexts?.get(userId)?.data);
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
      if (time && sendTime) {
        sendTime.byHour[time.hour]!++;
        sendTime.byArm[time.arm]++;
        sendTime.gain += time.gain;
        if (time.ownHistory) sendTime.withHistory++;
      }
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
    ...(plan && sendTime
      ? {
        send_time: {
          window: { from: plan.from, until: plan.until },
          by_local_hour: sendTime.byHour,
          by_arm: sendTime.byArm,
          expected_gain: eligible > 0 ? Math.round((sendTime.gain / eligible) * 1000) / 1000 : null,
          model: { kernel_source: plan.snapshot.kernelSource, people_with_history: sendTime.withHistory },
          note: `Each person at the hour with the most expected opens in their own zone${plan.quiet ? ', outside quiet hours' : ''} and on a day under the daily cap; ${Math.round(plan.shares.explore * 100)}% of the others 1-2 hours off it (exploration) and a permanent ${Math.round(plan.shares.control * 100)}% control group at a random hour, to measure the lift (get_metrics).`,
        },
      }
      : {}),
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

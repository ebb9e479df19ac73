/**
 * One batch of messages through the send pipeline, whatever phase read them: messages an earlier
 * attempt left `sending` are looked up at the provider first; every other one goes through the
 * contact-pressure rules at this moment, then the budget; what remains is rendered (emails with
 * tracked links), claimed (fenced on the attempts read or on the key of a new row) and handed to
 * the channel, and settled on its answer.
 */
import type { Campaign, Channel, Variant } from '../../domain/campaign.js';
import type { DeliveryResult, OutboundMessage } from '../../domain/delivery/channel.js';
import { retryDelayMs } from '../../domain/delivery/ledger.js';
import { ARM_STOPPED_REASON, HOLDOUT_REASON, partOf } from '../../domain/experiments/assignment.js';
import { variantFor } from '../../domain/delivery/variant.js';
import type { DueMessage, LedgerClaim, LedgerOutcome } from '../../domain/delivery/ports.js';
import { CAP_LOOKBACK_MS, decide } from '../../domain/delivery/pressure.js';
import { renderMessage, TemplateError, variantVariables, type RenderedMessage } from '../../domain/delivery/render.js';
import type { Schedule } from '../../domain/delivery/schedule.js';
import { contextRoots, personContexts, type ContextRoot } from '../../services/person-context.js';
import { trackEmail } from '../../services/tracking.js';
import type { DeliveryDeps } from './deps.js';

export const ACTOR = 'dispatcher';

/** `extraContext`: more template roots per user (a journey's triggering event). */
export async function sendBatch(
  d: DeliveryDeps,
  ws: string,
  campaign: Campaign,
  schedule: Schedule,
  rows: DueMessage[],
  stopped: boolean,
  requestId: string,
  extraContext?: ReadonlyMap<string, Record<string, unknown>>,
) {
  const now = d.clock.now();
  const outcomes: LedgerOutcome[] = [];
  // An outcome for a member without a row writes the row.
  const settleRow = (r: DueMessage, o: LedgerOutcome) => outcomes.push(r.row ? { ...o, row: r.row } : o);
  let refund = 0;

  // 1. What an earlier attempt may already have sent: ask the provider before anything else.
  const recovering = rows.filter((r) => r.status === 'sending');
  const fresh = rows.filter((r) => r.status !== 'sending');
  if (recovering.length > 0) {
    const known = await d.channel.lookup(recovering.map((r) => ({ ledgerId: r.id, workspaceId: ws, userId: r.userId, channel: r.channel })));
    for (const r of recovering) {
      const found = known.get(r.id);
      if (found) outcomes.push({ id: r.id, kind: 'sent', provider: d.channel.provider, ...found });
      else fresh.push(r);
    }
  }

  // 2. Contact pressure, now.
  const candidates: Array<{ row: DueMessage; channel: Channel }> = [];
  if (stopped) {
    for (const r of fresh) {
      settleRow(r, { id: r.id, kind: 'cancelled', reason: 'the schedule was cancelled or the campaign archived' });
      refund += r.credits;
    }
  } else {
    const recent = d.policy.capPerDay === null && d.policy.capPerWeek === null ? new Map<string, Date[]>() : await d.store.ledger.recentSends(ws, fresh.map((r) => r.userId), new Date(now.getTime() - CAP_LOOKBACK_MS));
    const none: Date[] = [];
    const experiment = schedule.spec.experiment ?? null;
    const halted = experiment ? await haltedVariants(d, ws, campaign, experiment.id) : null;
    const sendCtx = { channels: campaign.channels, respectQuietHours: schedule.spec.respect_quiet_hours, deadlineMs: schedule.spec.deadline_hours * 3_600_000, plannedFor: now, recentSends: none };
    for (const r of fresh) {
      sendCtx.plannedFor = r.plannedFor;
      sendCtx.recentSends = recent.get(r.userId) ?? none;
      const decision = decide(r.user, sendCtx, d.policy, now);
      if (decision.kind === 'send') {
        // A holdout member is one who would have been sent: eligible now, deliberately left out.
        if (!experiment || partOf(experiment, r.userId) !== 'holdout') {
          // A variant a guardrail stopped sends nothing more, even to people already assigned it.
          const why = halted?.get(variantOf(campaign, schedule, r).id);
          if (why === undefined) {
            candidates.push({ row: r, channel: decision.channel });
            continue;
          }
          refund += r.credits;
          settleRow(r, { id: r.id, kind: 'skipped', reason: `${ARM_STOPPED_REASON}: ${why}` });
          continue;
        }
        refund += r.credits;
        settleRow(r, { id: r.id, kind: 'skipped', reason: HOLDOUT_REASON });
        continue;
      }
      refund += r.credits;
      if (decision.kind === 'defer') settleRow(r, { id: r.id, kind: 'defer', until: decision.until, reason: decision.reason });
      else settleRow(r, { id: r.id, kind: decision.status, reason: `${decision.rule}: ${decision.reason}` });
    }
  }

  // 3. Budget: the campaign's, then the platform subscription's when configured.
  const accepted = await withinBudget(d, ws, campaign, candidates, settleRow, (n) => (refund += n));
  let reservation: string | null = null;
  const batchCost = accepted.reduce((s, c) => s + d.prices[c.channel], 0);
  if (d.platformCredits && batchCost > 0) {
    const r = await d.platformCredits.reserve(ws, batchCost, requestId);
    if (r.ok) reservation = r.reservationId;
    let left = r.ok ? r.granted : 0;
    const reason = r.ok ? 'the platform subscription ran out of credits' : r.reason;
    // Keep what the grant covers, in order; the rest is skipped (free channels always go).
    const kept = accepted.filter((c) => {
      const price = d.prices[c.channel];
      if (price <= left) {
        left -= price;
        return true;
      }
      settleRow(c.row, { id: c.row.id, kind: 'skipped', reason: `platform_credits: ${reason}` });
      refund += price;
      return false;
    });
    accepted.splice(0, accepted.length, ...kept);
  }

  // 4. Render; then, a slice at a time as the channel's rate allows: claim, send, settle.
  const claims: Claimed[] = [];
  const metadata = new Map<string, OutboundMessage['metadata']>();
  const variants = accepted.map((c) => variantOf(campaign, schedule, c.row));
  const contexts = await batchContexts(d, ws, campaign, variants, accepted.map((c) => c.row.userId));
  for (const [i, c] of accepted.entries()) {
    const variant = variants[i]!;
    let content: RenderedMessage;
    try {
      const u = c.row.user;
      const profile = { id: c.row.userId, name: u.name, email: u.email, tier: u.tier, country: u.country, locale: u.locale, timezone: u.timezone };
      const extra = extraContext?.get(c.row.userId);
      const data = contexts?.get(c.row.userId)?.data;
      content = renderMessage(variant, profile, c.channel, extra ? { ...data, ...extra } : data);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      // Missing data is this person's problem, not a reason to retry: fail it with the variable's name.
      settleRow(c.row, { id: c.row.id, kind: 'failed', error: `render: ${err.message}` });
      refund += d.prices[c.channel];
      continue;
    }
    // Emails carry tracked links, an open pixel and List-Unsubscribe; the original links are kept with the message.
    const tracked = d.tracking && c.channel === 'email' ? trackEmail(d.tracking, ws, c.row.id, content) : null;
    const sent = tracked ? tracked.content : content;
    const message = outbound(ws, campaign, c.row, c.channel, sent, variantMetadata(metadata, campaign, variant, schedule.id));
    if (tracked) message.headers = tracked.headers;
    claims.push({
      id: c.row.id,
      row: c.row.row,
      attempts: c.row.attempts,
      channel: c.channel,
      variantId: variant.id,
      rendered: (tracked && tracked.links.length > 0 ? { ...sent, links: tracked.links } : sent) as unknown as Record<string, unknown>,
      credits: d.prices[c.channel],
      message,
    });
  }
  await d.store.ledger.record(ws, outcomes, now, ACTOR);
  let spent = 0;
  for await (const slice of slicesAtRate(d, claims)) {
    const r = await sendSlice(d, ws, slice);
    refund += r.refund;
    spent += r.spent;
  }
  if (refund > 0) await d.store.ledger.releaseCredits(ws, campaign.id, refund);
  if (reservation) await d.platformCredits!.reconcile(reservation, spent);
}

type Claimed = LedgerClaim & { message: OutboundMessage };

/**
 * What the batch's templates read beyond the profile (scores, last purchase, memories, ...), for
 * all its people in a few queries; null when they read nothing more (the common, cheapest case).
 */
async function batchContexts(d: DeliveryDeps, ws: string, campaign: Campaign, variants: Variant[], userIds: string[]) {
  const roots = new Set<ContextRoot>();
  for (const v of new Set(variants)) for (const r of contextRoots(variantVariables(v))) roots.add(r);
  if (roots.size === 0) return null;
  return personContexts(d, ws, userIds, roots, { id: campaign.id, name: campaign.name });
}

/** Groups claims by channel and cuts them into slices of what each channel's rate allows now (waiting as needed). */
async function* slicesAtRate(d: DeliveryDeps, claims: Claimed[]): AsyncGenerator<Claimed[]> {
  const byChannel = new Map<Channel, Claimed[]>();
  for (const c of claims) {
    const g = byChannel.get(c.channel);
    if (g) g.push(c);
    else byChannel.set(c.channel, [c]);
  }
  for (const [channel, group] of byChannel) {
    for (let i = 0; i < group.length; ) {
      const n = d.rates ? await d.rates.take(channel, group.length - i) : group.length - i;
      yield group.slice(i, i + n);
      i += n;
    }
  }
}

/** Claims a slice and hands it to the channel; returns the credits to refund and those spent. */
async function sendSlice(d: DeliveryDeps, ws: string, slice: Claimed[]): Promise<{ refund: number; spent: number }> {
  const now = d.clock.now();
  const stored = d.channel.storedPayload;
  if (stored) {
    // The inbox is a table of ours: claim, deliver and record commit together.
    const delivered = await d.store.ledger.deliverInStore(
      ws,
      slice.map((c) => ({
        id: c.id, row: c.row, attempts: c.attempts, channel: c.channel, variantId: c.variantId, rendered: c.rendered, credits: c.credits,
        userId: c.message.userId, payload: stored(c.message),
      })),
      now,
      ACTOR,
    );
    let refund = 0;
    let spent = 0;
    for (const c of slice) {
      if (delivered.has(c.id)) spent += c.credits;
      else refund += c.credits;
    }
    return { refund, spent };
  }
  const staleAt = new Date(now.getTime() + (d.staleAfterMs ?? 60_000));
  const claimed = await d.store.ledger.claim(ws, slice, now, staleAt, ACTOR);
  let refund = 0;
  for (const c of slice) if (!claimed.has(c.id)) refund += c.credits;
  const toSend = slice.filter((c) => claimed.has(c.id));
  if (toSend.length === 0) return { refund, spent: 0 };
  const results = await d.channel.deliver(toSend.map((c) => c.message));
  const settled = settle(d, toSend, results, d.clock.now());
  await d.store.ledger.record(ws, settled.outcomes, d.clock.now(), ACTOR);
  return { refund: refund + settled.refund, spent: settled.spent };
}

/** Reserves the campaign credits the candidates need; those the budget cannot cover are skipped. */
async function withinBudget(
  d: DeliveryDeps,
  ws: string,
  campaign: Campaign,
  candidates: Array<{ row: DueMessage; channel: Channel }>,
  settleRow: (r: DueMessage, o: LedgerOutcome) => void,
  addRefund: (credits: number) => void,
): Promise<Array<{ row: DueMessage; channel: Channel }>> {
  // A recovered row already holds its credits from the earlier claim.
  const need = candidates.map((c) => Math.max(0, d.prices[c.channel] - c.row.credits));
  const want = need.reduce((s, n) => s + n, 0);
  let left = want > 0 ? await d.store.ledger.reserveCredits(ws, campaign.id, want) : 0;
  const accepted: Array<{ row: DueMessage; channel: Channel }> = [];
  candidates.forEach((c, i) => {
    const n = need[i]!;
    if (n <= left) {
      left -= n;
      addRefund(c.row.credits + n - d.prices[c.channel]);
      accepted.push(c);
    } else {
      addRefund(c.row.credits);
      settleRow(c.row, { id: c.row.id, kind: 'skipped', reason: `budget_exhausted: the campaign's budget of ${campaign.budget_credits} credits is spent` });
    }
  });
  addRefund(left);
  return accepted;
}

function settle(d: DeliveryDeps, sent: Claimed[], results: DeliveryResult[], now: Date) {
  const byId = new Map(results.map((r) => [r.ledgerId, r]));
  const maxAttempts = d.maxAttempts ?? 5;
  const outcomes: LedgerOutcome[] = [];
  let refund = 0;
  let spent = 0;
  for (const c of sent) {
    const r = byId.get(c.id);
    const attempt = c.attempts + 1;
    if (!r) {
      outcomes.push({ id: c.id, kind: 'recheck', error: 'the provider returned no result for this message', retryAt: new Date(now.getTime() + retryDelayMs(attempt)) });
      continue;
    }
    if (r.ok) {
      spent += c.credits;
      outcomes.push({ id: c.id, kind: 'sent', provider: r.provider, providerMessageId: r.providerMessageId, delivered: r.delivered });
    } else if (r.retryable && r.uncertain && attempt < maxAttempts) {
      outcomes.push({ id: c.id, kind: 'recheck', error: r.error, retryAt: new Date(now.getTime() + retryDelayMs(attempt)) });
    } else if (r.retryable && attempt < maxAttempts) {
      refund += c.credits;
      outcomes.push({ id: c.id, kind: 'retry', error: r.error, retryAt: new Date(now.getTime() + retryDelayMs(attempt)) });
    } else {
      refund += c.credits;
      outcomes.push({ id: c.id, kind: 'failed', error: r.retryable ? `${r.error} (gave up after ${attempt} attempts)` : r.error });
    }
  }
  return { outcomes, refund, spent };
}

/** Variant id -> why, for the experiment's variants a guardrail has stopped (read once per batch). */
async function haltedVariants(d: DeliveryDeps, ws: string, c: Campaign, experimentId: string): Promise<Map<string, string> | null> {
  const e = await d.store.experiments.get(ws, experimentId);
  const stopped = Object.entries(e?.state.stoppedArms ?? {});
  if (stopped.length === 0) return null;
  return new Map(stopped.flatMap(([key, why]) => {
    const v = c.variants.find((x) => x.key === key);
    return v ? [[v.id, why] as const] : [];
  }));
}

/** The row's variant (see domain/delivery/variant.ts). */
function variantOf(c: Campaign, s: Schedule, row: DueMessage): Variant {
  return variantFor(c, s.spec, row.userId, row.variantId);
}

/** The metadata every message of one variant carries, made once per batch. */
function variantMetadata(cache: Map<string, OutboundMessage['metadata']>, c: Campaign, v: Variant, scheduleId: string): OutboundMessage['metadata'] {
  let m = cache.get(v.id);
  if (!m) {
    m = { campaign_id: c.id, variant_id: v.id, variant_key: v.key, schedule_id: scheduleId };
    cache.set(v.id, m);
  }
  return m;
}

function outbound(ws: string, c: Campaign, row: DueMessage, channel: Channel, content: RenderedMessage, metadata: OutboundMessage['metadata']): OutboundMessage {
  return {
    ledgerId: row.id,
    idempotencyKey: row.idempotencyKey,
    workspaceId: ws,
    campaignId: c.id,
    userId: row.userId,
    channel,
    to: { email: row.user.email, phone: row.user.phone, webhookUrl: row.user.webhookUrl },
    subject: content.subject,
    text: content.text,
    html: content.html,
    metadata,
  };
}

/**
 * `send.dispatch`: sends one user-id range of one step, a batch at a time, in two phases.
 *
 * Members: the range's segment members are read a page at a time, in id order (membership is as
 * of the moment each page is read), and each one's ledger row is written with its first outcome:
 * held until its local time, deferred or dropped by a rule, or claimed and sent. The row is keyed
 * on the idempotency key, so a page a crashed run already handled writes and sends nothing again;
 * the cursor saved after each page keeps such repeats to one page.
 *
 * Due: then the rows of the range still open (held, deferred, retried, or left `sending` by a
 * crash or a timeout) are sent as they come due. A row left `sending` is first looked up at the
 * provider, and only what it does not have is sent again.
 *
 * Per batch, every message goes through the contact-pressure rules at this moment (consent,
 * suppression, quiet hours, caps), then the budget; what remains is claimed (`sending`, fenced on
 * the attempts read or on the key, so two workers can never both send it) before the provider is
 * called, and settled after. Nothing is sent before its ledger row says so, and a row moves on
 * only on a confirmed result.
 */
import type { Campaign, Channel, Variant } from '../../domain/campaign.js';
import type { DeliveryResult, OutboundMessage } from '../../domain/delivery/channel.js';
import { assignVariant, ledgerKeyParts, retryDelayMs } from '../../domain/delivery/ledger.js';
import type { DueMessage, LedgerClaim, LedgerOutcome, RangeQuery } from '../../domain/delivery/ports.js';
import { CAP_LOOKBACK_MS, decide } from '../../domain/delivery/pressure.js';
import { renderMessage, TemplateError, variantVariables, type RenderedMessage } from '../../domain/delivery/render.js';
import { localPlannedTime, type Schedule } from '../../domain/delivery/schedule.js';
import type { Job } from '../../domain/jobs.js';
import { audienceRules } from '../../domain/segments/audience.js';
import type { MemberFacts } from '../../domain/segments/repo.js';
import { contextRoots, personContexts, type ContextRoot } from '../../services/person-context.js';
import { trackEmail } from '../../services/tracking.js';
import { newId } from '../../store/ids.js';
import type { JobControl, JobOutcome } from '../worker.js';
import { finalizeKey, MEMBERS_DONE_PHASE, type DeliveryDeps } from './deps.js';

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
}

const ACTOR = 'dispatcher';
const PAUSED_RECHECK_MS = 30_000;
/** How often a long dispatch re-reads the campaign, so a pause takes effect within a few batches. */
const STATUS_REFRESH_MS = 2_000;

type Status = { campaign: Campaign; schedule: Schedule };

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

const stopped = (s: Status) => s.schedule.status === 'cancelled' || s.campaign.status === 'archived';

/**
 * The members phase: returns an outcome when the job must stop here (paused, or no longer its
 * owner), null when every member of the range has a row (or the send was stopped: nobody more
 * is written).
 */
async function sendMembers(d: DeliveryDeps, job: Job, control: JobControl, p: DispatchPayload, status: (now: Date) => Promise<Status>): Promise<JobOutcome | null> {
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
    for (const m of page.members) {
      const message = members.toMessage(m);
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
  /** The message a member is due, not yet written: its row is written with its first outcome. */
  toMessage(m: MemberFacts): DueMessage & { row: NonNullable<DueMessage['row']> };
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
  const plannedFor = (zone: string): Date => {
    if (localAt === null) return firedAt;
    let at = byZone.get(zone);
    if (!at) byZone.set(zone, (at = localPlannedTime(localAt, zone, firedAt)));
    return at;
  };
  return {
    rules: audienceRules(segment),
    toMessage: (m) => {
      const idempotencyKey = prefix + m.id + suffix;
      const planned = plannedFor(m.timezone);
      return {
        id: newId('msg'),
        row: { campaignId: c.id, stepKey: p.stepKey, scheduleId: p.scheduleId, userId: m.id, idempotencyKey, channel, plannedFor: planned },
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

async function sendBatch(d: DeliveryDeps, ws: string, campaign: Campaign, schedule: Schedule, rows: DueMessage[], stopped: boolean, requestId: string) {
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
    const sendCtx = { channels: campaign.channels, respectQuietHours: schedule.spec.respect_quiet_hours, deadlineMs: schedule.spec.deadline_hours * 3_600_000, plannedFor: now, recentSends: none };
    for (const r of fresh) {
      sendCtx.plannedFor = r.plannedFor;
      sendCtx.recentSends = recent.get(r.userId) ?? none;
      const decision = decide(r.user, sendCtx, d.policy, now);
      if (decision.kind === 'send') {
        candidates.push({ row: r, channel: decision.channel });
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
      content = renderMessage(variant, profile, c.channel, contexts?.get(c.row.userId)?.data);
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

/** The row's variant: fixed once sent; else the stable hash over the variants this schedule sends. */
function variantOf(c: Campaign, s: Schedule, row: DueMessage): Variant {
  const fixed = row.variantId ? c.variants.find((v) => v.id === row.variantId) : undefined;
  if (fixed) return fixed;
  const keys = s.spec.variant_keys;
  return assignVariant(keys ? c.variants.filter((v) => keys.includes(v.key)) : c.variants, c.id, row.userId);
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

/**
 * The simulator's I/O: puts a population into the store, then replays what people do with a
 * campaign's delivered emails through the real tracking code, on the app's own clock.
 *
 * engage() reads the campaign's delivered messages, draws each one's outcome (engagement.ts),
 * and feeds the hits due by `until` in time order: before each, the clock moves to the hit's
 * time, then `tracking.record` gets the very token payload the email carries (tokens.ts), with
 * the person's browser user agent: exactly what a GET of /t/o/<token> or /t/c/<token> records.
 * Conversions go in as events (`purchase` with an `amount`, by default) through the store's
 * event ingestion, where attribution finds them like any other goal event.
 *
 * Idempotent: outcomes are a function of (seed, message id), and what the campaign already has
 * recorded (pixel opens, redirect clicks, conversion events under their fixed ids) is read back
 * and skipped, so calls with growing `until`, or a second simulator over the same database,
 * never record anything twice. Hits after `until` wait for a later call.
 *
 * The clock never goes back: a hit whose time the clock has already passed (engage called long
 * after the send) is recorded at the clock's time and counted in `late`. Pass the clock the app
 * was built with (the tracking service reads it to stamp hits).
 */
import { VALUE_PROPERTY, type TrackedEvent } from '../domain/events.js';
import type { Logger } from '../domain/ports.js';
import type { TokenPayload } from '../domain/tracking/token.js';
import type { HitResult, Tracking } from '../services/tracking.js';
import type { OpenedStore } from '../store/open.js';
import type { SettableClock } from './clock.js';
import { drawOutcome, pickLink, type EngagementOptions, type MessageOutcome } from './engagement.js';
import { deliveredMessages, existingEventIds, hitKey, recordedHits } from './ledger-read.js';
import { insertUsers } from './load.js';
import type { Population } from './population.js';
import { messageTokens } from './tokens.js';

export interface SimulatorDeps {
  store: OpenedStore;
  /** The app's tracking service (App.ctx.tracking); the simulator needs it, so TRACKING_ENABLED must be on. */
  tracking: Tracking | null;
  /** The clock the app (and so its tracking service) was built with. */
  clock: SettableClock;
  log?: Logger;
}

export interface SimulatorOptions {
  workspaceId: string;
  population: Population;
  engagement?: EngagementOptions;
  /** Seed of the outcome draws (default: the population's seed). */
  seed?: number;
  /** Event type of a conversion (default 'purchase'). */
  conversionEvent?: string;
  /** Property holding a conversion's value (default 'amount', the one the events table indexes). */
  valueProperty?: string;
  currency?: string;
}

export interface Tally {
  messages: number;
  opens: number;
  clicks: number;
  conversions: number;
  revenue: number;
}

export interface Expectation extends Tally {
  /** Standard deviations of the counts (sums of independent Bernoullis: sqrt(Σ p(1−p))). */
  sd: { opens: number; clicks: number; conversions: number };
}

export interface EngageResult {
  campaignId: string;
  until: Date;
  /** Recorded by this call: opens as get_metrics counts them (a click on an email without pixel counts as its open). */
  opens: number;
  clicks: number;
  conversions: number;
  revenue: number;
  /** The same per variant key; `messages` is the variant's delivered messages. */
  byVariant: Record<string, Tally>;
  /** Hits and conversions after `until`, left for a later call. */
  pending: number;
  /** Hits the clock had already passed, recorded at the clock's time instead of their own. */
  late: number;
  /** Already recorded by earlier calls (skipped). */
  alreadyRecorded: number;
  skipped: {
    /** Delivered messages to people outside the population (left alone). */
    unknownUsers: number;
    /** Delivered messages on channels other than email (nothing to track). */
    otherChannels: number;
    /** True opens of emails without an open pixel, and true clicks of emails without tracked links. */
    unobservableOpens: number;
    unobservableClicks: number;
    /** Hits the tracking service refused (the message went away meanwhile). */
    rejected: number;
  };
  /** What really happens over all delivered messages (pending and unobservable outcomes included). */
  drawn: Tally & { byVariant: Record<string, Tally> };
  /** The ground-truth expectation over all delivered messages. */
  expected: Expectation & { byVariant: Record<string, Expectation> };
}

export interface Simulator {
  readonly population: Population;
  readonly workspaceId: string;
  /** Inserts the population's users (those not there yet); returns how many there are and how many were new. */
  load(): Promise<{ users: number; inserted: number }>;
  /** Replays engagement with the campaign's delivered emails up to `until` (see above). */
  engage(opts: { campaignId: string; until: Date }): Promise<EngageResult>;
}

type HitKind = 'open' | 'click' | 'conversion';
const ORDER: Record<HitKind, number> = { open: 0, click: 1, conversion: 2 };
/** Hits per wait: the tracking writer commits up to 500 per transaction. */
const CHUNK = 500;

interface Planned {
  at: Date;
  kind: HitKind;
  outcome: MessageOutcome;
  token?: TokenPayload;
  /** A click on an email without a pixel: the tracking code records the open it implies. */
  impliesOpen?: boolean;
  userAgent: string;
}

export function createSimulator(deps: SimulatorDeps, opts: SimulatorOptions): Simulator {
  const { store, clock, log } = deps;
  const tracking = deps.tracking;
  if (!tracking) {
    throw new Error('the simulator records opens and clicks through the tracking service: build the app with TRACKING_ENABLED=true and pass app.ctx.tracking');
  }
  const { workspaceId: ws, population: pop } = opts;
  const conversionEvent = opts.conversionEvent ?? 'purchase';
  const valueProperty = opts.valueProperty ?? VALUE_PROPERTY;
  const currency = opts.currency ?? 'USD';
  const seed = opts.seed ?? pop.options.seed;
  // engage() calls run one at a time: two at once would both see a hit as not yet recorded.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  };

  const engage = async (campaignId: string, until: Date): Promise<EngageResult> => {
    if (Number.isNaN(until.getTime())) throw new RangeError('engage needs a valid `until`');
    const campaign = await store.campaigns.get(ws, campaignId);
    if (!campaign) throw new Error(`campaign '${campaignId}' not found in workspace '${ws}'`);
    const keyOf = new Map(campaign.variants.map((v) => [v.id, v.key]));
    const result = emptyResult(campaignId, until);
    const drawnBy = (k: string) => (result.drawn.byVariant[k] ??= tally());
    const expectedBy = (k: string) => (result.expected.byVariant[k] ??= expectation());
    const recordedBy = (k: string) => (result.byVariant[k] ??= tally());

    const planned: Planned[] = [];
    for (const row of await deliveredMessages(store, ws, campaignId)) {
      const user = pop.byId.get(row.userId);
      if (!user) {
        result.skipped.unknownUsers++;
        continue;
      }
      if (row.channel !== 'email') {
        result.skipped.otherChannels++;
        continue;
      }
      const variantKey = row.variantId === null ? undefined : keyOf.get(row.variantId);
      if (variantKey === undefined) throw new Error(`message ${row.id} names variant '${row.variantId}', which campaign ${campaignId} does not have`);
      const outcome = drawOutcome(pop, { messageId: row.id, userId: row.userId, variantKey, deliveredAt: row.deliveredAt }, opts.engagement, seed);
      for (const t of [result.drawn, drawnBy(variantKey)]) addDrawn(t, outcome);
      for (const e of [result.expected, expectedBy(variantKey)]) addExpected(e, outcome);
      recordedBy(variantKey).messages++;

      const tokens = messageTokens(tracking, ws, row.id, row.rendered);
      const ua = user.userAgent;
      if (outcome.open) {
        if (tokens.open) planned.push({ at: outcome.open, kind: 'open', outcome, token: tokens.open, userAgent: ua });
        else result.skipped.unobservableOpens++;
      }
      if (outcome.click) {
        const token = tokens.clicks.length > 0 ? tokens.clicks[pickLink(outcome.linkDraw, tokens.clicks.length)] : undefined;
        if (token) planned.push({ at: outcome.click, kind: 'click', outcome, token, impliesOpen: !tokens.open, userAgent: ua });
        else result.skipped.unobservableClicks++;
      }
      // The purchase happens whatever tracking saw: the platform reports it, not a pixel.
      if (outcome.conversion) planned.push({ at: outcome.conversion.at, kind: 'conversion', outcome, userAgent: ua });
    }
    finish(result);

    const done = await recordedHits(store, ws, campaignId);
    const conversionIds = planned.filter((p) => p.kind === 'conversion').map((p) => conversionId(p.outcome));
    const storedConversions = await existingEventIds(store, ws, conversionIds);
    const due = planned.filter((p) => {
      const recorded = p.kind === 'conversion' ? storedConversions.has(conversionId(p.outcome)) : done.has(hitKey(p.outcome.messageId, p.kind));
      if (recorded) result.alreadyRecorded++;
      else if (p.at.getTime() > until.getTime()) result.pending++;
      return !recorded && p.at.getTime() <= until.getTime();
    });
    due.sort((a, b) => a.at.getTime() - b.at.getTime() || cmp(a.outcome.messageId, b.outcome.messageId) || ORDER[a.kind] - ORDER[b.kind]);

    let inflight: Array<{ p: Planned; hit: Promise<HitResult> }> = [];
    let conversions: Planned[] = [];
    const flush = async () => {
      const settled = await Promise.allSettled(inflight.map((f) => f.hit));
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      settled.forEach((s, i) => {
        const { p } = inflight[i]!;
        const r = (s as PromiseFulfilledResult<HitResult>).value;
        if (!r.ok) return void result.skipped.rejected++;
        for (const t of [result, recordedBy(p.outcome.variantKey)]) {
          if (p.kind === 'open' || p.impliesOpen) t.opens++;
          if (p.kind === 'click') t.clicks++;
        }
      });
      inflight = [];
      if (conversions.length > 0) {
        const events: TrackedEvent[] = conversions.map((p) => ({
          id: conversionId(p.outcome),
          user_id: p.outcome.userId,
          type: conversionEvent,
          properties: { [valueProperty]: p.outcome.conversion!.value, currency },
          occurred_at: p.at,
          source: 'sim',
        }));
        const inserted = await store.events.insert(ws, events);
        if (inserted !== events.length) log?.warn({ campaign: campaignId, expected: events.length, inserted }, 'some simulated conversions were stored already');
        for (const p of conversions) {
          for (const t of [result, recordedBy(p.outcome.variantKey)]) {
            t.conversions++;
            t.revenue += p.outcome.conversion!.value;
          }
        }
        conversions = [];
      }
    };
    for (const p of due) {
      if (p.at.getTime() > clock.now().getTime()) clock.set(p.at);
      if (p.kind === 'conversion') {
        conversions.push(p);
      } else {
        if (p.at.getTime() < clock.now().getTime()) result.late++;
        // Not awaited: hits queued in the same turn share one write (the tracking writer batches them).
        inflight.push({ p, hit: tracking.record({ token: p.token!, userAgent: p.userAgent }) });
      }
      if (inflight.length + conversions.length >= CHUNK) await flush();
    }
    await flush();
    result.revenue = cents(result.revenue);
    for (const t of Object.values(result.byVariant)) t.revenue = cents(t.revenue);
    log?.info({ campaign: campaignId, until: until.toISOString(), opens: result.opens, clicks: result.clicks, conversions: result.conversions, pending: result.pending, late: result.late }, 'simulated engagement recorded');
    return result;
  };

  return {
    population: pop,
    workspaceId: ws,
    load: async () => {
      await store.workspaces.ensure(ws);
      const inserted = await insertUsers(store, ws, pop.users, clock.now());
      // No events are written, so there are no per-user aggregates to rebuild.
      return { users: pop.users.length, inserted };
    },
    engage: ({ campaignId, until }) => serial(() => engage(campaignId, until)),
  };
}

/** A conversion's event id: fixed by the message, so a replay inserts nothing twice. */
const conversionId = (o: MessageOutcome) => `evt_sim_${o.messageId}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const cents = (x: number) => Math.round(x * 100) / 100;
const tally = (): Tally => ({ messages: 0, opens: 0, clicks: 0, conversions: 0, revenue: 0 });
const expectation = (): Expectation => ({ ...tally(), sd: { opens: 0, clicks: 0, conversions: 0 } });

function emptyResult(campaignId: string, until: Date): EngageResult {
  return {
    campaignId, until, opens: 0, clicks: 0, conversions: 0, revenue: 0, byVariant: {}, pending: 0, late: 0, alreadyRecorded: 0,
    skipped: { unknownUsers: 0, otherChannels: 0, unobservableOpens: 0, unobservableClicks: 0, rejected: 0 },
    drawn: { ...tally(), byVariant: {} },
    expected: { ...expectation(), byVariant: {} },
  };
}

function addDrawn(t: Tally, o: MessageOutcome): void {
  t.messages++;
  if (o.open) t.opens++;
  if (o.click) t.clicks++;
  if (o.conversion) {
    t.conversions++;
    t.revenue += o.conversion.value;
  }
}

/** Sums the means; `sd` holds the variances until finish() takes their roots. */
function addExpected(e: Expectation, o: MessageOutcome): void {
  e.messages++;
  e.opens += o.p.open;
  e.clicks += o.p.click;
  e.conversions += o.p.conversion;
  e.revenue += o.expectedRevenue;
  e.sd.opens += o.p.open * (1 - o.p.open);
  e.sd.clicks += o.p.click * (1 - o.p.click);
  e.sd.conversions += o.p.conversion * (1 - o.p.conversion);
}

function finish(r: EngageResult): void {
  for (const e of [r.expected, ...Object.values(r.expected.byVariant)]) {
    e.sd = { opens: Math.sqrt(e.sd.opens), clicks: Math.sqrt(e.sd.clicks), conversions: Math.sqrt(e.sd.conversions) };
    e.revenue = cents(e.revenue);
  }
  for (const t of [r.drawn, ...Object.values(r.drawn.byVariant)]) t.revenue = cents(t.revenue);
}

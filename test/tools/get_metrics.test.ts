/**
 * get_metrics reads counters (campaign_rollups) that database triggers keep as ledger rows and
 * engagement hits are written, updated and deleted. For random histories written straight through
 * the store ports (first writes, claims, in-store deliveries, later outcomes, hits in several
 * batches, then direct SQL updates and deletes), the tool's totals, groups, hourly and daily trend,
 * segment block and workspace summary equal a brute-force recount of the raw rows in plain
 * JavaScript, on SQLite and on PostgreSQL, and every rate is the Wilson interval of the recount.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/domain/campaign.js';
import type { InStoreDelivery, LedgerClaim, LedgerOutcome, NewLedgerRow } from '../../src/domain/delivery/ports.js';
import { wilson } from '../../src/domain/metrics/rates.js';
import type { EngagementHit, EngagementKind } from '../../src/domain/tracking/engagement.js';
import { newId } from '../../src/store/ids.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { connect, textOf, type Connected } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const BASE = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;
const SPAN = 72 * HOUR;
const NUM_RUNS = 15;
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Pacific/Kiritimati', 'America/Sao_Paulo'];

// ---------------------------------------------------------------------------------------------
// Random histories
// ---------------------------------------------------------------------------------------------

const FIRSTS = ['suppressed', 'skipped', 'cancelled', 'failed', 'defer', 'hold', 'deliver', 'claim'] as const;
const FOLLOWS = ['claim', 'deliver', 'sent', 'delivered', 'failed', 'cancelled', 'skipped', 'retry', 'recheck', 'defer', 'hold'] as const;
const KINDS = ['open', 'click', 'unsubscribe', 'conversion', 'bounce', 'complaint'] as const satisfies readonly EngagementKind[];

interface MessagePlan {
  first: (typeof FIRSTS)[number];
  follow: Array<(typeof FOLLOWS)[number]>;
  channel: Channel;
  /** Index into the campaign's variants; one past the end stands for a variant since removed. */
  variant: number;
}
interface HitPlan {
  msg: number;
  kind: EngagementKind;
  machine: boolean;
  onlyIfUnique: boolean;
  at: number;
  link: number;
  revenue: number | null;
  /** 0: recorded after the first writes; 1: after the later outcomes. */
  phase: 0 | 1;
}
interface History {
  people: Array<{ tier: 'pro' | 'free'; msgs: MessagePlan[] }>;
  times: number[];
  chunks: number[];
  hits: HitPlan[];
  hitChunks: number[];
  window: { a: number; b: number } | null;
  zone: string;
}

const channelArb = fc.constantFrom<Channel>('email', 'push');
const messageArb: fc.Arbitrary<MessagePlan> = fc.record({
  first: fc.constantFrom(...FIRSTS),
  follow: fc.array(fc.constantFrom(...FOLLOWS), { maxLength: 3 }),
  channel: channelArb,
  variant: fc.nat(3),
});
const hitArb: fc.Arbitrary<HitPlan> = fc.record({
  // Often one of the first few messages, so that hits repeat on a message.
  msg: fc.oneof(fc.nat(3), fc.nat(59)),
  kind: fc.constantFrom(...KINDS),
  machine: fc.boolean(),
  onlyIfUnique: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
  at: fc.integer({ min: 0, max: SPAN }),
  link: fc.nat(1),
  revenue: fc.option(fc.integer({ min: 0, max: 20_000 }).map((c) => c / 100), { freq: 3 }),
  phase: fc.constantFrom<0 | 1>(0, 1),
});
const historyArb: fc.Arbitrary<History> = fc.record({
  people: fc.array(fc.record({ tier: fc.constantFrom<'pro' | 'free'>('pro', 'free'), msgs: fc.array(messageArb, { minLength: 1, maxLength: 2 }) }), {
    minLength: 1,
    maxLength: 30,
    size: 'max',
  }),
  times: fc.array(fc.integer({ min: 0, max: SPAN }), { minLength: 1, maxLength: 8 }),
  chunks: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 6 }),
  hits: fc.array(hitArb, { maxLength: 90, size: 'max' }),
  hitChunks: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }),
  window: fc.option(fc.record({ a: fc.integer({ min: -HOUR, max: SPAN + HOUR }), b: fc.integer({ min: -HOUR, max: SPAN + HOUR }) }), { freq: 4 }),
  zone: fc.constantFrom(...ZONES),
});

const cyc = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

/** Splits items into consecutive chunks whose sizes cycle through `sizes`. */
function chunked<T>(items: readonly T[], sizes: readonly number[]): T[][] {
  const out: T[][] = [];
  for (let i = 0, k = 0; i < items.length; k++) {
    const n = cyc(sizes, k);
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}

interface Planned {
  id: string;
  userId: string;
  row: NewLedgerRow;
  plan: MessagePlan;
}

interface Campaign {
  id: string;
  variants: Array<{ id: string; key: string }>;
}

/** Writes `h` for `campaign` through the store ports; returns the planned messages. */
async function writeHistory(t: TestApp, ws: string, campaign: Campaign, run: string, h: History): Promise<Planned[]> {
  const ledger = t.store.ledger;
  const variantOf = (p: MessagePlan) => (p.variant < campaign.variants.length ? campaign.variants[p.variant]!.id : 'var_removed_in_test');
  const rendered = { subject: 'Hi', links: ['https://shop.example/a', 'https://shop.example/b'] };
  const planned: Planned[] = h.people.flatMap((person, i) =>
    person.msgs.map((plan, j) => {
      const userId = `${run}_u${String(i).padStart(2, '0')}`;
      const stepKey = `step${j}`;
      return {
        id: newId('msg'),
        userId,
        plan,
        row: { campaignId: campaign.id, stepKey, scheduleId: 'sch_test', userId, idempotencyKey: `${campaign.id}|${stepKey}|${userId}`, channel: plan.channel, plannedFor: new Date(BASE) },
      };
    }),
  );
  await addPeople(t.store, ws, h.people.map((p, i) => ({ id: `${run}_u${String(i).padStart(2, '0')}`, tier: p.tier })), new Date(BASE));

  let slot = 0;
  const nextNow = () => new Date(BASE + cyc(h.times, slot++));
  const claimOf = (m: Planned, attempts: number, withRow: boolean): LedgerClaim => ({
    id: m.id, ...(withRow ? { row: m.row } : {}), attempts, channel: m.plan.channel === 'email' && m.plan.variant % 2 ? 'push' : m.plan.channel,
    variantId: variantOf(m.plan), rendered, credits: 1,
  });
  const deliveryOf = (m: Planned, attempts: number, withRow: boolean): InStoreDelivery => ({ ...claimOf(m, attempts, withRow), userId: m.userId, payload: { to: m.userId } });
  const outcomeOf = (m: Planned, kind: (typeof FOLLOWS)[number] | (typeof FIRSTS)[number], now: Date, withRow: boolean): LedgerOutcome | null => {
    const later = new Date(now.getTime() + HOUR);
    const row = withRow ? { row: m.row } : {};
    switch (kind) {
      case 'suppressed':
      case 'skipped':
      case 'cancelled':
        return { id: m.id, kind, reason: 'test', ...row };
      case 'failed':
        return { id: m.id, kind: 'failed', error: 'provider said no', ...row };
      case 'defer':
        return { id: m.id, kind: 'defer', until: later, reason: 'quiet hours', ...row };
      case 'hold':
        return { id: m.id, kind: 'hold', until: later, ...row };
      case 'retry':
        return { id: m.id, kind: 'retry', error: 'timeout', retryAt: later, ...row };
      case 'recheck':
        return { id: m.id, kind: 'recheck', error: '503', retryAt: later, ...row };
      case 'sent':
      case 'delivered':
        return { id: m.id, kind: 'sent', provider: 'p', providerMessageId: `pm_${m.id}`, delivered: kind === 'delivered', ...row };
      default:
        return null;
    }
  };
  /** Writes one round of operations: outcomes, claims and deliveries, each in chunks with their own `now`. */
  const round = async (ops: Array<{ m: Planned; op: string; attempts: number; withRow: boolean }>) => {
    const claims = ops.filter((o) => o.op === 'claim');
    const deliveries = ops.filter((o) => o.op === 'deliver');
    const outcomes = ops.filter((o) => o.op !== 'claim' && o.op !== 'deliver');
    for (const chunk of chunked(outcomes, h.chunks)) {
      const now = nextNow();
      await ledger.record(ws, chunk.map((o) => outcomeOf(o.m, o.op as never, now, o.withRow)!), now, 'test');
    }
    for (const chunk of chunked(claims, h.chunks)) {
      const now = nextNow();
      await ledger.claim(ws, chunk.map((o) => claimOf(o.m, o.attempts, o.withRow)), now, new Date(now.getTime() + 60_000), 'test');
    }
    for (const chunk of chunked(deliveries, h.chunks)) {
      const now = nextNow();
      await ledger.deliverInStore(ws, chunk.map((o) => deliveryOf(o.m, o.attempts, o.withRow)), now, 'test');
    }
  };

  const recordHits = async (phase: 0 | 1) => {
    const hits = h.hits.filter((x) => x.phase === phase);
    for (const chunk of chunked(hits, h.hitChunks)) {
      const targets = await t.store.engagement.targets(ws, chunk.map((x) => cyc(planned, x.msg).id));
      const batch: EngagementHit[] = chunk.map((x) => ({
        target: targets.get(cyc(planned, x.msg).id)!,
        kind: x.kind,
        ...(x.kind === 'click' ? { linkIndex: x.link } : {}),
        isMachine: x.machine,
        ...(x.revenue !== null ? { revenue: x.revenue } : {}),
        occurredAt: new Date(BASE + x.at),
        source: 'pixel',
        userAgent: x.machine ? 'GoogleImageProxy' : 'Mozilla/5.0',
        ...(x.onlyIfUnique ? { onlyIfUnique: true } : {}),
      }));
      expect(batch.every((b) => b.target !== undefined)).toBe(true);
      await t.store.engagement.record(batch);
    }
  };

  await round(planned.map((m) => ({ m, op: m.plan.first, attempts: 0, withRow: true })));
  await recordHits(0);
  for (let r = 0; r < 3; r++) {
    const attempts = new Map(
      (await query<{ id: string; attempts: number }>(t, 'select id, attempts from messages where workspace_id = ? and campaign_id = ?', [ws, campaign.id])).map((x) => [x.id, Number(x.attempts)]),
    );
    await round(planned.filter((m) => m.plan.follow.length > r).map((m) => ({ m, op: m.plan.follow[r]!, attempts: attempts.get(m.id) ?? 0, withRow: false })));
  }
  await recordHits(1);
  return planned;
}

// ---------------------------------------------------------------------------------------------
// The brute-force recount
// ---------------------------------------------------------------------------------------------

interface MessageRow {
  campaign_id: string;
  user_id: string;
  variant_id: string | null;
  channel: string;
  status: string;
  sent_at: number | Date | null;
  created_at: number | Date;
}
interface HitRow {
  campaign_id: string;
  user_id: string;
  variant_id: string | null;
  channel: string;
  kind: string;
  is_unique: number | boolean;
  is_first: number | boolean;
  is_machine: number | boolean;
  revenue: number | null;
  occurred_at: number | Date;
}
interface Raw {
  messages: MessageRow[];
  hits: HitRow[];
}

const ms = (v: number | Date | string): number => (v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number(v));
const hourOf = (v: number | Date) => Math.floor(ms(v) / HOUR) * HOUR;
const truthy = (v: number | boolean | string) => v === true || v === 1 || v === '1' || v === 't';
const msgBucket = (m: MessageRow) => hourOf(m.sent_at ?? m.created_at);
const hitBucket = (e: HitRow) => hourOf(e.occurred_at);

async function readRaw(t: TestApp, ws: string, campaignId?: string): Promise<Raw> {
  const where = campaignId ? 'where workspace_id = ? and campaign_id = ?' : 'where workspace_id = ?';
  const params = campaignId ? [ws, campaignId] : [ws];
  return {
    messages: await query<MessageRow>(t, `select campaign_id, user_id, variant_id, channel, status, sent_at, created_at from messages ${where}`, params),
    hits: await query<HitRow>(t, `select campaign_id, user_id, variant_id, channel, kind, is_unique, is_first, is_machine, revenue, occurred_at from engagement_events ${where}`, params),
  };
}

interface Counts {
  targeted: number; pending: number; sent: number; delivered: number; failed: number; suppressed: number; skipped: number; cancelled: number;
  opened: number; clicked: number; converted: number; unsubscribed: number; bounced: number; complained: number; revenue: number;
  opens_total: number; machine_opens: number; clicks_total: number; conversions_total: number;
}

/** Counts by the rules of get_metrics, straight from raw rows. */
function recount(raw: Raw, includeMachineOpens: boolean): Counts {
  const st = (s: string) => raw.messages.filter((m) => m.status === s).length;
  const hits = (kind: string, pred: (e: HitRow) => boolean = () => true) => raw.hits.filter((e) => e.kind === kind && pred(e)).length;
  const unique = (e: HitRow) => truthy(e.is_unique);
  const cents = raw.hits.filter((e) => e.kind === 'conversion').reduce((sum, e) => sum + Math.round((e.revenue ?? 0) * 100), 0);
  return {
    targeted: raw.messages.length,
    pending: st('queued') + st('deferred') + st('sending'),
    sent: st('sent') + st('delivered'),
    delivered: st('delivered'),
    failed: st('failed'),
    suppressed: st('suppressed'),
    skipped: st('skipped'),
    cancelled: st('cancelled'),
    opened: hits('open', (e) => (includeMachineOpens ? truthy(e.is_first) : truthy(e.is_unique))),
    clicked: hits('click', unique),
    converted: hits('conversion', unique),
    unsubscribed: hits('unsubscribe', unique),
    bounced: hits('bounce', unique),
    complained: hits('complaint', unique),
    revenue: cents / 100,
    opens_total: hits('open'),
    machine_opens: hits('open', (e) => truthy(e.is_machine)),
    clicks_total: hits('click'),
    conversions_total: hits('conversion'),
  };
}

function ratesOfRecount(c: Counts) {
  const r = (x: number, n: number) => wilson(Math.min(x, n), n);
  return {
    open_rate: r(c.opened, c.sent),
    click_rate: r(c.clicked, c.sent),
    click_to_open_rate: r(c.clicked, c.opened),
    conversion_rate: r(c.converted, c.sent),
    unsubscribe_rate: r(c.unsubscribed, c.sent),
    bounce_rate: r(c.bounced, c.sent),
  };
}

const block = (raw: Raw, include: boolean) => {
  const counts = recount(raw, include);
  return { counts, rates: ratesOfRecount(counts) };
};

const filterRaw = (raw: Raw, m: (r: MessageRow) => boolean, e: (r: HitRow) => boolean): Raw => ({ messages: raw.messages.filter(m), hits: raw.hits.filter(e) });
const inWindow = (w: { since?: number; until?: number }) => (bucket: number) => (w.since === undefined || bucket >= w.since) && (w.until === undefined || bucket < w.until);
const windowed = (raw: Raw, w: { since?: number; until?: number }) => filterRaw(raw, (m) => inWindow(w)(msgBucket(m)), (e) => inWindow(w)(hitBucket(e)));

/** Partitions raw rows by a key of each message and each hit. */
function partition(raw: Raw, mk: (m: MessageRow) => string, hk: (e: HitRow) => string): Map<string, Raw> {
  const out = new Map<string, Raw>();
  const at = (k: string) => out.get(k) ?? (out.set(k, { messages: [], hits: [] }), out.get(k)!);
  for (const m of raw.messages) at(mk(m)).messages.push(m);
  for (const e of raw.hits) at(hk(e)).hits.push(e);
  return out;
}

/** Whether an entry counts anything; rollup rows that net to zero may linger as all-zero entries. */
const live = (c: object) => Object.values(c).some((v) => v !== 0);

interface Group {
  variant_id?: string;
  variant_key?: string;
  channel?: string;
  counts: Counts;
  rates: ReturnType<typeof ratesOfRecount>;
}

function expectedGroups(raw: Raw, campaign: Campaign, by: Array<'variant' | 'channel'>, include: boolean): Group[] {
  const keyOf = new Map(campaign.variants.map((v) => [v.id, v.key]));
  const sep = '\u0000';
  const key = (variant: string | null, channel: string) => `${by.includes('variant') ? (variant ?? '') : ''}${sep}${by.includes('channel') ? channel : ''}`;
  const parts = partition(raw, (m) => key(m.variant_id, m.channel), (e) => key(e.variant_id, e.channel));
  return [...parts.entries()]
    .map(([k, part]): Group => {
      const [variant, channel] = k.split(sep) as [string, string];
      return {
        ...(by.includes('variant') ? { variant_id: variant, variant_key: variant === '' ? '(none: not sent)' : (keyOf.get(variant) ?? '(removed)') } : {}),
        ...(by.includes('channel') ? { channel } : {}),
        ...block(part, include),
      };
    })
    .filter((g) => live(g.counts))
    .sort((a, b) => (a.variant_key ?? '').localeCompare(b.variant_key ?? '') || (a.channel ?? '').localeCompare(b.channel ?? ''));
}

function expectedTrend(raw: Raw, unit: 'hour' | 'day', zone: string, include: boolean) {
  const label = (bucket: number) => (unit === 'hour' ? new Date(bucket).toISOString() : DateTime.fromMillis(bucket, { zone }).toISODate()!);
  const parts = partition(raw, (m) => label(msgBucket(m)), (e) => label(hitBucket(e)));
  return [...parts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([bucket, part]) => {
      const c = recount(part, include);
      return { bucket, sent: c.sent, opened: c.opened, clicked: c.clicked, converted: c.converted, unsubscribed: c.unsubscribed, revenue: c.revenue };
    })
    .filter(({ bucket: _, ...point }) => live(point));
}

const liveGroups = (gs: any[]) => gs.filter((g) => live(g.counts));
const liveTrend = (ps: any[]) => ps.filter(({ bucket: _, ...point }) => live(point));

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

describe.each(await dialects())('get_metrics on %s', (dialect) => {
  let t: TestApp;
  const mcp = new Map<string, Connected>();
  const as = async (ws: string) => {
    if (!mcp.has(ws)) {
      await t.store.workspaces.ensure(ws);
      mcp.set(ws, await connect(t.ctx, principal(ws)));
    }
    return mcp.get(ws)!;
  };
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(async () => {
    await Promise.all([...mcp.values()].map((c) => c.close()));
    await t?.dispose();
  });

  let runs = 0;
  const newCampaign = async (client: Connected, name: string, variants = 3): Promise<Campaign> => {
    const { campaign } = await client.ok('create_campaign', {
      name,
      channels: ['email', 'push'],
      variants: Array.from({ length: variants }, (_, i) => ({ subject: `Subject ${i}`, body: `Body ${i}` })),
    });
    return { id: campaign.id, variants: campaign.variants.map((v: any) => ({ id: v.id, key: v.key })) };
  };

  /** Everything get_metrics says about `campaign`, checked against the recount of its raw rows. */
  const checkCampaign = async (client: Connected, ws: string, campaign: Campaign, h: History, segmentId: string, pro: Set<string>) => {
    const raw = await readRaw(t, ws, campaign.id);

    // Totals, variant x channel groups and the hourly trend.
    const main = await client.ok('get_metrics', { campaign_id: campaign.id, group_by: ['variant', 'channel'], trend: 'hour' });
    expect(main.scope).toBe('campaign');
    expect(main.campaign).toEqual({ id: campaign.id, name: expect.any(String), status: 'draft', resource: `campaign://${campaign.id}` });
    expect({ counts: main.counts, rates: main.rates }).toEqual(block(raw, false));
    expect(liveGroups(main.groups)).toEqual(expectedGroups(raw, campaign, ['variant', 'channel'], false));
    expect(liveTrend(main.trend)).toEqual(expectedTrend(raw, 'hour', 'UTC', false));
    expect(main.trend.map((p: any) => p.bucket)).toEqual([...main.trend.map((p: any) => p.bucket)].sort());
    expect(main.segment).toBeNull();

    // Machine opens included, per channel, daily trend in a zone, and one segment's members.
    const other = await client.ok('get_metrics', {
      campaign_id: campaign.id, group_by: ['channel'], trend: 'day', time_zone: h.zone, include_machine_opens: true, segment_id: segmentId,
    });
    expect({ counts: other.counts, rates: other.rates }).toEqual(block(raw, true));
    expect(liveGroups(other.groups)).toEqual(expectedGroups(raw, campaign, ['channel'], true));
    expect(liveTrend(other.trend)).toEqual(expectedTrend(raw, 'day', h.zone, true));
    const members = filterRaw(raw, (m) => pro.has(m.user_id), (e) => pro.has(e.user_id));
    expect(other.segment).toEqual({ segment_id: segmentId, name: 'tier pro', ...block(members, true) });

    // A window, by the hour of each send or hit.
    if (h.window && h.window.a !== h.window.b) {
      const [lo, hi] = [Math.min(h.window.a, h.window.b), Math.max(h.window.a, h.window.b)];
      const w = { since: BASE + lo, until: BASE + hi };
      const args = { campaign_id: campaign.id, group_by: ['variant'], trend: 'hour', since: new Date(w.since).toISOString(), until: new Date(w.until).toISOString() };
      const within = await client.ok('get_metrics', args);
      const part = windowed(raw, w);
      expect({ counts: within.counts, rates: within.rates }).toEqual(block(part, false));
      expect(liveGroups(within.groups)).toEqual(expectedGroups(part, campaign, ['variant'], false));
      expect(liveTrend(within.trend)).toEqual(expectedTrend(part, 'hour', 'UTC', false));
      // Only since, only until.
      const since = await client.ok('get_metrics', { campaign_id: campaign.id, trend: 'none', since: args.since });
      expect({ counts: since.counts, rates: since.rates }).toEqual(block(windowed(raw, { since: w.since }), false));
      const until = await client.ok('get_metrics', { campaign_id: campaign.id, trend: 'none', until: args.until });
      expect({ counts: until.counts, rates: until.rates }).toEqual(block(windowed(raw, { until: w.until }), false));
    }
  };

  /** The workspace summary against the recount of every campaign of the workspace. */
  const checkWorkspace = async (client: Connected, ws: string) => {
    const raw = await readRaw(t, ws);
    const summary = await client.ok('get_metrics', { limit: 200 });
    expect(summary.scope).toBe('workspace');
    expect({ counts: summary.counts, rates: summary.rates }).toEqual(block(raw, false));
    const per = partition(raw, (m) => m.campaign_id, (e) => e.campaign_id);
    const listed = liveGroups(summary.campaigns);
    expect(new Map(listed.map((c: any) => [c.id, { counts: c.counts, rates: c.rates }]))).toEqual(
      new Map([...per.entries()].map(([id, part]) => [id, block(part, false)] as const).filter(([, b]) => live(b.counts))),
    );
    for (const c of summary.campaigns) expect(c).toMatchObject({ status: 'draft', resource: `campaign://${c.id}` });
    const order = summary.campaigns.map((c: any) => [c.counts.sent, c.counts.targeted]);
    expect(order).toEqual([...order].sort((a: number[], b: number[]) => b[0]! - a[0]! || b[1]! - a[1]!));
    expect(summary.more_campaigns).toBe(0);
  };

  const setupSegment = async (ws: string) => tierSegment(t.store, ws, 'pro');

  it('equals a recount of the raw rows after random histories (totals, groups, trends, window, segment, workspace)', async () => {
    const ws = 'ws_metrics_prop';
    const client = await as(ws);
    const segmentId = await setupSegment(ws);
    const pro = new Set<string>();
    await fc.assert(
      fc.asyncProperty(historyArb, async (h) => {
        const run = `p${runs++}`;
        const campaign = await newCampaign(client, `Metrics ${run}`, 2 + (runs % 2));
        h.people.forEach((p, i) => p.tier === 'pro' && pro.add(`${run}_u${String(i).padStart(2, '0')}`));
        await writeHistory(t, ws, campaign, run, h);
        await checkCampaign(client, ws, campaign, h, segmentId, pro);
        await checkWorkspace(client, ws);
      }),
      { numRuns: NUM_RUNS },
    );
  }, 240_000);

  it('stays equal to the recount after direct SQL updates and deletes of ledger rows and hits (the update and delete triggers)', async () => {
    const ws = 'ws_metrics_delete';
    const client = await as(ws);
    const segmentId = await setupSegment(ws);
    const pro = new Set<string>();
    const ts = (at: number) => (dialect === 'sqlite' ? at : new Date(at).toISOString());
    await fc.assert(
      fc.asyncProperty(
        historyArb,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.record({ status: fc.constantFrom('queued', 'sent', 'delivered', 'cancelled', 'failed'), channel: channelArb, sentAt: fc.option(fc.integer({ min: 0, max: SPAN })) }), { maxLength: 4 }),
        async (h, dropHit, dropMsg, updates) => {
          const run = `d${runs++}`;
          const campaign = await newCampaign(client, `Deletes ${run}`, 2 + (runs % 2));
          h.people.forEach((p, i) => p.tier === 'pro' && pro.add(`${run}_u${String(i).padStart(2, '0')}`));
          await writeHistory(t, ws, campaign, run, h);
          const ids = (table: string) => query<{ id: string }>(t, `select id from ${table} where workspace_id = ? and campaign_id = ? order by id`, [ws, campaign.id]);
          // Multi-row UPDATEs of the ledger: status, channel and sent_at (so the row moves to another hour and group).
          const msgs = (await ids('messages')).map((r) => r.id);
          for (const [k, u] of updates.entries()) {
            const some = msgs.filter((_, i) => i % (updates.length + 1) === k);
            if (some.length === 0) continue;
            await query(t, `update messages set status = ?, channel = ?, sent_at = ? where workspace_id = ? and id in (${some.map(() => '?').join(', ')}) returning id`, [
              u.status, u.channel, u.sentAt === null ? null : ts(BASE + u.sentAt), ws, ...some,
            ]);
          }
          // Multi-row DELETEs: some hits, then some ledger rows (their hits stay).
          const hitIds = (await ids('engagement_events')).map((r) => r.id).filter((_, i) => cyc(dropHit, i));
          for (const chunk of chunked(hitIds, h.hitChunks)) {
            await query(t, `delete from engagement_events where workspace_id = ? and id in (${chunk.map(() => '?').join(', ')}) returning id`, [ws, ...chunk]);
          }
          const msgIds = msgs.filter((_, i) => cyc(dropMsg, i));
          for (const chunk of chunked(msgIds, h.chunks)) {
            await query(t, `delete from messages where workspace_id = ? and id in (${chunk.map(() => '?').join(', ')}) returning id`, [ws, ...chunk]);
          }
          await checkCampaign(client, ws, campaign, h, segmentId, pro);
          await checkWorkspace(client, ws);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  }, 240_000);

  it('counts a hand-made history exactly (a worked example)', async () => {
    const ws = 'ws_metrics_example';
    const client = await as(ws);
    const campaign = await newCampaign(client, 'Worked example', 2);
    const [a, b] = campaign.variants;
    const row = (userId: string): NewLedgerRow => ({
      campaignId: campaign.id, stepKey: 'main', scheduleId: 'sch_x', userId, idempotencyKey: `${campaign.id}|main|${userId}`, channel: 'email', plannedFor: new Date(BASE),
    });
    const at = (h: number, m = 0) => new Date(BASE + h * HOUR + m * 60_000);
    const delivery = (id: string, userId: string, variantId: string, channel: Channel): InStoreDelivery => ({
      id, row: row(userId), attempts: 0, channel, variantId, rendered: { subject: 'Hi' }, credits: 1, userId, payload: {},
    });
    const [m1, m2, m3, m4, m5] = ['m1', 'm2', 'm3', 'm4', 'm5'].map(() => newId('msg')) as [string, string, string, string, string];
    await t.store.ledger.deliverInStore(ws, [delivery(m1, 'x1', a!.id, 'email'), delivery(m2, 'x2', b!.id, 'push')], at(0, 10), 'test');
    await t.store.ledger.claim(ws, [{ id: m3, row: row('x3'), attempts: 0, channel: 'email', variantId: a!.id, rendered: {}, credits: 1 }], at(0, 20), at(1), 'test');
    await t.store.ledger.record(ws, [{ id: m3, kind: 'sent', provider: 'p', providerMessageId: 'pm3', delivered: false }], at(2, 5), 'test');
    await t.store.ledger.record(ws, [{ id: m4, kind: 'suppressed', reason: 'unsubscribed', row: row('x4') }, { id: m5, kind: 'defer', until: at(9), reason: 'quiet hours', row: row('x5') }], at(0, 30), 'test');
    const targets = await t.store.engagement.targets(ws, [m1, m2, m3]);
    const hit = (id: string, kind: EngagementKind, h: number, extra: Partial<EngagementHit> = {}): EngagementHit => ({
      target: targets.get(id)!, kind, isMachine: false, occurredAt: at(h, 45), source: 'pixel', ...extra,
    });
    await t.store.engagement.record([hit(m1, 'open', 0, { isMachine: true }), hit(m1, 'open', 1), hit(m1, 'open', 1), hit(m1, 'click', 1, { linkIndex: 0 })]);
    await t.store.engagement.record([hit(m1, 'conversion', 3, { revenue: 12.34 }), hit(m1, 'conversion', 4, { revenue: 5.67 }), hit(m2, 'open', 3, { isMachine: true })]);
    await t.store.engagement.record([hit(m3, 'unsubscribe', 2), hit(m3, 'unsubscribe', 2), hit(m3, 'bounce', 2), hit(m2, 'click', 3, { onlyIfUnique: true, isMachine: true })]);

    const m = await client.ok('get_metrics', { campaign_id: campaign.id, group_by: ['variant', 'channel'], trend: 'hour' });
    expect(m.counts).toEqual({
      targeted: 5, pending: 1, sent: 3, delivered: 2, failed: 0, suppressed: 1, skipped: 0, cancelled: 0,
      opened: 1, clicked: 1, converted: 1, unsubscribed: 1, bounced: 1, complained: 0, revenue: 18.01,
      opens_total: 4, machine_opens: 2, clicks_total: 1, conversions_total: 2,
    });
    expect(m.rates.open_rate).toEqual(wilson(1, 3));
    expect(m.rates.click_to_open_rate).toEqual(wilson(1, 1));
    expect(m.rates.open_rate.low).toBeCloseTo(0.0615, 3);
    expect(m.rates.open_rate.high).toBeCloseTo(0.7923, 3);
    expect(m.groups.map((g: any) => [g.variant_key, g.channel, g.counts.targeted, g.counts.sent, g.counts.opened])).toEqual([
      ['(none: not sent)', 'email', 2, 0, 0],
      ['A', 'email', 2, 2, 1],
      ['B', 'push', 1, 1, 0],
    ]);
    const iso = (h: number) => at(h).toISOString();
    expect(m.trend).toEqual([
      { bucket: iso(0), sent: 2, opened: 0, clicked: 0, converted: 0, unsubscribed: 0, revenue: 0 },
      { bucket: iso(1), sent: 0, opened: 1, clicked: 1, converted: 0, unsubscribed: 0, revenue: 0 },
      { bucket: iso(2), sent: 1, opened: 0, clicked: 0, converted: 0, unsubscribed: 1, revenue: 0 },
      { bucket: iso(3), sent: 0, opened: 0, clicked: 0, converted: 1, unsubscribed: 0, revenue: 12.34 },
      { bucket: iso(4), sent: 0, opened: 0, clicked: 0, converted: 0, unsubscribed: 0, revenue: 5.67 },
    ]);
    const machine = await client.ok('get_metrics', { campaign_id: campaign.id, include_machine_opens: true, trend: 'none' });
    expect(machine.counts.opened).toBe(2);
    expect(machine.trend).toEqual([]);
    expect(machine.groups).toEqual([]);
  });

  it('refuses an unknown campaign, naming list_campaigns, and since >= until', async () => {
    const client = await as('ws_metrics_errors');
    const unknown = `cmp_${'e'.repeat(32)}`;
    const r = await client.call('get_metrics', { campaign_id: unknown });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain(`campaign '${unknown}' not found`);
    expect(textOf(r)).toContain('list_campaigns');
    // Another workspace's campaign is just as unknown.
    const elsewhere = await newCampaign(await as('ws_metrics_other'), 'Not yours');
    expect(await client.fail('get_metrics', { campaign_id: elsewhere.id })).toContain('list_campaigns');

    const campaign = await newCampaign(client, 'Windows');
    for (const [since, until] of [
      ['2026-12-02T00:00:00Z', '2026-12-01T00:00:00Z'],
      ['2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z'],
      ['2026-12-01T02:00:00+02:00', '2026-12-01T00:00:00Z'],
    ]) {
      const res = await client.call('get_metrics', { campaign_id: campaign.id, since, until });
      expect(res.isError).toBe(true);
      expect(textOf(res)).toContain('since must be before until');
      expect(await client.fail('get_metrics', { since, until })).toContain('since must be before until');
    }
    expect(await client.fail('get_metrics', { campaign_id: campaign.id, since: 'yesterday' })).toContain('since must be an ISO 8601 instant');
    expect(await client.fail('get_metrics', { group_by: ['variant'] })).toContain('need a campaign_id');
  });

  it('sums every campaign in the workspace summary and lists them by messages sent', async () => {
    const ws = 'ws_metrics_summary';
    const client = await as(ws);
    const sends = [2, 5, 0, 3];
    const campaigns: Campaign[] = [];
    for (const [i, n] of sends.entries()) {
      const c = await newCampaign(client, `Summary ${i}`, 2);
      campaigns.push(c);
      const row = (u: string): NewLedgerRow => ({ campaignId: c.id, stepKey: 'main', scheduleId: 's', userId: u, idempotencyKey: `${c.id}|${u}`, channel: 'email', plannedFor: new Date(BASE) });
      const ids = Array.from({ length: n }, () => newId('msg'));
      await t.store.ledger.deliverInStore(
        ws, ids.map((id, k) => ({ id, row: row(`s${k}`), attempts: 0, channel: 'email' as const, variantId: c.variants[k % 2]!.id, rendered: {}, credits: 1, userId: `s${k}`, payload: {} })),
        new Date(BASE + i * HOUR), 'test',
      );
      await t.store.ledger.record(ws, [{ id: newId('msg'), kind: 'skipped', reason: 'caps', row: row('skip') }], new Date(BASE), 'test');
      const targets = await t.store.engagement.targets(ws, ids);
      await t.store.engagement.record(ids.slice(0, i).map((id) => ({ target: targets.get(id)!, kind: 'open', isMachine: false, occurredAt: new Date(BASE + 5 * HOUR), source: 'pixel' })));
    }
    const per = await Promise.all(campaigns.map((c) => client.ok('get_metrics', { campaign_id: c.id, trend: 'none' })));
    const summary = await client.call('get_metrics', {});
    expect(summary.isError).toBeFalsy();
    const s = summary.structuredContent as any;
    expect(s.scope).toBe('workspace');
    for (const k of Object.keys(s.counts)) expect(s.counts[k]).toBe(per.reduce((sum, p) => sum + p.counts[k], 0));
    expect(s.counts).toMatchObject({ targeted: 14, sent: 10, delivered: 10, skipped: 4, opened: 0 + 1 + 0 + 3 });
    expect(s.rates.open_rate).toEqual(wilson(4, 10));
    expect(s.campaigns.map((c: any) => [c.id, c.counts.sent])).toEqual([[campaigns[1]!.id, 5], [campaigns[3]!.id, 3], [campaigns[0]!.id, 2], [campaigns[2]!.id, 0]]);
    expect(s.campaigns[0]).toMatchObject({ name: 'Summary 1', status: 'draft', resource: `campaign://${campaigns[1]!.id}`, counts: per[1].counts, rates: per[1].rates });
    expect(s.more_campaigns).toBe(0);
    const top = await client.ok('get_metrics', { limit: 2 });
    expect(top.campaigns.map((c: any) => c.id)).toEqual([campaigns[1]!.id, campaigns[3]!.id]);
    expect(top.more_campaigns).toBe(2);
    expect(top.counts).toEqual(s.counts);
    const text = textOf(summary);
    expect((summary.content[0] as { text: string }).text).toMatch(/^Workspace, all campaigns/);
    expect(text).toContain('Summary 1 (cmp_');
    expect(JSON.parse((summary.content[1] as { text: string }).text)).toEqual(s);
  });

  it('starts the text with a table naming the campaign and its opened line', async () => {
    const ws = 'ws_metrics_text';
    const client = await as(ws);
    const campaign = await newCampaign(client, 'Tabled');
    const r = await client.call('get_metrics', { campaign_id: campaign.id });
    expect(r.isError).toBeFalsy();
    const first = r.content[0] as { type: string; text: string };
    expect(first.type).toBe('text');
    expect(first.text).toContain(campaign.id);
    expect(first.text).toContain(`campaign://${campaign.id}`);
    expect(first.text).toMatch(/^opened\s+0\s+-\s*$/m);
    expect(first.text.split('\n')[1]).toMatch(/^metric\s+count\s+rate\s+95% interval$/);
    expect(JSON.parse((r.content[1] as { text: string }).text)).toEqual(r.structuredContent);
    // An empty campaign: zeros, rates without trials.
    const s = r.structuredContent as any;
    expect(s.counts.targeted).toBe(0);
    expect(s.rates.open_rate).toEqual({ value: null, low: null, high: null, successes: 0, trials: 0 });
    expect(s.groups).toEqual([]);
    expect(s.trend).toEqual([]);
  });
});

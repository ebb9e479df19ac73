/**
 * Platform user events over a real NATS JetStream server, fetched from a fake event_service
 * (test/helpers/fake-event-service.ts) and ingested into a real SQLite store (which dedupes on id).
 * Every run uses a subject prefix, streams and durables of its own, so parallel runs never see each
 * other's messages. When NATS is unreachable the suite skips loudly, unless REQUIRE_SERVICES=1.
 */
import { randomUUID } from 'node:crypto';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../../src/domain/events.js';
import type { Logger } from '../../src/domain/ports.js';
import { silentLogger } from '../../src/log.js';
import { createEventServiceClient } from '../../src/platform/http/event-service.js';
import { NOT_FOUND_REASON } from '../../src/platform/nats/platform-events-batch.js';
import { laneDurable, startPlatformEvents, type DeadLetterEntry, type PlatformEvents } from '../../src/platform/nats/platform-events.js';
import { openStore, type OpenedStore } from '../../src/store/open.js';
import { requireServices, sqliteDatabase, type TestDatabase } from '../helpers/db.js';
import { naiveUtc, startFakeEventService, type FakeEventService, type StoredEvent } from '../helpers/fake-event-service.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const WS = 'ws_pe';
const clock = { now: () => new Date() };

async function natsAvailable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 3_000, maxReconnectAttempts: 0 });
    try {
      await nc.jetstreamManager();
    } finally {
      await nc.close();
    }
    return true;
  } catch (err) {
    if (requireServices) throw new Error(`NATS JetStream is required (REQUIRE_SERVICES=1) but unreachable at ${NATS_URL}: ${String(err)}`);
    console.warn(`\n!!! NATS JetStream unreachable at ${NATS_URL}: platform events suites are SKIPPED (${String(err)})\n`);
    return false;
  }
}
const natsUp = await natsAvailable();

function captureLogger(): Logger & { lines: Array<{ level: string; obj: unknown; msg: string | undefined }> } {
  const lines: Array<{ level: string; obj: unknown; msg: string | undefined }> = [];
  const at = (level: string) => (obj: object | string, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Polls until `fn` returns something truthy, failing after the deadline. */
async function until<T>(what: string, fn: () => T | false | null | undefined | Promise<T | false | null | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The `event.stored` envelope event_service publishes for a stored event (contracts 0.4, 2). */
function storedEnvelope(e: Pick<StoredEvent, 'event_id' | 'event_type' | 'user_id'> & Partial<StoredEvent>, over: Record<string, unknown> = {}) {
  const ts = naiveUtc(new Date());
  return {
    id: randomUUID(),
    type: 'event.stored',
    source: 'event_service',
    subject: null,
    timestamp: ts,
    data: { event_id: e.event_id, event_type: e.event_type, event_source: e.event_source ?? 'backend', event_category: e.event_category ?? 'user_action', user_id: e.user_id, timestamp: e.timestamp ?? ts },
    metadata: {},
    version: '1.0.0',
    ...over,
  };
}

describe.skipIf(!natsUp)('platform events over NATS', () => {
  const prefix = `es_${RUN}`;
  const stream = `${prefix}-stream`;
  const extraRoot = `app_${RUN}`;
  const extra = `${extraRoot}.events.>`;
  const eventsStream = `ac-events-${RUN}`;
  const durable = `ac-pe-${RUN}`;
  const extraDurable = laneDurable(durable, extra);
  const log = captureLogger();
  const calls: TrackedEvent[][] = [];
  const letters: DeadLetterEntry[] = [];
  let failIngest = 0;
  let failDeadLetter = 0;
  let db: TestDatabase;
  let store: OpenedStore;
  let service: FakeEventService;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let consumer: PlatformEvents | undefined;

  const ingested = () => calls.flat();
  const ingestedIds = () => new Set(ingested().map((e) => e.id));
  const rows = (id: string) => {
    const raw = store.executor.raw;
    if (raw.dialect !== 'sqlite') throw new Error('sqlite only');
    return (raw.db.prepare('select count(*) as n from events where workspace_id = ? and id = ?').get(WS, id) as { n: number }).n;
  };
  const publish = async (subject: string, body: unknown) =>
    (await js.publish(subject, typeof body === 'string' ? body : JSON.stringify(body))).seq;
  /** An event the service holds, and its event.stored envelope on the bus. */
  const stored = async (data: Record<string, unknown>, over: Partial<StoredEvent> = {}) => {
    const now = naiveUtc(new Date());
    const e: StoredEvent = { event_id: randomUUID(), event_type: 'purchase', event_source: 'backend', event_category: 'order', user_id: `u_${RUN}`, data, status: 'pending', timestamp: now, created_at: now, ...over };
    service.events.set(e.event_id, e);
    return { event: e, seq: await publish(`${prefix}.event.stored`, storedEnvelope(e)) };
  };
  const acked = (streamName: string, name: string, seq: number) =>
    until(`the ack of ${streamName} #${seq}`, async () => {
      const info = await jsm.consumers.info(streamName, name);
      return info.ack_floor.stream_seq >= seq && info.num_ack_pending === 0;
    });
  const start = () =>
    startPlatformEvents({
      url: NATS_URL,
      log,
      clock,
      durable,
      batch: 64,
      prefix,
      subjects: [extra],
      eventsStream,
      retryBaseMs: 50,
      fetchEvent: createEventServiceClient({ baseUrl: service.url, timeoutMs: 2_000, retries: 0 }).getEvent,
      ingest: async (events) => {
        if (failIngest > 0) {
          failIngest--;
          throw new Error('injected database failure');
        }
        await store.events.insert(WS, events);
        calls.push(events);
      },
      deadLetter: async (entries) => {
        if (failDeadLetter > 0) {
          failDeadLetter--;
          throw new Error('injected database failure');
        }
        letters.push(...entries);
      },
    });

  beforeAll(async () => {
    db = sqliteDatabase();
    store = await openStore({ databaseUrl: db.url, clock, log: silentLogger, backgroundCheckpoints: false });
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    js = nc.jetstream();
    service = await startFakeEventService({ onStored: async (env) => void (await js.publish(`${prefix}.event.stored`, JSON.stringify(env))) });
    consumer = await start();
  });

  afterAll(async () => {
    await consumer?.stop();
    for (const s of [stream, eventsStream]) await jsm?.streams.delete(s).catch(() => undefined);
    await nc?.close();
    await service?.close();
    await store?.close();
    await db?.drop();
  });

  it('creates the streams and a durable per source, with explicit acks', async () => {
    expect((await jsm.streams.info(stream)).config).toMatchObject({ subjects: [`${prefix}.>`], max_msgs: 100_000 });
    expect((await jsm.streams.info(eventsStream)).config.subjects).toEqual([extra]);
    expect((await jsm.consumers.info(stream, durable)).config).toMatchObject({ durable_name: durable, filter_subject: `${prefix}.event.*`, ack_policy: 'explicit', deliver_policy: 'all', max_deliver: -1 });
    expect((await jsm.consumers.info(eventsStream, extraDurable)).config).toMatchObject({ filter_subject: extra, ack_policy: 'explicit' });
  });

  it('ingests stored events with the data fetched from the event service as properties', async () => {
    const res = await fetch(`${service.url}/api/v1/events/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event_type: 'checkout.completed', event_category: 'order', user_id: `buyer_${RUN}`, data: { amount: 42.5, sku: 'A-1' } }),
    });
    const created = (await res.json()) as StoredEvent;
    const e = (await until('the created event', () => ingested().find((x) => x.id === created.event_id)))!;
    expect(e).toEqual({
      id: created.event_id,
      user_id: `buyer_${RUN}`,
      type: 'checkout.completed',
      properties: { amount: 42.5, sku: 'A-1' },
      occurred_at: new Date(`${created.timestamp.slice(0, 23)}Z`),
      source: `nats:${prefix}`,
    });
    expect(rows(created.event_id)).toBe(1);
    expect(await store.events.valuesOfType(WS, 'checkout.completed')).toEqual([{ user_id: `buyer_${RUN}`, occurred_at: e.occurred_at, value: 42.5 }]);
    expect(service.gets.get(created.event_id)).toBe(1);
  });

  it('reads full events on the extra subjects, as envelopes and bare', async () => {
    await publish(`${extraRoot}.events.purchase`, { id: randomUUID(), type: 'purchase', source: 'shop', timestamp: '2026-12-01T10:00:00', data: { event_id: `order-${RUN}`, user_id: 'u1', properties: { amount: 10 } } });
    const seq = await publish(`${extraRoot}.events.page`, { id: `pv-${RUN}`, user_id: 'u2', type: 'page_view', properties: { path: '/' }, occurred_at: '2026-12-01T11:00:00Z' });
    await acked(eventsStream, extraDurable, seq);
    expect(ingested().find((x) => x.id === `order-${RUN}`)).toMatchObject({ user_id: 'u1', type: 'purchase', properties: { amount: 10 }, occurred_at: new Date('2026-12-01T10:00:00Z'), source: `nats:${extraRoot}` });
    expect(ingested().find((x) => x.id === `pv-${RUN}`)).toMatchObject({ user_id: 'u2', type: 'page_view', properties: { path: '/' } });
  });

  it('dead-letters malformed, oversized, untyped and future messages with their reasons, and goes on', async () => {
    const subject = `${prefix}.event.stored`;
    const huge = 'x'.repeat(70_000);
    const bad = [
      { subject, body: 'not json {', reason: 'not JSON' },
      { subject, body: JSON.stringify(storedEnvelope({ event_id: randomUUID(), event_type: 'purchase', user_id: null })), reason: 'no data.user_id: an event without a user cannot trigger anything' },
      { subject, body: JSON.stringify(storedEnvelope({ event_id: randomUUID(), event_type: 'unknown', user_id: 'u' }, { type: 'unknown' })), reason: 'data.event_type is "unknown": the publisher sent no event type' },
      { subject, body: JSON.stringify(storedEnvelope({ event_id: randomUUID(), event_type: 'purchase', user_id: 'u', timestamp: '2099-01-01T00:00:00' })), reason: /^data\.timestamp "2099-01-01T00:00:00" is in the future/ },
      { subject: `${extraRoot}.events.big`, body: JSON.stringify({ id: `big-${RUN}`, user_id: 'u', type: 'x', properties: { blob: 'y'.repeat(17_000) } }), reason: /^the properties are 17011 bytes; at most 16384 \(oversized\)$/ },
      { subject: `${extraRoot}.events.huge`, body: huge, reason: 'not JSON' },
    ];
    const seqs: number[] = [];
    for (const b of bad) seqs.push(await publish(b.subject, b.body));
    const good = await stored({ after: 'the bad ones' });
    const goodExtra = await publish(`${extraRoot}.events.ok`, { id: `ok-${RUN}`, user_id: 'u', type: 'ok' });
    await until('the good events after the bad ones', () => ingestedIds().has(good.event.event_id) && ingestedIds().has(`ok-${RUN}`));
    await acked(stream, durable, good.seq);
    await acked(eventsStream, extraDurable, goodExtra);
    bad.forEach((b, i) => {
      const letter = letters.find((l) => l.subject === b.subject && l.streamSeq === seqs[i]);
      expect(letter, `dead letter for ${String(b.reason)}`).toBeDefined();
      expect(letter!.reason).toMatch(typeof b.reason === 'string' ? new RegExp(`^${b.reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : b.reason);
      expect(letter!.source).toBe(`nats:${b.subject.split('.')[0]}`);
      expect(letter!.receivedAt).toBeInstanceOf(Date);
      expect(letter!.payload).toBe(b.body.slice(0, 64 * 1024));
    });
    expect(letters.find((l) => l.streamSeq === seqs[5] && l.subject.endsWith('.huge'))!.payload).toHaveLength(65_536);
    expect(rows(`big-${RUN}`)).toBe(0);
  });

  it('dead-letters an event the event service does not know (404)', async () => {
    const id = randomUUID();
    const seq = await publish(`${prefix}.event.stored`, storedEnvelope({ event_id: id, event_type: 'purchase', user_id: 'u' }));
    await acked(stream, durable, seq);
    expect(letters.find((l) => l.streamSeq === seq)).toMatchObject({ reason: NOT_FOUND_REASON, subject: `${prefix}.event.stored` });
    expect(rows(id)).toBe(0);
  });

  it('acks the event_service types it does not act on', async () => {
    const before = consumer!.stats();
    const seq = await publish(`${prefix}.event.archived`, { ...storedEnvelope({ event_id: randomUUID(), event_type: 'purchase', user_id: 'u' }), type: 'event.archived' });
    await acked(stream, durable, seq);
    const after = consumer!.stats();
    expect(after.ignored - before.ignored).toBe(1);
    expect(after.deadLettered).toBe(before.deadLettered);
    expect(letters.some((l) => l.streamSeq === seq)).toBe(false);
  });

  it('redelivers, without dead-lettering, an event the event service could not give (503)', async () => {
    const id = randomUUID();
    service.events.set(id, { event_id: id, event_type: 'purchase', event_source: 'backend', event_category: 'order', user_id: 'u503', data: { amount: 5 }, status: 'pending', timestamp: naiveUtc(new Date()), created_at: naiveUtc(new Date()) });
    service.fail(id, 503, 2);
    const naks = consumer!.stats().naks;
    const seq = await publish(`${prefix}.event.stored`, storedEnvelope({ event_id: id, event_type: 'purchase', user_id: 'u503' }));
    await until('the event after the outage', () => ingestedIds().has(id));
    await acked(stream, durable, seq);
    expect(service.gets.get(id)).toBe(3);
    expect(consumer!.stats().naks - naks).toBe(2);
    expect(letters.some((l) => l.streamSeq === seq)).toBe(false);
    expect(log.lines.some((l) => l.msg === 'platform events not fetched (event service unavailable): redelivering them')).toBe(true);
  });

  it('naks the whole batch when ingest fails, and ingests it when redelivered', async () => {
    failIngest = 1;
    const a = await stored({ amount: 1 });
    const b = await publish(`${extraRoot}.events.retry`, { id: `retry-${RUN}`, user_id: 'u', type: 'retry' });
    await until('the events after the failed commit', () => ingestedIds().has(a.event.event_id) && ingestedIds().has(`retry-${RUN}`));
    await acked(stream, durable, a.seq);
    await acked(eventsStream, extraDurable, b);
    expect(failIngest).toBe(0);
    expect(rows(a.event.event_id)).toBe(1);
    expect(rows(`retry-${RUN}`)).toBe(1);
    expect(log.lines.some((l) => l.level === 'warn' && l.msg?.startsWith('platform events not committed (ingest failed)'))).toBe(true);
  });

  it('naks the batch when the dead letter cannot be stored, and stores it when redelivered', async () => {
    failDeadLetter = 1;
    const seq = await publish(`${prefix}.event.stored`, '{"broken":');
    await acked(stream, durable, seq);
    expect(failDeadLetter).toBe(0);
    expect(letters.filter((l) => l.streamSeq === seq && l.subject === `${prefix}.event.stored`)).toHaveLength(1);
  });

  it('stores a republished event once (same event_id, another envelope)', async () => {
    const s = await stored({ amount: 7 });
    const again = await publish(`${prefix}.event.stored`, storedEnvelope(s.event));
    const bare = { id: `dup-${RUN}`, user_id: 'u', type: 'dup' };
    await publish(`${extraRoot}.events.dup`, bare);
    const bareAgain = await publish(`${extraRoot}.events.dup`, bare);
    await acked(stream, durable, again);
    await acked(eventsStream, extraDurable, bareAgain);
    expect(rows(s.event.event_id)).toBe(1);
    expect(rows(`dup-${RUN}`)).toBe(1);
    expect((await store.events.valuesOfType(WS, 'dup')).length).toBe(1);
  });

  it('resumes from its durables after stop(): nothing lost, nothing ingested again', async () => {
    await consumer!.stop();
    const callsBefore = calls.length;
    const seenBefore = ingestedIds();
    const s = await stored({ amount: 3 });
    const seq = await publish(`${extraRoot}.events.later`, { id: `later-${RUN}`, user_id: 'u', type: 'later' });
    consumer = await start();
    await until('the events published while stopped', () => ingestedIds().has(s.event.event_id) && ingestedIds().has(`later-${RUN}`));
    await acked(stream, durable, s.seq);
    await acked(eventsStream, extraDurable, seq);
    const after = calls.slice(callsBefore).flat().map((e) => e.id);
    expect(after.filter((id) => seenBefore.has(id))).toEqual([]);
    expect(after.sort()).toEqual([s.event.event_id, `later-${RUN}`].sort());
  });

  it('ingests a burst in batches and counts what it did', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `burst-${i}-${RUN}`);
    let last = 0;
    const acks = await Promise.all(ids.map((id, i) => js.publish(`${extraRoot}.events.burst`, JSON.stringify({ id, user_id: `u${i % 7}`, type: 'burst', properties: { i } }))));
    for (const a of acks) last = Math.max(last, a.seq);
    await acked(eventsStream, extraDurable, last);
    expect(ids.every((id) => rows(id) === 1)).toBe(true);
    const burstCalls = calls.filter((c) => c.some((e) => e.type === 'burst'));
    expect(burstCalls.length).toBeLessThan(300 / 4);
    expect(Math.max(...burstCalls.map((c) => c.length))).toBeLessThanOrEqual(64);
    const st = consumer!.stats();
    expect(st.ingested).toBeGreaterThanOrEqual(300);
    expect(st.received).toBeGreaterThanOrEqual(st.ingested);
  });
});

describe.skipIf(!natsUp)('platform events without an event service', () => {
  const prefix = `es2_${RUN}`;
  const durable = `ac-pe2-${RUN}`;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
  });
  afterAll(async () => {
    await jsm?.streams.delete(`${prefix}-stream`).catch(() => undefined);
    await nc?.close();
  });

  it('uses the envelope fields, with the source and category as properties', async () => {
    const got: TrackedEvent[] = [];
    const events = await startPlatformEvents({ url: NATS_URL, log: silentLogger, clock, durable, prefix, ingest: async (e) => void got.push(...e), deadLetter: async () => undefined });
    try {
      const id = randomUUID();
      await nc.jetstream().publish(`${prefix}.event.stored`, JSON.stringify(storedEnvelope({ event_id: id, event_type: 'signup', user_id: 'u9', event_category: 'user_lifecycle', timestamp: '2026-12-01T08:00:00.25' })));
      const e = await until('the event', () => got.find((x) => x.id === id));
      expect(e).toEqual({ id, user_id: 'u9', type: 'signup', properties: { event_source: 'backend', event_category: 'user_lifecycle' }, occurred_at: new Date('2026-12-01T08:00:00.250Z'), source: `nats:${prefix}` });
    } finally {
      await events.stop();
    }
  });

  it('binds its existing durable, and stops promptly at any point of start-up', async () => {
    for (const pauseMs of [0, 0, 1, 5, 20]) {
      const events = await startPlatformEvents({ url: NATS_URL, log: silentLogger, clock, durable, prefix, subjects: [`${prefix}x.>`], eventsStream: `ac-events2-${RUN}`, ingest: async () => undefined, deadLetter: async () => undefined });
      await new Promise((r) => setTimeout(r, pauseMs));
      await Promise.race([events.stop(), new Promise((_, reject) => setTimeout(() => reject(new Error('stop() did not finish in 5 s')), 5_000))]);
    }
    await jsm.streams.delete(`ac-events2-${RUN}`);
  });

  it('refuses names NATS would not accept', async () => {
    const base = { url: NATS_URL, log: silentLogger, clock, ingest: async () => undefined, deadLetter: async () => undefined };
    await expect(startPlatformEvents({ ...base, durable: 'bad.name' })).rejects.toThrow(/durable/);
    await expect(startPlatformEvents({ ...base, durable, prefix: 'a.b' })).rejects.toThrow(/prefix/);
    await expect(startPlatformEvents({ ...base, durable, prefix, subjects: ['a..b'] })).rejects.toThrow(/subject/);
    await expect(startPlatformEvents({ ...base, durable, prefix, subjects: ['a.>.b'] })).rejects.toThrow(/subject/);
  });
});

/**
 * Notification delivery events over a real NATS JetStream server, applied to a real ledger on each
 * dialect. Every run uses consumer names and notification ids of its own, so runs (and the two
 * dialects) never see each other's events. When NATS is unreachable the suite skips loudly,
 * unless REQUIRE_SERVICES=1, where that is a failure (as test/helpers/db.ts does for PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/domain/ports.js';
import { silentLogger } from '../../src/log.js';
import {
  DEFAULT_NOTIFICATION_DURABLE,
  NOTIFICATION_EVENTS_FILTER,
  NOTIFICATION_EVENTS_SOURCE,
  NOTIFICATION_STREAM,
  ensureNotificationStream,
  parseNotificationEvent,
  parseTimestamp,
  startNotificationEvents,
  type NotificationEvents,
} from '../../src/platform/nats/notification-events.js';
import type { Executor, RawConnection } from '../../src/store/executor.js';
import { openStore, type OpenedStore } from '../../src/store/open.js';
import { deliveryEventsRepo } from '../../src/store/repos/delivery-events.js';
import { ManualClock } from '../helpers/app.js';
import { createDatabase, dialects, requireServices, type TestDatabase } from '../helpers/db.js';

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const WS = 'ws_ntf';
const SENT_AT = new Date('2026-12-01T12:00:00Z');
/** Python's `datetime.utcnow().isoformat()`: naive UTC, six fractional digits, no Z. */
const EVENT_TS = '2026-12-01T12:05:00.123456';
const EVENT_AT = '2026-12-01T12:05:00.123Z';

async function natsAvailable(): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 3_000, maxReconnectAttempts: 0 });
    try {
      await nc.jetstreamManager(); // checks that JetStream is enabled
    } finally {
      await nc.close();
    }
    return true;
  } catch (err) {
    if (requireServices) throw new Error(`NATS JetStream is required (REQUIRE_SERVICES=1) but unreachable at ${NATS_URL}: ${String(err)}`);
    console.warn(`\n!!! NATS JetStream unreachable at ${NATS_URL}: NATS suites are SKIPPED (${String(err)})\n`);
    return false;
  }
}

const natsUp = await natsAvailable();

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: unknown;
  msg: string | undefined;
}

function captureLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object | string, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function envelope(type: string, data: Record<string, unknown>, id: string = randomUUID()) {
  return { id, type, source: 'notification_service', subject: null, timestamp: EVENT_TS, data, metadata: {}, version: '1.0.0' };
}

/** Polls until `fn` returns something truthy, failing after the deadline. */
async function until<T>(what: string, fn: () => Promise<T | false | null | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A store whose next `failures` event transactions fail, as a lost database connection would. */
function flakyStore(store: OpenedStore): OpenedStore & { failNext(n: number): void; failed(): number } {
  let pending = 0;
  let failed = 0;
  const boom = () => {
    pending--;
    failed++;
    return Promise.reject(new Error('injected database failure'));
  };
  const x = store.executor;
  const raw: RawConnection =
    x.raw.dialect === 'sqlite'
      ? x.raw
      : { dialect: 'postgres', sql: new Proxy(x.raw.sql, { get: (t, p, r) => (p === 'begin' && pending > 0 ? boom : Reflect.get(t, p, r)) }) };
  const executor: Executor = { ...x, raw, tx: (fn) => (x.dialect === 'sqlite' && pending > 0 ? boom() : x.tx(fn)) };
  return { ...store, executor, failNext: (n) => void (pending = n), failed: () => failed };
}

if (!natsUp) {
  describe.skip('notification events over NATS (NATS unreachable)', () => {
    it.skip('needs a NATS server with JetStream', () => {});
  });
}

describe('notification event envelopes', () => {
  it('reads naive UTC timestamps, with or without fractions and offsets', () => {
    expect(parseTimestamp(EVENT_TS)?.toISOString()).toBe(EVENT_AT);
    expect(parseTimestamp('2026-12-01T12:05:00')?.toISOString()).toBe('2026-12-01T12:05:00.000Z');
    expect(parseTimestamp('2026-12-01T14:05:00.5+02:00')?.toISOString()).toBe('2026-12-01T12:05:00.500Z');
    expect(parseTimestamp('yesterday')).toBeNull();
    expect(parseTimestamp(42)).toBeNull();
  });

  const parse = (subject: string, body: unknown) =>
    parseNotificationEvent(subject, new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)), new Date('2026-12-02T00:00:00Z'));

  it('maps event types to ledger actions, suppressing hard bounces only', () => {
    const failed = (data: Record<string, unknown>) => parse('notification_service.notification.failed', envelope('notification.failed', { notification_id: 'n', ...data }));
    expect(failed({ error_message: 'Hard bounce: 550' })).toMatchObject({ kind: 'event', action: { status: 'failed', bounce: true }, event: { reason: 'Hard bounce: 550' } });
    expect(failed({ error: 'message bounced' })).toMatchObject({ action: { bounce: true } });
    expect(failed({ status: 'bounced' })).toMatchObject({ action: { bounce: true } });
    expect(failed({ reason: 'soft bounce: mailbox full' })).toMatchObject({ action: { status: 'failed', bounce: false } });
    expect(failed({ error_message: 'SMS provider not configured' })).toMatchObject({ action: { status: 'failed', bounce: false, complaint: false } });
    expect(parse('notification_service.notification.bounced', envelope('notification.bounced', { notification_id: 'n' }))).toMatchObject({ action: { status: 'failed', bounce: true } });
    expect(parse('notification_service.notification.spam_reported', envelope('notification.spam_reported', { notification_id: 'n' }))).toMatchObject({ action: { status: null, complaint: true } });
    expect(parse('notification_service.notification.clicked', envelope('notification.clicked', { notification_id: 'n' }))).toEqual({ kind: 'ignored', type: 'notification.clicked' });
  });

  it('takes the type from the subject when the envelope has none (or "unknown"), and the time from the data first', () => {
    const e = { ...envelope('unknown', { notification_id: 'n', delivered_at: '2026-12-01T13:00:00' }), timestamp: '2026-12-01T13:00:05' };
    expect(parse('notification_service.notification.delivered', e)).toMatchObject({
      kind: 'event', event: { type: 'notification.delivered', at: new Date('2026-12-01T13:00:00Z') }, action: { status: 'delivered' },
    });
    const { type: _type, timestamp: _ts, ...bare } = envelope('x', { notification_id: 'n' });
    expect(parse('notification_service.notification.delivered', bare)).toMatchObject({ event: { type: 'notification.delivered', at: new Date('2026-12-02T00:00:00Z') } });
  });
});

describe.each(natsUp ? await dialects() : [])('notification events over NATS on %s', (dialect) => {
  const ids = (n: number) => `ntf_${n}_${RUN}_${dialect}`;
  const durable = `ac-test-${RUN}-${dialect}`;
  const log = captureLogger();
  let db: TestDatabase;
  let store: ReturnType<typeof flakyStore>;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let events: NotificationEvents | undefined;
  let firstSeq = 0;
  let firstEnvelope: ReturnType<typeof envelope>;

  const publish = async (type: string, data: Record<string, unknown>, id?: string) => {
    const e = envelope(type, data, id);
    const ack = await js.publish(`notification_service.${type}`, JSON.stringify(e));
    return { envelope: e, seq: ack.seq };
  };
  /** Waits until the consumer acked stream message `seq` (and everything before it). */
  const acked = (seq: number) =>
    until(`the ack of stream message ${seq}`, async () => (await jsm.consumers.info(NOTIFICATION_STREAM, durable)).ack_floor.stream_seq >= seq);
  const row = async (n: number) => {
    const { messages } = store.executor.t;
    const [r] = await store.executor.run((d) => d.select().from(messages).where(and(eq(messages.workspaceId, WS), eq(messages.id, `msg_${n}`))));
    return r!;
  };
  const hits = async (n: number) => {
    const { engagementEvents } = store.executor.t;
    return store.executor.run((d) => d.select().from(engagementEvents).where(and(eq(engagementEvents.workspaceId, WS), eq(engagementEvents.messageId, `msg_${n}`))));
  };
  const suppressionsOf = (n: number) => store.suppressions.list(WS, { userId: `u${n}`, limit: 10 });

  beforeAll(async () => {
    db = await createDatabase(dialect);
    const opened = await openStore({ databaseUrl: db.url, clock: new ManualClock(), log: silentLogger });
    store = flakyStore(opened);
    const { messages } = store.executor.t;
    await store.executor.run(async (d) => {
      await d.insert(messages).values(
        [1, 2, 3, 4, 5, 6, 7].map((n) => ({
          workspaceId: WS,
          id: `msg_${n}`,
          campaignId: 'cmp_ntf',
          stepKey: 'main',
          userId: `u${n}`,
          channel: 'email',
          idempotencyKey: `cmp_ntf|main|u${n}|email`,
          status: 'sent',
          statusHistory: [{ status: 'sent', at: SENT_AT.toISOString(), by: 'dispatcher' }],
          provider: 'notification_service',
          providerMessageId: ids(n),
          attempts: 1,
          sentAt: SENT_AT,
          createdAt: SENT_AT,
          updatedAt: SENT_AT,
        })),
      );
    });
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    js = nc.jetstream();
    expect(await ensureNotificationStream(jsm, silentLogger)).toBe(NOTIFICATION_STREAM);
    // This run's consumer starts where the stream is now: earlier runs' events are not its business.
    firstSeq = (await jsm.streams.info(NOTIFICATION_STREAM)).state.last_seq + 1;
    // Published before the consumer exists: a durable consumer still receives it.
    const first = await publish('notification.delivered', { notification_id: ids(1), notification_type: 'email', recipient_id: 'u1', delivered_at: EVENT_TS });
    firstEnvelope = first.envelope;
    expect(first.seq).toBeGreaterThanOrEqual(firstSeq);
    events = await startNotificationEvents({ url: NATS_URL, store, clock: new ManualClock(), log, durable, batch: 16, deliver: { startSequence: firstSeq } });
  });

  afterAll(async () => {
    await events?.stop();
    await jsm?.consumers.delete(NOTIFICATION_STREAM, durable).catch(() => undefined);
    await nc?.close();
    await store?.close();
    await db?.drop();
  });

  it('binds a durable pull consumer with explicit acks on the notification subjects', async () => {
    const info = await jsm.consumers.info(NOTIFICATION_STREAM, durable);
    expect(info.config).toMatchObject({ durable_name: durable, ack_policy: 'explicit', filter_subject: NOTIFICATION_EVENTS_FILTER });
  });

  it('moves a sent message to delivered, with its history, for an event published before the consumer started', async () => {
    await acked(firstSeq);
    const r = await row(1);
    expect(r.status).toBe('delivered');
    expect(r.deliveredAt?.toISOString()).toBe(EVENT_AT);
    expect(r.statusHistory).toEqual([
      { status: 'sent', at: SENT_AT.toISOString(), by: 'dispatcher' },
      { status: 'delivered', at: EVENT_AT, by: 'notification_service' },
    ]);
    expect(log.lines.some((l) => l.level === 'info' && l.msg === 'notification event applied')).toBe(true);
  });

  it('changes nothing for a republished envelope, nor for a second delivery of a delivered message', async () => {
    const again = await publish('notification.delivered', firstEnvelope.data, firstEnvelope.id);
    await acked(again.seq);
    const other = await publish('notification.delivered', { notification_id: ids(1), notification_type: 'email' });
    await acked(other.seq);
    const r = await row(1);
    expect(r.status).toBe('delivered');
    expect(r.statusHistory).toHaveLength(2);
    const repo = deliveryEventsRepo(store.executor);
    expect(await repo.seen(NOTIFICATION_EVENTS_SOURCE, firstEnvelope.id)).toBe(true);
    expect(await repo.seen(NOTIFICATION_EVENTS_SOURCE, randomUUID())).toBe(false);
  });

  it('fails a hard bounce, suppresses the address and records a bounce', async () => {
    const { seq } = await publish('notification.failed', {
      notification_id: ids(2), notification_type: 'email', recipient_id: 'u2', error_message: 'Hard bounce: 550 5.1.1 mailbox unavailable', retry_count: 0, timestamp: EVENT_TS,
    });
    await acked(seq);
    const r = await row(2);
    expect(r.status).toBe('failed');
    expect(r.error).toBe('Hard bounce: 550 5.1.1 mailbox unavailable');
    expect(r.deliveredAt).toBeNull();
    expect(r.statusHistory.at(-1)).toEqual({ status: 'failed', at: EVENT_AT, by: 'notification_service', reason: 'Hard bounce: 550 5.1.1 mailbox unavailable' });
    expect(await suppressionsOf(2)).toMatchObject([{ channel: 'email', reason: 'bounced', source: 'notification_service' }]);
    expect((await hits(2)).map((h) => [h.kind, h.source, h.isUnique, h.occurredAt.toISOString()])).toEqual([['bounce', 'nats', true, EVENT_AT]]);
  });

  it('fails a delivered message on a late bounce, and never moves a failed one back', async () => {
    const bounced = await publish('notification.bounced', { notification_id: ids(1), notification_type: 'email', reason: 'mailbox full' });
    await acked(bounced.seq);
    const late = await publish('notification.delivered', { notification_id: ids(1), notification_type: 'email' });
    await acked(late.seq);
    const r = await row(1);
    expect(r.status).toBe('failed');
    expect(r.statusHistory.map((h) => h.status)).toEqual(['sent', 'delivered', 'failed']);
    expect(await suppressionsOf(1)).toMatchObject([{ reason: 'bounced' }]);
    expect((await hits(1)).map((h) => h.kind)).toEqual(['bounce']);
  });

  it('fails a message on a failure that is not a bounce, without suppressing anyone', async () => {
    const { seq } = await publish('notification.failed', { notification_id: ids(4), notification_type: 'email', error_message: 'SMTP connection timed out' });
    await acked(seq);
    expect((await row(4)).status).toBe('failed');
    expect(await suppressionsOf(4)).toEqual([]);
    expect(await hits(4)).toEqual([]);
  });

  it('records complaints and suppresses the address, leaving the status', async () => {
    const complained = await publish('notification.complained', { notification_id: ids(3), notification_type: 'email' });
    const spam = await publish('notification.spam_reported', { notification_id: ids(5), notification_type: 'email' });
    await acked(spam.seq);
    expect(spam.seq).toBeGreaterThan(complained.seq);
    for (const n of [3, 5]) {
      const r = await row(n);
      expect(r.status).toBe('sent');
      expect(r.statusHistory).toHaveLength(1);
      expect(await suppressionsOf(n)).toMatchObject([{ channel: 'email', reason: 'complained', source: 'notification_service' }]);
      expect((await hits(n)).map((h) => [h.kind, h.source])).toEqual([['complaint', 'nats']]);
    }
    // The same complaint again (a republish) records nothing more.
    const again = await publish('notification.complained', complained.envelope.data, complained.envelope.id);
    await acked(again.seq);
    expect(await hits(3)).toHaveLength(1);
  });

  it('acks and ignores events for notifications it does not know, and sent echoes', async () => {
    const unknown = await publish('notification.delivered', { notification_id: `ntf_unknown_${RUN}`, notification_type: 'email' });
    const sent = await publish('notification.sent', {
      notification_id: ids(6), notification_type: 'email', recipient_id: 'u6', recipient_email: 'u6@example.com', status: 'sent', subject: 'Hi', priority: 'normal', timestamp: EVENT_TS,
    });
    await acked(sent.seq);
    expect(sent.seq).toBeGreaterThan(unknown.seq);
    const repo = deliveryEventsRepo(store.executor);
    // Recorded, so a redelivery is not worked on again.
    expect(await repo.seen(NOTIFICATION_EVENTS_SOURCE, unknown.envelope.id)).toBe(true);
    const r = await row(6);
    expect(r.status).toBe('sent');
    expect(r.statusHistory).toHaveLength(1);
    const info = await jsm.consumers.info(NOTIFICATION_STREAM, durable);
    expect(info.num_ack_pending).toBe(0);
  });

  it('acks and skips malformed messages with a warning, and goes on', async () => {
    const before = log.lines.filter((l) => l.level === 'warn' && l.msg === 'notification event skipped: malformed').length;
    await js.publish('notification_service.notification.delivered', 'not json {');
    await js.publish('notification_service.notification.delivered', JSON.stringify({ id: randomUUID(), type: 'notification.delivered' }));
    await js.publish('notification_service.notification.failed', JSON.stringify(envelope('notification.failed', { error_message: 'bounce' })));
    await js.publish('notification_service.notification.delivered', JSON.stringify(['an', 'array']));
    const good = await publish('notification.delivered', { notification_id: ids(6), notification_type: 'email' });
    await acked(good.seq);
    expect((await row(6)).status).toBe('delivered');
    const warnings = log.lines.filter((l) => l.level === 'warn' && l.msg === 'notification event skipped: malformed');
    expect(warnings.length - before).toBe(4);
    expect(warnings.map((w) => (w.obj as { problem: string }).problem).slice(before)).toEqual(['not JSON', 'no data object', 'no data.notification_id', 'not a JSON object']);
    expect((await jsm.consumers.info(NOTIFICATION_STREAM, durable)).num_ack_pending).toBe(0);
  });

  it('naks an event the database could not take, and applies it when redelivered', async () => {
    store.failNext(1);
    const { seq } = await publish('notification.delivered', { notification_id: ids(7), notification_type: 'email' });
    await acked(seq);
    expect(store.failed()).toBe(1);
    const r = await row(7);
    expect(r.status).toBe('delivered');
    expect(r.statusHistory).toHaveLength(2);
    expect(log.lines.some((l) => l.level === 'warn' && l.msg?.includes('database error'))).toBe(true);
  });
});

describe.skipIf(!natsUp)('notification events consumer defaults', () => {
  const durable = `ac-test-${RUN}-defaults`;
  let db: TestDatabase;
  let store: OpenedStore;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const start = (name = durable) => startNotificationEvents({ url: NATS_URL, store, clock: new ManualClock(), log: silentLogger, durable: name, batch: 1 });
  /** Stops within a deadline, so a hang fails here rather than as a test timeout that skips cleanup. */
  const stopped = (events: NotificationEvents) =>
    Promise.race([events.stop(), new Promise((_, reject) => setTimeout(() => reject(new Error('stop() did not finish in 5 s')), 5_000))]);

  beforeAll(async () => {
    db = await createDatabase('sqlite');
    store = await openStore({ databaseUrl: db.url, clock: new ManualClock(), log: silentLogger });
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
  });

  afterAll(async () => {
    await jsm?.consumers.delete(NOTIFICATION_STREAM, durable).catch(() => undefined);
    await nc?.close();
    await store?.close();
    await db?.drop();
  });

  it('creates its durable to deliver the whole stream with explicit acks', async () => {
    expect(DEFAULT_NOTIFICATION_DURABLE).toBe('agentic-campaign-notification-events');
    const events = await start();
    const info = await jsm.consumers.info(NOTIFICATION_STREAM, durable);
    expect(info.config).toMatchObject({ deliver_policy: 'all', ack_policy: 'explicit', filter_subject: NOTIFICATION_EVENTS_FILTER, max_deliver: -1 });
    await stopped(events);
    await stopped(events); // idempotent
  });

  it('binds the existing durable, and stops promptly at any point of start-up', async () => {
    for (const pauseMs of [0, 0, 1, 5, 20]) {
      const events = await start();
      await new Promise((r) => setTimeout(r, pauseMs));
      await stopped(events);
    }
  });

  it('refuses a durable name NATS would not accept', async () => {
    await expect(start('bad.name')).rejects.toThrow(/durable/);
  });
});

/**
 * Issue #7, in process, on both dialects: a cart-abandonment journey fed by event_service's
 * `event.stored` envelopes over a real NATS JetStream server (the full events fetched from a fake
 * event_service), on a manual clock. The reminder goes out after the 60-minute wait, and not when
 * a purchase arrives first; an envelope published twice, a second envelope for the same event and
 * a batch redelivered after its commit (the ack "lost") trigger nothing extra. Bad messages land
 * in dead_letters with their reasons while the consumer goes on.
 *
 * Each dialect uses a subject prefix, stream and durable of its own, deleted afterwards.
 */
import { connect as natsConnect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackedEvent } from '../../src/domain/events.js';
import { silentLogger } from '../../src/log.js';
import { createEventServiceClient } from '../../src/platform/http/event-service.js';
import { NOT_FOUND_REASON } from '../../src/platform/nats/platform-events-batch.js';
import { startPlatformEvents, type PlatformEvents } from '../../src/platform/nats/platform-events.js';
import { ingestTracked, type IngestResult } from '../../src/services/events.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { naiveUtc, startFakeEventService, type FakeEventService, type StoredEvent } from '../helpers/fake-event-service.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { caughtUp, NATS_URL, natsAvailable, runId, storedEnvelope, until } from '../helpers/nats.js';
import { addPeople } from '../helpers/people.js';

const MIN = 60_000;
const RUN = runId();
const natsUp = await natsAvailable('NATS journey suites are');

describe.runIf(natsUp).each(await dialects())('a cart-abandonment journey fed by NATS platform events on %s', (dialect) => {
  const ws = 'default';
  const prefix = `nj_${dialect}_${RUN}`;
  const stream = `${prefix}-stream`;
  const durable = `ac-nj-${dialect}-${RUN}`;
  const subject = `${prefix}.event.stored`;
  let t: TestApp;
  let mcp: Connected;
  let jobs: JobRunner;
  let service: FakeEventService;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let consumer: PlatformEvents | undefined;
  let journeyId: string;
  /** Every successful ingest call: what it was given and what it did. */
  const ingests: Array<{ ids: string[]; result: Omit<IngestResult, 'ids'> }> = [];
  /** The first ingest containing this event id commits, then fails, as if the process died before acking. */
  let loseAckOf: string | null = null;
  let lostAcks = 0;

  const sum = (f: (r: Omit<IngestResult, 'ids'>) => number) => ingests.reduce((n, i) => n + f(i.result), 0);
  const rowsOf = async (id: string) => Number((await query<{ n: number }>(t, 'select count(*) as n from events where workspace_id = ? and id = ?', [ws, id]))[0]!.n);
  const deliveries = async () =>
    (
      await query<{ user_id: string; step_key: string }>(
        t,
        'select d.user_id, m.step_key from local_deliveries d join messages m on m.workspace_id = d.workspace_id and m.id = d.message_id where m.campaign_id = ? order by d.user_id',
        [journeyId],
      )
    ).map((r) => r.user_id);
  const enrollment = async (userId: string) => {
    const listed = await mcp.ok('list_enrollments', { campaign_id: journeyId, user_id: userId });
    expect(listed.enrollments).toHaveLength(1);
    return listed.enrollments[0] as { user_id: string; status: string; step: string; end_reason: string | null };
  };
  /** An event the fake event service holds (its data become the properties), at the manual clock's time. */
  const hold = (userId: string | null, type: string, data: Record<string, unknown>): StoredEvent => {
    const ts = naiveUtc(t.clock.now());
    const e: StoredEvent = { event_id: randomUUID(), event_type: type, event_source: 'backend', event_category: 'user_action', user_id: userId, data, status: 'pending', timestamp: ts, created_at: ts };
    service.events.set(e.event_id, e);
    return e;
  };
  const publish = async (body: unknown, to = subject) => (await js.publish(to, typeof body === 'string' ? body : JSON.stringify(body))).seq;
  const envelope = (e: StoredEvent, over: Record<string, unknown> = {}) => storedEnvelope(e, t.clock.now(), over);

  beforeAll(async () => {
    t = await testApp(dialect);
    mcp = await connect(t.ctx, principal(ws));
    jobs = jobRunner(t);
    await addPeople(t.store, ws, ['u1', 'u2', 'u3'].map((id) => ({ id })), t.clock.now());
    service = await startFakeEventService();
    nc = await natsConnect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    js = nc.jetstream();
    const events = createEventServiceClient({ baseUrl: service.url, timeoutMs: 2_000, retries: 0 });
    consumer = await startPlatformEvents({
      url: NATS_URL,
      log: silentLogger,
      clock: t.clock,
      durable,
      prefix,
      stream,
      batch: 64,
      retryBaseMs: 50,
      fetchEvent: (id) => events.getEvent(id),
      ingest: async (batch: TrackedEvent[]) => {
        const result = await ingestTracked(t.ctx, ws, batch);
        ingests.push({ ids: batch.map((e) => e.id), result });
        if (loseAckOf && batch.some((e) => e.id === loseAckOf)) {
          loseAckOf = null;
          lostAcks++;
          throw new Error('injected: committed, but the process died before acking');
        }
        return result;
      },
      deadLetter: (entries) => t.store.deadLetters.add(entries),
    });
  });

  afterAll(async () => {
    await consumer?.stop();
    await jsm?.streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await service?.close();
    await mcp?.close();
    await t?.dispose();
  });

  it('reminds u1 once after the 60-minute wait, and not u2, who buys 10 minutes in; duplicates and redeliveries trigger nothing', async () => {
    const created = await mcp.ok('create_journey', { name: 'Cart reminder (NATS)', channels: ['email'], template: { name: 'cart_abandonment', params: { wait_minutes: 60 } } });
    journeyId = created.campaign.id;
    expect(await mcp.ok('activate_campaign', { campaign_id: journeyId, confirm: true })).toMatchObject({ activated: true, status: 'running' });
    const t0 = t.clock.now();

    // u1's cart: the same envelope twice, and a second envelope (another id) for the same event.
    // The batch holding it commits and then "dies" before acking: JetStream redelivers it.
    const cartU1 = hold('u1', 'cart.abandoned', { total: 80, items: 2 });
    const cartU2 = hold('u2', 'cart.abandoned', { total: 20, items: 1 });
    loseAckOf = cartU1.event_id;
    const u1Envelope = envelope(cartU1);
    await publish(u1Envelope);
    await publish(envelope(cartU2));
    await publish(u1Envelope);
    const last = await publish(envelope(cartU1));

    await until('both carts stored', async () => (await rowsOf(cartU1.event_id)) === 1 && (await rowsOf(cartU2.event_id)) === 1);
    await caughtUp(jsm, stream, durable, last);
    expect(lostAcks).toBe(1);
    // The redelivered batch fetched u1's event again: it really came back from JetStream.
    expect(service.gets.get(cartU1.event_id)).toBeGreaterThanOrEqual(2);
    expect(consumer!.stats().naks).toBeGreaterThanOrEqual(1);
    expect(await rowsOf(cartU1.event_id)).toBe(1);
    // Two events, two entries; the copies were dropped before any rule looked at them (no cooldown skip).
    expect({ accepted: sum((r) => r.accepted), entered: sum((r) => r.triggered.entered), skipped: sum((r) => r.triggered.skipped) }).toEqual({ accepted: 2, entered: 2, skipped: 0 });
    const [stored] = await query<{ user_id: string; type: string; properties: unknown; source: string; occurred_at: unknown }>(
      t, 'select user_id, type, properties, source, occurred_at from events where workspace_id = ? and id = ?', [ws, cartU1.event_id],
    );
    expect(stored).toMatchObject({ user_id: 'u1', type: 'cart.abandoned', source: `nats:${prefix}` });
    expect(typeof stored!.properties === 'string' ? JSON.parse(stored!.properties) : stored!.properties).toEqual({ total: 80, items: 2 });
    expect(new Date(stored!.occurred_at as string | number | Date).getTime()).toBe(t0.getTime());

    // The entries run; both users wait for a purchase.
    await jobs.settle(5 * MIN);
    expect(await enrollment('u1')).toMatchObject({ status: 'active', step: 'await_purchase' });
    expect(await enrollment('u2')).toMatchObject({ status: 'active', step: 'await_purchase' });

    // 10 minutes later (by the event's own time) u2 buys; the purchase is published twice.
    t.clock.advance(10 * MIN);
    const bought = hold('u2', 'purchase', { amount: 20 });
    await publish(envelope(bought));
    const boughtAgain = await publish(envelope(bought));
    await until('the purchase stored', async () => (await rowsOf(bought.event_id)) === 1);
    await caughtUp(jsm, stream, durable, boughtAgain);
    expect(await enrollment('u2')).toMatchObject({ status: 'exited', end_reason: 'exit_event:purchase' });
    expect(sum((r) => r.triggered.exited) + sum((r) => r.triggered.advanced)).toBe(1);

    // Across the wait on the manual clock: u1 is reminded at t0 + 60 min; u2 never.
    await jobs.settle(3 * 60 * MIN);
    expect(t.clock.now().getTime()).toBeGreaterThanOrEqual(t0.getTime() + 60 * MIN);
    expect(await deliveries()).toEqual(['u1']);
    const [sent] = await query<{ created_at: unknown }>(t, 'select created_at from messages where campaign_id = ? and user_id = ?', [journeyId, 'u1']);
    expect(new Date(sent!.created_at as string | number | Date).getTime()).toBe(t0.getTime() + 60 * MIN);
    expect(await enrollment('u1')).toMatchObject({ status: 'completed' });

    // u1's cart republished after the reminder (a late redelivery): stored once, enters no one, sends nothing.
    const before = ingests.length;
    const late = await publish(envelope(cartU1));
    await caughtUp(jsm, stream, durable, late);
    await jobs.settle(3 * 60 * MIN);
    expect(ingests.slice(before).map((i) => i.result)).toEqual([{ accepted: 0, duplicates: 1, triggered: { entered: 0, exited: 0, advanced: 0, skipped: 0 } }]);
    expect(await rowsOf(cartU1.event_id)).toBe(1);
    expect(await deliveries()).toEqual(['u1']);

    const listed = await mcp.ok('list_enrollments', { campaign_id: journeyId });
    expect(listed.totals).toEqual({ active: 0, completed: 1, exited: 1, total: 2 });
    const step = (s: string) => listed.steps.find((x: { step: string }) => x.step === s);
    expect(step('await_purchase')).toMatchObject({ entered: 2, waiting: 0 });
    expect(step('reminder')).toMatchObject({ entered: 1, sent: 1 });
    expect(listed.enrollments.map((e: { user_id: string; status: string }) => [e.user_id, e.status]).sort()).toEqual([['u1', 'completed'], ['u2', 'exited']]);
    expect(await query(t, 'select user_id from enrollments where campaign_id = ? group by user_id having count(*) > 1', [journeyId])).toEqual([]);
  });

  it('dead-letters bad messages with their reasons, acks ignored types, and keeps consuming', async () => {
    const blob = 'x'.repeat(17_000);
    const oversized = hold('u3', 'cart.abandoned', { blob });
    const missingId = randomUUID();
    const bad: Array<{ what: string; body: string; reason: string; eventId?: string }> = [
      { what: 'not JSON', body: 'not json {', reason: 'not JSON' },
      { what: 'a JSON array', body: '[1,2]', reason: 'not a JSON object (an array)' },
      {
        what: 'no user_id',
        body: JSON.stringify(envelope({ ...hold(null, 'cart.abandoned', {}), user_id: null })),
        reason: 'no data.user_id: an event without a user cannot trigger anything',
      },
      {
        what: 'a type with spaces',
        body: JSON.stringify(envelope(hold('u3', 'cart abandoned', {}))),
        reason: 'data.event_type "cart abandoned" is not a valid event type (1-100 letters, digits, _ . : or -)',
      },
      {
        what: 'the unknown type (the publish quirk)',
        body: JSON.stringify(envelope(hold('u3', 'unknown', {}), { type: 'unknown' })),
        reason: 'data.event_type is "unknown": the publisher sent no event type',
      },
      { what: 'properties over 16 KB', body: JSON.stringify(envelope(oversized)), reason: 'the properties are 17011 bytes; at most 16384 (oversized)', eventId: oversized.event_id },
      {
        what: 'an event id the event service does not know (404)',
        body: JSON.stringify(storedEnvelope({ event_id: missingId, event_type: 'cart.abandoned', user_id: 'u3', timestamp: naiveUtc(t.clock.now()) }, t.clock.now())),
        reason: NOT_FOUND_REASON,
        eventId: missingId,
      },
    ];
    const seqs: number[] = [];
    for (const b of bad) seqs.push(await publish(b.body));
    // An event_service type we do not act on: acked, neither stored nor dead-lettered.
    const ignoredSeq = await publish(envelope(hold('u3', 'cart.abandoned', {}), { type: 'event.archived' }), `${prefix}.event.archived`);
    // A good event after all of them is still ingested.
    const good = hold('u3', 'product.viewed', { sku: 'A-1' });
    const goodSeq = await publish(envelope(good));
    await until('the good event after the bad ones', async () => (await rowsOf(good.event_id)) === 1);
    await caughtUp(jsm, stream, durable, goodSeq);

    const letters = await query<{ source: string; subject: string; stream_seq: number; reason: string; payload: string }>(
      t, 'select source, subject, stream_seq, reason, payload from dead_letters where subject like ? order by stream_seq', [`${prefix}.%`],
    );
    expect(letters.map((l) => ({ ...l, stream_seq: Number(l.stream_seq) }))).toEqual(
      bad.map((b, i) => ({ source: `nats:${prefix}`, subject, stream_seq: seqs[i], reason: b.reason, payload: b.body })),
    );
    expect(letters.some((l) => Number(l.stream_seq) === ignoredSeq)).toBe(false);
    for (const b of bad) if (b.eventId) expect(await rowsOf(b.eventId), b.what).toBe(0);
    expect(await query(t, 'select id from events where workspace_id = ? and user_id = ? and type <> ?', [ws, 'u3', 'product.viewed'])).toEqual([]);
    const stats = consumer!.stats();
    expect(stats.deadLettered).toBe(bad.length);
    expect(stats.ignored).toBe(1);

    // Still running: one more good event goes through.
    const after = hold('u3', 'product.viewed', { sku: 'B-2' });
    await caughtUp(jsm, stream, durable, await publish(envelope(after)));
    expect(await rowsOf(after.event_id)).toBe(1);
    // u3 entered nothing (the oversized and 404 carts never became events).
    expect((await mcp.ok('list_enrollments', { campaign_id: journeyId, user_id: 'u3' })).enrollments).toEqual([]);
  });
});

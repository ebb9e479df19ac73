/**
 * Issue #7, crash safety of the NATS intake: the real `agentic-campaign worker` (job worker plus
 * NATS consumers) reads 5,000 full events from a subject of its own while it is SIGKILLed three
 * times (each kill aimed at a moment it holds messages it has received but not acked) and
 * restarted. Afterwards every published event is stored exactly once, the triggered campaign
 * (delay 0, cooldown 0) has exactly one enrollment per matching event, and every enrollment's
 * message was delivered exactly once. Republishing a slice of the events changes nothing.
 *
 * Isolation: the events go to `<run>.>`, captured by a stream made here; the worker's lane
 * durable is `laneDurable('agentic-campaign-platform-events', '<run>.>')`, unique per subject. It
 * is created here, before the first start, with a 2 s ack_wait (production makes it with 30 s,
 * and binds an existing durable as it is), so what a killed process held comes back within the
 * test's time. The worker's other consumers (event_service-stream, notification_service-stream)
 * have fixed names no environment variable changes; those this test made are deleted afterwards.
 *
 * The kill moments come from a seeded generator (NATS_CRASH_SEED to replay another run).
 */
import Database from 'better-sqlite3';
import { AckPolicy, DeliverPolicy, connect as natsConnect, nanos, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, localPrincipal } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { DEFAULT_PLATFORM_EVENTS_DURABLE, laneDurable } from '../../src/platform/nats/platform-events.js';
import { DEFAULT_NOTIFICATION_DURABLE, NOTIFICATION_STREAM } from '../../src/platform/nats/notification-events.js';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/db.js';
import { connect } from '../helpers/mcp.js';
import { caughtUp, consumerState, NATS_URL, natsAvailable, runId, until } from '../helpers/nats.js';
import { addPeople } from '../helpers/people.js';

const RUN = runId();
const USERS = 250;
const EVENTS = 5_000;
/** Every fifth event is of the type the campaign reacts to (1,000 entries, 4 per user); the rest only get stored. */
const matches = (i: number) => i % 5 === 0;
const KILLS = 3;
const REPUBLISH = 600;
const SEED = Number(process.env.NATS_CRASH_SEED ?? 20261204);
const ROOT = `accrash_${RUN}`;
const SUBJECTS = `${ROOT}.>`;
const STREAM = `ac-crash-${RUN}`;
const LANE = laneDurable(DEFAULT_PLATFORM_EVENTS_DURABLE, SUBJECTS);
const ES_STREAM = 'event_service-stream';
const WS = 'default';

const natsUp = await natsAvailable('the NATS crash suite is');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: the same kill moments for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const events = Array.from({ length: EVENTS }, (_, i) => ({
  id: `ev-${RUN}-${String(i).padStart(5, '0')}`,
  user_id: `c${String(i % USERS).padStart(4, '0')}`,
  type: matches(i) ? 'item.viewed' : 'page.viewed',
  properties: { i, sku: `sku-${i % 17}` },
}));
const matching = events.filter((_, i) => matches(i)).map((e) => e.id);

describe.runIf(natsUp)('the NATS event intake survives SIGKILL (sqlite)', () => {
  let db: TestDatabase;
  let campaignId: string;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  /** The shared consumers and streams that existed before this test (never deleted by it). */
  const existed = { esStream: false, esDurable: false, notificationDurable: false };
  let worker: RunningCli | null = null;
  const logs: string[] = [];

  const workerEnv = () => ({
    DATABASE_URL: db.url,
    NATS_URL,
    NATS_PLATFORM_EVENTS: 'true',
    NATS_EVENT_SUBJECTS: SUBJECTS,
    NATS_EVENTS_WORKSPACE: WS,
    LOG_LEVEL: process.env.CRASH_TEST_LOG ?? 'warn',
    FREQUENCY_CAP_PER_DAY: '0',
    FREQUENCY_CAP_PER_WEEK: '0',
    QUIET_HOURS: 'off',
    JOB_LEASE_MS: '2000',
    SEND_RECOVERY_AFTER_MS: '1500',
    PLATFORM_TIMEOUT_MS: '500',
    SCORES_REFRESH_HOURS: '0',
  });
  const start = async () => {
    worker = startCli(['worker'], workerEnv());
    await worker.waitFor(/worker running/, 20_000);
  };
  const exists = async (fn: () => Promise<unknown>) => fn().then(() => true, () => false);

  beforeAll(async () => {
    db = sqliteDatabase();
    const app = await buildApp(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', QUIET_HOURS: 'off' }), { log: silentLogger });
    try {
      await addPeople(app.store, WS, Array.from({ length: USERS }, (_, i) => ({ id: `c${String(i).padStart(4, '0')}` })), new Date());
      const mcp = await connect(app.ctx, localPrincipal(WS));
      const { campaign } = await mcp.ok('create_campaign', {
        name: 'Viewed an item',
        type: 'triggered',
        channels: ['in_app'],
        variants: [{ body: 'Still looking at {{ first_name | default: "it" }}?' }],
        trigger: { event_type: 'item.viewed', delay_minutes: 0, cooldown_hours: 0, max_entries_per_user: 1000 },
      });
      campaignId = campaign.id;
      expect(await mcp.ok('activate_campaign', { campaign_id: campaignId, confirm: true })).toMatchObject({ activated: true, status: 'running' });
      await mcp.close();
    } finally {
      await app.close();
    }

    nc = await natsConnect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    existed.esStream = await exists(() => jsm.streams.info(ES_STREAM));
    existed.esDurable = existed.esStream && (await exists(() => jsm.consumers.info(ES_STREAM, DEFAULT_PLATFORM_EVENTS_DURABLE)));
    existed.notificationDurable = await exists(() => jsm.consumers.info(NOTIFICATION_STREAM, DEFAULT_NOTIFICATION_DURABLE));
    await jsm.streams.add({ name: STREAM, subjects: [SUBJECTS], max_age: nanos(3_600_000) });
    await jsm.consumers.add(STREAM, {
      durable_name: LANE,
      filter_subject: SUBJECTS,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(2_000),
      max_deliver: -1,
      max_ack_pending: 2_048,
      deliver_policy: DeliverPolicy.All,
    });
  }, 60_000);

  afterAll(async () => {
    if (worker && worker.proc.exitCode === null && worker.proc.signalCode === null) await worker.stop();
    if (jsm) {
      await jsm.streams.delete(STREAM).catch(() => undefined);
      if (!existed.esStream) await jsm.streams.delete(ES_STREAM).catch(() => undefined);
      else if (!existed.esDurable) await jsm.consumers.delete(ES_STREAM, DEFAULT_PLATFORM_EVENTS_DURABLE).catch(() => undefined);
      if (!existed.notificationDurable) await jsm.consumers.delete(NOTIFICATION_STREAM, DEFAULT_NOTIFICATION_DURABLE).catch(() => undefined);
    }
    await nc?.close();
    await db?.drop();
  });

  it(`stores each of ${EVENTS} events once, enrolls once per matching event and delivers once, through ${KILLS} kills between receipt and ack`, async () => {
    const raw = new Database(db.url, { readonly: true });
    raw.pragma('busy_timeout = 5000');
    const count = (sql: string, ...params: unknown[]) => (raw.prepare(sql).get(...params) as { n: number }).n;
    const storedCount = () => count('select count(*) as n from events where workspace_id = ?', WS);
    const enrollmentCount = () => count('select count(*) as n from enrollments where campaign_id = ?', campaignId);
    const activeCount = () => count("select count(*) as n from enrollments where campaign_id = ? and status = 'active'", campaignId);
    const deliveryCount = () =>
      count('select count(*) as n from local_deliveries d join messages m on m.workspace_id = d.workspace_id and m.id = d.message_id where m.campaign_id = ?', campaignId);
    const openJobs = () => count("select count(*) as n from jobs where kind = 'journey.step' and status in ('queued', 'running')");
    const snapshot = () => ({ stored: storedCount(), enrollments: enrollmentCount(), active: activeCount(), deliveries: deliveryCount(), jobs: openJobs() });
    const js = nc.jetstream();
    const random = prng(SEED);
    /** The exact bytes first published per event, republished as they were at the end. */
    const bodies = new Map<string, string>();
    const publishEvent = (e: (typeof events)[number]) => {
      let body = bodies.get(e.id);
      if (body === undefined) bodies.set(e.id, (body = JSON.stringify({ ...e, occurred_at: new Date().toISOString() })));
      return js.publish(`${ROOT}.events.${e.type}`, body);
    };
    const kills: Array<{ afterMs: number; ackPending: number; delivered: number; ackFloor: number; stored: number; jobsCut: number; sends: number }> = [];

    try {
      await start();
      const t0 = Date.now();
      // A steady 1,000 events a second, 25 every 25 ms, while the worker is killed and restarted.
      let lastSeq = 0;
      let published = 0;
      const publishing = (async () => {
        for (let i = 0; i < EVENTS; i += 25) {
          const tick = Date.now();
          const acks = await Promise.all(events.slice(i, i + 25).map(publishEvent));
          for (const a of acks) lastSeq = Math.max(lastSeq, a.seq);
          published = i + acks.length;
          await sleep(Math.max(0, 25 - (Date.now() - tick)));
        }
      })();

      for (let k = 0; k < KILLS; k++) {
        await sleep(150 + random() * 900);
        // Aim: the worker holds messages it has received but not acked (if none within 1.5 s, kill anyway).
        await until('unacked messages to kill on', async () => (await consumerState(jsm, STREAM, LANE)).ackPending > 0, 1_500).catch(() => undefined);
        worker!.proc.kill('SIGKILL');
        await worker!.exited;
        logs.push(worker!.stderr());
        const s = await consumerState(jsm, STREAM, LANE);
        // What the dead process held: messages received and not acked, jobs leased and not settled.
        const jobsCut = count("select count(*) as n from jobs where kind = 'journey.step' and status = 'running'");
        kills.push({ afterMs: Date.now() - t0, ackPending: s.ackPending, delivered: s.delivered, ackFloor: s.ackFloor, stored: storedCount(), jobsCut, sends: deliveryCount() });
        await start();
      }
      await publishing;
      expect(published).toBe(EVENTS);

      // Caught up: every event stored, the lane has acked the whole stream, every enrollment done.
      await until('every event stored', () => storedCount() === EVENTS, 20_000, snapshot);
      await caughtUp(jsm, STREAM, LANE, lastSeq, 15_000);
      await until(
        'every enrollment sent and completed',
        () => enrollmentCount() === matching.length && activeCount() === 0 && deliveryCount() === matching.length && openJobs() === 0,
        30_000,
        snapshot,
      );

      const retried = count('select count(*) as n from messages where campaign_id = ? and attempts > 1', campaignId);
      console.info(`nats-crash: seed ${SEED}; kills ${JSON.stringify(kills)}; sends retried after a kill: ${retried}; caught up after ${Date.now() - t0} ms`);
      expect(kills).toHaveLength(KILLS);
      // At least one kill landed while the worker held received, unacked messages (redelivered after ack_wait).
      expect(kills.some((k) => k.ackPending > 0), JSON.stringify(kills)).toBe(true);

      // Nothing lost, nothing doubled.
      const ids = raw.prepare('select id, count(*) as n from events where workspace_id = ? group by id').all(WS) as Array<{ id: string; n: number }>;
      expect(ids.filter((r) => r.n !== 1)).toEqual([]);
      expect(ids.map((r) => r.id).sort()).toEqual(events.map((e) => e.id).sort());
      const entries = raw.prepare('select entry_event_id as id, user_id from enrollments where campaign_id = ?').all(campaignId) as Array<{ id: string; user_id: string }>;
      expect(entries).toHaveLength(matching.length);
      expect(entries.map((e) => e.id).sort()).toEqual([...matching].sort());
      const byId = new Map(events.map((e) => [e.id, e.user_id]));
      expect(entries.filter((e) => byId.get(e.id) !== e.user_id)).toEqual([]);
      const doubled = raw
        .prepare('select m.user_id, m.step_key, count(*) as n from local_deliveries d join messages m on m.workspace_id = d.workspace_id and m.id = d.message_id where m.campaign_id = ? group by m.user_id, m.step_key having count(*) > 1')
        .all(campaignId);
      expect(doubled).toEqual([]);
      expect(count('select count(*) as n from messages where campaign_id = ?', campaignId)).toBe(matching.length);
      expect(count("select count(*) as n from messages where campaign_id = ? and status <> 'delivered'", campaignId)).toBe(0);
      expect(count("select count(*) as n from enrollments where campaign_id = ? and status <> 'completed'", campaignId)).toBe(0);
      expect(count('select count(*) as n from dead_letters where subject like ?', `${ROOT}.%`)).toBe(0);
      expect(raw.prepare("select kind, last_error from jobs where status = 'dead'").all()).toEqual([]);

      // A slice republished (a producer's retry, a replay): nothing changes.
      const before = snapshot();
      let replayLast = 0;
      for (let i = 0; i < REPUBLISH; i += 100) {
        const acks = await Promise.all(events.slice(i, i + 100).map(publishEvent));
        for (const a of acks) replayLast = Math.max(replayLast, a.seq);
      }
      await caughtUp(jsm, STREAM, LANE, replayLast, 15_000);
      expect(snapshot()).toEqual(before);
      expect(before).toEqual({ stored: EVENTS, enrollments: matching.length, active: 0, deliveries: matching.length, jobs: 0 });
    } catch (err) {
      const tail = [...logs, worker?.stderr() ?? ''].join('\n---\n').slice(-4_000);
      throw new Error(`${(err as Error).message}\nworker logs (tail):\n${tail}`, { cause: err });
    } finally {
      raw.close();
    }
  }, 90_000);
});

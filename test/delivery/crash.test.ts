/**
 * Crash safety of sends: `agentic-campaign worker` processes sending to 50k people are killed with
 * SIGKILL at random moments and restarted, until the send finishes. Afterwards every eligible
 * person has exactly one ledger row, in a sent state, and the local channel recorded exactly one
 * delivery for each; nobody ineligible received anything. On SQLite with one worker; on
 * PostgreSQL with two workers sharing the database, both killed at random.
 */
import Database from 'better-sqlite3';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, localPrincipal } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { createDatabase, dialects, type TestDatabase } from '../helpers/db.js';
import { connect } from '../helpers/mcp.js';
import { addPeople, tierSegment, type Person } from '../helpers/people.js';

const USERS = 50_000;
const KILLS = 5;

const people: Person[] = Array.from({ length: USERS }, (_, i) => ({
  id: `u${String(i).padStart(5, '0')}`,
  // Every 10th person has not consented to email; every 25th is on the suppression list (below).
  consents: { email: i % 10 !== 0 },
}));
const suppressed = people.filter((_, i) => i % 25 === 0 && i % 10 !== 0).map((p) => p.id);
const eligible = people.filter((p, i) => i % 10 !== 0 && !suppressed.includes(p.id)).map((p) => p.id);

const workerEnv = (url: string, workers: number) => ({
  DATABASE_URL: url,
  LOG_LEVEL: process.env.CRASH_TEST_LOG ?? 'warn',
  FREQUENCY_CAP_PER_DAY: '0',
  FREQUENCY_CAP_PER_WEEK: '0',
  QUIET_HOURS: 'off',
  // Slow enough that kills land mid-send (about 3000 messages/s in all, however many workers share
  // it); short lease and recovery so restarts resume quickly.
  SEND_RATE_PER_SECOND: `email=${Math.round(3000 / workers)}`,
  JOB_LEASE_MS: '2000',
  SEND_RECOVERY_AFTER_MS: '1500',
  PLATFORM_TIMEOUT_MS: '500',
});

interface Probe {
  openRows(): Promise<number>;
  campaignStatus(): Promise<string>;
  ledger(): Promise<Array<{ user_id: string; status: string; n: number }>>;
  deliveries(): Promise<Array<{ user_id: string; message_id: string; n: number }>>;
  /** Rows claimed more than once: an attempt cut short by a kill, recovered by asking the channel. */
  recovered(): Promise<number>;
  close(): Promise<void>;
}

function probe(db: TestDatabase, campaignId: string): Probe {
  const perUser = `select user_id, min(status) as status, count(*) as n from messages where campaign_id = '${campaignId}' group by user_id`;
  const perDelivery = `select user_id, message_id, count(*) as n from local_deliveries group by user_id, message_id`;
  const open = `select count(*) as n from messages where campaign_id = '${campaignId}' and status in ('queued', 'deferred', 'sending')`;
  const status = `select status from campaigns where id = '${campaignId}'`;
  const recovered = `select count(*) as n from messages where campaign_id = '${campaignId}' and attempts > 1`;
  if (db.dialect === 'sqlite') {
    const raw = new Database(db.url, { readonly: true });
    raw.pragma('busy_timeout = 5000');
    return {
      openRows: async () => (raw.prepare(open).get() as { n: number }).n,
      campaignStatus: async () => (raw.prepare(status).get() as { status: string }).status,
      ledger: async () => raw.prepare(perUser).all() as never,
      deliveries: async () => raw.prepare(perDelivery).all() as never,
      recovered: async () => (raw.prepare(recovered).get() as { n: number }).n,
      close: async () => void raw.close(),
    };
  }
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  return {
    openRows: async () => Number((await sql.unsafe(open))[0]!.n),
    campaignStatus: async () => String((await sql.unsafe(status))[0]!.status),
    ledger: async () => (await sql.unsafe(perUser)).map((r) => ({ user_id: r.user_id, status: r.status, n: Number(r.n) })),
    deliveries: async () => (await sql.unsafe(perDelivery)).map((r) => ({ user_id: r.user_id, message_id: r.message_id, n: Number(r.n) })),
    recovered: async () => Number((await sql.unsafe(recovered))[0]!.n),
    close: () => sql.end({ timeout: 2 }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(await dialects())('sends survive SIGKILL on %s', (dialect) => {
  let db: TestDatabase;
  let campaignId: string;
  beforeAll(async () => {
    db = await createDatabase(dialect);
    const app = await buildApp(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', QUIET_HOURS: 'off' }), { log: silentLogger });
    const ws = 'default';
    await addPeople(app.store, ws, people, new Date());
    for (const id of suppressed) await app.store.suppressions.add(ws, { userId: id, channel: 'all', reason: 'unsubscribed', source: 'test' }, new Date());
    const segment_id = await tierSegment(app.store, ws, 'pro');
    const mcp = await connect(app.ctx, localPrincipal(ws));
    const { campaign } = await mcp.ok('create_campaign', { name: 'Crash test', segment_id, channels: ['email'], variants: [{ subject: 'Hi {{first_name}}', body: 'Hello {{user_name}}' }] });
    campaignId = campaign.id;
    await mcp.ok('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: 'crash-test-send' });
    await mcp.close();
    await app.close();
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it(`delivers exactly once to each of ${eligible.length} eligible people through ${KILLS}+ kills (${dialect === 'postgres' ? 'two workers' : 'one worker'})`, async () => {
    const p = probe(db, campaignId);
    const workers = dialect === 'postgres' ? 2 : 1;
    const running: Array<RunningCli | null> = Array.from({ length: workers }, () => null);
    const startOne = async (i: number) => {
      const w = startCli(['worker'], workerEnv(db.url, workers));
      running[i] = w;
      await w.waitFor(/worker running/, 30_000);
    };
    let kills = 0;
    let lives = 0;
    const logs: string[] = [];
    try {
      for (let i = 0; i < workers; i++) await startOne(i);
      lives = workers;
      while (kills < KILLS) {
        await sleep(300 + Math.random() * 1200);
        if ((await p.campaignStatus()) === 'completed') break;
        const victim = Math.floor(Math.random() * workers);
        running[victim]!.proc.kill('SIGKILL');
        await running[victim]!.exited;
        logs.push(running[victim]!.stderr());
        kills++;
        await startOne(victim);
        lives++;
      }
      const deadline = Date.now() + 150_000;
      while ((await p.campaignStatus()) !== 'completed') {
        if (Date.now() > deadline) {
          const tail = [...logs, ...running.map((w) => w?.stderr() ?? '')].join('\n').slice(-3000);
          throw new Error(`send did not finish; ${await p.openRows()} rows open; worker logs:\n${tail}`);
        }
        await sleep(250);
      }
      expect(kills, 'the send finished before enough kills landed mid-run').toBeGreaterThanOrEqual(KILLS);

      const ledger = await p.ledger();
      const byUser = new Map(ledger.map((r) => [r.user_id, r]));
      expect(ledger.filter((r) => r.n !== 1), 'people with more than one ledger row').toEqual([]);
      expect(byUser.size).toBe(USERS);
      const notDelivered = eligible.filter((id) => byUser.get(id)?.status !== 'delivered');
      expect(notDelivered.slice(0, 10), `${notDelivered.length} eligible people without a delivered row`).toEqual([]);

      const deliveries = await p.deliveries();
      expect(deliveries.filter((d) => d.n !== 1), 'messages delivered more than once').toEqual([]);
      const deliveredTo = new Set(deliveries.map((d) => d.user_id));
      expect(deliveries).toHaveLength(eligible.length);
      expect(eligible.every((id) => deliveredTo.has(id))).toBe(true);
      expect(suppressed.filter((id) => deliveredTo.has(id))).toEqual([]);
      expect(people.filter((_, i) => i % 10 === 0).filter((q) => deliveredTo.has(q.id))).toEqual([]);
      console.info(`crash test (${dialect}): ${kills} kills, ${lives} worker lives, ${deliveries.length} deliveries, ${await p.recovered()} rows recovered after a cut-short attempt, no duplicates`);
    } finally {
      for (const w of running) if (w && w.proc.exitCode === null) w.proc.kill('SIGKILL');
      await Promise.all(running.map((w) => w?.exited));
      await p.close();
    }
  }, 300_000);
});

/**
 * Crash safety of an A/B test's send: a `agentic-campaign worker` process sending the test of a
 * 20k audience (10% holdout, half of the rest tested, two arms) is killed with SIGKILL at random
 * moments and restarted until the test send finishes. Afterwards every person is exactly where
 * the assignment puts them: one delivered row with their arm (test group), one skipped row
 * (holdout), or nothing (remainder, waiting for the winner); every delivery happened once.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, localPrincipal } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { armOf, partOf } from '../../src/domain/experiments/assignment.js';
import { silentLogger } from '../../src/log.js';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { sqliteDatabase, type TestDatabase } from '../helpers/db.js';
import { connect } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const USERS = 20_000;
const KILLS = 3;
const people = Array.from({ length: USERS }, (_, i) => ({ id: `u${String(i).padStart(5, '0')}` }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('an A/B test send survives SIGKILL (sqlite)', () => {
  let db: TestDatabase;
  let campaignId: string;
  let experimentId: string;
  let scheduleId: string;
  let split: Record<string, number>;
  beforeAll(async () => {
    db = sqliteDatabase();
    const app = await buildApp(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', QUIET_HOURS: 'off' }), { log: silentLogger });
    const ws = 'default';
    await addPeople(app.store, ws, people, new Date());
    const segment_id = await tierSegment(app.store, ws, 'pro');
    const mcp = await connect(app.ctx, localPrincipal(ws));
    const { campaign } = await mcp.ok('create_campaign', {
      name: 'Crash A/B', segment_id, channels: ['in_app'], variants: [{ body: 'A {{first_name}}' }, { body: 'B {{first_name}}' }],
      goal: { metric: 'conversion', event_type: 'purchase' },
    });
    campaignId = campaign.id;
    const started = await mcp.ok('run_ab_test', { campaign_id: campaignId, holdout_share: 0.1, test_share: 0.5, confirm: true, idempotency_key: 'crash-ab-test' });
    experimentId = started.experiment.id;
    scheduleId = started.schedule.id;
    split = Object.fromEntries(campaign.variants.map((v: { id: string }) => [v.id, 0.5]));
    await mcp.close();
    await app.close();
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it(`puts each of ${USERS} people exactly where the assignment says through ${KILLS}+ kills`, async () => {
    const env = {
      DATABASE_URL: db.url, LOG_LEVEL: 'warn', FREQUENCY_CAP_PER_DAY: '0', FREQUENCY_CAP_PER_WEEK: '0', QUIET_HOURS: 'off',
      SEND_RATE_PER_SECOND: 'in_app=1000', JOB_LEASE_MS: '2000', SEND_RECOVERY_AFTER_MS: '1500', PLATFORM_TIMEOUT_MS: '500',
    };
    const raw = new Database(db.url, { readonly: true });
    raw.pragma('busy_timeout = 5000');
    const scheduleStatus = () => (raw.prepare('select status from schedules where id = ?').get(scheduleId) as { status: string }).status;
    let worker: RunningCli | null = null;
    const start = async () => {
      worker = startCli(['worker'], env);
      await worker.waitFor(/worker running/, 30_000);
    };
    let kills = 0;
    try {
      await start();
      while (kills < KILLS) {
        await sleep(300 + Math.random() * 900);
        if (scheduleStatus() === 'completed') break;
        worker!.proc.kill('SIGKILL');
        await worker!.exited;
        kills++;
        await start();
      }
      const deadline = Date.now() + 120_000;
      while (scheduleStatus() !== 'completed') {
        if (Date.now() > deadline) throw new Error(`the test send did not finish; worker log:\n${worker!.stderr().slice(-2000)}`);
        await sleep(250);
      }
      expect(kills, 'the send finished before enough kills landed mid-run').toBeGreaterThanOrEqual(KILLS);
      const rows = raw.prepare('select user_id, status, variant_id, error, count(*) over (partition by user_id) as n from messages where campaign_id = ?').all(campaignId) as Array<{ user_id: string; status: string; variant_id: string | null; error: string | null; n: number }>;
      const deliveries = raw.prepare('select user_id, count(*) as n from local_deliveries group by user_id').all() as Array<{ user_id: string; n: number }>;
      expect(rows.filter((r) => r.n !== 1), 'people with more than one row').toEqual([]);
      expect(deliveries.filter((d) => d.n !== 1), 'people delivered more than once').toEqual([]);
      const byUser = new Map(rows.map((r) => [r.user_id, r]));
      const spec = { id: experimentId, holdout_share: 0.1, test_share: 0.5, split };
      const wrong: string[] = [];
      for (const { id } of people) {
        const r = byUser.get(id);
        const part = partOf(spec, id);
        const ok =
          part === 'remainder' ? r === undefined
          : part === 'holdout' ? r?.status === 'skipped' && r.error === 'experiment_holdout'
          : r?.status === 'delivered' && r.variant_id === armOf(spec, id);
        if (!ok) wrong.push(`${id} (${part}): ${JSON.stringify(r ?? null)}`);
      }
      expect(wrong.slice(0, 5), `${wrong.length} people not where the assignment puts them`).toEqual([]);
      expect(deliveries.length).toBe(people.filter((p) => partOf(spec, p.id) === 'test').length);
      console.info(`experiment crash test: ${kills} kills, ${deliveries.length} deliveries, ${rows.length - deliveries.length} held out, no duplicates`);
    } finally {
      const w = worker as RunningCli | null;
      if (w && w.proc.exitCode === null) w.proc.kill('SIGKILL');
      await w?.exited;
      raw.close();
    }
  }, 300_000);
});

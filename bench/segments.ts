/**
 * Segment counts on a seeded population (default 1M users / 10M events), on SQLite and
 * PostgreSQL, side by side with the same question written by hand in SQL over the raw tables.
 *
 *   npx tsx bench/segments.ts            BENCH_SEG_USERS=200000 npx tsx bench/segments.ts
 *
 * Reports per segment: our count time (median of 5 after a warm-up), the hand-written time, the
 * ratio, and whether both counted the same users; then peak RSS. Results also go to
 * .bench-out/segments.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { RuleNode } from '../src/domain/segments/ast.js';
import { silentLogger } from '../src/log.js';
import { runSeed } from '../src/seed/index.js';
import { refreshScores } from '../src/services/scores.js';
import { openStore, type OpenedStore } from '../src/store/open.js';

const USERS = Number(process.env.BENCH_SEG_USERS ?? 1_000_000);
const EVENTS_PER_USER = Number(process.env.BENCH_SEG_EVENTS_PER_USER ?? 10);
const PG_ADMIN = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WS = 'bench';
const NOW = new Date('2026-12-01T12:00:00Z');
const DAY = 86_400_000;
const RUNS = 5;
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',');

interface Case {
  name: string;
  root: RuleNode;
  /** The same question by hand: a WHERE clause over `users u`, with ? placeholders. */
  hand: string;
  params: (dialect: 'sqlite' | 'postgres') => unknown[];
}

const ts = (dialect: 'sqlite' | 'postgres', daysAgo: number) => (dialect === 'sqlite' ? NOW.getTime() - daysAgo * DAY : new Date(NOW.getTime() - daysAgo * DAY).toISOString());

const CASES: Case[] = [
  {
    name: 'seed example (active 30d, churn > 0.7, no email 14d, pro/max)',
    root: {
      kind: 'and',
      children: [
        { kind: 'last_event', event_type: '*', op: 'within_last', days: 30 },
        { kind: 'score', score: 'churn_risk', op: 'gt', value: 0.7 },
        { kind: 'messaging', action: 'received', channel: 'email', window_days: 14, happened: false },
        { kind: 'subscription', field: 'tier', op: 'in', value: ['pro', 'max'] },
      ],
    },
    hand: `u.last_event_at >= ?
      and u.id in (select user_id from user_scores where workspace_id = 'bench' and churn_risk > 0.7)
      and u.id not in (select user_id from messages where workspace_id = 'bench' and created_at >= ? and channel = 'email'
                       and status in ('sent','delivered','opened','clicked','bounced','complained'))
      and u.tier in ('pro','max')`,
    params: (d) => [ts(d, 30), ts(d, 14)],
  },
  {
    name: 'purchased more than 3 times in 90 days',
    root: { kind: 'event_count', event_type: 'purchase', window_days: 90, where: [], op: 'gt', value: 3 },
    hand: `u.id in (select user_id from events where workspace_id = 'bench' and type = 'purchase' and occurred_at >= ? group by user_id having count(*) > 3)`,
    params: (d) => [ts(d, 90)],
  },
  {
    name: 'active in the last 30 days (raw events by hand)',
    root: { kind: 'last_event', event_type: '*', op: 'within_last', days: 30 },
    hand: `exists (select 1 from events e where e.workspace_id = u.workspace_id and e.user_id = u.id and e.occurred_at >= ?)`,
    params: (d) => [ts(d, 30)],
  },
  {
    name: 'no app.open for 14 days',
    root: { kind: 'last_event', event_type: 'app.open', op: 'not_within_last', days: 14 },
    hand: `u.id not in (select user_id from events where workspace_id = 'bench' and type = 'app.open' and occurred_at >= ?)`,
    params: (d) => [ts(d, 14)],
  },
  {
    name: 'spent more than $200 in 90 days',
    root: { kind: 'event_sum', event_type: 'purchase', property: 'amount', window_days: 90, op: 'gt', value: 200 },
    hand: `u.id in (select user_id from events where workspace_id = 'bench' and type = 'purchase' and occurred_at >= ? group by user_id having sum(value) > 200)`,
    params: (d) => [ts(d, 90)],
  },
  {
    name: 'US or DE, pro tier, email consent, not suspended',
    root: {
      kind: 'and',
      children: [
        { kind: 'account', field: 'country', op: 'in', value: ['US', 'DE'] },
        { kind: 'subscription', field: 'tier', op: 'eq', value: 'pro' },
        { kind: 'consent', channel: 'email', subscribed: true },
        { kind: 'not', child: { kind: 'account', field: 'status', op: 'eq', value: 'suspended' } },
      ],
    },
    hand: `u.country in ('US','DE') and u.tier = 'pro' and u.consent_email = ${'?'} and u.status <> 'suspended'`,
    params: (d) => [d === 'sqlite' ? 1 : true],
  },
  {
    name: 'RFM at risk or hibernating',
    root: { kind: 'rfm_segment', op: 'in', value: ['at_risk', 'hibernating'] },
    hand: `u.id in (select user_id from user_scores where workspace_id = 'bench' and rfm_segment in ('at_risk','hibernating'))`,
    params: () => [],
  },
];

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
sampler.unref();

async function prepare(store: OpenedStore): Promise<void> {
  const started = Date.now();
  const seeded = await runSeed(store.executor, { workspaceId: WS, users: USERS, days: 90, seed: 7, eventsPerUser: EVENTS_PER_USER, now: NOW, reset: true });
  // The seeder writes the per-user aggregates itself (equal to rebuildAggregates, as its tests check).
  const seededAt = Date.now();
  const scores = await refreshScores(store, { now: () => NOW }, WS);
  // Planner statistics, as any production database has them.
  const raw = store.executor.raw;
  if (raw.dialect === 'sqlite') raw.db.exec('ANALYZE');
  else await raw.sql`analyze`;
  console.log(
    `  ${store.dialect}: seeded ${seeded.users.toLocaleString()} users / ${seeded.events.toLocaleString()} events in ${((seededAt - started) / 1000).toFixed(1)} s; ` +
      `scores for ${scores.scored.toLocaleString()} purchasers ${(scores.ms / 1000).toFixed(1)} s`,
  );
}

async function handCount(store: OpenedStore, c: Case): Promise<number> {
  const raw = store.executor.raw;
  const where = `u.workspace_id = 'bench' and (${c.hand})`;
  if (raw.dialect === 'sqlite') {
    return (raw.db.prepare(`select count(*) as n from users u where ${where}`).get(...(c.params('sqlite') as never[])) as { n: number }).n;
  }
  let i = 0;
  const [row] = await raw.sql.unsafe(`select count(*)::int as n from users u where ${where.replace(/\?/g, () => `$${++i}`)}`, c.params('postgres') as never[]);
  return (row as unknown as { n: number }).n;
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

async function measure(store: OpenedStore) {
  const rows = [];
  for (const c of CASES) {
    const rules = { version: 1 as const, root: c.root };
    const ours = await store.segments.count(WS, rules, { now: NOW });
    const hand = await handCount(store, c);
    const oursMs = await median(() => store.segments.count(WS, rules, { now: NOW }));
    const handMs = await median(() => handCount(store, c));
    const row = { dialect: store.dialect, segment: c.name, size: ours, same_count: ours === hand, ours_ms: round(oursMs), hand_ms: round(handMs), ratio: round(oursMs / handMs) };
    console.log(`  ${JSON.stringify(row)}`);
    rows.push(row);
  }
  return rows;
}

const round = (x: number) => Math.round(x * 100) / 100;

async function main() {
  console.log(`bench/segments: ${USERS.toLocaleString()} users, ~${EVENTS_PER_USER} events per user`);
  const results: Row[] = [];

  if (DIALECTS.includes('sqlite')) await runSqlite(results);
  if (DIALECTS.includes('postgres')) await runPostgres(results);
  report(results);
}

type Row = Awaited<ReturnType<typeof measure>>[number];

async function runSqlite(results: Row[]) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-seg-'));
  const sqlite = await openStore({ databaseUrl: join(dir, 'bench.db'), clock: { now: () => NOW }, log: silentLogger });
  try {
    await prepare(sqlite);
    results.push(...(await measure(sqlite)));
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runPostgres(results: Row[]) {
  const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => {} });
  const name = `bench_seg_${process.pid}`;
  let pgOk = true;
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (err) {
    pgOk = false;
    console.log(`  !!! PostgreSQL unreachable (${String(err)}): skipping the PostgreSQL half`);
  }
  if (pgOk) {
    const url = new URL(PG_ADMIN);
    url.pathname = `/${name}`;
    const pg = await openStore({ databaseUrl: url.toString(), clock: { now: () => NOW }, log: silentLogger });
    try {
      await prepare(pg);
      results.push(...(await measure(pg)));
    } finally {
      await pg.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    }
  }
  await admin.end();
}

function report(results: Row[]) {
  console.log('\n  dialect   ours ms   hand ms   ratio  same  size       segment');
  for (const r of results) {
    console.log(
      `  ${r.dialect.padEnd(9)} ${String(r.ours_ms).padStart(7)}  ${String(r.hand_ms).padStart(8)}  ${String(r.ratio).padStart(6)}  ${r.same_count ? 'yes ' : 'NO  '}  ${String(r.size).padEnd(9)}  ${r.segment}`,
    );
  }
  const rss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  console.log(`\n  peak RSS ${(rss / 1024 / 1024).toFixed(0)} MB`);
  mkdirSync('.bench-out', { recursive: true });
  writeFileSync('.bench-out/segments.json', JSON.stringify({ users: USERS, events_per_user: EVENTS_PER_USER, results, peak_rss_mb: Math.round(rss / 1024 / 1024) }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * Send-time optimization at scale (issue #9): the model update (the learner draining the queue of
 * sent emails and first opens) and the scheduling of one optimized send (the plan, then a moment
 * per person, page by page) for N people (default 1,000,000), on SQLite and PostgreSQL.
 *
 * Setup per dialect (a child process each, so peak RSS is per dialect; printed, not a result): a
 * fresh database (SQLite file in a temp dir; a PostgreSQL database created and dropped on the
 * server) opened with openStore, N users in the simulator's 21 time zones (src/sim/zones.ts, by
 * weight), a segment of them all and an email campaign to it, and a history bulk-inserted with raw
 * statements: one delivered email per person (sent 2-28 days ago, at any hour) and a unique first
 * open for ~20% of them (exponential delay, mean 3 h). The database's own triggers queue those as
 * send-time facts, exactly as production writes do. Then ANALYZE.
 *
 *  - model update: learnSendTimes drains the whole queue (N + opens facts, batches of 5,000).
 *    Raw baseline: as many row writes into an empty copy of send_time_profiles by a bare INSERT ...
 *    ON CONFLICT DO UPDATE (one column + 1), 5,000 rows per transaction (SQLite: a prepared
 *    statement per row; PostgreSQL: one statement over unnest per 5,000), with no queue to read or
 *    delete and nothing to fold. ratio = ours / raw.
 *  - scheduling: planSendTimes (learning an empty queue, population, segment totals over all N,
 *    a 5,000-person sample, buildSnapshot; 24 h window, default arm shares), then chooseSendTimes
 *    for every user in pages of 1,000 ({id, timezone} read from users in id order), with the
 *    default policy (caps 2/day and 6/week, so each page also reads the ledger's recent sends).
 *    No ledger row is written: this measures the decision, not the send. Baseline: the same pages
 *    read with their profile rows by raw statements, nothing decided. ratio = ours / reads-only.
 *    Before it, send_time_profiles is analyzed (untimed), as autoanalyze would on a running server:
 *    it was empty at the setup's ANALYZE. --stale-stats skips that, which shows what the first
 *    optimized send after a large drain costs on PostgreSQL with stale statistics.
 *
 *   npx tsx bench/sto.ts [--users 1000000] [--dialect sqlite|postgres|both] [--stale-stats]
 *   npm run bench -- sto
 *
 * Environment: BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test); unreachable: PostgreSQL is skipped.
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchDatabase } from './lib/database.js';
import { printTable } from './lib/table.js';
import { rng, userId } from './lib/trigger-mix.js';
import { loadConfig } from '../src/config.js';
import type { Channel } from '../src/domain/campaign.js';
import { campaignInput, toDefinition } from '../src/domain/campaign-input.js';
import { parseQuietHours, type PressurePolicy } from '../src/domain/delivery/pressure.js';
import type { SegmentRules } from '../src/domain/segments/ast.js';
import { DEFAULT_ARM_SHARES, type SendTimeArm } from '../src/domain/sendtime/policy.js';
import { chooseSendTimes } from '../src/engine/delivery/send-times.js';
import { learnSendTimes } from '../src/engine/sendtime-learner.js';
import { silentLogger } from '../src/log.js';
import { planSendTimes } from '../src/services/send-time-plan.js';
import { SIM_ZONES } from '../src/sim/zones.js';
import type { Executor } from '../src/store/executor.js';
import { openStore } from '../src/store/open.js';

type Dialect = 'sqlite' | 'postgres';
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const { values: opt } = parseArgs({ options: { users: { type: 'string', default: '1000000' }, dialect: { type: 'string', default: 'both' }, 'stale-stats': { type: 'boolean', default: false } } });
const N = Number(opt.users);
const WS = 'default';
const [HOUR, DAY] = [3_600_000, 86_400_000];
const [CHUNK, LEARN_BATCH, PAGE, OPEN_SHARE] = [20_000, 5_000, 1_000, 0.2];
const clock = { now: () => new Date() };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ZONE_WEIGHT = SIM_ZONES.reduce((s, z) => s + z.weight, 0);

/** Person i's zone, send and first open (null: not opened), from their own seed: any pass regenerates the same. */
function person(i: number, now: number): { zone: string; sentAt: number; openAt: number | null } {
  const r = rng(0x5e17 + i * 7919);
  let w = r() * ZONE_WEIGHT, k = 0;
  while (w >= SIM_ZONES[k]!.weight && k < SIM_ZONES.length - 1) w -= SIM_ZONES[k++]!.weight;
  const sentAt = Math.floor(now - 2 * DAY - r() * 26 * DAY);
  const opened = r() < OPEN_SHARE;
  const delay = Math.min(DAY, Math.floor(-Math.log(1 - r()) * 3 * HOUR));
  return { zone: SIM_ZONES[k]!.tz, sentAt, openAt: opened ? sentAt + delay : null };
}

/** Users, one delivered email each, then the first opens (so the queue holds N sends, then the opens). Returns the opens. */
async function insertHistory(x: Executor, campaignId: string, now: number): Promise<number> {
  let opens = 0;
  const raw = x.raw;
  if (raw.dialect === 'sqlite') {
    const u = raw.db.prepare(`INSERT INTO users (workspace_id, id, email, name, timezone, tier, consent_email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pro', 1, ?, ?)`);
    const m = raw.db.prepare(`INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, idempotency_key, status, status_history, attempts, credits,
      planned_for, scheduled_for, sent_at, delivered_at, created_at, updated_at) VALUES (?, ?, ?, 'history', ?, 'email', ?, 'delivered', '[]', 1, 1, ?, ?, ?, ?, ?, ?)`);
    const e = raw.db.prepare(`INSERT INTO engagement_events (workspace_id, id, message_id, campaign_id, user_id, kind, is_machine, is_unique, is_first, occurred_at, channel, source)
      VALUES (?, ?, ?, ?, ?, 'open', 0, 1, 1, ?, 'email', 'pixel')`);
    const chunk = raw.db.transaction((from: number, to: number, pass: 'sends' | 'opens') => {
      for (let i = from; i < to; i++) {
        const p = person(i, now), id = userId(i);
        if (pass === 'sends') {
          u.run(WS, id, `${id}@example.com`, `Person ${i}`, p.zone, now - 60 * DAY, now);
          m.run(WS, `m${i}`, campaignId, id, `k${i}`, p.sentAt, p.sentAt, p.sentAt, p.sentAt, p.sentAt, p.sentAt);
        } else if (p.openAt !== null) (e.run(WS, `e${i}`, `m${i}`, campaignId, id, p.openAt), opens++);
      }
    });
    for (const pass of ['sends', 'opens'] as const) for (let s = 0; s < N; s += CHUNK) chunk(s, Math.min(N, s + CHUNK), pass);
    await analyze(x);
    return opens;
  }
  const sql = raw.sql;
  const iso = (ms: number) => new Date(ms).toISOString();
  const created = iso(now - 60 * DAY);
  for (const pass of ['sends', 'opens'] as const) {
    for (let s = 0; s < N; s += CHUNK) {
      const idx: number[] = [], zones: string[] = [], at: string[] = [];
      for (let i = s; i < Math.min(N, s + CHUNK); i++) {
        const p = person(i, now);
        if (pass === 'opens' && p.openAt === null) continue;
        [idx.push(i), zones.push(p.zone), at.push(iso(pass === 'sends' ? p.sentAt : p.openAt!))];
      }
      const ids = idx.map(userId);
      if (pass === 'sends') {
        await sql`INSERT INTO users (workspace_id, id, email, name, timezone, tier, consent_email, created_at, updated_at)
          SELECT ${WS}, d.id, d.id || '@example.com', 'Person ' || d.i, d.zone, 'pro', true, ${created}::timestamptz, ${iso(now)}::timestamptz
          FROM unnest(${ids}::text[], ${idx}::int[], ${zones}::text[]) AS d(id, i, zone)`;
        await sql`INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, idempotency_key, status, status_history, attempts, credits,
            planned_for, scheduled_for, sent_at, delivered_at, created_at, updated_at)
          SELECT ${WS}, 'm' || d.i, ${campaignId}, 'history', d.id, 'email', 'k' || d.i, 'delivered', '[]'::jsonb, 1, 1, d.at, d.at, d.at, d.at, d.at, d.at
          FROM (SELECT id, i, at::timestamptz AS at FROM unnest(${ids}::text[], ${idx}::int[], ${at}::text[]) AS u(id, i, at)) AS d`;
      } else {
        opens += idx.length;
        await sql`INSERT INTO engagement_events (workspace_id, id, message_id, campaign_id, user_id, kind, is_machine, is_unique, is_first, occurred_at, channel, source)
          SELECT ${WS}, 'e' || d.i, 'm' || d.i, ${campaignId}, d.id, 'open', false, true, true, d.at::timestamptz, 'email', 'pixel'
          FROM unnest(${ids}::text[], ${idx}::int[], ${at}::text[]) AS d(id, i, at)`;
      }
    }
  }
  await analyze(x);
  return opens;
}

async function analyze(x: Executor, table = ''): Promise<void> {
  if (x.raw.dialect === 'sqlite') x.raw.db.exec(`ANALYZE ${table}`);
  else await x.raw.sql.unsafe(`ANALYZE ${table}`);
}

/** The raw write baseline: the learner's row writes (N sends, then the opens) as bare upserts into an empty copy of the table. */
async function rawUpdate(x: Executor, now: number): Promise<number> {
  const opened: number[] = [];
  for (let i = 0; i < N; i++) if (person(i, now).openAt !== null) opened.push(i);
  const phases: Array<[string, (k: number) => number, number]> = [['s10', (k) => k, N], ['o10', (k) => opened[k]!, opened.length]];
  const raw = x.raw;
  let ms: number;
  if (raw.dialect === 'sqlite') {
    const ddl = (raw.db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'send_time_profiles'`).get() as { sql: string }).sql;
    raw.db.exec(ddl.replace(/send_time_profiles/, 'bench_raw_profiles'));
    const t0 = performance.now();
    for (const [col, who, n] of phases) {
      const st = raw.db.prepare(`INSERT INTO bench_raw_profiles (workspace_id, user_id, ${col}, updated_at) VALUES (?, ?, 1, ?)
        ON CONFLICT (workspace_id, user_id) DO UPDATE SET ${col} = ${col} + 1, updated_at = excluded.updated_at`);
      const batch = raw.db.transaction((from: number, to: number) => {
        for (let k = from; k < to; k++) st.run(WS, userId(who(k)), now);
      });
      for (let s = 0; s < n; s += LEARN_BATCH) batch.immediate(s, Math.min(n, s + LEARN_BATCH));
    }
    ms = performance.now() - t0;
    raw.db.exec('DROP TABLE bench_raw_profiles');
  } else {
    const sql = raw.sql;
    await sql`CREATE TABLE bench_raw_profiles (LIKE send_time_profiles INCLUDING ALL)`;
    const t0 = performance.now();
    for (const [col, who, n] of phases) {
      for (let s = 0; s < n; s += LEARN_BATCH) {
        const ids = Array.from({ length: Math.min(LEARN_BATCH, n - s) }, (_, k) => userId(who(s + k)));
        await sql`INSERT INTO bench_raw_profiles AS p (workspace_id, user_id, ${sql(col)}, updated_at)
          SELECT ${WS}, d.u, 1, ${new Date(now).toISOString()}::timestamptz FROM unnest(${ids}::text[]) AS d(u)
          ON CONFLICT (workspace_id, user_id) DO UPDATE SET ${sql(col)} = p.${sql(col)} + 1, updated_at = excluded.updated_at`;
      }
    }
    ms = performance.now() - t0;
    await sql`DROP TABLE bench_raw_profiles`;
  }
  return ms;
}

async function scalar(x: Executor, text: string): Promise<number> {
  const raw = x.raw;
  const rows = raw.dialect === 'sqlite' ? [raw.db.prepare(text).get()] : await raw.sql.unsafe(text);
  return Number((rows[0] as { n: number | string }).n);
}

type Member = { id: string; timezone: string };
/** Pages of users in id order (what the dispatcher's member pages carry), and their profile rows read raw. */
function rawReads(x: Executor): { page(after: string): Promise<Member[]>; profiles(ids: string[]): Promise<unknown[]> } {
  const raw = x.raw;
  if (raw.dialect === 'sqlite') {
    const page = raw.db.prepare(`SELECT id, timezone FROM users WHERE workspace_id = ? AND id > ? ORDER BY id LIMIT ${PAGE}`);
    const byLength = new Map<number, ReturnType<typeof raw.db.prepare>>();
    const profiles = (n: number) => byLength.get(n) ?? byLength.set(n, raw.db.prepare(`SELECT * FROM send_time_profiles WHERE workspace_id = ? AND user_id IN (${Array(n).fill('?').join(',')})`)).get(n)!;
    return { page: async (after) => page.all(WS, after) as Member[], profiles: async (ids) => profiles(ids.length).all(WS, ...ids) };
  }
  const sql = raw.sql;
  return {
    page: async (after) => [...(await sql<Member[]>`SELECT id, timezone FROM users WHERE workspace_id = ${WS} AND id > ${after} ORDER BY id LIMIT ${PAGE}`)],
    profiles: async (ids) => [...(await sql`SELECT * FROM send_time_profiles WHERE workspace_id = ${WS} AND user_id = any(${ids}::text[])`)],
  };
}

async function measure(dialect: Dialect, url: string) {
  const store = await openStore({ databaseUrl: url, clock, log: silentLogger });
  let peakRss = 0;
  const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  const say = (what: string) => console.log(`  ${dialect}: ${what}`);
  try {
    const now = Date.now();
    const setupStart = performance.now();
    await store.workspaces.ensure(WS);
    const rules: SegmentRules = { version: 1, root: { kind: 'subscription', field: 'tier', op: 'in', value: ['pro'] } };
    const segment = await store.segments.create(WS, { name: 'everyone', description: 'every user (all on pro)', kind: 'dynamic', rules }, 'bench');
    const input = campaignInput.parse({ name: 'Bench newsletter', channels: ['email'], segment_id: segment.id, variants: [{ subject: 'News', body: 'Hi {{first_name}}' }] });
    const campaign = await store.campaigns.create(WS, toDefinition(input, new Date(now)), 'bench');
    const opens = await insertHistory(store.executor, campaign.id, now);
    const facts = N + opens;
    const queued = await store.sendTime.pendingCount(WS);
    if (queued !== facts) throw new Error(`the triggers queued ${queued} facts, expected ${facts}`);
    const setupMs = performance.now() - setupStart;
    say(`setup ${(setupMs / 1000).toFixed(1)} s: ${fmt(N)} users, ${fmt(N)} sent emails and ${fmt(opens)} first opens queued by the triggers (load1 ${loadavg()[0]!.toFixed(2)})`);

    // Model update: the learner drains the queue; each batch timed, to see whether batches slow down as the queue empties.
    const batchMs: number[] = [];
    const apply = store.sendTime.applyPending;
    store.sendTime.applyPending = async (...a) => {
      const t = performance.now();
      try { return await apply(...a); } finally { batchMs.push(performance.now() - t); sampleRss(); }
    };
    sampleRss();
    const updateStart = performance.now();
    const applied = await learnSendTimes(store, clock);
    const updateMs = performance.now() - updateStart;
    store.sendTime.applyPending = apply;
    const left = await store.sendTime.pendingCount(WS);
    if (applied !== facts || left !== 0) throw new Error(`learner applied ${applied} of ${facts} facts, ${left} left in the queue`);
    const sends = await scalar(store.executor, `SELECT sum(${Array.from({ length: 24 }, (_, h) => `s${String(h).padStart(2, '0')}`).join(' + ')}) AS n FROM send_time_profiles`);
    if (sends !== N) throw new Error(`profiles hold ${sends} sends, expected ${N}`);
    say(`model update ${fmt(updateMs)} ms (${fmt(facts)} facts); raw baseline...`);
    const rawUpdateMs = await rawUpdate(store.executor, now);
    // The profiles table was empty at the setup's ANALYZE: a running server's autoanalyze would catch up (see the header).
    if (!opt['stale-stats']) await analyze(store.executor, 'send_time_profiles');

    // Scheduling: the plan, then every user in pages of 1,000 (store reads inside chooseSendTimes timed apart, as one span per page).
    const cfg = loadConfig({ DATABASE_URL: url });
    const quietHours = parseQuietHours(cfg.QUIET_HOURS, cfg.QUIET_HOURS_CHANNELS as Channel[]);
    const policy: PressurePolicy = { capPerDay: cfg.FREQUENCY_CAP_PER_DAY || null, capPerWeek: cfg.FREQUENCY_CAP_PER_WEEK || null, quietHours };
    const reads = rawReads(store.executor);
    const at = new Date();
    const planStart = performance.now();
    const plan = await planSendTimes({ store, clock, policy }, WS, campaign, { from: at, windowHours: 24, shares: DEFAULT_ARM_SHARES, respectQuietHours: true });
    const planMs = performance.now() - planStart;
    let span = { from: Infinity, to: 0 };
    const spanned = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      span.from = Math.min(span.from, performance.now());
      try { return await f(...a); } finally { span.to = Math.max(span.to, performance.now()); }
    };
    const deps = { store: { sendTime: { ...store.sendTime, profiles: spanned(store.sendTime.profiles) }, ledger: { ...store.ledger, recentSends: spanned(store.ledger.recentSends) } }, policy };
    const arms: Record<SendTimeArm, number> = { optimized: 0, explore: 0, control: 0 };
    let [scheduled, storeReadsMs, after] = [0, 0, ''];
    const scheduleStart = performance.now();
    for (let members = await reads.page(after); members.length > 0; members = await reads.page(after)) {
      span = { from: Infinity, to: 0 };
      const choices = await chooseSendTimes(deps, WS, 'sch_bench', plan, members, at);
      storeReadsMs += span.to - span.from;
      if (choices.size !== members.length) throw new Error(`${choices.size} choices for a page of ${members.length}`);
      for (const c of choices.values()) arms[c.arm]++;
      scheduled += members.length;
      after = members[members.length - 1]!.id;
      sampleRss();
    }
    const scheduleMs = performance.now() - scheduleStart;
    if (scheduled !== N) throw new Error(`scheduled ${scheduled} of ${N} users`);
    say(`scheduling ${fmt(scheduleMs)} ms; reads-only baseline...`);
    let [readRows, readsStart] = [0, performance.now()];
    after = '';
    for (let members = await reads.page(after); members.length > 0; members = await reads.page(after)) {
      readRows += (await reads.profiles(members.map((m) => m.id))).length;
      after = members[members.length - 1]!.id;
    }
    const readsMs = performance.now() - readsStart;
    if (readRows !== N) throw new Error(`reads-only found ${readRows} profiles, expected ${N}`);
    const q = (p: number) => batchMs.slice(Math.floor(p * batchMs.length), Math.max(1, Math.floor((p + 0.1) * batchMs.length)));
    const avg = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / Math.max(1, xs.length);
    return {
      dialect, setupMs, facts, opens, updateMs, rawUpdateMs, firstBatchesMs: avg(q(0)), lastBatchesMs: avg(q(0.9)),
      planMs, kernel: plan.snapshot.kernelSource, scheduleMs, storeReadsMs, readsMs, arms,
      rssMb: { timed: Math.round(peakRss / 2 ** 20), max: Math.round(process.resourceUsage().maxRSS / 1024) },
    };
  } finally {
    await store.close();
  }
}
type Result = Awaited<ReturnType<typeof measure>>;

/** Runs one dialect in a child process (this file again); resolves with its result. */
function child(dialect: Dialect, url: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    let out: Result | undefined;
    const c = fork(fileURLToPath(import.meta.url), process.argv.slice(2), { env: { ...process.env, BENCH_STO_CHILD: JSON.stringify({ dialect, url }) }, stdio: 'inherit' });
    c.on('message', (m) => (out = m as Result));
    c.on('error', reject);
    c.on('exit', (code, sig) => (out !== undefined && code === 0 ? resolve(out) : reject(new Error(`child exited with ${sig ?? `code ${code}`}`))));
  });
}

async function main() {
  const dialects: Dialect[] = opt.dialect === 'both' ? ['sqlite', 'postgres'] : [opt.dialect as Dialect];
  if (dialects.some((d) => d !== 'sqlite' && d !== 'postgres') || !(Number.isInteger(N) && N >= PAGE)) throw new Error(`usage: --users N (at least ${PAGE}) --dialect sqlite|postgres|both [--stale-stats]`);
  console.log(`Send-time optimization at ${fmt(N)} users: model update and scheduling (decisions only: no ledger rows are written)${opt['stale-stats'] ? '; profiles NOT analyzed after the drain' : ''}`);
  const results: Result[] = [];
  for (const dialect of dialects) {
    const db = await benchDatabase(dialect, 'sto', PG_URL).catch((err: Error) => (console.log(`SKIP  ${dialect}: database unreachable (${PG_URL}): ${err.message}`), null));
    if (!db) continue;
    const cleanup = () => db.drop().catch((err: Error) => console.error(`dropping the ${dialect} database failed: ${err.message}`));
    const onSignal = () => void cleanup().finally(() => process.exit(130));
    process.once('SIGINT', onSignal);
    try {
      results.push(await child(dialect, db.url));
    } catch (err) {
      console.error(`FAIL  ${dialect}: ${(err as Error).message}`);
      process.exitCode = 1;
    } finally {
      process.off('SIGINT', onSignal);
      await cleanup();
    }
  }
  if (results.length === 0) return;
  const col = (f: (x: Result) => string) => results.map(f);
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log('');
  printTable(['', ...results.map((x) => x.dialect)], [
    ['users', ...col(() => fmt(N))],
    ['setup s (users, history, ANALYZE; not a result)', ...col((x) => s(x.setupMs))],
    ['facts applied (sent emails + first opens)', ...col((x) => `${fmt(x.facts)} (${fmt(N)} + ${fmt(x.opens)})`)],
    ['model update s (learnSendTimes, whole queue)', ...col((x) => s(x.updateMs))],
    ['model update facts/s', ...col((x) => fmt((x.facts * 1000) / x.updateMs))],
    [`  ms per batch of ${fmt(LEARN_BATCH)}: first 10% / last 10%`, ...col((x) => `${x.firstBatchesMs.toFixed(1)} / ${x.lastBatchesMs.toFixed(1)}`)],
    ['raw upsert baseline s (same row writes)', ...col((x) => s(x.rawUpdateMs))],
    ['ratio update / raw', ...col((x) => (x.updateMs / x.rawUpdateMs).toFixed(2))],
    ['plan build ms (planSendTimes)', ...col((x) => `${fmt(x.planMs)} (kernel ${x.kernel})`)],
    [`scheduling s (chooseSendTimes, pages of ${fmt(PAGE)})`, ...col((x) => s(x.scheduleMs))],
    ['scheduling users/s', ...col((x) => fmt((N * 1000) / x.scheduleMs))],
    ['  of which store reads s (profiles + recent sends)', ...col((x) => s(x.storeReadsMs))],
    ['reads-only baseline s (user pages + profiles)', ...col((x) => s(x.readsMs))],
    ['ratio scheduling / reads-only', ...col((x) => (x.scheduleMs / x.readsMs).toFixed(2))],
    ['arms: optimized / explore / control', ...col((x) => `${fmt(x.arms.optimized)} / ${fmt(x.arms.explore)} / ${fmt(x.arms.control)}`)],
    ['peak RSS MB (timed phases sampled / process max)', ...col((x) => `${x.rssMb.timed} / ${x.rssMb.max}`)],
  ]);
}

const spec = process.env.BENCH_STO_CHILD;
if (spec) {
  const { dialect, url } = JSON.parse(spec) as { dialect: Dialect; url: string };
  const out = await measure(dialect, url);
  process.send!(out, () => process.disconnect());
} else await main();

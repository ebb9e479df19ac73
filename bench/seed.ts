/**
 * Seeding benchmark: 1M users / ~10M events (and their ~2.5M user_event_summary rows) into a
 * fresh SQLite file and a fresh PostgreSQL database, next to a raw SQLite baseline: the same
 * numbers of plain rows into tables with the same columns and no indexes, one prepared statement
 * per table, one transaction. Each measurement runs in its own child process so peak RSS is per run.
 *
 *   npx tsx bench/seed.ts        (BENCH_SEED_USERS, BENCH_SEED_EVENTS_PER_USER, BENCH_PG_URL)
 *
 * Prints a table and writes .bench-out/seed.json.
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import postgres from 'postgres';
import { silentLogger } from '../src/log.js';
import { generateBatches } from '../src/seed/generate.js';
import { runSeed } from '../src/seed/index.js';
import { openStore } from '../src/store/open.js';

const USERS = Number(process.env.BENCH_SEED_USERS ?? 1_000_000);
const EVENTS_PER_USER = Number(process.env.BENCH_SEED_EVENTS_PER_USER ?? 10);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NOW = new Date('2026-01-01T00:00:00Z');
const TARGET_ROWS_PER_S = 200_000;
const TARGET_PEAK_RSS_MB = 500;

type Kind = 'baseline' | 'sqlite' | 'postgres';

interface Counts {
  users: number;
  events: number;
  summaries: number;
}

interface Measurement extends Counts {
  kind: Kind;
  ms: number;
  /** 1-minute load average when the run started: other processes skew the figures. */
  load1?: number;
  peakRssMb: number;
  maxRssMb: number;
  skipped?: string;
}

// ---------------------------------------------------------------- child side

function rssSampler(): () => { peakRssMb: number; maxRssMb: number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { peakRssMb: Math.round(peak / 2 ** 20), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
  };
}

async function measureSqlite(): Promise<Measurement> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-seed-'));
  try {
    const store = await openStore({ databaseUrl: join(dir, 'seed.db'), clock: { now: () => new Date() }, log: silentLogger });
    const stop = rssSampler();
    const r = await runSeed(store.executor, { workspaceId: 'bench', users: USERS, days: 90, seed: 42, eventsPerUser: EVENTS_PER_USER, now: NOW });
    const rss = stop();
    const raw = store.executor.raw;
    if (raw.dialect === 'sqlite') verifyCounts(r, raw.db.prepare(COUNT_SQL).get());
    await store.close();
    return { kind: 'sqlite', users: r.users, events: r.events, summaries: r.summaries, ms: r.ms, ...rss };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measurePostgres(): Promise<Measurement> {
  const name = `bench_seed_${process.pid}`;
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin`select 1`;
  } catch (err) {
    await admin.end({ timeout: 1 }).catch(() => {});
    return { kind: 'postgres', users: 0, events: 0, summaries: 0, ms: 0, peakRssMb: 0, maxRssMb: 0, skipped: `PostgreSQL unreachable at ${PG_URL}: ${(err as Error).message}` };
  }
  await admin.unsafe(`create database ${name}`);
  try {
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    const store = await openStore({ databaseUrl: url.toString(), clock: { now: () => new Date() }, log: silentLogger });
    const stop = rssSampler();
    const r = await runSeed(store.executor, { workspaceId: 'bench', users: USERS, days: 90, seed: 42, eventsPerUser: EVENTS_PER_USER, now: NOW });
    const rss = stop();
    const raw = store.executor.raw;
    if (raw.dialect === 'postgres') {
      const [counts] = await raw.sql.unsafe(COUNT_SQL.replaceAll('count(*)', 'count(*)::int'));
      verifyCounts(r, counts);
    }
    await store.close();
    return { kind: 'postgres', users: r.users, events: r.events, summaries: r.summaries, ms: r.ms, ...rss };
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end({ timeout: 5 });
  }
}

const COUNT_SQL =
  'select (select count(*) from users) as users, (select count(*) from events) as events, (select count(*) from user_event_summary) as summaries';

function verifyCounts(r: Counts, counts: unknown): void {
  const c = counts as Counts | undefined;
  if (c?.users !== r.users || c.events !== r.events || c.summaries !== r.summaries) {
    throw new Error(`row counts differ: reported ${JSON.stringify(r)}, found ${JSON.stringify(c)}`);
  }
}

/**
 * The raw baseline: the same numbers of rows, shaped like users and events (values cycled from a
 * small pool of generated rows, ids unique), into tables with the same columns and no indexes.
 */
function measureBaseline(counts: Counts): Measurement {
  const dir = mkdtempSync(join(tmpdir(), 'bench-seed-raw-'));
  try {
    const db = new Database(join(dir, 'raw.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`create table users_plain (workspace_id text not null, id text not null, email text, phone text, name text,
      status text not null, country text, timezone text not null, locale text not null, tier text not null,
      subscription_status text not null, is_trial integer not null, credits_remaining integer not null,
      consent_email integer not null, consent_push integer not null, consent_sms integer not null,
      consent_in_app integer not null, consent_webhook integer not null, traits text not null,
      created_at integer not null, updated_at integer not null, last_event_at integer)`);
    db.exec(`create table events_plain (workspace_id text not null, id text not null, user_id text not null, type text not null,
      properties text not null, value real, source text not null, occurred_at integer not null, received_at integer not null)`);
    db.exec(`create table summary_plain (workspace_id text not null, user_id text not null, event_type text not null,
      count integer not null, value_sum real not null, first_at integer not null, last_at integer not null)`);
    const pool = [...generateBatches({ seed: 1, users: 1000, days: 90, now: NOW, workspaceId: 'bench', eventsPerUser: EVENTS_PER_USER })][0]!;
    // Whole parameter arrays, reused with only the id slot changing, so the loop measures SQLite.
    const users = pool.users.map((u) => ['bench', '', u.email, u.phone, u.name, u.status, u.country, u.timezone, u.locale, u.tier,
      u.subscription_status, +u.is_trial, u.credits_remaining, +u.consent_email, +u.consent_push, +u.consent_sms, +u.consent_in_app,
      +u.consent_webhook, JSON.stringify(u.traits), u.created_at, u.updated_at, u.last_event_at]);
    const events = pool.events.map((e) => ['bench', '', e.user_id, e.type, JSON.stringify(e.properties), e.value, e.source, e.occurred_at, e.received_at]);
    const summaries = pool.summaries.map((x) => ['bench', '', x.event_type, x.count, x.value_sum, x.first_at, x.last_at]);
    const insertUser = db.prepare(`insert into users_plain values (${Array(users[0]!.length).fill('?').join(', ')})`);
    const insertEvent = db.prepare(`insert into events_plain values (${Array(events[0]!.length).fill('?').join(', ')})`);
    const insertSummary = db.prepare(`insert into summary_plain values (${Array(summaries[0]!.length).fill('?').join(', ')})`);
    const stop = rssSampler();
    const started = performance.now();
    db.exec('begin');
    for (let i = 0; i < counts.users; i++) {
      const params = users[i % users.length]!;
      params[1] = `u_${i}`;
      insertUser.run(params);
    }
    for (let i = 0; i < counts.events; i++) {
      const params = events[i % events.length]!;
      params[1] = `e_${i}`;
      insertEvent.run(params);
    }
    for (let i = 0; i < counts.summaries; i++) {
      const params = summaries[i % summaries.length]!;
      params[1] = `u_${i}`;
      insertSummary.run(params);
    }
    db.exec('commit');
    const ms = Math.round(performance.now() - started);
    const rss = stop();
    db.close();
    return { kind: 'baseline', ...counts, ms, ...rss };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function child(kind: Kind): Promise<void> {
  const load1 = Number(loadavg()[0]!.toFixed(2));
  const m =
    kind === 'baseline'
      ? measureBaseline(JSON.parse(process.env.BENCH_SEED_COUNTS ?? '') as Counts)
      : kind === 'sqlite'
        ? await measureSqlite()
        : await measurePostgres();
  process.send?.({ ...m, load1 }, () => process.disconnect());
}

// ---------------------------------------------------------------- parent side

function runChild(kind: Kind, env: Record<string, string> = {}): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    let result: Measurement | undefined;
    const c = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, ...env, BENCH_SEED_CHILD: kind }, stdio: 'inherit' });
    c.on('message', (m) => (result = m as Measurement));
    c.on('error', reject);
    c.on('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`${kind} run exited with code ${code}`))));
  });
}

/** Left-aligned first column, right-aligned numbers. */
function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

const rate = (n: number, ms: number): number => (ms > 0 ? Math.round((n * 1000) / ms) : 0);
const fmt = (n: number): string => n.toLocaleString('en-US');

async function parent(): Promise<void> {
  console.log(`seed bench: ${fmt(USERS)} users x ${EVENTS_PER_USER} events/user; ${cpus().length} cpus, node ${process.version}`);
  const sqlite = await runChild('sqlite');
  const counts: Counts = { users: sqlite.users, events: sqlite.events, summaries: sqlite.summaries };
  const baseline = await runChild('baseline', { BENCH_SEED_COUNTS: JSON.stringify(counts) });
  const pg = await runChild('postgres');
  if (pg.skipped) console.log(`\n!!! PostgreSQL SKIPPED: ${pg.skipped}\n`);

  const all = (m: Counts): number => m.users + m.events + m.summaries;
  const baseRate = rate(all(baseline), baseline.ms);
  const label: Record<Kind, string> = { baseline: 'sqlite raw baseline', sqlite: 'sqlite seed', postgres: 'postgres seed' };
  console.log(`rows per run: ${fmt(sqlite.users)} users, ${fmt(sqlite.events)} events, ${fmt(sqlite.summaries)} user_event_summary`);
  const header = ['run', 'users/s', 'events/s', 'users+events/s', 'all rows/s', 'wall s', 'RSS MB peak/max', 'vs baseline', 'load1'];
  const lines = [baseline, sqlite, pg]
    .filter((m) => !m.skipped)
    .map((m) => [
      label[m.kind],
      fmt(rate(m.users, m.ms)),
      fmt(rate(m.events, m.ms)),
      fmt(rate(m.users + m.events, m.ms)),
      fmt(rate(all(m), m.ms)),
      (m.ms / 1000).toFixed(1),
      `${m.peakRssMb}/${m.maxRssMb}`,
      (rate(all(m), m.ms) / baseRate).toFixed(2),
      String(m.load1 ?? ''),
    ]);
  printTable(header, lines);
  const sqliteRate = rate(sqlite.users + sqlite.events, sqlite.ms);
  const checks = [
    { target: `sqlite users+events >= ${fmt(TARGET_ROWS_PER_S)} rows/s`, ok: sqliteRate >= TARGET_ROWS_PER_S, actual: fmt(sqliteRate) },
    ...[sqlite, pg]
      .filter((m) => !m.skipped)
      .map((m) => {
        const peak = Math.max(m.peakRssMb, m.maxRssMb);
        return { target: `${m.kind} peak RSS < ${TARGET_PEAK_RSS_MB} MB`, ok: peak < TARGET_PEAK_RSS_MB, actual: `${peak} MB` };
      }),
  ];
  for (const c of checks) console.log(`${c.ok ? 'PASS' : 'MISS'}  ${c.target} (actual ${c.actual})`);

  mkdirSync('.bench-out', { recursive: true });
  const out = {
    bench: 'seed',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, loadavg: loadavg() },
    sizes: { users: USERS, eventsPerUser: EVENTS_PER_USER },
    results: { baseline, sqlite, postgres: pg },
    ratio: { sqliteVsBaseline: Number((rate(all(sqlite), sqlite.ms) / baseRate).toFixed(3)) },
    targets: checks,
  };
  writeFileSync('.bench-out/seed.json', `${JSON.stringify(out, null, 2)}\n`);
  console.log('wrote .bench-out/seed.json');
}

const childKind = process.env.BENCH_SEED_CHILD as Kind | undefined;
await (childKind ? child(childKind) : parent());

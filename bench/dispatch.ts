/**
 * Send-pipeline benchmark: one email campaign to 100k people (default), end to end through the
 * real engine, on SQLite and PostgreSQL, next to the raw cost of writing the same ledger rows.
 * Each measurement runs in its own child process so peak RSS is per run.
 *
 *  - end to end (per dialect), in two processes. Setup: a fresh database (a SQLite file in a temp
 *    dir; a PostgreSQL database created and dropped on the local server), N users bulk-inserted
 *    (tier pro, email consent, an address; then ANALYZE users), a dynamic segment of tier pro and
 *    a one-time email campaign with {{first_name}} in subject and body (create_campaign through
 *    an in-process MCP client, as the local operator). Then, in a process of its own (so setup's
 *    memory is not counted), the send: buildApp (QUIET_HOURS off, frequency caps off, log silent)
 *    and a job worker (createWorker, real clock, the worker's default concurrency: 2 on SQLite,
 *    4 on PostgreSQL; poll 20 ms; already polling when the send is confirmed), timed from just
 *    before schedule_send {confirm: true} until the campaign is 'completed': the fire job cuts the
 *    audience into ranges, the dispatch jobs read their members and write each one's ledger row
 *    with its delivery through the embedded local channel (local_deliveries), finalize.
 *    messages/s = delivered rows / seconds. Afterwards there must be exactly N ledger rows, all
 *    'delivered', and N local_deliveries rows for N distinct ledger ids, whose ledger rows hold
 *    the rendered content, or the run fails.
 *  - raw baselines (per dialect), into the real migrated `messages` table (all its indexes) of a
 *    fresh database of the same kind: one transaction of one prepared statement (SQLite); unnest
 *    arrays, a few statements of 25k rows in one transaction (PostgreSQL). Reported as rows/s.
 *    "final rows": the same N rows as the send leaves them (delivered, rendered content, provider
 *    ids, timestamps), the baseline of the target. "queued rows": the narrower rows an expansion
 *    before sending would write (this bench's baseline until the send stopped writing them).
 *  - ratio = end-to-end messages/s / final-rows baseline rows/s (the queued-rows ratio is shown too).
 *
 * The end-to-end run also prints where the time went: the job phases (timed by wrapping the job
 * handlers the worker runs: confirm, cutting ranges, enqueuing, dispatch, finalize lag) and
 * the time per store call: on SQLite the time spent inside SQLite statements issued by each call
 * (exact; JavaScript around them is not counted), on PostgreSQL the wall time of each awaited
 * call (overlapping calls add up).
 *
 *   npx tsx bench/dispatch.ts          npm run bench -- dispatch
 *   BENCH_DISPATCH_USERS=20000 BENCH_DIALECTS=sqlite npx tsx bench/dispatch.ts
 *
 * Environment: BENCH_DISPATCH_USERS (100000), BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test),
 * BENCH_DIALECTS (sqlite,postgres), BENCH_DISPATCH_CONCURRENCY (the worker's default), BENCH_DISPATCH_POLL_MS (20),
 * BENCH_DISPATCH_TIMEOUT_S (900), BENCH_DISPATCH_TSX (0); diagnostics: BENCH_DISPATCH_CPU_PROF=1 (V8 profile of the timed
 * section), BENCH_DISPATCH_STORE_PROFILE=1 (time per store call).
 *
 * The measured processes run the project compiled by tsc into .bench-out/build, under plain node,
 * as the worker runs in production (BENCH_DISPATCH_TSX=1: under tsx, which adds ~60 MB of RSS).
 *
 * Prints a table and PASS/MISS lines, writes .bench-out/dispatch.json. PostgreSQL unreachable:
 * a SKIP line, exit 0. A run that fails its verification (or gets stuck) exits non-zero.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import postgres from 'postgres';
import { prompts } from '../prompts/index.js';
import { resources } from '../resources/index.js';
import { buildApp, localPrincipal, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { systemClock } from '../src/context.js';
import { ledgerKey, scheduleStepKey } from '../src/domain/delivery/ledger.js';
import { renderMessage } from '../src/domain/delivery/render.js';
import { JOB_KINDS } from '../src/engine/delivery/deps.js';
import { defaultConcurrency } from '../src/engine/run.js';
import { createWorker, type JobHandler } from '../src/engine/worker.js';
import { silentLogger } from '../src/log.js';
import { connectInProcess, type InProcessClient } from '../src/server/in-process.js';
import type { Executor } from '../src/store/executor.js';
import { newId } from '../src/store/ids.js';
import { openStore } from '../src/store/open.js';
import { tools } from '../tools/index.js';
import { compileProject } from './lib/build.js';

type Dialect = 'sqlite' | 'postgres';
type Kind = 'seed' | 'e2e' | 'baseline' | 'baseline-queued';

const USERS = Number(process.env.BENCH_DISPATCH_USERS ?? 100_000);
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()).filter(Boolean);
/** The worker's own default per dialect (2 on SQLite, 4 on PostgreSQL) unless BENCH_DISPATCH_CONCURRENCY says otherwise. */
const concurrencyFor = (dialect: Dialect): number =>
  process.env.BENCH_DISPATCH_CONCURRENCY ? Number(process.env.BENCH_DISPATCH_CONCURRENCY) : defaultConcurrency(dialect);
const WORKER_POLL_MS = Number(process.env.BENCH_DISPATCH_POLL_MS ?? 20);
const TIMEOUT_S = Number(process.env.BENCH_DISPATCH_TIMEOUT_S ?? 900);
/** Write a V8 CPU profile of each end-to-end timed section to .bench-out/dispatch-<dialect>.cpuprofile. */
const CPU_PROF = process.env.BENCH_DISPATCH_CPU_PROF === '1';
/** Time every store call (off by default, since the wrapping costs a few µs per statement; BENCH_DISPATCH_STORE_PROFILE=1 turns it on). */
const STORE_PROFILE = process.env.BENCH_DISPATCH_STORE_PROFILE === '1';
const STATUS_POLL_MS = 20;
/** Rows per statement for PostgreSQL bulk writes (users in setup, the baseline's ledger rows). */
const PG_BATCH = 25_000;
const TARGET_MSG_PER_S: Record<Dialect, number> = { sqlite: 20_000, postgres: 10_000 };
const TARGET_RATIO = 0.25;
const TARGET_PEAK_RSS_MB = 300;

const FIRST = ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'Dennis', 'Radia', 'Niklaus'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'Ritchie', 'Perlman', 'Wirth'];
const COUNTRIES = ['DE', 'US', 'FR', 'GB', 'JP', 'BR'];
const ZONES = ['Europe/Berlin', 'America/New_York', 'Europe/Paris', 'Europe/London', 'Asia/Tokyo', 'America/Sao_Paulo'];
/** Ids that sort like their numbers, in any collation. */
const userId = (i: number): string => `u_${String(i).padStart(7, '0')}`;

interface Phases {
  /** schedule_send {confirm: true}: the segment count, the schedule and its first job. */
  confirmMs: number;
  /** confirm answered -> the worker started the fire job. */
  pickupMs: number;
  /** fire job: cutting the audience into user-id ranges (one windowed read of the segment). */
  expandMs: number;
  /** fire job: enqueuing a dispatch job per range and the finalizer. */
  partitionMs: number;
  /** fire job done -> first dispatch job started. */
  gapMs: number;
  /** first dispatch job started -> last dispatch job finished. */
  dispatchMs: number;
  dispatchJobs: number;
  /** Dispatch jobs' run times added up (> dispatchMs when they overlap). */
  dispatchBusyMs: number;
  /** last dispatch finished -> campaign seen 'completed' (finalize polls every 2 s). */
  finalizeLagMs: number;
  finalizeRuns: number;
}

interface ProfileEntry {
  label: string;
  calls: number;
  ms: number;
}

interface Measurement {
  dialect: Dialect;
  kind: Kind;
  rows: number;
  ms: number;
  /** 1-minute load average when the run started: other processes skew the figures. */
  load1: number;
  /** Sampled every 100 ms during the timed section (SQLite work is synchronous, so short peaks can slip between samples). */
  peakRssMb: number;
  /** The process's maximum RSS as the kernel counts it, setup included. */
  maxRssMb: number;
  peakHeapMb: number;
  /** maxRSS when the timed section started: what setup (imports, user insert) alone reached. */
  setupMaxRssMb?: number;
  setupMs?: number;
  phases?: Phases;
  profile?: ProfileEntry[];
  /** Span of created_at / sent_at over the ledger rows, as the database recorded them (ms). */
  ledgerSpans?: { createdMs: number; sentMs: number };
  skipped?: string;
}

// ---------------------------------------------------------------- child side

function rssSampler(): () => { peakRssMb: number; maxRssMb: number; peakHeapMb: number } {
  let peak = process.memoryUsage().rss;
  let heap = process.memoryUsage().heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 100);
  return () => {
    clearInterval(timer);
    sample();
    return { peakRssMb: Math.round(peak / 2 ** 20), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), peakHeapMb: Math.round(heap / 2 ** 20) };
  };
}

/** A fresh database for one run: its URL and how to get rid of it. */
async function freshDatabase(dialect: Dialect, kind: Kind): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = process.env.BENCH_DISPATCH_DIR ?? mkdtempSync(join(tmpdir(), 'bench-dispatch-'));
    return { url: join(dir, `${kind}.db`), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = pgDatabaseName(kind);
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropPgDatabase(name) };
}

function pgDatabaseName(kind: Kind): string {
  return `bench_dispatch_${process.env.BENCH_DISPATCH_PARENT ?? process.pid}_${kind}`;
}

async function dropPgDatabase(name: string): Promise<void> {
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** N users of tier pro with email consent and an address, as fast as the driver allows. */
async function insertUsers(x: Executor, ws: string, n: number): Promise<void> {
  const now = Date.now();
  const created = now - 30 * 86_400_000;
  const fields = (i: number) => {
    const name = `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`;
    return { id: userId(i), email: `${userId(i)}@example.com`, name, country: COUNTRIES[i % COUNTRIES.length]!, zone: ZONES[i % ZONES.length]! };
  };
  const raw = x.raw;
  if (raw.dialect === 'sqlite') {
    const insert = raw.db.prepare(`
      INSERT INTO users (workspace_id, id, email, phone, name, status, country, timezone, locale, tier, subscription_status, is_trial,
                         credits_remaining, consent_email, consent_push, consent_sms, consent_in_app, consent_webhook, traits,
                         created_at, updated_at, last_event_at)
      VALUES (?, ?, ?, NULL, ?, 'active', ?, ?, 'en', 'pro', 'active', 0, 0, 1, 0, 0, 1, 0, '{}', ?, ?, NULL)`);
    raw.db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const f = fields(i);
        insert.run(ws, f.id, f.email, f.name, f.country, f.zone, created, now);
      }
    })();
    raw.db.exec('ANALYZE users');
    return;
  }
  const createdAt = new Date(created).toISOString();
  const nowAt = new Date(now).toISOString();
  await raw.sql.begin(async (tx) => {
    for (let start = 0; start < n; start += PG_BATCH) {
      const batch = Array.from({ length: Math.min(PG_BATCH, n - start) }, (_, k) => fields(start + k));
      // One array per column: 5 parameters whatever the batch size (far from the 65534 limit).
      await tx`
        INSERT INTO users (workspace_id, id, email, phone, name, status, country, timezone, locale, tier, subscription_status, is_trial,
                           credits_remaining, consent_email, consent_push, consent_sms, consent_in_app, consent_webhook, traits,
                           created_at, updated_at, last_event_at)
        SELECT ${ws}, d.id, d.email, NULL, d.name, 'active', d.country, d.zone, 'en', 'pro', 'active', false,
               0, true, false, false, true, false, '{}'::jsonb, ${createdAt}::timestamptz, ${nowAt}::timestamptz, NULL
        FROM unnest(${batch.map((f) => f.id)}::text[], ${batch.map((f) => f.email)}::text[], ${batch.map((f) => f.name)}::text[],
                    ${batch.map((f) => f.country)}::text[], ${batch.map((f) => f.zone)}::text[]) AS d(id, email, name, country, zone)`;
    }
  });
  await raw.sql`analyze users`;
}

/** Calls a tool through the MCP client; throws on a tool error. */
async function callOk(mcp: InProcessClient, name: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const r = (await mcp.sdk.callTool({ name, arguments: args }, undefined, { timeout: TIMEOUT_S * 1000 })) as CallToolResult;
  if (r.isError) throw new Error(`${name} failed: ${r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n')}`);
  return r.structuredContent as Record<string, any>;
}

async function query<T>(x: Executor, sqlText: string, params: unknown[] = []): Promise<T[]> {
  const raw = x.raw;
  if (raw.dialect === 'sqlite') return raw.db.prepare(sqlText).all(...params) as T[];
  let i = 0;
  return (await raw.sql.unsafe(sqlText.replace(/\?/g, () => `$${++i}`), params as never[])) as unknown as T[];
}

/**
 * Time per store call. Every repository method runs under a label (AsyncLocalStorage). On SQLite
 * the time counted is the time spent inside better-sqlite3 statements (run/all/get, and exec for
 * BEGIN/COMMIT) issued under that label: exact, since statements are synchronous, and never
 * counting JavaScript of another job that happens to run in between; JavaScript around the
 * statements (query building, JSON, rendering) is left out. On PostgreSQL it is the wall time
 * of the awaited call, so concurrent calls add up.
 */
function instrumentStore(app: App): { profile: () => ProfileEntry[]; label: <T>(name: string, fn: () => T) => T } {
  const als = new AsyncLocalStorage<string>();
  const totals = new Map<string, ProfileEntry>();
  const add = (label: string, ms: number) => {
    const e = totals.get(label) ?? { label, calls: 0, ms: 0 };
    e.calls++;
    e.ms += ms;
    totals.set(label, e);
  };
  const store = app.store;
  const raw = store.executor.raw;
  const repos: Record<string, object> = {
    workspaces: store.workspaces, campaigns: store.campaigns, audit: store.audit, segments: store.segments, events: store.events,
    users: store.users, scores: store.scores, ledger: store.ledger, schedules: store.schedules, suppressions: store.suppressions, jobs: store.jobs,
  };
  for (const [name, repo] of Object.entries(STORE_PROFILE ? repos : {})) {
    const r = repo as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      const fn = r[key];
      if (typeof fn !== 'function') continue;
      const label = `${name}.${key}`;
      r[key] =
        raw.dialect === 'sqlite'
          ? (...args: unknown[]) => als.run(label, () => fn.apply(repo, args))
          : (...args: unknown[]) => {
              const t = performance.now();
              return Promise.resolve(fn.apply(repo, args)).finally(() => add(label, performance.now() - t));
            };
    }
  }
  if (raw.dialect === 'sqlite' && STORE_PROFILE) {
    // Statement objects share one prototype: time every execution, charged to the current label.
    const proto = Object.getPrototypeOf(raw.db.prepare('SELECT 1')) as Record<'run' | 'all' | 'get', (...a: unknown[]) => unknown>;
    for (const method of ['run', 'all', 'get'] as const) {
      const original = proto[method];
      proto[method] = function (this: unknown, ...args: unknown[]) {
        const t = performance.now();
        try {
          return original.apply(this, args);
        } finally {
          add(als.getStore() ?? '(outside any store call)', performance.now() - t);
        }
      };
    }
    const db = raw.db;
    const exec = db.exec.bind(db);
    db.exec = (source: string) => {
      const t = performance.now();
      try {
        return exec(source);
      } finally {
        add(als.getStore() ?? '(outside any store call)', performance.now() - t);
      }
    };
  }
  return {
    profile: () => [...totals.values()].sort((a, b) => b.ms - a.ms).map((e) => ({ ...e, ms: Math.round(e.ms) })),
    label: (name, fn) => als.run(name, fn),
  };
}

interface JobMarks {
  fireStart?: number;
  expandEnd?: number;
  fireEnd?: number;
  dispatchFirst?: number;
  dispatchLast?: number;
  dispatchJobs: number;
  dispatchBusy: number;
  finalizeRuns: number;
}

/** The app's job handlers, recording when each phase started and ended (performance.now()). */
function timedHandlers(app: App, marks: JobMarks, label: <T>(name: string, fn: () => T) => T): Record<string, JobHandler> {
  const out: Record<string, JobHandler> = {};
  for (const [kind, handler] of Object.entries(app.jobHandlers)) {
    out[kind] = (job, control) =>
      label(kind === JOB_KINDS.dispatch ? 'send.dispatch: local channel deliver (local_deliveries)' : `${kind} (outside store calls)`, async () => {
        const start = performance.now();
        let ctl = control;
        if (kind === JOB_KINDS.fire) {
          marks.fireStart ??= start;
          ctl = {
            ...control,
            stillOwner: () => control.stillOwner(),
            progress: async (payload) => {
              if (payload['phase'] === 'partition') {
                marks.expandEnd = performance.now();
              }
              await control.progress(payload);
            },
          };
        }
        if (kind === JOB_KINDS.dispatch) marks.dispatchFirst ??= start;
        try {
          return await handler(job, ctl);
        } finally {
          const end = performance.now();
          if (kind === JOB_KINDS.fire) marks.fireEnd = end;
          if (kind === JOB_KINDS.dispatch) {
            marks.dispatchLast = Math.max(marks.dispatchLast ?? 0, end);
            marks.dispatchJobs++;
            marks.dispatchBusy += end - start;
          }
          if (kind === JOB_KINDS.finalize) marks.finalizeRuns++;
        }
      });
  }
  return out;
}

/** A V8 CPU profile of this thread from now until stop(path). */
async function startProfiler(): Promise<{ stop(path: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    async stop(path) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync('.bench-out', { recursive: true });
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

interface Seeded {
  url: string;
  ws: string;
  campaignId: string;
  setupMs: number;
}

/**
 * Setup, in a process of its own so that its memory (100k users built in JavaScript) is not
 * counted against the send: the users, the segment and the campaign, in a database left for the
 * end-to-end run (which drops it).
 */
async function seedEndToEnd(dialect: Dialect): Promise<Seeded> {
  const db = await freshDatabase(dialect, 'e2e');
  const started = performance.now();
  const config = loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
  const app = await buildApp(config, { log: silentLogger, clock: systemClock });
  try {
    const ws = config.DEFAULT_WORKSPACE;
    await insertUsers(app.store.executor, ws, USERS);
    const segment = await app.store.segments.create(
      ws,
      { name: 'pro tier', description: 'everyone on the pro tier', kind: 'dynamic', rules: { version: 1, root: { kind: 'subscription', field: 'tier', op: 'in', value: ['pro'] } } },
      'bench',
    );
    const mcp = await connectInProcess(app.ctx, localPrincipal(ws), { tools, resources, prompts }, 'bench-dispatch');
    try {
      const { campaign } = await callOk(mcp, 'create_campaign', {
        name: 'Bench winter sale',
        segment_id: segment.id,
        channels: ['email'],
        variants: [{ subject: VARIANT.subject, body: VARIANT.body }],
      });
      return { url: db.url, ws, campaignId: campaign.id as string, setupMs: Math.round(performance.now() - started) };
    } finally {
      await mcp.close();
    }
  } catch (err) {
    await db.drop();
    throw err;
  } finally {
    await app.close();
  }
}

const VARIANT = { subject: 'Hello {{first_name}}', body: 'Hi {{first_name}}, our winter sale starts today: 20% off everything.' };

async function measureEndToEnd(dialect: Dialect, seed: Seeded): Promise<Measurement> {
  const drop = dialect === 'sqlite' ? async () => rmSync(dirname(seed.url), { recursive: true, force: true }) : () => dropPgDatabase(pgDatabaseName('e2e'));
  let app: App | undefined;
  let mcp: InProcessClient | undefined;
  let stopWorker: (() => Promise<void>) | undefined;
  try {
    const setupStarted = performance.now();
    const config = loadConfig({ DATABASE_URL: seed.url, LOG_LEVEL: 'silent', QUIET_HOURS: 'off', FREQUENCY_CAP_PER_DAY: '0', FREQUENCY_CAP_PER_WEEK: '0' });
    app = await buildApp(config, { log: silentLogger, clock: systemClock });
    const { ws, campaignId } = seed;
    const x = app.store.executor;
    mcp = await connectInProcess(app.ctx, localPrincipal(ws), { tools, resources, prompts }, 'bench-dispatch');
    const getCampaign = app.store.campaigns.get.bind(app.store.campaigns);

    const { profile, label } = instrumentStore(app);
    const marks: JobMarks = { dispatchJobs: 0, dispatchBusy: 0, finalizeRuns: 0 };
    const worker = createWorker({
      queue: app.store.jobs,
      handlers: timedHandlers(app, marks, label),
      clock: systemClock,
      log: silentLogger,
      owner: `bench:${process.pid}`,
      leaseMs: app.jobLeaseMs,
      concurrency: concurrencyFor(dialect),
      pollMs: WORKER_POLL_MS,
    });
    const startWorker = () => {
      const loop = worker.run();
      stopWorker = async () => {
        await worker.stop();
        await loop;
      };
    };
    // Already polling when the send is confirmed, as a running server's worker is.
    startWorker();
    const pendingJobs = app.store.jobs.pending.bind(app.store.jobs);
    const setupMs = seed.setupMs + Math.round(performance.now() - setupStarted);

    const profiler = CPU_PROF ? await startProfiler() : null;
    const setupMaxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    const stop = rssSampler();
    const t0 = performance.now();
    const sent = await label('schedule_send (MCP, outside the store)', () =>
      callOk(mcp!, 'schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: `bench-dispatch-${process.pid}` }),
    );
    const confirmed = performance.now();
    if (sent.mode !== 'scheduled' || sent.segment_size !== USERS) {
      throw new Error(`schedule_send did not schedule ${USERS} people: ${JSON.stringify({ mode: sent.mode, segment_size: sent.segment_size })}`);
    }
    let status = '';
    let idleSince: number | null = null;
    for (let round = 0; ; round++) {
      status = (await label('bench: campaign status poll', () => getCampaign(ws, campaignId)))?.status ?? 'missing';
      if (status === 'completed') break;
      const now = performance.now();
      // No job left to run and still not completed: the pipeline is stuck, say so now rather than at the timeout.
      if (round % 10 === 0) {
        const pending = await label('bench: campaign status poll', () => pendingJobs(ws));
        idleSince = pending > 0 ? null : (idleSince ?? now);
      }
      const stuck = idleSince !== null && now - idleSince > 3_000;
      if (stuck || now - t0 > TIMEOUT_S * 1000) {
        const counts = await query<{ status: string; n: number }>(x, 'select status, count(*) as n from messages where campaign_id = ? group by status', [campaignId]);
        const jobs = await query<{ kind: string; status: string; n: number }>(x, 'select kind, status, count(*) as n from jobs group by kind, status');
        const schedules = await query<{ id: string; status: string }>(x, 'select id, status from schedules where campaign_id = ?', [campaignId]);
        throw new Error(
          `campaign still '${status}' ${stuck ? 'with no job left to run' : `after ${TIMEOUT_S} s`}; ledger ${JSON.stringify(counts)}; ` +
            `jobs ${JSON.stringify(jobs)}; schedules ${JSON.stringify(schedules)}`,
        );
      }
      await new Promise((r) => setTimeout(r, STATUS_POLL_MS));
    }
    const done = performance.now();
    const storeProfile = profile();
    if (profiler) await profiler.stop(`.bench-out/dispatch-${dialect}.cpuprofile`);
    const ms = Math.round(done - t0);
    const rss = stop();
    await stopWorker?.();
    stopWorker = undefined;

    // Exactly one delivered ledger row and one local delivery per person.
    const pg = dialect === 'postgres';
    const int = (e: string) => (pg ? `${e}::int` : e);
    const byStatus = await query<{ status: string; n: number }>(x, `select status, ${int('count(*)')} as n from messages where workspace_id = ? and campaign_id = ? group by status`, [ws, campaignId]);
    const [dl] = await query<{ n: number; distinct_messages: number }>(
      x,
      `select ${int('count(*)')} as n, ${int('count(distinct message_id)')} as distinct_messages from local_deliveries where workspace_id = ?`,
      [ws],
    );
    const delivered = byStatus.find((r) => r.status === 'delivered')?.n ?? 0;
    const total = byStatus.reduce((s, r) => s + Number(r.n), 0);
    if (delivered !== USERS || total !== USERS || dl?.n !== USERS || dl.distinct_messages !== USERS) {
      throw new Error(`verification failed: ledger ${JSON.stringify(byStatus)} (want ${USERS} delivered, nothing else), local_deliveries ${JSON.stringify(dl)} (want ${USERS})`);
    }
    const [sample] = await query<{ rendered: string | Record<string, unknown> }>(
      x,
      'select m.rendered from local_deliveries d join messages m on m.workspace_id = d.workspace_id and m.id = d.message_id where d.workspace_id = ? limit 1',
      [ws],
    );
    const content = typeof sample?.rendered === 'string' ? (JSON.parse(sample.rendered) as Record<string, unknown>) : sample?.rendered;
    if (typeof content?.['subject'] !== 'string' || !/^Hello \S+$/.test(content['subject']) || String(content['text']).includes('{{')) {
      throw new Error(`a delivery was not rendered: ${JSON.stringify(content)}`);
    }
    const span = pg
      ? `select (extract(epoch from max(created_at) - min(created_at)) * 1000)::float8 as created_ms, (extract(epoch from max(sent_at) - min(sent_at)) * 1000)::float8 as sent_ms`
      : `select max(created_at) - min(created_at) as created_ms, max(sent_at) - min(sent_at) as sent_ms`;
    const [spans] = await query<{ created_ms: number; sent_ms: number }>(x, `${span} from messages where workspace_id = ? and campaign_id = ?`, [ws, campaignId]);

    const rel = (t: number | undefined) => (t === undefined ? NaN : t - t0);
    const phases: Phases = {
      confirmMs: confirmed - t0,
      pickupMs: rel(marks.fireStart) - (confirmed - t0),
      expandMs: rel(marks.expandEnd) - rel(marks.fireStart),
      partitionMs: rel(marks.fireEnd) - rel(marks.expandEnd),
      gapMs: rel(marks.dispatchFirst) - rel(marks.fireEnd),
      dispatchMs: rel(marks.dispatchLast) - rel(marks.dispatchFirst),
      dispatchJobs: marks.dispatchJobs,
      dispatchBusyMs: marks.dispatchBusy,
      finalizeLagMs: done - t0 - rel(marks.dispatchLast),
      finalizeRuns: marks.finalizeRuns,
    };
    for (const k of Object.keys(phases) as (keyof Phases)[]) phases[k] = Math.round(phases[k]);
    return {
      dialect,
      kind: 'e2e',
      rows: delivered,
      ms,
      load1: 0,
      ...rss,
      setupMs,
      setupMaxRssMb,
      phases,
      profile: storeProfile,
      ledgerSpans: { createdMs: Math.round(Number(spans?.created_ms ?? 0)), sentMs: Math.round(Number(spans?.sent_ms ?? 0)) },
    };
  } finally {
    if (stopWorker) await stopWorker().catch(() => undefined);
    if (mcp) await mcp.close().catch(() => undefined);
    if (app) await app.close().catch(() => undefined);
    await drop();
  }
}

/**
 * The raw cost of the ledger rows: the same rows, with the same columns, into the real migrated
 * `messages` table of a fresh database, nothing else. `final`: the rows as the send leaves them
 * (delivered, with their rendered content, provider ids and timestamps); `queued`: the narrower
 * rows an audience expansion would write before sending (the baseline of earlier runs).
 */
async function measureBaseline(dialect: Dialect, rows: number, shape: 'final' | 'queued'): Promise<Measurement> {
  const db = await freshDatabase(dialect, 'baseline');
  let store: Awaited<ReturnType<typeof openStore>> | undefined;
  try {
    store = await openStore({ databaseUrl: db.url, clock: systemClock, log: silentLogger });
    const ws = 'default';
    const campaignId = newId('cmp');
    const scheduleId = newId('sch');
    const variantId = newId('var');
    const stepKey = scheduleStepKey(scheduleId, null);
    const now = new Date();
    const final = shape === 'final';
    const status = final ? 'delivered' : 'queued';
    const history = JSON.stringify([{ status, at: now.toISOString(), by: final ? 'dispatcher' : 'scheduler' }]);
    // Everything that varies per row is made before the clock starts, so the loop measures the database.
    const ids = Array.from({ length: rows }, () => newId('msg'));
    const users = Array.from({ length: rows }, (_, i) => userId(i));
    const keys = users.map((u) => ledgerKey(campaignId, stepKey, u, ['email']));
    const variant = { id: variantId, key: 'a', name: 'A', weight: 1, template_vars: {}, ...VARIANT };
    const rendered = final
      ? users.map((u, i) =>
          JSON.stringify(renderMessage(variant, { id: u, name: `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`, email: `${u}@example.com`, tier: 'pro', country: COUNTRIES[i % COUNTRIES.length]!, locale: 'en', timezone: ZONES[i % ZONES.length]! }, 'email')),
        )
      : [];
    const dlvs = final ? users.map(() => newId('dlv')) : [];
    const raw = store.executor.raw;
    let stop: ReturnType<typeof rssSampler>;
    let started: number;
    if (raw.dialect === 'sqlite') {
      const insert = raw.db.prepare(`
        INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, variant_id, schedule_id, idempotency_key, status,
                              status_history, attempts, credits, rendered, provider, provider_message_id, planned_for, scheduled_for,
                              sent_at, delivered_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      const t = now.getTime();
      const params: unknown[] = [
        ws, '', campaignId, stepKey, '', 'email', variantId, scheduleId, '', status, history, final ? 1 : 0, final ? 1 : 0, null,
        final ? 'local' : null, null, t, t, final ? t : null, final ? t : null, t, t,
      ];
      stop = rssSampler();
      started = performance.now();
      raw.db.exec('BEGIN');
      for (let i = 0; i < rows; i++) {
        params[1] = ids[i];
        params[4] = users[i];
        params[8] = keys[i];
        if (final) {
          params[13] = rendered[i];
          params[15] = dlvs[i];
        }
        insert.run(params);
      }
      raw.db.exec('COMMIT');
    } else {
      const at = now.toISOString();
      stop = rssSampler();
      started = performance.now();
      await raw.sql.begin(async (tx) => {
        for (let s = 0; s < rows; s += PG_BATCH) {
          const e = Math.min(rows, s + PG_BATCH);
          if (final) {
            await tx`
              INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, variant_id, schedule_id, idempotency_key, status,
                                    status_history, attempts, credits, rendered, provider, provider_message_id, planned_for, scheduled_for,
                                    sent_at, delivered_at, created_at, updated_at)
              SELECT ${ws}, d.id, ${campaignId}, ${stepKey}, d.user_id, 'email', ${variantId}, ${scheduleId}, d.key, 'delivered',
                     ${history}::jsonb, 1, 1, d.rendered::jsonb, 'local', d.dlv, ${at}::timestamptz, ${at}::timestamptz,
                     ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
              FROM unnest(${ids.slice(s, e)}::text[], ${users.slice(s, e)}::text[], ${keys.slice(s, e)}::text[], ${rendered.slice(s, e)}::text[],
                          ${dlvs.slice(s, e)}::text[]) AS d(id, user_id, key, rendered, dlv)`;
          } else {
            await tx`
              INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, variant_id, schedule_id, idempotency_key, status,
                                    status_history, attempts, credits, planned_for, scheduled_for, created_at, updated_at)
              SELECT ${ws}, d.id, ${campaignId}, ${stepKey}, d.user_id, 'email', ${variantId}, ${scheduleId}, d.key, 'queued',
                     ${history}::jsonb, 0, 0, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
              FROM unnest(${ids.slice(s, e)}::text[], ${users.slice(s, e)}::text[], ${keys.slice(s, e)}::text[]) AS d(id, user_id, key)`;
          }
        }
      });
    }
    const ms = Math.round(performance.now() - started);
    const rss = stop();
    const int = dialect === 'postgres' ? '::int' : '';
    const [c] = await query<{ n: number }>(store.executor, `select count(*)${int} as n from messages where status = ?`, [status]);
    if (c?.n !== rows) throw new Error(`baseline wrote ${c?.n} ${status} rows, expected ${rows}`);
    return { dialect, kind: final ? 'baseline' : 'baseline-queued', rows, ms, load1: 0, ...rss };
  } finally {
    if (store) await store.close().catch(() => undefined);
    await db.drop();
  }
}

const KIND_LABEL: Record<Kind, string> = { seed: 'setup', e2e: 'end to end', baseline: 'raw baseline (final rows)', 'baseline-queued': 'raw baseline (queued rows)' };

async function child(spec: string): Promise<void> {
  const [dialect, kind] = spec.split(':') as [Dialect, Kind];
  const load1 = Number(loadavg()[0]!.toFixed(2));
  console.log(`  ${dialect} ${KIND_LABEL[kind]}: starting (load1 ${load1})`);
  const rows = Number(process.env.BENCH_DISPATCH_ROWS ?? USERS);
  const result =
    kind === 'seed'
      ? await seedEndToEnd(dialect)
      : kind === 'e2e'
        ? { ...(await measureEndToEnd(dialect, JSON.parse(process.env.BENCH_DISPATCH_SEED!) as Seeded)), load1 }
        : { ...(await measureBaseline(dialect, rows, kind === 'baseline' ? 'final' : 'queued')), load1 };
  process.send?.(result, () => process.disconnect());
}

// ---------------------------------------------------------------- parent side

function runChild<T>(spec: string, env: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    let result: T | undefined;
    const c = fork(childScript ?? fileURLToPath(import.meta.url), [], {
      env: { ...process.env, ...env, BENCH_DISPATCH_CHILD: spec, BENCH_DISPATCH_PARENT: String(process.pid) },
      stdio: 'inherit',
      // Compiled children run under plain node, as `agentic-campaign worker` does in production.
      ...(childScript ? { execArgv: [] } : {}),
    });
    c.on('message', (m) => (result = m as T));
    c.on('error', reject);
    c.on('exit', (code, signal) => (result && code === 0 ? resolve(result) : reject(new Error(`${spec} run exited with ${signal ?? `code ${code}`}`))));
  });
}

/** The compiled bench the children run (null: this file under tsx, with BENCH_DISPATCH_TSX=1). */
let childScript: string | null = null;

/**
 * Runs one measurement with its own scratch space, and removes that space whatever happens. An
 * end-to-end measurement is two processes: setup, then the send (which alone is measured).
 */
async function measure(dialect: Dialect, kind: Exclude<Kind, 'seed'>, env: Record<string, string> = {}): Promise<Measurement> {
  const dir = dialect === 'sqlite' ? mkdtempSync(join(tmpdir(), 'bench-dispatch-')) : undefined;
  const scratch = { ...env, ...(dir ? { BENCH_DISPATCH_DIR: dir } : {}) };
  try {
    if (kind !== 'e2e') return await runChild<Measurement>(`${dialect}:${kind}`, scratch);
    const seed = await runChild<Seeded>(`${dialect}:seed`, scratch);
    return await runChild<Measurement>(`${dialect}:e2e`, { ...scratch, BENCH_DISPATCH_SEED: JSON.stringify(seed) });
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
    // The child drops its database; this covers a child that died before it could.
    else await dropPgDatabase(`bench_dispatch_${process.pid}_${kind === 'e2e' ? 'e2e' : 'baseline'}`).catch(() => undefined);
  }
}

async function pgUnreachable(): Promise<string | null> {
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin`select 1`;
    return null;
  } catch (err) {
    return `PostgreSQL unreachable at ${PG_URL}: ${(err as Error).message}`;
  } finally {
    await admin.end({ timeout: 1 }).catch(() => {});
  }
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
const pct = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(0)}%` : '');

function printBreakdown(m: Measurement): void {
  const p = m.phases!;
  console.log(
    `\n${m.dialect} end to end, where the time went (${fmt(m.rows)} messages, ${fmt(m.ms)} ms; ` +
      `setup, not timed: ${fmt(m.setupMs ?? 0)} ms, max RSS after setup ${m.setupMaxRssMb ?? '?'} MB)`,
  );
  printTable(
    ['phase', 'ms', 'share', 'rows/s in phase'],
    [
      ['schedule_send confirm (segment count, schedule, first job)', fmt(p.confirmMs), pct(p.confirmMs, m.ms), fmt(rate(m.rows, p.confirmMs))],
      ['worker picks up the fire job', fmt(p.pickupMs), pct(p.pickupMs, m.ms), ''],
      ['fire: cut the audience into user-id ranges (one segment read)', fmt(p.expandMs), pct(p.expandMs, m.ms), fmt(rate(m.rows, p.expandMs))],
      ['fire: enqueue a dispatch job per range, and the finalizer', fmt(p.partitionMs), pct(p.partitionMs, m.ms), ''],
      ['fire done -> first dispatch job', fmt(p.gapMs), pct(p.gapMs, m.ms), ''],
      [`dispatch (${p.dispatchJobs} jobs, ${fmt(p.dispatchBusyMs)} ms of job time)`, fmt(p.dispatchMs), pct(p.dispatchMs, m.ms), fmt(rate(m.rows, p.dispatchMs))],
      [`finalize lag after the last dispatch (${p.finalizeRuns} finalize runs)`, fmt(p.finalizeLagMs), pct(p.finalizeLagMs, m.ms), ''],
    ],
  );
  if (m.ledgerSpans) console.log(`ledger timestamps: created_at spans ${fmt(m.ledgerSpans.createdMs)} ms, sent_at spans ${fmt(m.ledgerSpans.sentMs)} ms`);
  const prof = m.profile ?? [];
  const storeMs = prof.filter((e) => !e.label.startsWith('bench:')).reduce((s, e) => s + e.ms, 0);
  console.log(
    m.dialect === 'sqlite'
      ? `time inside SQLite statements, by the call that issued them: ${fmt(storeMs)} ms in all, ${pct(storeMs, m.ms)} of the wall time ` +
          '(the rest is JavaScript: query building, row mapping, rendering, JSON; and idle polling)'
      : "store calls, wall time per awaited call (overlapping calls add up; the local channel's inserts are no store call and are not listed)",
  );
  printTable(
    ['call', m.dialect === 'sqlite' ? 'statements' : 'calls', 'ms', 'ms each'],
    prof.slice(0, 14).map((e) => [e.label, fmt(e.calls), fmt(e.ms), (e.ms / Math.max(1, e.calls)).toFixed(2)]),
  );
}

async function parent(): Promise<void> {
  const bad = DIALECTS.filter((d) => d !== 'sqlite' && d !== 'postgres');
  if (bad.length > 0) throw new Error(`BENCH_DIALECTS: unknown dialect(s) ${bad.join(', ')} (use sqlite,postgres)`);
  if (!Number.isInteger(USERS) || USERS <= 0) throw new Error(`BENCH_DISPATCH_USERS must be a positive integer (got ${process.env.BENCH_DISPATCH_USERS})`);
  console.log(
    `dispatch bench: ${fmt(USERS)} recipients, one email each; worker concurrency ${DIALECTS.map((d) => `${concurrencyFor(d as Dialect)} (${d})`).join(', ')}, poll ${WORKER_POLL_MS} ms; ` +
      `${cpus().length} cpus (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, load1 ${loadavg()[0]!.toFixed(2)}`,
  );
  if (process.env.BENCH_DISPATCH_TSX !== '1') childScript = compileProject('dispatch.js');
  console.log(`measured processes: ${childScript ? 'the project compiled by tsc into .bench-out/build, under plain node' : 'this file under tsx (BENCH_DISPATCH_TSX=1)'}`);
  type Measured = { e2e: Measurement; baseline: Measurement; queued: Measurement };
  const results: Partial<Record<Dialect, Measured | { skipped: string } | { failed: string }>> = {};
  for (const dialect of DIALECTS as Dialect[]) {
    if (dialect === 'postgres') {
      const why = await pgUnreachable();
      if (why) {
        console.log(`SKIP  postgres: ${why}`);
        results.postgres = { skipped: why };
        continue;
      }
    }
    try {
      const e2e = await measure(dialect, 'e2e');
      const baseline = await measure(dialect, 'baseline', { BENCH_DISPATCH_ROWS: String(e2e.rows) });
      const queued = await measure(dialect, 'baseline-queued', { BENCH_DISPATCH_ROWS: String(e2e.rows) });
      results[dialect] = { e2e, baseline, queued };
    } catch (err) {
      console.error(`\nFAIL  ${dialect}: ${(err as Error).message}\n`);
      results[dialect] = { failed: (err as Error).message };
      process.exitCode = 1;
    }
  }

  const measured = (Object.entries(results) as [Dialect, NonNullable<(typeof results)[Dialect]>][]).filter(
    (e): e is [Dialect, Measured] => 'e2e' in e[1],
  );
  console.log('');
  const tableRows: string[][] = [];
  const row = (label: string, m: Measurement, vs: string) =>
    [label, fmt(m.rows), (m.ms / 1000).toFixed(2), fmt(rate(m.rows, m.ms)), vs, `${m.peakRssMb}/${m.maxRssMb}`, String(m.peakHeapMb), String(m.load1)];
  for (const [dialect, { e2e, baseline, queued }] of measured) {
    const ratio = rate(e2e.rows, e2e.ms) / Math.max(1, rate(baseline.rows, baseline.ms));
    const queuedRatio = rate(e2e.rows, e2e.ms) / Math.max(1, rate(queued.rows, queued.ms));
    tableRows.push(
      row(`${dialect} end to end (messages)`, e2e, `${ratio.toFixed(2)} / ${queuedRatio.toFixed(2)}`),
      row(`${dialect} raw insert, final rows`, baseline, '1.00'),
      row(`${dialect} raw insert, queued rows`, queued, ''),
    );
  }
  if (tableRows.length > 0) printTable(['run', 'rows', 'wall s', 'per s', 'vs final / queued', 'RSS MB peak/max', 'heap MB', 'load1'], tableRows);
  for (const [, { e2e }] of measured) printBreakdown(e2e);

  console.log('');
  const checks: Array<{ target: string; ok: boolean; actual: string }> = [];
  for (const [dialect, { e2e, baseline }] of measured) {
    const perS = rate(e2e.rows, e2e.ms);
    const ratio = perS / Math.max(1, rate(baseline.rows, baseline.ms));
    const peak = Math.max(e2e.peakRssMb, e2e.maxRssMb);
    checks.push(
      { target: `${dialect} end to end >= ${fmt(TARGET_MSG_PER_S[dialect])} messages/s`, ok: perS >= TARGET_MSG_PER_S[dialect], actual: fmt(perS) },
      { target: `${dialect} end to end / raw insert of the same (final) ledger rows >= ${TARGET_RATIO}`, ok: ratio >= TARGET_RATIO, actual: ratio.toFixed(3) },
      { target: `${dialect} end-to-end peak RSS < ${TARGET_PEAK_RSS_MB} MB`, ok: peak < TARGET_PEAK_RSS_MB, actual: `${peak} MB` },
    );
  }
  for (const c of checks) console.log(`${c.ok ? 'PASS' : 'MISS'}  ${c.target} (actual ${c.actual})`);
  for (const [dialect, r] of Object.entries(results)) {
    if ('skipped' in r) console.log(`SKIP  ${dialect}: ${r.skipped}`);
    if ('failed' in r) console.log(`FAIL  ${dialect}: ${r.failed}`);
  }

  mkdirSync('.bench-out', { recursive: true });
  const out = {
    bench: 'dispatch',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, loadavg: loadavg() },
    sizes: { users: USERS, concurrency: Object.fromEntries(DIALECTS.map((d) => [d, concurrencyFor(d as Dialect)])), workerPollMs: WORKER_POLL_MS },
    results,
    ratio: Object.fromEntries(measured.map(([d, { e2e, baseline }]) => [d, Number((rate(e2e.rows, e2e.ms) / Math.max(1, rate(baseline.rows, baseline.ms))).toFixed(3))])),
    ratioToQueuedRows: Object.fromEntries(measured.map(([d, { e2e, queued }]) => [d, Number((rate(e2e.rows, e2e.ms) / Math.max(1, rate(queued.rows, queued.ms))).toFixed(3))])),
    targets: checks,
  };
  writeFileSync('.bench-out/dispatch.json', `${JSON.stringify(out, null, 2)}\n`);
  console.log('wrote .bench-out/dispatch.json');
}

const childSpec = process.env.BENCH_DISPATCH_CHILD;
await (childSpec ? child(childSpec) : parent());

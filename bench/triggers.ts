/**
 * Trigger intake benchmark (issue #7): user events through NATS JetStream into a server with 20
 * running triggered campaigns, on SQLite and PostgreSQL, next to a bare JetStream consumer.
 *
 * Setup per dialect (a child process each, so peak RSS is per dialect): a fresh database (SQLite
 * file in a temp dir; a PostgreSQL database created and dropped on the local server), buildApp
 * (SENDS_ENABLED, no job worker: we measure the trigger decision, not the sends), U users, and
 * the 20 triggered campaigns of bench/lib/trigger-mix.ts (13 entry types with conditions,
 * delays, cooldowns, entry limits and 5 exit types) activated with activateFlow, then ANALYZE.
 * A stream of our own captures `bench.events.<run>.>`; events are bare `{id, user_id, type,
 * properties, occurred_at}` (~285 bytes) on `bench.events.<run>.<type>`, ~60% of them of a type
 * some trigger reacts to, from users skewed so that some hit cooldowns and entry limits.
 *
 *  - throughput: N events are published first (a publisher process, async publishes with bounded
 *    in-flight acks), then read by (1) a bare nats.js pull consumer (consume(), ack each message,
 *    nothing else) and (2) our consumer, startPlatformEvents with `subjects` on that stream and
 *    `ingest` = ingestTracked (events and what they trigger, one transaction per batch), each on
 *    its own durable, timed from start until all N are acked / ingested. ratio = ours / bare.
 *  - latency: with our consumer running, the publisher sends M fresh events at R/s; each carries
 *    `published_at` (Date.now() at publish); its latency is the time right after the
 *    ingestTracked call of its batch resolved (the commit of the decision) minus published_at.
 *
 * Also printed: where our time went (inside ingestTracked vs the consumer around it; with
 * --profile, the time per SQL statement inside the intake, which slows the run a little), and
 * how many events, enrollments and step jobs were written (the run fails unless exactly N + M
 * events were stored). Streams, consumers and databases are removed at the end, also on failure.
 *
 *   npx tsx bench/triggers.ts [--dialect sqlite|postgres|both] [--events 200000] [--rate 5000]
 *                             [--users 50000] [--latency-seconds 10] [--profile]
 *   npm run bench -- triggers
 *
 * Environment: BENCH_NATS_URL (nats://127.0.0.1:4222), BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test).
 * NATS unreachable: a SKIP line, exit 0; PostgreSQL unreachable: that dialect is skipped.
 */
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AckPolicy, DeliverPolicy, connect, nanos } from 'nats';
import { INTAKE_CONCURRENCY_PG } from '../src/engine/event-intake.js';
import type { PlatformEvents } from '../src/platform/nats/platform-events.js';
import { benchDatabase } from './lib/database.js';
import { printTable } from './lib/table.js';
import { eventStream, TRIGGERS, userId } from './lib/trigger-mix.js';

type Dialect = 'sqlite' | 'postgres';
const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const { values: opt } = parseArgs({
  options: { dialect: { type: 'string', default: 'both' }, events: { type: 'string', default: '200000' }, rate: { type: 'string', default: '5000' },
    users: { type: 'string', default: '50000' }, 'latency-seconds': { type: 'string', default: '10' }, profile: { type: 'boolean', default: false } },
});
const N = Number(opt.events), RATE = Number(opt.rate), USERS = Number(opt.users), M = Math.round(RATE * Number(opt['latency-seconds']));
const TARGET_PER_S = 10_000, TARGET_P99_MS = 250, IN_FLIGHT = 4_096, BATCH = 256;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
interface Run { run: string; dialect: Dialect; url: string; stream: string; filter: string }
interface PublishSpec { subjectRoot: string; count: number; rate: number; seed: number; idPrefix: string; users: number }
interface PublishResult { ms: number; count: number; bytes: number }

/** Forks this file in a role; resolves with the message it sends back. */
function child<T>(role: string, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    let out: T | undefined;
    const c = fork(fileURLToPath(import.meta.url), process.argv.slice(2), { env: { ...process.env, BENCH_TRIGGERS_ROLE: role, BENCH_TRIGGERS_SPEC: JSON.stringify(payload) }, stdio: 'inherit' });
    c.on('message', (m) => (out = m as T));
    c.on('error', reject);
    c.on('exit', (code, sig) => (out !== undefined && code === 0 ? resolve(out) : reject(new Error(`${role} exited with ${sig ?? `code ${code}`}`))));
  });
}

// ---------------------------------------------------------------- publisher (its own process)

async function publisher(s: PublishSpec): Promise<PublishResult> {
  const nc = await connect({ servers: NATS_URL, name: 'bench-triggers-publisher' });
  const js = nc.jetstream();
  const next = eventStream(s.seed, s.users, s.idPrefix);
  const enc = new TextEncoder();
  let pending = 0, bytes = 0, failed: unknown = null;
  let room: (() => void) | null = null;
  const start = Date.now();
  for (let i = 0; i < s.count; i++) {
    if (s.rate > 0) {
      const due = start + (i * 1000) / s.rate;
      if (due > Date.now() + 1) await sleep(due - Date.now());
    }
    if (pending >= IN_FLIGHT) await new Promise<void>((r) => (room = r));
    if (failed) throw failed;
    const e = next(Date.now());
    const body = enc.encode(JSON.stringify(e));
    bytes += body.length;
    pending++;
    js.publish(`${s.subjectRoot}.${e.type}`, body).then(
      () => {
        if (--pending > IN_FLIGHT / 2 || !room) return;
        const wake: () => void = room;
        room = null;
        wake();
      },
      (err: unknown) => (failed = err),
    );
  }
  while (pending > 0 && !failed) await sleep(2);
  if (failed) throw failed;
  const ms = Date.now() - start;
  await nc.drain();
  return { ms, count: s.count, bytes };
}

// ---------------------------------------------------------------- one dialect (its own process)

async function measureDialect(r: Run) {
  const [{ buildApp, localPrincipal }, { loadConfig }, { systemClock }, { campaignInput, toDefinition }, { silentLogger }, { ingestTracked }, { activateFlow }, { startPlatformEvents }, { addPeople }, { profileStatements }] =
    await Promise.all([import('../src/app.js'), import('../src/config.js'), import('../src/context.js'), import('../src/domain/campaign-input.js'), import('../src/log.js'),
      import('../src/services/events.js'), import('../src/services/journeys.js'), import('../src/platform/nats/platform-events.js'), import('../test/helpers/people.js'), import('./lib/sql-profile.js')]);
  const app = await buildApp(loadConfig({ DATABASE_URL: r.url, LOG_LEVEL: 'silent', SENDS_ENABLED: 'true' }), { log: silentLogger, clock: systemClock });
  const nc = await connect({ servers: NATS_URL, name: 'bench-triggers-bare' });
  let intake: PlatformEvents | null = null;
  try {
    const ws = 'default';
    const setupStart = performance.now();
    await addPeople(app.store, ws, Array.from({ length: USERS }, (_, i) => ({ id: userId(i) })), new Date());
    const ctx = { ...app.ctx, principal: localPrincipal(ws), workspaceId: ws, signal: new AbortController().signal, progress: async () => {} };
    for (const [i, t] of TRIGGERS.entries()) {
      const input = campaignInput.parse({ name: `${t.name} #${i + 1}`, type: 'triggered', channels: ['email'], trigger: t.trigger, variants: [{ subject: `${t.name}`, body: 'Hi {{first_name}}, we have news for you.' }] });
      const c = await app.store.campaigns.create(ws, toDefinition(input, new Date()), 'bench');
      await activateFlow(ctx, c.id, { respectQuietHours: false, deadlineHours: 24 });
    }
    // Statistics as a server that has been running would have them (dispatch.ts does the same).
    const raw = app.store.executor.raw;
    if (raw.dialect === 'sqlite') raw.db.exec('ANALYZE');
    else await raw.sql`analyze`;
    const autovacuum = raw.dialect === 'postgres' ? String((await raw.sql`show autovacuum`)[0]?.['autovacuum']) : 'n/a';
    const [setupMs, load1] = [performance.now() - setupStart, loadavg()[0]!];

    const spec = (count: number, rate: number, seed: number, idPrefix: string): PublishSpec => ({ subjectRoot: r.filter.slice(0, -2), count, rate, seed, idPrefix, users: USERS });
    const say = (what: string) => console.log(`  ${r.dialect}: ${what}`);
    say(`setup ${(setupMs / 1000).toFixed(1)} s, load1 ${load1.toFixed(2)}${autovacuum === 'off' ? '; NOTE: autovacuum is off on this server, so tables that grow during the run are never re-analyzed' : ''}`);
    const bulk = await child<PublishResult>('publish', spec(N, 0, 7, `${r.run}-t`));
    say(`published ${fmt(N)} in ${fmt(bulk.ms)} ms`);

    // Bare consumer: same stream, own durable, same pull window and ack-pending limit as ours.
    const jsm = await nc.jetstreamManager();
    const bareDurable = `bench-triggers-bare-${r.run}`;
    await jsm.consumers.add(r.stream, { durable_name: bareDurable, filter_subject: r.filter, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: nanos(30_000), max_ack_pending: Math.max(1_000, BATCH * 8) });
    const bareStart = performance.now();
    const msgs = await (await nc.jetstream().consumers.get(r.stream, bareDurable)).consume({ max_messages: BATCH * 2 });
    let bareN = 0;
    for await (const m of msgs) if ((m.ack(), ++bareN >= N)) break;
    await nc.flush();
    const bareMs = performance.now() - bareStart;
    msgs.stop();
    await jsm.consumers.delete(r.stream, bareDurable);
    say(`bare consumer: ${fmt(bareMs)} ms`);

    // Ours: ingestTracked per batch, wrapped to count, time and record latencies.
    const profile = opt.profile ? await profileStatements(app.store.executor) : null;
    const t = { ingestMs: 0, intakeMs: 0, flowsMs: 0, batches: 0, accepted: 0, skipped: 0 };
    const journeys = app.store.journeys;
    const [intakeFn, flowsFn] = [journeys.intake, journeys.activeFlows];
    journeys.intake = async (...a) => { const s = performance.now(); try { return await intakeFn(...a); } finally { t.intakeMs += performance.now() - s; } };
    journeys.activeFlows = async (...a) => { const s = performance.now(); try { return await flowsFn(...a); } finally { t.flowsMs += performance.now() - s; } };
    let ingested = 0, latencyPhase = false, nLat = 0, waiter: { n: number; done: () => void } | null = null;
    const latencies = new Float64Array(M);
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const oursStart = performance.now();
    const consumer = await startPlatformEvents({
      url: NATS_URL, log: silentLogger, clock: systemClock, durable: `bench-triggers-${r.run}`, prefix: `bench_es_${r.run}`, subjects: [r.filter], eventsStream: r.stream, batch: BATCH, concurrency: r.dialect === 'postgres' ? INTAKE_CONCURRENCY_PG : 1,
      deadLetter: (entries) => app.store.deadLetters.add(entries),
      ingest: async (events) => {
        const s = performance.now();
        const res = await ingestTracked(app.ctx, ws, events);
        const committed = Date.now();
        t.ingestMs += performance.now() - s;
        [t.batches, t.accepted, t.skipped] = [t.batches + 1, t.accepted + res.accepted, t.skipped + res.triggered.skipped];
        if (latencyPhase) for (const e of events) if (nLat < M) latencies[nLat++] = committed - Number(e.properties['published_at']);
        ingested += events.length;
        if (waiter && ingested >= waiter.n) waiter.done();
        return res;
      },
    });
    const ingestedAll = (n: number, timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out: ${ingested} of ${n} events ingested after ${timeoutMs / 1000} s`)), timeoutMs);
        const done = () => (clearTimeout(timer), (waiter = null), resolve());
        if (ingested >= n) done();
        else waiter = { n, done };
      });
    intake = consumer;
    await ingestedAll(N, 600_000);
    const oursMs = performance.now() - oursStart;
    const through = { ...t };
    say(`ours: ${fmt(oursMs)} ms`);
    const statements = profile?.entries() ?? [];
    profile?.reset();

    latencyPhase = true;
    const paced = await child<PublishResult>('publish', spec(M, RATE, 11, `${r.run}-l`));
    await ingestedAll(N + M, 120_000);
    clearInterval(sampler);
    latencies.subarray(0, nLat).sort();
    const q = (p: number) => latencies[Math.min(nLat - 1, Math.ceil(nLat * p) - 1)]!;
    const stats = consumer.stats();
    await consumer.stop().then(() => (intake = null));
    const count = async (sql: string) => {
      const rows = raw.dialect === 'sqlite' ? [raw.db.prepare(sql).get()] : await raw.sql.unsafe(sql);
      return Number((rows[0] as { n: number | string }).n);
    };
    const rows = { events: await count('select count(*) as n from events'), enrollments: await count('select count(*) as n from enrollments'),
      jobs: await count(`select count(*) as n from jobs where kind = 'journey.step'`), exited: await count(`select count(*) as n from enrollments where status = 'exited'`) };
    if (rows.events !== N + M || t.accepted !== N + M || nLat !== M) throw new Error(`expected ${N + M} new events (${M} timed): stored ${rows.events}, accepted ${t.accepted}, timed ${nLat}`);
    return {
      dialect: r.dialect, setupMs, load1, bulk, paced, bareMs, oursMs, through, all: t, stats, statements, rows,
      latency: { p50: q(0.5), p95: q(0.95), p99: q(0.99), max: latencies[nLat - 1]! },
      rssMb: { peak: Math.round(peakRss / 2 ** 20), max: Math.round(process.resourceUsage().maxRSS / 1024) },
    };
  } finally {
    await intake?.stop().catch(() => undefined);
    await nc.close();
    await app.close();
  }
}
type Result = Awaited<ReturnType<typeof measureDialect>>;

// ---------------------------------------------------------------- parent

async function cleanupStreams(run: string, streams: string[]) {
  const nc = await connect({ servers: NATS_URL });
  const jsm = await nc.jetstreamManager();
  for (const s of [...streams, `bench_es_${run}-stream`]) await jsm.streams.delete(s).catch(() => undefined);
  await nc.close();
}

async function main() {
  const dialects: Dialect[] = opt.dialect === 'both' ? ['sqlite', 'postgres'] : [opt.dialect as Dialect];
  if (dialects.some((d) => d !== 'sqlite' && d !== 'postgres') || ![N, RATE, USERS, M].every((n) => Number.isInteger(n) && n > 0)) throw new Error('usage: --dialect sqlite|postgres|both --events N --rate R --users U --latency-seconds S');
  const nc = await connect({ servers: NATS_URL, timeout: 3_000, maxReconnectAttempts: 0 }).catch((err: Error) => (console.log(`SKIP  NATS unreachable at ${NATS_URL}: ${err.message}`), null));
  if (!nc) return;
  await nc.close();
  console.log(`triggers bench: ${fmt(N)} events, ${TRIGGERS.length} triggered campaigns, ${fmt(USERS)} users; latency: ${fmt(M)} events at ${fmt(RATE)}/s; batch ${BATCH}${opt.profile ? '; PROFILED (statement timing on)' : ''}`);
  console.log(`${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), node ${process.version}, load1 ${loadavg()[0]!.toFixed(2)}; NATS ${NATS_URL}`);
  const results: Result[] = [];
  const started = performance.now();
  for (const dialect of dialects) {
    const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
    const r: Run = { run, dialect, url: '', stream: `bench-triggers-${run}`, filter: `bench.events.${run}.>` };
    let db: Awaited<ReturnType<typeof benchDatabase>> | null = null;
    const cleanup = async () => {
      await cleanupStreams(run, [r.stream]).catch((err: Error) => console.error(`cleanup of NATS streams failed: ${err.message}`));
      await db?.drop().catch((err: Error) => console.error(`dropping the ${dialect} database failed: ${err.message}`));
    };
    const onSignal = () => void cleanup().finally(() => process.exit(130));
    process.once('SIGINT', onSignal);
    try {
      db = await benchDatabase(dialect, 'triggers', PG_URL).catch((err: Error) => (console.log(`SKIP  ${dialect}: ${err.message}`), null));
      if (!db) continue;
      r.url = db.url;
      const jnc = await connect({ servers: NATS_URL });
      await (await jnc.jetstreamManager()).streams.add({ name: r.stream, subjects: [r.filter] }).finally(() => jnc.close());
      console.log(`  ${dialect}: running (stream ${r.stream})`);
      results.push(await child<Result>('dialect', r));
    } catch (err) {
      console.error(`FAIL  ${dialect}: ${(err as Error).message}`);
      process.exitCode = 1;
    } finally {
      process.off('SIGINT', onSignal);
      await cleanup();
    }
  }
  if (results.length === 0) return;
  const perS = (n: number, ms: number) => (n * 1000) / ms;
  const col = (f: (x: Result) => string) => results.map(f);
  console.log('');
  printTable(['', ...results.map((x) => x.dialect)], [
    ['setup: users + 20 campaigns (s) / load1', ...col((x) => `${(x.setupMs / 1000).toFixed(1)} / ${x.load1.toFixed(2)}`)],
    [`publish ${fmt(N)} (async, ${IN_FLIGHT} in flight), events/s`, ...col((x) => `${fmt(perS(x.bulk.count, x.bulk.ms))} (${Math.round(x.bulk.bytes / x.bulk.count)} B/event)`)],
    ['bare consumer (ack only), events/s', ...col((x) => fmt(perS(N, x.bareMs)))],
    ['ours (ingestTracked per batch), events/s', ...col((x) => fmt(perS(N, x.oursMs)))],
    ['ratio ours / bare', ...col((x) => (x.bareMs / x.oursMs).toFixed(3))],
    [`latency at ${fmt(RATE)}/s: p50 / p95 / p99 / max ms`, ...col((x) => `${x.latency.p50} / ${x.latency.p95} / ${x.latency.p99} / ${x.latency.max}`)],
    ['achieved publish rate, events/s', ...col((x) => fmt(perS(x.paced.count, x.paced.ms)))],
    ['events stored', ...col((x) => fmt(x.rows.events))],
    ['enrollments written (exited by exit events)', ...col((x) => `${fmt(x.rows.enrollments)} (${fmt(x.rows.exited)})`)],
    ['step jobs written', ...col((x) => fmt(x.rows.jobs))],
    ['entries skipped (cooldown / limit)', ...col((x) => fmt(x.all.skipped))],
    ['dead letters / naks', ...col((x) => `${x.stats.deadLettered} / ${x.stats.naks}`)],
    ['peak RSS MB (sampled during consume / max)', ...col((x) => `${x.rssMb.peak} / ${x.rssMb.max}`)],
    [`target >= ${fmt(TARGET_PER_S)} events/s`, ...col((x) => (perS(N, x.oursMs) >= TARGET_PER_S ? 'yes' : 'NO'))],
    [`target p99 < ${TARGET_P99_MS} ms at ${fmt(RATE)}/s`, ...col((x) => (x.latency.p99 < TARGET_P99_MS ? 'yes' : 'NO'))],
  ]);
  for (const x of results) {
    const th = x.through;
    console.log(`\n${x.dialect}, throughput phase, where the time went (${fmt(x.oursMs)} ms wall, ${th.batches} batches of ${(N / th.batches).toFixed(0)} on average)`);
    printTable(['part', 'ms', 'share', 'µs/event'], [
      ['inside ingestTracked', th.ingestMs, ''], ['  activeFlows (cached 1 s)', th.flowsMs, '  '], ['  journeys.intake transaction', th.intakeMs, '  '],
      ['consumer around it (pull, parse, ack, batching)', x.oursMs - th.ingestMs, ''],
    ].map(([l, ms]) => [l as string, fmt(ms as number), `${((100 * (ms as number)) / x.oursMs).toFixed(0)}%`, ((1000 * (ms as number)) / N).toFixed(1)]));
    if (x.statements.length > 0) {
      const sqlMs = x.statements.reduce((s, e) => s + e.ms, 0);
      console.log(`statements (${x.dialect === 'sqlite' ? 'time inside SQLite' : 'wall time per Drizzle query'}): ${fmt(sqlMs)} ms; intake minus statements (planning, JS, ${x.dialect === 'postgres' ? 'BEGIN/COMMIT, ' : ''}query building): ${fmt(th.intakeMs - sqlMs)} ms`);
      printTable(['statement', 'calls', 'ms', 'µs each'], x.statements.slice(0, 12).map((e) => [e.sql, fmt(e.calls), fmt(e.ms), ((1000 * e.ms) / e.calls).toFixed(1)]));
    }
  }
  console.log(`\nwall time of the whole run: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const role = process.env.BENCH_TRIGGERS_ROLE;
const payload = role ? JSON.parse(process.env.BENCH_TRIGGERS_SPEC!) : null;
if (role === 'publish' || role === 'dialect') {
  const out = role === 'publish' ? await publisher(payload as PublishSpec) : await measureDialect(payload as Run);
  process.send!(out, () => process.disconnect());
} else await main();

/**
 * Tracking-endpoint load: `agentic-campaign http` (compiled, under plain node, as in production)
 * on a SQLite database holding N delivered emails, driven from this process by autocannon with a
 * fixed number of requests (150k, about 30 s at the target rate; fixed so that none is in flight
 * when the run ends and every answered request can be matched to a row): 80% open-pixel and 20% click-redirect requests, each for a message and link picked in
 * turn, with a browser User-Agent and sends an hour old (so none is a machine hit).
 *
 * Reported: requests/s, latency p50/p99, and "nothing lost": the engagement rows recorded (pixel
 * opens and redirect clicks; the opens clicks imply are left out) must equal the requests that
 * got their 200/302, warm-up included. Baseline, side by side in the same run: a bare node:http
 * server answering the same 43-byte GIF with no token check and no database, under the same
 * load, so the ratio shows what tracking costs over HTTP itself.
 *
 *   npx tsx bench/tracking.ts          npm run bench -- tracking
 *
 * Environment: BENCH_TRACKING_MESSAGES (20000), BENCH_TRACKING_REQUESTS (150000), BENCH_TRACKING_CONNECTIONS (32);
 * BENCH_TRACKING_CPU_PROF=1 writes a V8 profile of the server to .bench-out/prof.
 * Target (issue #5): >= 5,000 requests/s at p99 under 20 ms on SQLite. Writes .bench-out/tracking.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { campaignInput, toDefinition } from '../src/domain/campaign-input.js';
import { ledgerKey } from '../src/domain/delivery/ledger.js';
import { parseTrackingKeys, signToken } from '../src/domain/tracking/token.js';
import { systemClock } from '../src/context.js';
import { silentLogger } from '../src/log.js';
import { newId } from '../src/store/ids.js';
import { openStore } from '../src/store/open.js';
import { compileProject, compiledCli } from './lib/build.js';

const MESSAGES = Number(process.env.BENCH_TRACKING_MESSAGES ?? 20_000);
/** Requests in the measured run (about 30 s at the target rate); a fixed count, so none is in flight when it ends. */
const REQUESTS = Number(process.env.BENCH_TRACKING_REQUESTS ?? 150_000);
const CONNECTIONS = Number(process.env.BENCH_TRACKING_CONNECTIONS ?? 32);
const WARMUP_REQUESTS = 10_000;
const SECRET = `1:${'bench-tracking-secret-'.padEnd(48, 'x')}`;
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const LINKS = ['https://shop.example/sale?utm_source=email', 'https://shop.example/faq'];
const TARGET_RPS = 5_000;
const TARGET_P99_MS = 20;
const WS = 'default';

interface Load {
  requests: number;
  ok: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

async function seed(url: string): Promise<string[]> {
  const store = await openStore({ databaseUrl: url, clock: systemClock, log: silentLogger });
  try {
    await store.workspaces.ensure(WS);
    const campaign = await store.campaigns.create(
      WS,
      toDefinition(campaignInput.parse({ name: 'Bench tracking', channels: ['email'], variants: [{ subject: 'Hi', body: 'Sale: https://shop.example/sale' }] }), new Date()),
      'bench',
    );
    const sentAt = new Date(Date.now() - 3_600_000);
    const ids: string[] = [];
    for (let i = 0; i < MESSAGES; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, MESSAGES - i) }, (_, k) => {
        const userId = `u${String(i + k).padStart(7, '0')}`;
        const id = newId('msg');
        ids.push(id);
        return {
          id,
          row: { campaignId: campaign.id, stepKey: 'bench', scheduleId: 'sch_bench', userId, idempotencyKey: ledgerKey(campaign.id, 'bench', userId, ['email']), channel: 'email' as const, plannedFor: sentAt },
          attempts: 0, channel: 'email' as const, variantId: campaign.variants[0]!.id, credits: 1, userId, payload: {},
          rendered: { subject: 'Hi', text: 'Sale', html: null, links: LINKS },
        };
      });
      await store.ledger.deliverInStore(WS, batch, sentAt, 'bench');
    }
    if (process.env.BENCH_TRACKING_DROP) for (const i of process.env.BENCH_TRACKING_DROP.split(',')) (store.executor.raw as { db: { exec(s: string): void } }).db.exec(`DROP INDEX ${i}`);
    return ids;
  } finally {
    await store.close();
  }
}

function startServer(url: string): Promise<{ proc: ChildProcess; base: string }> {
  // BENCH_TRACKING_CPU_PROF=1: a V8 profile of the server in .bench-out/prof (written when it exits).
  const prof = process.env.BENCH_TRACKING_CPU_PROF === '1' ? ['--cpu-prof', '--cpu-prof-dir', join(process.cwd(), '.bench-out', 'prof')] : [];
  const proc = spawn(process.execPath, [...prof, compiledCli(), 'http'], {
    env: { ...process.env, DATABASE_URL: url, MCP_HTTP_PORT: '0', TRACKING_SECRETS: SECRET, WORKER_ENABLED: 'false', SCORES_REFRESH_HOURS: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /MCP endpoint: (http:\/\/[^/\s]+)\/mcp/.exec(out);
      if (m) resolve({ proc, base: m[1]! });
    });
    proc.once('exit', (code) => reject(new Error(`server exited early (code ${code})`)));
  });
}

/** A bare node:http server answering the same GIF: what HTTP alone costs on this machine. */
function startBare(): Promise<{ proc: ChildProcess; base: string }> {
  const script = `
    const gif = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
    const s = require('node:http').createServer((req, res) => { res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-store, max-age=0', 'content-length': gif.length }); res.end(gif); });
    s.listen(0, '127.0.0.1', () => console.log('listening ' + s.address().port));`;
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve({ proc, base: `http://127.0.0.1:${m[1]}` });
    });
    proc.once('exit', (code) => reject(new Error(`bare server exited early (code ${code})`)));
  });
}

async function load(base: string, paths: string[], amount: number): Promise<Load> {
  let next = 0;
  const started = performance.now();
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    amount,
    headers: { 'user-agent': BROWSER },
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length]! }) }],
  });
  const seconds = (performance.now() - started) / 1000;
  const statuses: Record<string, number> = {};
  for (const [k, v] of Object.entries(result.statusCodeStats ?? {})) statuses[k] = (v as { count: number }).count;
  const ok = (statuses['200'] ?? 0) + (statuses['302'] ?? 0);
  return {
    requests: result.requests.total,
    ok,
    errors: result.errors + result.timeouts + result.non2xx - (statuses['302'] ?? 0),
    // autocannon's own duration is in whole seconds; the wall time is not.
    rps: Math.round(result.requests.total / seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
  };
}

const stop = (proc: ChildProcess) => new Promise<void>((resolve) => {
  if (proc.exitCode !== null) return resolve();
  proc.once('exit', () => resolve());
  proc.kill('SIGTERM');
});

async function main(): Promise<void> {
  console.log(`tracking bench: ${MESSAGES.toLocaleString('en-US')} delivered emails, ${REQUESTS.toLocaleString('en-US')} requests at ${CONNECTIONS} connections; ${cpus().length} cpus, node ${process.version}, load1 ${loadavg()[0]!.toFixed(2)}`);
  compileProject('tracking.js');
  const dir = mkdtempSync(join(tmpdir(), 'bench-tracking-'));
  const url = join(dir, 'tracking.db');
  try {
    const ids = await seed(url);
    const ring = parseTrackingKeys(SECRET);
    // 4 opens for every click, spread over every message and both links.
    const paths = ids.flatMap((messageId, i) =>
      i % 4 === 0
        ? [`/t/c/${signToken(ring, { kind: 'click', workspaceId: WS, messageId, link: i % 2 })}`]
        : [`/t/o/${signToken(ring, { kind: 'open', workspaceId: WS, messageId })}`],
    );
    const server = await startServer(url);
    let warm: Load;
    let ours: Load;
    try {
      warm = await load(server.base, paths, WARMUP_REQUESTS);
      ours = await load(server.base, paths, REQUESTS);
    } finally {
      await stop(server.proc);
    }
    const bare = await startBare();
    let baseline: Load;
    try {
      await load(bare.base, ['/'], WARMUP_REQUESTS);
      baseline = await load(bare.base, ['/'], REQUESTS);
    } finally {
      await stop(bare.proc);
    }

    const store = await openStore({ databaseUrl: url, clock: systemClock, log: silentLogger });
    const raw = store.executor.raw;
    if (raw.dialect !== 'sqlite') throw new Error('sqlite expected');
    const recorded = (raw.db.prepare(`SELECT count(*) AS n FROM engagement_events WHERE source IN ('pixel', 'redirect')`).get() as { n: number }).n;
    const rollup = (raw.db.prepare('SELECT sum(opens) + sum(clicks) AS n FROM campaign_rollups').get() as { n: number }).n;
    const implied = (raw.db.prepare(`SELECT count(*) AS n FROM engagement_events WHERE source = 'click'`).get() as { n: number }).n;
    await store.close();

    const served = warm.ok + ours.ok;
    const row = (label: string, l: Load) =>
      `${label.padEnd(34)}${l.requests.toLocaleString('en-US').padStart(10)}${l.rps.toLocaleString('en-US').padStart(9)}${String(l.p50).padStart(7)}${String(l.p99).padStart(7)}${String(l.errors).padStart(8)}`;
    console.log(`\n${'run'.padEnd(34)}${'requests'.padStart(10)}${'req/s'.padStart(9)}${'p50'.padStart(7)}${'p99'.padStart(7)}${'errors'.padStart(8)}`);
    console.log(row('tracking (sqlite), ms', ours));
    console.log(row('bare node:http GIF, ms', baseline));
    console.log(`ratio to bare HTTP: ${(ours.rps / baseline.rps).toFixed(2)}; statuses ${JSON.stringify(ours.statuses)}`);
    console.log(`recorded hits ${recorded.toLocaleString('en-US')} (plus ${implied.toLocaleString('en-US')} opens implied by clicks); answered 200/302 ${served.toLocaleString('en-US')}; rollup opens+clicks ${rollup.toLocaleString('en-US')}`);
    const checks = [
      { target: `>= ${TARGET_RPS.toLocaleString('en-US')} requests/s`, ok: ours.rps >= TARGET_RPS, actual: ours.rps.toLocaleString('en-US') },
      { target: `p99 < ${TARGET_P99_MS} ms`, ok: ours.p99 < TARGET_P99_MS, actual: `${ours.p99} ms` },
      { target: 'nothing lost: recorded hits = answered requests', ok: recorded === served, actual: `${recorded} / ${served}` },
      { target: 'no errors', ok: ours.errors === 0 && warm.errors === 0, actual: String(ours.errors + warm.errors) },
    ];
    console.log('');
    for (const c of checks) console.log(`${c.ok ? 'PASS' : 'MISS'}  ${c.target} (actual ${c.actual})`);
    mkdirSync('.bench-out', { recursive: true });
    writeFileSync('.bench-out/tracking.json', `${JSON.stringify({ bench: 'tracking', at: new Date().toISOString(), messages: MESSAGES, requests: REQUESTS, connections: CONNECTIONS, ours, baseline, recorded, served, implied, checks }, null, 2)}\n`);
    console.log('wrote .bench-out/tracking.json');
    if (recorded !== served) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

/**
 * get_metrics at scale: one campaign with 1M ledger rows (3 variants, email and push, spread over
 * 14 days of sends) and 300k engagement rows (opens, clicks, conversions with revenue, a few
 * unsubscribes), on SQLite and PostgreSQL. Rows are bulk-inserted with raw SQL, so the rollup
 * triggers run as they would for real writes (setup, not timed).
 *
 * Timed, 15 calls each after 3 warm-up calls, through an in-process MCP client: get_metrics for
 * the campaign (totals), with group_by variant+channel and a daily trend, and the workspace
 * summary. Baseline, side by side: the same totals counted from the raw rows with hand-written
 * SQL (ledger rows by status, engagement by kind with unique flags), which is what get_metrics
 * would cost without rollups. Both must agree, or the run fails.
 *
 *   npx tsx bench/metrics.ts          npm run bench -- metrics
 *
 * Environment: BENCH_METRICS_MESSAGES (1000000), BENCH_METRICS_HITS (300000), BENCH_DIALECTS (sqlite,postgres),
 * BENCH_PG_URL (postgres://postgres@127.0.0.1:5432/test). Target (issue #5): under 200 ms. Writes .bench-out/metrics.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { benchDatabase } from './lib/database.js';
import { timeIt as timeCalls, type Timing } from './lib/timing.js';
import { prompts } from '../prompts/index.js';
import { resources } from '../resources/index.js';
import { buildApp, localPrincipal } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { systemClock } from '../src/context.js';
import { silentLogger } from '../src/log.js';
import { connectInProcess } from '../src/server/in-process.js';
import { tools } from '../tools/index.js';

type Dialect = 'sqlite' | 'postgres';
const MESSAGES = Number(process.env.BENCH_METRICS_MESSAGES ?? 1_000_000);
const HITS = Number(process.env.BENCH_METRICS_HITS ?? 300_000);
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()) as Dialect[];
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CALLS = 15;
const WARMUP = 3;
const TARGET_MS = 200;
const DAY = 86_400_000;


const timeIt = (fn: () => Promise<unknown>) => timeCalls(fn, { calls: CALLS, warmup: WARMUP });

const database = (dialect: Dialect) => benchDatabase(dialect, 'metrics', PG_URL);

async function run(dialect: Dialect) {
  const db = await database(dialect);
  const app = await buildApp(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }), { log: silentLogger, clock: systemClock });
  try {
    const ws = 'default';
    const mcp = await connectInProcess(app.ctx, localPrincipal(ws), { tools, resources, prompts }, 'bench-metrics');
    const created = await mcp.sdk.callTool({
      name: 'create_campaign',
      arguments: {
        name: 'Bench metrics', channels: ['email', 'push'],
        variants: [{ key: 'A', subject: 'A', body: 'a' }, { key: 'B', subject: 'B', body: 'b' }, { key: 'C', subject: 'C', body: 'c' }],
      },
    });
    const campaign = (created.structuredContent as { campaign: { id: string; variants: Array<{ id: string }> } }).campaign;
    const variants = campaign.variants.map((v) => v.id);
    const start = Date.now() - 15 * DAY;
    const setup = performance.now();
    await insertRows(app, dialect, ws, campaign.id, variants, start);
    const setupMs = Math.round(performance.now() - setup);

    const call = (args: Record<string, unknown>) => async () => {
      const r = await mcp.sdk.callTool({ name: 'get_metrics', arguments: args });
      if (r.isError) throw new Error(`get_metrics failed: ${JSON.stringify(r.content)}`);
      return r.structuredContent as { counts: Record<string, number> };
    };
    const totals = await call({ campaign_id: campaign.id, trend: 'none' })();
    const recount = await rawTotals(app, dialect, ws, campaign.id);
    const mismatch = Object.entries(recount).filter(([k, v]) => totals.counts[k] !== v);
    if (mismatch.length > 0) throw new Error(`get_metrics disagrees with the raw recount: ${JSON.stringify({ mismatch, totals: totals.counts, recount })}`);
    const timings = {
      campaign: await timeIt(call({ campaign_id: campaign.id, trend: 'none' })),
      grouped: await timeIt(call({ campaign_id: campaign.id, group_by: ['variant', 'channel'], trend: 'day' })),
      workspace: await timeIt(call({})),
      raw: await timeIt(() => rawTotals(app, dialect, ws, campaign.id)),
    };
    await mcp.close();
    return { dialect, setupMs, timings, counts: totals.counts };
  } finally {
    await app.close();
    await db.drop();
  }
}

/** Ledger rows and hits in bulk, statuses and kinds in fixed proportions, times over 14 days. */
async function insertRows(app: Awaited<ReturnType<typeof buildApp>>, dialect: Dialect, ws: string, campaignId: string, variants: string[], start: number) {
  const status = (i: number) => (i % 50 === 0 ? 'failed' : i % 25 === 0 ? 'suppressed' : i % 10 === 0 ? 'sent' : 'delivered');
  const at = (i: number) => start + Math.floor((i / MESSAGES) * 14 * DAY);
  const hitKind = (j: number) => (j % 10 < 6 ? 'open' : j % 10 < 9 ? 'click' : j % 20 === 9 ? 'conversion' : 'unsubscribe');
  const raw = app.store.executor.raw;
  if (raw.dialect === 'sqlite') {
    const m = raw.db.prepare(`INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, variant_id, schedule_id, idempotency_key, status,
      status_history, attempts, credits, planned_for, scheduled_for, sent_at, created_at, updated_at) VALUES (?, ?, ?, 's', ?, ?, ?, 'sch', ?, ?, '[]', 1, 1, ?, ?, ?, ?, ?)`);
    const e = raw.db.prepare(`INSERT INTO engagement_events (workspace_id, id, message_id, campaign_id, variant_id, user_id, kind, link_index, is_machine,
      is_unique, is_first, revenue, occurred_at, channel, source) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, 'pixel')`);
    raw.db.transaction(() => {
      for (let i = 0; i < MESSAGES; i++) {
        const s = status(i);
        m.run(ws, `m${i}`, campaignId, `u${i}`, i % 4 === 0 ? 'push' : 'email', variants[i % 3], `k${i}`, s, at(i), at(i), s === 'sent' || s === 'delivered' ? at(i) : null, at(i), at(i));
      }
      for (let j = 0; j < HITS; j++) {
        const i = (j * 7) % MESSAGES;
        const kind = hitKind(j);
        e.run(ws, `e${j}`, `m${i}`, campaignId, variants[i % 3], `u${i}`, kind, j % 13 === 0 ? 1 : 0, j < MESSAGES / 7 && j % 13 !== 0 ? 1 : 0, j < MESSAGES / 7 ? 1 : 0,
          kind === 'conversion' ? 25 + (j % 50) : null, at(i) + 3_600_000, i % 4 === 0 ? 'push' : 'email');
      }
    })();
    return;
  }
  const sql = raw.sql;
  for (let s0 = 0; s0 < MESSAGES; s0 += 50_000) {
    const n = Math.min(50_000, MESSAGES - s0);
    const idx = Array.from({ length: n }, (_, k) => s0 + k);
    await sql`INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, variant_id, schedule_id, idempotency_key, status,
      status_history, attempts, credits, planned_for, scheduled_for, sent_at, created_at, updated_at)
      SELECT ${ws}, 'm' || i, ${campaignId}, 's', 'u' || i, d.channel, d.variant, 'sch', 'k' || i, d.status, '[]'::jsonb, 1, 1,
             d.at::timestamptz, d.at::timestamptz, d.sent::timestamptz, d.at::timestamptz, d.at::timestamptz
      FROM unnest(${idx}::int[], ${idx.map((i) => (i % 4 === 0 ? 'push' : 'email'))}::text[], ${idx.map((i) => variants[i % 3]!)}::text[], ${idx.map(status)}::text[],
                  ${idx.map((i) => new Date(at(i)).toISOString())}::text[],
                  ${idx.map((i) => (status(i) === 'sent' || status(i) === 'delivered' ? new Date(at(i)).toISOString() : null)) as string[]}::text[])
           AS d(i, channel, variant, status, at, sent)`;
  }
  for (let s0 = 0; s0 < HITS; s0 += 50_000) {
    const n = Math.min(50_000, HITS - s0);
    const js = Array.from({ length: n }, (_, k) => s0 + k);
    const msg = (j: number) => (j * 7) % MESSAGES;
    await sql`INSERT INTO engagement_events (workspace_id, id, message_id, campaign_id, variant_id, user_id, kind, is_machine, is_unique, is_first, revenue,
      occurred_at, channel, source)
      SELECT ${ws}, 'e' || j, 'm' || d.i, ${campaignId}, d.variant, 'u' || d.i, d.kind, d.machine::boolean, d.uniq::boolean, d.first::boolean, d.revenue, d.at::timestamptz, d.channel, 'pixel'
      FROM unnest(${js}::int[], ${js.map(msg)}::int[], ${js.map((j) => variants[msg(j) % 3]!)}::text[], ${js.map(hitKind)}::text[], ${js.map((j) => String(j % 13 === 0))}::text[],
                  ${js.map((j) => String(j < MESSAGES / 7 && j % 13 !== 0))}::text[], ${js.map((j) => String(j < MESSAGES / 7))}::text[],
                  ${js.map((j) => (hitKind(j) === 'conversion' ? 25 + (j % 50) : null)) as number[]}::float8[],
                  ${js.map((j) => new Date(at(msg(j)) + 3_600_000).toISOString())}::text[], ${js.map((j) => (msg(j) % 4 === 0 ? 'push' : 'email'))}::text[])
           AS d(j, i, variant, kind, machine, uniq, first, revenue, at, channel)`;
  }
  await sql`ANALYZE`;
}

/** The same totals from the raw rows, by hand-written SQL: what get_metrics would cost without rollups. */
async function rawTotals(app: Awaited<ReturnType<typeof buildApp>>, dialect: Dialect, ws: string, campaignId: string): Promise<Record<string, number>> {
  const raw = app.store.executor.raw;
  const statusSql = `SELECT status, count(*) AS n FROM messages WHERE workspace_id = $1 AND campaign_id = $2 GROUP BY status`;
  const hitSql = `SELECT kind, count(*) AS n, sum(CASE WHEN is_unique THEN 1 ELSE 0 END) AS u, coalesce(sum(revenue), 0) AS revenue
                  FROM engagement_events WHERE workspace_id = $1 AND campaign_id = $2 GROUP BY kind`;
  const [statuses, hits] =
    raw.dialect === 'sqlite'
      ? [raw.db.prepare(statusSql.replace(/\$\d/g, '?')).all(ws, campaignId), raw.db.prepare(hitSql.replace(/\$\d/g, '?')).all(ws, campaignId)]
      : [await raw.sql.unsafe(statusSql, [ws, campaignId]), await raw.sql.unsafe(hitSql, [ws, campaignId])];
  const st = new Map((statuses as Array<{ status: string; n: number }>).map((r) => [r.status, Number(r.n)]));
  const k = new Map((hits as Array<{ kind: string; n: number; u: number; revenue: number }>).map((r) => [r.kind, r]));
  return {
    targeted: [...st.values()].reduce((a, b) => a + b, 0),
    sent: (st.get('sent') ?? 0) + (st.get('delivered') ?? 0),
    delivered: st.get('delivered') ?? 0,
    failed: st.get('failed') ?? 0,
    suppressed: st.get('suppressed') ?? 0,
    opened: Number(k.get('open')?.u ?? 0),
    clicked: Number(k.get('click')?.u ?? 0),
    converted: Number(k.get('conversion')?.u ?? 0),
    opens_total: Number(k.get('open')?.n ?? 0),
    clicks_total: Number(k.get('click')?.n ?? 0),
    revenue: Math.round(Number(k.get('conversion')?.revenue ?? 0) * 100) / 100,
  };
}

async function main() {
  console.log(`metrics bench: ${MESSAGES.toLocaleString('en-US')} ledger rows, ${HITS.toLocaleString('en-US')} engagement rows; ${cpus().length} cpus, node ${process.version}, load1 ${loadavg()[0]!.toFixed(2)}`);
  const results = [];
  for (const dialect of DIALECTS) {
    if (dialect === 'postgres') {
      const probe = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      const up = await probe`select 1`.then(() => true, () => false);
      await probe.end();
      if (!up) {
        console.log(`SKIP  postgres unreachable at ${PG_URL}`);
        continue;
      }
    }
    const r = await run(dialect);
    results.push(r);
    console.log(`  ${dialect}: setup ${r.setupMs} ms`);
  }
  console.log(`\n${'dialect'.padEnd(10)}${'campaign'.padStart(16)}${'grouped+trend'.padStart(16)}${'workspace'.padStart(16)}${'raw recount'.padStart(16)}${'raw/ours'.padStart(10)}   (median / p95 ms)`);
  const f = (t: Timing) => `${t.median} / ${t.p95}`;
  for (const r of results) {
    console.log(`${r.dialect.padEnd(10)}${f(r.timings.campaign).padStart(16)}${f(r.timings.grouped).padStart(16)}${f(r.timings.workspace).padStart(16)}${f(r.timings.raw).padStart(16)}${(r.timings.raw.median / r.timings.campaign.median).toFixed(1).padStart(10)}`);
  }
  console.log('');
  const checks = results.flatMap((r) =>
    (['campaign', 'grouped', 'workspace'] as const).map((k) => ({ target: `${r.dialect} get_metrics (${k}) p95 < ${TARGET_MS} ms`, ok: r.timings[k].p95 < TARGET_MS, actual: `${r.timings[k].p95} ms` })),
  );
  for (const c of checks) console.log(`${c.ok ? 'PASS' : 'MISS'}  ${c.target} (actual ${c.actual})`);
  mkdirSync('.bench-out', { recursive: true });
  writeFileSync('.bench-out/metrics.json', `${JSON.stringify({ bench: 'metrics', at: new Date().toISOString(), messages: MESSAGES, hits: HITS, results, checks }, null, 2)}\n`);
  console.log('wrote .bench-out/metrics.json');
}

await main();

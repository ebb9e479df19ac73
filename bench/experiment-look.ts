/**
 * The cost of one look at an experiment: a test send of 200k messages (two arms) with 5% unique
 * clicks, on SQLite and PostgreSQL, rows bulk-inserted with raw SQL (setup, not timed).
 *
 * Timed, 15 calls each after 3 warm-up calls: the ad-hoc look (lookAt: the per-arm counts at the
 * live data and at matured sends, then the whole analysis: Bayesian draws, sequential tests, SRM,
 * guardrails), and get_metrics for the campaign through an in-process MCP client (which includes
 * the look). Baseline, side by side: the per-arm exposed and unique-click counts by one
 * hand-written GROUP BY over the same rows, without the click window, maturity or analysis. The
 * look's counts must equal the baseline's, or the run fails.
 *
 *   npx tsx bench/experiment-look.ts          npm run bench -- experiment-look
 *
 * Environment: BENCH_LOOK_MESSAGES (200000), BENCH_DIALECTS (sqlite,postgres), BENCH_PG_URL.
 */
import { join } from 'node:path';
import { benchDatabase } from './lib/database.js';
import { timeIt as timeCalls } from './lib/timing.js';
import { prompts } from '../prompts/index.js';
import { resources } from '../resources/index.js';
import { buildApp, localPrincipal } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { systemClock } from '../src/context.js';
import { emptyState } from '../src/domain/experiments/model.js';
import { toExperimentConfig, experimentInput } from '../src/domain/experiments/input.js';
import { silentLogger } from '../src/log.js';
import { connectInProcess } from '../src/server/in-process.js';
import { lookAt } from '../src/services/experiments.js';
import { tools } from '../tools/index.js';

type Dialect = 'sqlite' | 'postgres';
type App = Awaited<ReturnType<typeof buildApp>>;
const MESSAGES = Number(process.env.BENCH_LOOK_MESSAGES ?? 200_000);
const DIALECTS = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()) as Dialect[];
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CALLS = 15;
const WARMUP = 3;
const HOUR = 3_600_000;

const timeIt = (fn: () => Promise<unknown>) => timeCalls(fn, { calls: CALLS, warmup: WARMUP });

const database = (dialect: Dialect) => benchDatabase(dialect, 'look', PG_URL);

async function run(dialect: Dialect) {
  const db = await database(dialect);
  const app = await buildApp(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }), { log: silentLogger, clock: systemClock });
  try {
    const ws = 'default';
    const mcp = await connectInProcess(app.ctx, localPrincipal(ws), { tools, resources, prompts }, 'bench-look');
    const created = await mcp.sdk.callTool({
      name: 'create_campaign',
      arguments: { name: 'Bench look', channels: ['email'], variants: [{ key: 'A', subject: 'A', body: 'a' }, { key: 'B', subject: 'B', body: 'b' }] },
    });
    const campaign = (await app.store.campaigns.get(ws, (created.structuredContent as { campaign: { id: string } }).campaign.id))!;
    const config = toExperimentConfig(experimentInput.parse({ metric: 'click' }), campaign, { engagementTracked: true }, MESSAGES);
    let e = await app.store.experiments.create(ws, { campaignId: campaign.id, config, state: emptyState(), createdBy: 'bench' });
    e = (await app.store.experiments.update(ws, e.id, e.version, { testScheduleId: 'sch_bench' }))!;
    const variants = campaign.variants.map((v) => v.id);
    const setup = performance.now();
    await insertRows(app, ws, campaign.id, variants, Date.now() - 48 * HOUR);
    const setupMs = Math.round(performance.now() - setup);

    const look = async () => (await lookAt(app.ctx, ws, e, false)).analysis;
    const analysis = await look();
    const baseline = await rawArms(app, ws, campaign.id);
    for (const [i, v] of variants.entries()) {
      const a = analysis.arms[i]!;
      const b = baseline.get(v);
      if (!b || a.exposed !== b.exposed || a.successes !== b.clicks) throw new Error(`look disagrees with the raw count for ${v}: ${JSON.stringify({ look: a, raw: b })}`);
    }
    const timings = {
      look: await timeIt(look),
      get_metrics: await timeIt(async () => {
        const r = await mcp.sdk.callTool({ name: 'get_metrics', arguments: { campaign_id: campaign.id, trend: 'none' } });
        if (r.isError) throw new Error(JSON.stringify(r.content));
      }),
      raw: await timeIt(() => rawArms(app, ws, campaign.id)),
    };
    await mcp.close();
    return { dialect, setupMs, timings, arms: analysis.arms.map((a) => ({ key: a.key, exposed: a.exposed, clicks: a.successes })) };
  } finally {
    await app.close();
    await db.drop();
  }
}

/** Delivered messages, half per arm, sent over 24 h; a unique click for one in twenty, an hour after its send. */
async function insertRows(app: App, ws: string, campaignId: string, variants: string[], start: number) {
  const at = (i: number) => start + Math.floor((i / MESSAGES) * 24 * HOUR);
  // One in forty of all messages in each arm (even ids are A, odd ids B): 5% of each arm.
  const clicked = (i: number) => i % 40 === 0 || i % 40 === 5;
  const raw = app.store.executor.raw;
  if (raw.dialect === 'sqlite') {
    const m = raw.db.prepare(`INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, variant_id, schedule_id, idempotency_key, status,
      status_history, attempts, credits, planned_for, scheduled_for, sent_at, created_at, updated_at) VALUES (?, ?, ?, 'sch_bench', ?, 'email', ?, 'sch_bench', ?, 'delivered', '[]', 1, 1, ?, ?, ?, ?, ?)`);
    const e = raw.db.prepare(`INSERT INTO engagement_events (workspace_id, id, message_id, campaign_id, variant_id, user_id, kind, is_machine, is_unique, is_first,
      occurred_at, channel, source) VALUES (?, ?, ?, ?, ?, ?, 'click', 0, 1, 1, ?, 'email', 'redirect')`);
    raw.db.transaction(() => {
      for (let i = 0; i < MESSAGES; i++) {
        m.run(ws, `m${i}`, campaignId, `u${i}`, variants[i % 2], `k${i}`, at(i), at(i), at(i), at(i), at(i));
        if (clicked(i)) e.run(ws, `e${i}`, `m${i}`, campaignId, variants[i % 2], `u${i}`, at(i) + HOUR);
      }
    })();
    return;
  }
  const sql = raw.sql;
  for (let s0 = 0; s0 < MESSAGES; s0 += 50_000) {
    const idx = Array.from({ length: Math.min(50_000, MESSAGES - s0) }, (_, k) => s0 + k);
    await sql`INSERT INTO messages (workspace_id, id, campaign_id, step_key, user_id, channel, variant_id, schedule_id, idempotency_key, status,
      status_history, attempts, credits, planned_for, scheduled_for, sent_at, created_at, updated_at)
      SELECT ${ws}, 'm' || d.i, ${campaignId}, 'sch_bench', 'u' || d.i, 'email', d.variant, 'sch_bench', 'k' || d.i, 'delivered', '[]'::jsonb, 1, 1,
             d.at::timestamptz, d.at::timestamptz, d.at::timestamptz, d.at::timestamptz, d.at::timestamptz
      FROM unnest(${idx}::int[], ${idx.map((i) => variants[i % 2]!)}::text[], ${idx.map((i) => new Date(at(i)).toISOString())}::text[]) AS d(i, variant, at)`;
    const hits = idx.filter(clicked);
    await sql`INSERT INTO engagement_events (workspace_id, id, message_id, campaign_id, variant_id, user_id, kind, is_machine, is_unique, is_first, occurred_at, channel, source)
      SELECT ${ws}, 'e' || d.i, 'm' || d.i, ${campaignId}, d.variant, 'u' || d.i, 'click', false, true, true, d.at::timestamptz, 'email', 'redirect'
      FROM unnest(${hits}::int[], ${hits.map((i) => variants[i % 2]!)}::text[], ${hits.map((i) => new Date(at(i) + HOUR).toISOString())}::text[]) AS d(i, variant, at)`;
  }
  await sql`ANALYZE`;
}

/** Per-arm exposed and unique clicks by one hand-written GROUP BY (no window, no maturity, no analysis). */
async function rawArms(app: App, ws: string, campaignId: string): Promise<Map<string, { exposed: number; clicks: number }>> {
  const raw = app.store.executor.raw;
  const text = `SELECT m.variant_id AS arm, count(*) AS exposed, count(e.id) AS clicks
    FROM messages m LEFT JOIN engagement_events e ON e.workspace_id = m.workspace_id AND e.message_id = m.id AND e.kind = 'click' AND e.is_unique
    WHERE m.workspace_id = $1 AND m.campaign_id = $2 AND m.step_key = 'sch_bench' AND m.status IN ('sent', 'delivered') GROUP BY m.variant_id`;
  const rows = (raw.dialect === 'sqlite' ? raw.db.prepare(text.replace(/\$\d/g, '?')).all(ws, campaignId) : await raw.sql.unsafe(text, [ws, campaignId])) as Array<{ arm: string; exposed: number; clicks: number }>;
  return new Map(rows.map((r) => [r.arm, { exposed: Number(r.exposed), clicks: Number(r.clicks) }]));
}

const results = [];
for (const d of DIALECTS) results.push(await run(d));
console.log(`\nOne look at an experiment: ${MESSAGES.toLocaleString('en-US')} test messages, 2 arms, 5% unique clicks (${CALLS} calls after ${WARMUP} warm-up)`);
console.log('dialect    setup s   look p50/p95 ms   get_metrics p50/p95 ms   raw GROUP BY p50/p95 ms   look / raw (p50)');
for (const r of results) {
  const t = r.timings;
  console.log(
    `${r.dialect.padEnd(10)} ${(r.setupMs / 1000).toFixed(1).padStart(7)}   ${`${t.look.median} / ${t.look.p95}`.padEnd(17)} ${`${t.get_metrics.median} / ${t.get_metrics.p95}`.padEnd(24)} ${`${t.raw.median} / ${t.raw.p95}`.padEnd(25)} ${(t.look.median / t.raw.median).toFixed(2)}`,
  );
}
console.log(JSON.stringify(results.map((r) => ({ dialect: r.dialect, arms: r.arms }))));

/**
 * The demo's A/B test chapter, on the campaign simulator: a population whose true open and click
 * propensities per subject line are known, its own workspace and a simulated clock. The test is
 * planned and started through MCP, the real worker sends it and runs the experiment's scheduled
 * looks, simulated people open and click through the real tracking code hour by hour, and the
 * server decides and rolls the winner out on its own. Two simulated days take a few seconds.
 */
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { tools } from '../../tools/index.js';
import { buildApp, localPrincipal } from '../app.js';
import type { Config } from '../config.js';
import type { Logger } from '../domain/ports.js';
import { createWorker } from '../engine/worker.js';
import { connectInProcess, type InProcessClient } from '../server/in-process.js';
import { createSimulator, generatePopulation, SimClock } from '../sim/index.js';
import type { Executor } from '../store/executor.js';

const HOUR = 3_600_000;
export const EXPERIMENT_DEMO_USERS = 3000;
// A gap wide enough that the anytime-valid test reaches its evidence in every seeded run of the demo.
const TRUTH = { A: { open: 0.3, click: 0.1 }, B: { open: 0.5, click: 0.3 } };

export async function experimentChapter(
  config: Config,
  log: Logger,
  opts: { workspaceId: string; seed: number; say: (line?: string) => void; clear: (x: Executor, ws: string) => Promise<void>; step: number },
): Promise<void> {
  const { say } = opts;
  const clock = new SimClock();
  const app = await buildApp(config, { log, clock });
  const ws = opts.workspaceId;
  await app.store.workspaces.ensure(ws);
  await opts.clear(app.store.executor, ws);
  const client = await connectInProcess(app.ctx, localPrincipal(ws), { tools, resources, prompts }, 'demo-ab');
  const worker = createWorker({ queue: app.store.jobs, handlers: app.jobHandlers, clock, log, owner: 'demo-ab', concurrency: 2 });
  /** Runs every job due by `until`, moving the simulated clock from one to the next. */
  const runJobs = async (until: number) => {
    for (let i = 0; i < 10_000; i++) {
      await worker.drain();
      const next = await app.store.jobs.nextRunAt();
      if (!next || next.getTime() > until) return;
      clock.set(next);
    }
  };
  try {
    const population = generatePopulation({ seed: opts.seed, size: EXPERIMENT_DEMO_USERS, variants: TRUTH });
    const sim = createSimulator({ store: app.store, tracking: app.ctx.tracking, clock }, { workspaceId: ws, population });
    await sim.load();
    say(`${opts.step}. An A/B test on the campaign simulator (workspace '${ws}', ${EXPERIMENT_DEMO_USERS.toLocaleString('en-US')} simulated subscribers whose true behaviour is known, simulated clock)`);
    say(`   ground truth: subject A is opened by ${TRUTH.A.open * 100}% and clicked by ${TRUTH.A.click * 100}% of openers; B ${TRUTH.B.open * 100}% and ${TRUTH.B.click * 100}%`);
    const segment = await ok(client, 'define_segment', { name: 'Email subscribers', rules: { version: 1, root: { kind: 'consent', channel: 'email', subscribed: true } } });
    const html = (line: string) => `<p>Hi {{ first_name }}, ${line}: <a href="https://shop.example/winter">see the sale</a>.</p>`;
    const created = await ok(client, 'create_campaign', {
      name: 'Winter sale subject test',
      segment_id: (segment.segment as { id: string }).id,
      channels: ['email'],
      variants: [
        { key: 'A', subject: 'Our winter sale has started', body: 'Hi {{ first_name }}, the sale: https://shop.example/winter', html: html('our winter sale has started') },
        { key: 'B', subject: '{{ first_name }}, 30% off everything until Sunday', body: 'Hi {{ first_name }}, 30% off: https://shop.example/winter', html: html('30% off everything until Sunday') },
      ],
      goal: { metric: 'click', attribution_window_hours: 24 },
    });
    const campaignId = (created.campaign as { id: string }).id;
    const args = { campaign_id: campaignId, metric: 'click', test_share: 0.5, minimum_detectable_lift: 0.5 };
    const plan = await client.callTool('run_ab_test', args);
    say('   run_ab_test, dry run (nothing sent):');
    for (const line of plan.text.split('\n').slice(0, 3)) say(`     ${line}`);
    const started = await ok(client, 'run_ab_test', { ...args, confirm: true, idempotency_key: `demo-ab-${opts.seed}` });
    const experimentId = (started.experiment as { id: string }).id;
    say(`   started ${experimentId}: half the audience is tested (always-valid statistics, looked at every hour); the other half gets the winner`);

    const start = clock.now().getTime();
    let decidedAt: number | null = null;
    for (let h = 1; h <= 48; h++) {
      const until = start + h * HOUR;
      await sim.engage({ campaignId, until: new Date(until) });
      await runJobs(until);
      const e = await app.store.experiments.get(ws, experimentId);
      if (e && e.status !== 'running' && decidedAt === null) decidedAt = h;
      const c = await app.store.campaigns.get(ws, campaignId);
      if (c?.status === 'completed') break;
    }
    const e = (await app.store.experiments.get(ws, experimentId))!;
    say(decidedAt === null ? '   no decision within two simulated days' : `   after ${decidedAt} simulated hours the server decided on its own: winner ${e.decision?.winnerKey} (${e.decision?.reason})`);
    const metrics = await client.callTool('get_metrics', { campaign_id: campaignId, trend: 'none' });
    const table = metrics.text.split('\n');
    const from = table.findIndex((l) => l.startsWith('Experiment '));
    say('   get_metrics (the experiment part):');
    for (const line of table.slice(from, from + 5)) say(`     ${line}`);
    const state = JSON.parse(await client.readResource(`campaign://${campaignId}`)) as { campaign: { status: string }; counters: Record<string, number> };
    say(`   roll-out: campaign ${state.campaign.status}, ${state.counters['delivered'] ?? 0} messages delivered in all (test group, then the winner to the rest); the decision and roll-out are in the audit log with their numbers`);
  } finally {
    await client.close();
    await app.close();
  }
}

async function ok(client: InProcessClient, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await client.callTool(name, args);
  if (r.isError || !r.structured) throw new Error(`${name} failed: ${r.text}`);
  return r.structured;
}

/**
 * The demo's A/B test chapter, run by the campaign agent on the campaign simulator: a population
 * whose true open and click propensities per subject line are known, its own workspace and a
 * simulated clock. The campaign enables the agent in autopilot; the test is planned and started
 * through MCP with a manual roll-out; every simulated hour people open and click through the real
 * tracking code and the demo's MCP client runs one agent tick (run_agent), until the agent decides
 * and rolls the winner out. Engagement then runs on to a week in coarse steps, and get_metrics
 * gives the numbers the HTML report (./report.ts) draws. A simulated week takes a few seconds.
 */
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { tools } from '../../tools/index.js';
import { createAgentRunner } from '../agent/loop.js';
import { buildApp, localPrincipal } from '../app.js';
import type { Config } from '../config.js';
import type { Logger } from '../domain/ports.js';
import { connectInProcess, type InProcessClient } from '../server/in-process.js';
import { createSimulator, generatePopulation, SimClock, type EngageResult } from '../sim/index.js';
import { simulatedJobs } from '../sim/jobs.js';
import type { Executor } from '../store/executor.js';
import type { ArmPoint, ReportInput, TrendPoint, VariantRow } from './report.js';

const HOUR = 3_600_000;
const WEEK_HOURS = 7 * 24;
/** After the decision, engagement runs on to a week in steps this long. */
const COARSE_HOURS = 6;
const OPEN_DELAY_HOURS = 8;
export const EXPERIMENT_DEMO_USERS = 3000;
// A gap wide enough that the anytime-valid test reaches its evidence in every seeded run of the demo.
const TRUTH = { A: { open: 0.3, click: 0.1 }, B: { open: 0.5, click: 0.3 } };

type J = Record<string, any>;
interface ToolCall { tool: string; outcome: string; input: Record<string, unknown> }

export async function experimentChapter(
  config: Config,
  log: Logger,
  opts: { workspaceId: string; seed: number; say: (line?: string) => void; clear: (x: Executor, ws: string) => Promise<void>; step: number },
): Promise<ReportInput> {
  const { say } = opts;
  const clock = new SimClock();
  const app = await buildApp(config, { log, clock });
  // The agent the servers run (cli.ts withAgent): Claude when a key is configured, else the deterministic policy.
  const claude = config.ANTHROPIC_API_KEY
    ? { apiKey: config.ANTHROPIC_API_KEY, model: config.ANTHROPIC_MODEL, ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}) }
    : null;
  app.ctx.agent = createAgentRunner(app.ctx, { tools, resources, prompts }, claude);
  const ws = opts.workspaceId;
  await app.store.workspaces.ensure(ws);
  await opts.clear(app.store.executor, ws);
  const client = await connectInProcess(app.ctx, localPrincipal(ws), { tools, resources, prompts }, 'demo-ab');
  const runJobs = simulatedJobs({ queue: app.store.jobs, handlers: app.jobHandlers, clock, log, owner: 'demo-ab' });
  try {
    const population = generatePopulation({ seed: opts.seed, size: EXPERIMENT_DEMO_USERS, variants: TRUTH });
    // Opens follow delivery after 8 hours on average (most within a day, a tail over the next two), so the week has a shape.
    const sim = createSimulator({ store: app.store, tracking: app.ctx.tracking, clock }, { workspaceId: ws, population, engagement: { openDelayMeanMs: OPEN_DELAY_HOURS * HOUR } });
    await sim.load();
    say(`${opts.step}. The campaign agent runs an A/B test on the campaign simulator (workspace '${ws}', ${EXPERIMENT_DEMO_USERS.toLocaleString('en-US')} simulated subscribers whose true behaviour is known, simulated clock)`);
    say(`   ground truth: subject A is opened by ${TRUTH.A.open * 100}% and clicked by ${TRUTH.A.click * 100}% of openers; B ${TRUTH.B.open * 100}% and ${TRUTH.B.click * 100}%`);
    const configured = await client.callTool('configure_agent', { mode: 'autopilot' });
    if (configured.isError) throw new Error(`configure_agent failed: ${configured.text}`);
    say(`   configure_agent {mode: autopilot} -> ${configured.text.split('\n')[0]}`);
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
      agent: { enabled: true, goal: 'maximize_engagement', mode: 'autopilot' },
    });
    const campaign = created.campaign as { id: string; name: string };
    const campaignId = campaign.id;
    say(`   create_campaign -> ${campaignId}: subjects A "Our winter sale has started" and B "{{ first_name }}, 30% off everything until Sunday"; agent enabled (goal maximize_engagement, autopilot)`);
    const args = { campaign_id: campaignId, metric: 'click', test_share: 0.5, minimum_detectable_lift: 0.5, rollout: 'manual' };
    const plan = await client.callTool('run_ab_test', args);
    say('   run_ab_test, dry run (nothing sent):');
    for (const line of plan.text.split('\n').slice(0, 3)) say(`     ${line}`);
    const started = await ok(client, 'run_ab_test', { ...args, confirm: true, idempotency_key: `demo-ab-${opts.seed}` });
    const experimentId = (started.experiment as { id: string }).id;
    say(`   started ${experimentId}: half the audience is tested (always-valid statistics); roll-out manual, so the other half waits for whoever decides`);
    say('   every simulated hour: people open and click, then the demo calls run_agent (one tick of the agent, through MCP)');

    const start = clock.now().getTime();
    let acted: { hour: number; summary: J; calls: ToolCall[] } | null = null;
    let waited = 0;
    for (let h = 1; h <= 48 && !acted; h++) {
      const until = start + h * HOUR;
      await sim.engage({ campaignId, until: new Date(until) });
      // Sends and anything due before the hour; the agent ticks at the hour, before the server's own hourly look.
      await runJobs(until - 1);
      clock.set(new Date(until));
      const summary = await ok(client, 'run_agent', { reason: `demo: hourly tick, simulated hour ${h}` });
      const record = JSON.parse(await client.readResource(String(summary.resource))) as J;
      const calls = (record.toolCalls ?? []) as ToolCall[];
      if (calls.length > 0) acted = { hour: h, summary, calls };
      else if (++waited <= 3) {
        const why = ((record.options ?? []) as J[]).find((o) => o.campaign_id === campaignId && /experiment/.test(o.considered))?.why ?? summary.rationale;
        say(`   hour ${h}: run_agent -> ${summary.id} ${summary.status} (${summary.decider}): nothing to do; ${why}`);
      }
      await runJobs(until);
    }
    if (waited > 3) say(`   ... ${waited - 3} more hourly ticks waited`);
    if (!acted) say('   the agent found nothing to do within two simulated days');
    else {
      say(`   hour ${acted.hour}: run_agent -> ${acted.summary.id} ${acted.summary.status} (${acted.summary.decider}, ${acted.summary.mode})`);
      say(`     rationale: ${acted.summary.rationale}`);
      // The reason each call carries is the rationale's; left out here.
      for (const c of acted.calls) say(`     ${c.outcome.padEnd(8)} ${c.tool} ${JSON.stringify({ ...c.input, reason: undefined }).slice(0, 160)}`);
    }
    const decided = JSON.parse(await client.readResource(`experiment://${experimentId}`)) as J;
    const exp = (decided.experiment ?? decided) as J;
    const decision = exp.decision as { winner_key: string | null; decided_by: string; reason: string } | null;
    const rolled = exp.rollout_schedule_id ? `rolled out to the other half (schedule ${exp.rollout_schedule_id})` : 'not rolled out';
    say(`   experiment ${exp.status}: winner ${decision?.winner_key ?? 'none'}, decided by ${decision?.decided_by ?? 'nobody'}; ${rolled}`);

    // The rest of the week, in coarse steps: the hits keep their own times, so the trend covers the week.
    let last: EngageResult | null = null;
    const from = Math.ceil((clock.now().getTime() - start) / HOUR);
    for (let h = from + COARSE_HOURS; h <= WEEK_HOURS + COARSE_HOURS - 1; h += COARSE_HOURS) {
      const until = start + Math.min(h, WEEK_HOURS) * HOUR;
      last = await sim.engage({ campaignId, until: new Date(until) });
      await runJobs(until);
    }
    if (last) {
      const { drawn, expected } = last;
      say(`   a week of engagement on the simulated clock (to ${new Date(start + WEEK_HOURS * HOUR).toISOString().slice(0, 16)}Z, in ${COARSE_HOURS}-hour steps after the decision): ${drawn.opens} opens and ${drawn.clicks} clicks (the ground truth expected ${Math.round(expected.opens)} and ${Math.round(expected.clicks)})`);
    }
    const state = JSON.parse(await client.readResource(`campaign://${campaignId}`)) as { campaign: { status: string }; counters: Record<string, number> };
    say(`   roll-out: campaign ${state.campaign.status}, ${state.counters['delivered'] ?? 0} messages delivered in all (test group, then the winner to the rest); the decision and roll-out are in the audit log and the decision record`);

    const daily = await ok(client, 'get_metrics', { campaign_id: campaignId, trend: 'day', group_by: ['variant'] });
    const c = daily.counts as { sent: number; opened: number; clicked: number; unsubscribed: number };
    const rate = (n: number) => (c.sent ? `${((n / c.sent) * 100).toFixed(1)}%` : '-');
    say('   get_metrics (campaign_id, group_by variant, trend day):');
    say(`     all: ${c.sent.toLocaleString('en-US')} sent, ${c.opened.toLocaleString('en-US')} opened (${rate(c.opened)}), ${c.clicked.toLocaleString('en-US')} clicked (${rate(c.clicked)}), ${c.unsubscribed} unsubscribed`);
    const groups = (daily.groups ?? []) as VariantRow[];
    for (const g of groups) {
      const s = g.counts.sent;
      say(`     variant ${g.variant_key}: ${s.toLocaleString('en-US')} sent, ${s ? ((g.counts.opened / s) * 100).toFixed(1) : '-'}% opened, ${s ? ((g.counts.clicked / s) * 100).toFixed(1) : '-'}% clicked`);
    }
    const days = (daily.trend ?? []) as TrendPoint[];
    say(`     per day: ${days.map((d) => `${d.bucket.slice(5)} ${d.sent}/${d.opened}/${d.clicked}`).join(', ')} (sent/opened/clicked)`);
    const table = String((daily.experiment as J | null)?.summary ?? '').split('\n');
    for (const line of table.slice(0, 4)) say(`     ${line}`);

    const hourly = await ok(client, 'get_metrics', { campaign_id: campaignId, trend: 'hour' });
    const analysis = ((daily.experiment as J | null)?.analysis ?? { arms: [] }) as { arms: ArmPoint[] };
    const metric = String(exp.metric ?? 'click');
    const truth = last
      ? Object.fromEntries(Object.entries(last.expected.byVariant).map(([k, t]) => [k, t.messages ? (metric === 'open' ? t.opens : t.clicks) / t.messages : 0]))
      : undefined;
    return {
      title: 'agentic-campaign demo: an A/B test decided by the campaign agent',
      campaign: { id: campaignId, name: campaign.name },
      period: { from: new Date(start).toISOString(), to: new Date(start + WEEK_HOURS * HOUR).toISOString() },
      trend: (hourly.trend ?? []) as TrendPoint[],
      experiment: { id: experimentId, metric, status: String(exp.status), winner: decision?.winner_key ?? null, decidedBy: decision?.decided_by ?? null, arms: analysis.arms },
      variants: groups,
      ...(truth ? { truth } : {}),
      agent: acted
        ? { id: String(acted.summary.id), decider: String(acted.summary.decider), mode: String(acted.summary.mode), rationale: String(acted.summary.rationale), toolCalls: acted.calls }
        : { id: 'none', decider: 'policy', mode: 'autopilot', rationale: 'The agent found nothing to do within two simulated days.', toolCalls: [] },
      notes: [`Simulated: ${EXPERIMENT_DEMO_USERS.toLocaleString('en-US')} subscribers whose true open and click rates per subject line are known (seed ${opts.seed}); delivery, tracking, metrics, the experiment and the agent are the real code.`],
    };
  } finally {
    await client.close();
    await app.close();
  }
}

async function ok(client: InProcessClient, name: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await client.callTool(name, args);
  if (r.isError || !r.structured) throw new Error(`${name} failed: ${r.text}`);
  return r.structured;
}

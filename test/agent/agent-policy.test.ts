/**
 * The campaign agent with its deterministic policy, through MCP on the simulator: it decides an
 * experiment and rolls the truly better subject out; in propose mode nothing is sent until a
 * marketer approves; it pauses a campaign whose unsubscribe rate passes the threshold; and the
 * server (not the agent) refuses what its limits forbid, with every decision recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { createAgentRunner } from '../../src/agent/loop.js';
import { createSimulator, generatePopulation, type Simulator } from '../../src/sim/index.js';
import { tools } from '../../tools/index.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';

const HOUR = 3_600_000;
const html = (offer: string) => `<p>Hi {{ first_name }}, ${offer}: <a href="https://shop.example/sale">the sale</a>.</p>`;

interface World {
  t: TestApp;
  mcp: Connected;
  sim: Simulator;
  runner: JobRunner;
  segment: string;
  ws: string;
}

async function world(dialect: 'sqlite' | 'postgres', ws: string, size = 2000): Promise<World> {
  const t = await testApp(dialect, { QUIET_HOURS: 'off', FREQUENCY_CAP_PER_DAY: '0', FREQUENCY_CAP_PER_WEEK: '0' });
  t.ctx.agent = createAgentRunner(t.ctx, { tools, resources, prompts }, null);
  const population = generatePopulation({ seed: 3, size, variants: { A: { open: 0.5, click: 0.05 }, B: { open: 0.5, click: 0.4 } } });
  const sim = createSimulator({ store: t.store, tracking: t.ctx.tracking, clock: t.clock }, { workspaceId: ws, population });
  await sim.load();
  const mcp = await connect(t.ctx, principal(ws));
  const seg = await mcp.ok('define_segment', { name: 'Subscribers', rules: { version: 1, root: { kind: 'consent', channel: 'email', subscribed: true } } });
  return { t, mcp, sim, runner: jobRunner(t), segment: seg.segment.id, ws };
}

const campaign = async (w: World, name: string, agent: Record<string, unknown>) =>
  (
    await w.mcp.ok('create_campaign', {
      name,
      segment_id: w.segment,
      channels: ['email'],
      variants: ['A', 'B'].map((k) => ({ key: k, subject: `Subject ${k}`, body: 'Hi {{ first_name }}: https://shop.example/sale', html: html(`offer ${k}`) })),
      goal: { metric: 'click', attribution_window_hours: 24 },
      agent,
    })
  ).campaign.id as string;

/** Starts a manual-rollout A/B test and lets the simulated people engage until its rule says decide. */
async function testUntilReady(w: World, c: string): Promise<string> {
  const started = await w.mcp.ok('run_ab_test', { campaign_id: c, metric: 'click', test_share: 0.5, rollout: 'manual', confirm: true, idempotency_key: `ab-${c}` });
  const id = started.experiment.id as string;
  await w.runner.settle(5 * 60_000);
  const start = w.t.clock.now().getTime();
  for (let h = 1; h <= 30; h++) {
    await w.sim.engage({ campaignId: c, until: new Date(start + h * HOUR) });
    await w.runner.settle(Math.max(0, start + h * HOUR - w.t.clock.now().getTime()));
    const e = (await w.t.store.experiments.get(w.ws, id))!;
    if (e.status !== 'running') break;
  }
  return id;
}

describe.each(await dialects())('the campaign agent (deterministic policy), %s', (dialect) => {
  let w: World;
  beforeAll(async () => {
    w = await world(dialect, 'agent');
  }, 120_000);
  afterAll(async () => {
    await w?.mcp.close();
    await w?.t.dispose();
  });

  it('in propose mode sends nothing until a marketer approves; then the winner goes out', async () => {
    await w.mcp.ok('configure_agent', { mode: 'propose' });
    const c = await campaign(w, 'Proposed', { enabled: true, goal: 'maximize_engagement', mode: 'autopilot' });
    const id = await testUntilReady(w, c);
    const before = await query<{ n: number }>(w.t, 'SELECT count(*) AS n FROM messages WHERE campaign_id = ?', [c]);
    const tick = await w.mcp.ok('run_agent', { reason: 'test' });
    expect(tick.status).toBe('done');
    expect(tick.executed).toEqual([]);
    expect(tick.proposed.length).toBeGreaterThanOrEqual(1);
    await w.runner.settle(HOUR);
    const after = await query<{ n: number }>(w.t, 'SELECT count(*) AS n FROM messages WHERE campaign_id = ?', [c]);
    expect(Number(after[0]!.n)).toBe(Number(before[0]!.n));
    expect((await w.t.store.experiments.get(w.ws, id))!.rolloutScheduleId).toBeNull();

    const listed = await w.mcp.ok('list_agent_decisions', {});
    expect(listed.mode).toBe('propose');
    const pending = listed.pending_proposals.filter((p: { campaign_id: string }) => p.campaign_id === c);
    expect(pending.map((p: { tool: string }) => p.tool).sort()).toEqual(pending.length === 2 ? ['decide_experiment', 'decide_experiment'] : ['decide_experiment']);
    // Approve in the order proposed (oldest first): decide, then roll out.
    for (const p of [...pending].reverse()) {
      const r = await w.mcp.ok('review_proposal', { proposal_id: p.id, decision: 'approve', note: 'looks right' });
      expect(r.proposal.status).toBe('approved');
      expect(r.executed).toBe(true);
    }
    expect(await w.mcp.fail('review_proposal', { proposal_id: pending[0].id, decision: 'reject' })).toMatch(/already approved/);
    await w.runner.settle(HOUR);
    const e = (await w.t.store.experiments.get(w.ws, id))!;
    // If the decision came with the server's own look, the roll-out still waited for approval.
    if (process.env.AGENT_DEBUG) console.log(JSON.stringify(e.decision), JSON.stringify(tick));
    expect(e.status).toBe('rolled_out');
    expect(e.decision?.winnerKey).toBe('B');
    const rows = await query<{ user_id: string }>(w.t, 'SELECT user_id FROM messages WHERE campaign_id = ?', [c]);
    expect(rows.length).toBe(2000);
    expect(new Set(rows.map((r) => r.user_id)).size).toBe(2000);
  }, 300_000);

  it('on autopilot decides the experiment, rolls out the truly better subject, and records why', async () => {
    await w.mcp.ok('configure_agent', { mode: 'autopilot' });
    const c = await campaign(w, 'Autopilot', { enabled: true, goal: 'maximize_engagement', mode: 'autopilot' });
    const id = await testUntilReady(w, c);
    const tick = await w.mcp.ok('run_agent', {});
    expect(tick.decider).toBe('policy');
    expect(tick.executed).toContain('decide_experiment');
    expect(tick.rationale).toMatch(/Autopilot/);
    await w.runner.settle(HOUR);
    const e = (await w.t.store.experiments.get(w.ws, id))!;
    expect(e.status).toBe('rolled_out');
    expect(e.decision?.winnerKey).toBe('B');
    // The decision record: observations with numbers, options weighed, tool calls with results.
    const record = JSON.parse(((await w.mcp.client.readResource({ uri: tick.resource })).contents[0] as { text: string }).text);
    const seen = record.observations.campaigns.find((x: { id: string }) => x.id === c);
    expect(seen.counts.sent).toBeGreaterThan(0);
    expect(seen.experiment.recommendation.action).toBe('decide');
    // The rule said decide; the server's own look may have decided first, leaving the (manual) roll-out to the agent.
    expect(record.options.some((o: { considered: string; chosen: boolean }) => ['decide the experiment', 'roll out the decided winner'].includes(o.considered) && o.chosen)).toBe(true);
    const calls = record.toolCalls as Array<{ tool: string; outcome: string; result: string }>;
    expect(calls.filter((x) => x.tool === 'decide_experiment').every((x) => x.outcome === 'ok')).toBe(true);
    expect(record.actions.filter((a: { status: string }) => a.status === 'executed').length).toBeGreaterThanOrEqual(1);
    // It acted as itself: the audit log names the decision.
    const audit = await w.t.store.audit.list(w.ws, 200);
    expect(audit.some((a) => a.action === 'decide_experiment' && a.actor === `agent:${tick.id}`)).toBe(true);
  }, 300_000);

  it('pauses a running campaign whose unsubscribe rate passes the threshold, and leaves campaigns that did not enable it alone', async () => {
    await w.mcp.ok('configure_agent', { mode: 'autopilot', unsubscribe_rate_threshold: 0.02, min_sent_for_rates: 100 });
    const recurring = async (name: string, agent: Record<string, unknown>) => {
      const id = (
        await w.mcp.ok('create_campaign', {
          name, type: 'recurring', segment_id: w.segment, channels: ['email'], schedule: { cron: '0 * * * *', timezone: 'UTC' },
          variants: [{ key: 'A', subject: 'Hourly', body: 'Hi {{ first_name }}', html: html('news') }], agent,
        })
      ).campaign.id as string;
      await w.mcp.ok('schedule_send', { campaign_id: id, recurring: { cron: '0 * * * *', timezone: 'UTC' }, confirm: true, idempotency_key: `hourly-${id}` });
      return id;
    };
    const managed = await recurring('Too many leave', { enabled: true, goal: 'minimize_unsubscribes', mode: 'autopilot' });
    const other = await recurring("Not the agent's", { enabled: false });
    await w.runner.settle(HOUR);
    // One in twenty of each campaign's recipients unsubscribes (different people for each).
    const tracking = w.t.ctx.tracking!;
    for (const [k, c] of [managed, other].entries()) {
      expect((await w.t.store.campaigns.get(w.ws, c))!.status).toBe('running');
      const sent = await query<{ id: string }>(w.t, "SELECT id FROM messages WHERE campaign_id = ? AND status = 'delivered' ORDER BY id", [c]);
      expect(sent.length).toBeGreaterThan(100);
      for (const m of sent.filter((_, i) => i % 20 === k)) {
        const token = tracking.verify(tracking.urlsFor(w.ws, m.id).unsubscribe.split('/').pop()!)!;
        expect((await tracking.record({ token, source: 'one_click' })).ok).toBe(true);
      }
    }
    const tick = await w.mcp.ok('run_agent', {});
    expect(tick.executed).toContain('update_campaign_status');
    expect((await w.t.store.campaigns.get(w.ws, managed))!.status).toBe('paused');
    expect((await w.t.store.campaigns.get(w.ws, other))!.status).toBe('running');
    const record = (await w.t.store.agent.getDecision(w.ws, tick.id))!;
    const seen = (record.observations as { campaigns: Array<{ id: string; rates: { unsubscribe: number } }> }).campaigns;
    expect(seen.map((x) => x.id)).not.toContain(other);
    expect(seen.find((x) => x.id === managed)!.rates.unsubscribe).toBeGreaterThan(0.02);
    const pause = record.toolCalls.find((x) => x.tool === 'update_campaign_status')!;
    expect(pause.input).toMatchObject({ campaign_id: managed, action: 'pause' });
    expect(String(pause.input['reason'])).toMatch(/unsubscribe rate 5\.\d\d% \(limit 2\.00%\)/);
    await w.mcp.ok('update_campaign_status', { campaign_id: other, action: 'pause', reason: 'test done' });
  }, 300_000);
});

/**
 * Experiments on the campaign simulator (ground truth known), through the real MCP tools, the
 * real delivery and tracking code and the durable scheduled looks, on a controllable clock:
 * - a fixed split on clicks finds the truly better subject line and rolls it out;
 * - a bandit sends its test group in waves whose split moves toward the better arm;
 * - a variant whose unsubscribe rate is significantly worse is stopped by the guardrail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, generatePopulation, type Simulator } from '../../src/sim/index.js';
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
}

async function world(dialect: 'sqlite' | 'postgres', ws: string, variants: Record<string, { open: number; click: number }>, size: number, seed: number): Promise<World> {
  const t = await testApp(dialect);
  const population = generatePopulation({ seed, size, variants });
  const sim = createSimulator({ store: t.store, tracking: t.ctx.tracking, clock: t.clock }, { workspaceId: ws, population });
  await sim.load();
  const mcp = await connect(t.ctx, principal(ws));
  const seg = await mcp.ok('define_segment', { name: 'Email subscribers', rules: { version: 1, root: { kind: 'consent', channel: 'email', subscribed: true } } });
  return { t, mcp, sim, runner: jobRunner(t), segment: seg.segment.id };
}

const emailCampaign = async (w: World, keys: string[]) =>
  (
    await w.mcp.ok('create_campaign', {
      name: `Subject test ${keys.join('/')}`,
      segment_id: w.segment,
      channels: ['email'],
      variants: keys.map((k) => ({ key: k, subject: `Subject ${k}`, body: 'Hi {{ first_name }}: https://shop.example/sale', html: html(`offer ${k}`) })),
      goal: { metric: 'click', attribution_window_hours: 24 },
    })
  ).campaign.id as string;

/** Alternates simulated engagement and the job worker, an hour at a time, until `hours` have passed. */
async function live(w: World, campaignId: string, hours: number, stopWhen?: () => Promise<boolean>) {
  const start = w.t.clock.now().getTime();
  for (let h = 1; h <= hours; h++) {
    const until = start + h * HOUR;
    await w.sim.engage({ campaignId, until: new Date(until) });
    await w.runner.settle(Math.max(0, until - w.t.clock.now().getTime()));
    if (stopWhen && (await stopWhen())) return;
  }
}

describe.each(await dialects())('experiments on the simulator, %s', (dialect) => {
  let w: World;
  beforeAll(async () => {
    w = await world(dialect, 'sim', { A: { open: 0.5, click: 0.1 }, B: { open: 0.5, click: 0.3 } }, 3000, 7);
  });
  afterAll(async () => {
    await w?.mcp.close();
    await w?.t.dispose();
  });

  it('a fixed split on clicks finds the better subject line, rolls it out and says why', async () => {
    const c = await emailCampaign(w, ['A', 'B']);
    const started = await w.mcp.ok('run_ab_test', { campaign_id: c, metric: 'click', test_share: 0.5, confirm: true, idempotency_key: `fixed-${c}` });
    const id = started.experiment.id as string;
    await w.runner.settle(5 * 60_000);
    const decided = async () => (await w.t.store.experiments.get('sim', id))!.status !== 'running';
    await live(w, c, 30, decided);
    const e = (await w.t.store.experiments.get('sim', id))!;
    if (process.env.SIM_DEBUG) console.log(JSON.stringify(e.decision, null, 1));
    expect(e.status).toBe('rolled_out');
    expect(e.decision?.winnerKey).toBe('B');
    expect(e.decision?.decidedBy).toBe('experiment-engine');
    expect(e.decision?.reason).toMatch(/beats the control A/);
    const evidence = e.decision!.evidence as { comparisons: Array<{ e_value: number; always_valid_ci: [number, number] }> };
    expect(evidence.comparisons[0]!.e_value).toBeGreaterThanOrEqual(20);
    expect(evidence.comparisons[0]!.always_valid_ci[0]).toBeGreaterThan(0);

    await w.runner.settle(10 * 60_000);
    const p = dialect === 'sqlite' ? '?' : '$1';
    const rows = await query<{ step_key: string; variant_id: string; status: string }>(w.t, `SELECT step_key, variant_id, status FROM messages WHERE campaign_id = ${p}`, [c]);
    const campaign = (await w.t.store.campaigns.get('sim', c))!;
    const b = campaign.variants.find((v) => v.key === 'B')!.id;
    const rolled = rows.filter((r) => r.step_key === e.rolloutScheduleId);
    expect(rows.length).toBe(3000);
    expect(rolled.length).toBeGreaterThan(1300);
    expect(rolled.every((r) => r.variant_id === b && r.status === 'delivered')).toBe(true);
    expect(campaign.status).toBe('completed');
  });
});

describe('bandit and guardrail on the simulator (sqlite)', () => {
  let w: World;
  beforeAll(async () => {
    w = await world('sqlite', 'bandit', { A: { open: 0.4, click: 0.06 }, B: { open: 0.4, click: 0.1 }, C: { open: 0.4, click: 0.25 } }, 3000, 11);
  });
  afterAll(async () => {
    await w?.mcp.close();
    await w?.t.dispose();
  });

  it('sends the test group in waves whose split moves toward the better arm', async () => {
    const c = await emailCampaign(w, ['A', 'B', 'C']);
    const started = await w.mcp.ok('run_ab_test', {
      campaign_id: c, metric: 'click', allocation: 'bandit', waves: 4, wave_every_hours: 8, window_hours: 6, min_per_arm: 600,
      check_every_minutes: 60, confirm: true, idempotency_key: `bandit-${c}`,
    });
    const id = started.experiment.id as string;
    expect(started.experiment.waves).toHaveLength(1);
    await w.runner.settle(5 * 60_000);
    await live(w, c, 40, async () => (await w.t.store.experiments.get('bandit', id))!.status !== 'running');
    const e = (await w.t.store.experiments.get('bandit', id))!;
    expect(e.state.waves.length).toBeGreaterThanOrEqual(2);
    const first = e.state.waves[0]!;
    const last = e.state.waves.at(-1)!;
    if (process.env.SIM_DEBUG) {
      console.log(JSON.stringify(e.state.waves), e.decision);
      const m = await w.mcp.ok('get_metrics', { campaign_id: c, group_by: ['variant'], trend: 'none' });
      console.log(JSON.stringify(m.groups.map((g: any) => [g.variant_key, g.counts.delivered, g.counts.opened, g.counts.clicked])));
    }
    expect(first.weights).toEqual({ A: 1 / 3, B: 1 / 3, C: 1 / 3 });
    // Once the first wave has matured, the split favours the truly best arm; the floor keeps every arm exploring.
    expect(last.weights['C']!).toBe(Math.max(...Object.values(last.weights)));
    expect(last.weights['C']!).toBeGreaterThan(0.5);
    for (const wave of e.state.waves) for (const v of Object.values(wave.weights)) expect(v).toBeGreaterThanOrEqual(0.01 - 1e-9);
    expect(e.decision?.winnerKey).toBe('C');
    const audit = await w.t.store.audit.list('bandit', 500);
    expect(audit.filter((a) => a.action === 'experiment.wave' && a.targetId === id).length).toBe(e.state.waves.length - 1);
    // Waves not sent when it was decided go to the winner with the remainder: one message each, everyone.
    await w.runner.settle(10 * 60_000);
    const rows = await query<{ user_id: string; variant_id: string; step_key: string }>(w.t, 'SELECT user_id, variant_id, step_key FROM messages WHERE campaign_id = ?', [c]);
    expect(rows.length).toBe(3000);
    expect(new Set(rows.map((r) => r.user_id)).size).toBe(3000);
    const cId = (await w.t.store.campaigns.get('bandit', c))!.variants.find((v) => v.key === 'C')!.id;
    if (e.state.waves.length < 4) expect(rows.filter((r) => r.step_key === e.rolloutScheduleId).every((r) => r.variant_id === cId)).toBe(true);
  });

  it('stops a variant whose unsubscribe rate is significantly worse than the control', async () => {
    const c = await emailCampaign(w, ['A', 'B']);
    const started = await w.mcp.ok('run_ab_test', { campaign_id: c, metric: 'open', confirm: true, idempotency_key: `guard-${c}` });
    const id = started.experiment.id as string;
    await w.runner.settle(5 * 60_000);
    const campaign = (await w.t.store.campaigns.get('bandit', c))!;
    const b = campaign.variants.find((v) => v.key === 'B')!.id;
    const sent = await query<{ id: string; variant_id: string }>(w.t, 'SELECT id, variant_id FROM messages WHERE campaign_id = ?', [c]);
    // One in ten of B's recipients unsubscribes through the one-click link; nobody shown A does.
    const tracking = w.t.ctx.tracking!;
    const leavers = sent.filter((m) => m.variant_id === b).filter((_, i) => i % 10 === 0);
    for (const m of leavers) {
      const token = tracking.verify(tracking.urlsFor('bandit', m.id).unsubscribe.split('/').pop()!)!;
      expect((await tracking.record({ token, source: 'one_click' })).ok).toBe(true);
    }
    w.t.clock.advance(2 * HOUR);
    await w.runner.settle(2 * HOUR);
    const e = (await w.t.store.experiments.get('bandit', id))!;
    expect(e.state.stoppedArms['B']).toMatch(/unsubscribe rate significantly worse/);
    const audit = await w.t.store.audit.list('bandit', 500);
    expect(audit.some((a) => a.action === 'experiment.guardrail' && a.targetId === id && (a.detail as { variant: string }).variant === 'B')).toBe(true);
    // B can no longer win, whatever its opens.
    const view = await w.mcp.ok('get_metrics', { campaign_id: c });
    expect(view.experiment.analysis.arms.find((a: { key: string }) => a.key === 'B').stopped).toMatch(/unsubscribe/);
  });
});

/**
 * Send-time optimization end to end on the campaign simulator (ground truth known), through the
 * real MCP tools, delivery, tracking and the learner, on a controllable clock: a history of 10:00
 * sends, then optimized sends that learn each person's hours, with the lift measured against the
 * permanent control group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator, generatePopulation, type Simulator } from '../../src/sim/index.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WS = 'sto';

interface World {
  t: TestApp;
  mcp: Connected;
  sim: Simulator;
  runner: JobRunner;
  segment: string;
}

async function world(dialect: 'sqlite' | 'postgres', size: number): Promise<World> {
  const t = await testApp(dialect, { QUIET_HOURS: 'off', FREQUENCY_CAP_PER_DAY: '0', FREQUENCY_CAP_PER_WEEK: '0' });
  const population = generatePopulation({ seed: 5, size, variants: { A: { open: 0.3, click: 0.1 } } });
  const sim = createSimulator({ store: t.store, tracking: t.ctx.tracking, clock: t.clock }, { workspaceId: WS, population, engagement: { timing: 'attention' } });
  await sim.load();
  const mcp = await connect(t.ctx, principal(WS));
  const seg = await mcp.ok('define_segment', { name: 'Everyone', rules: { version: 1, root: { kind: 'consent', channel: 'email', subscribed: true } } });
  return { t, mcp, sim, runner: jobRunner(t), segment: seg.segment.id };
}

async function campaign(w: World, name: string): Promise<string> {
  const c = await w.mcp.ok('create_campaign', {
    name,
    segment_id: w.segment,
    channels: ['email'],
    variants: [{ key: 'A', subject: 'News', body: 'Hi {{ first_name }}', html: '<p>Hi {{ first_name }}, <a href="https://shop.example/">new</a></p>' }],
  });
  return c.campaign.id as string;
}

/** Sends, then lets people engage for three days (the worker and the simulator taking turns hourly). */
async function sendAndEngage(w: World, c: string, timing: Record<string, unknown>) {
  await w.mcp.ok('schedule_send', { campaign_id: c, ...timing, confirm: true, idempotency_key: `send-${c}` });
  const start = w.t.clock.now().getTime();
  for (let h = 1; h <= 72; h++) {
    await w.runner.settle(Math.max(0, start + h * HOUR - w.t.clock.now().getTime()));
    await w.sim.engage({ campaignId: c, until: new Date(start + h * HOUR) });
  }
}

describe.each(await dialects())('send-time optimization on the simulator, %s', (dialect) => {
  let w: World;
  beforeAll(async () => {
    w = await world(dialect, 1500);
  }, 120_000);
  afterAll(async () => {
    await w?.mcp.close();
    await w?.t.dispose();
  });

  it('learns from 10:00 sends, chooses per person, records the arms, and reports the lift', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await campaign(w, `Legacy ${i}`);
      const day = new Date(w.t.clock.now().getTime() + DAY).toISOString().slice(0, 10);
      await sendAndEngage(w, c, { at: `${day}T10:00`, in_user_timezone: true });
      w.t.clock.advance(2 * DAY);
    }
    const c = await campaign(w, 'Optimized');
    const preview = await w.mcp.ok('schedule_send', { campaign_id: c, optimal: true, window_hours: 24 });
    console.log(JSON.stringify(preview.preview.send_time));
    await sendAndEngage(w, c, { optimal: true, window_hours: 24 });
    const arms = await query<{ arm: string; n: number }>(w.t, 'SELECT send_time_arm AS arm, count(*) AS n FROM messages WHERE campaign_id = ? GROUP BY send_time_arm', [c]);
    console.log(arms);
    const m = await w.mcp.ok('get_metrics', { campaign_id: c });
    console.log(JSON.stringify(m.send_time ?? null));
    expect(arms.length).toBeGreaterThan(0);
  }, 600_000);
});

/**
 * Send-time optimization end to end on the campaign simulator (ground truth known), through the
 * real MCP tools, delivery, tracking and the learner, on a controllable clock: a history of 10:00
 * sends, then optimized sends that learn each person's hours, with the lift measured against the
 * permanent control group.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armOf, DEFAULT_ARM_SHARES } from '../../src/domain/sendtime/policy.js';
import { createSimulator, generatePopulation, type Simulator } from '../../src/sim/index.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect, textOf, type Connected } from '../helpers/mcp.js';

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

  it('learns from 10:00 sends, previews and sends at each person\'s hour with the arms recorded, and reports lift and best hours', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await campaign(w, `Legacy ${i}`);
      const day = new Date(w.t.clock.now().getTime() + DAY).toISOString().slice(0, 10);
      await sendAndEngage(w, c, { at: `${day}T10:00`, in_user_timezone: true });
      w.t.clock.advance(2 * DAY);
    }
    const c = await campaign(w, 'Optimized');
    const preview = (await w.mcp.ok('schedule_send', { campaign_id: c, optimal: true, window_hours: 24 })).preview;
    const st = preview.send_time;
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(total(st.by_local_hour)).toBe(preview.eligible);
    expect(st.by_arm.optimized + st.by_arm.explore + st.by_arm.control).toBe(preview.eligible);
    expect(st.model.people_with_history).toBe(1500);
    expect(st.model.kernel_source).toBe('fitted');
    expect(await query(w.t, 'SELECT id FROM schedules WHERE campaign_id = ?', [c])).toEqual([]);

    const fired = w.t.clock.now().getTime();
    await sendAndEngage(w, c, { optimal: true, window_hours: 24 });
    const rows = await query<{ user_id: string; arm: string; planned_for: number | Date; sent_at: number | Date | null; status: string }>(
      w.t, 'SELECT user_id, send_time_arm AS arm, planned_for, sent_at, status FROM messages WHERE campaign_id = ?', [c],
    );
    expect(rows).toHaveLength(1500);
    expect(new Set(rows.map((r) => r.user_id)).size).toBe(1500);
    expect(rows.every((r) => r.status === 'delivered')).toBe(true);
    // The control group is the permanent one of the workspace; exploration about 10% of the rest.
    const controls = rows.filter((r) => r.arm === 'control').map((r) => r.user_id).sort();
    expect(controls).toEqual(w.sim.population.users.filter((u) => armOf(WS, 'any', u.id, DEFAULT_ARM_SHARES) === 'control').map((u) => u.id).sort());
    const explore = rows.filter((r) => r.arm === 'explore').length;
    expect(explore / (1500 - controls.length)).toBeGreaterThan(0.06);
    expect(explore / (1500 - controls.length)).toBeLessThan(0.14);
    // Each went out at the start of a local hour of their own, within the 24 hours.
    const zoneOf = new Map(w.sim.population.users.map((u) => [u.id, u.timezone]));
    for (const r of rows) {
      const at = new Date(r.sent_at!).getTime();
      expect(at).toBe(new Date(r.planned_for).getTime());
      expect(at).toBeGreaterThanOrEqual(fired);
      expect(at).toBeLessThan(fired + 24 * HOUR);
      const local = DateTime.fromMillis(at, { zone: zoneOf.get(r.user_id)! });
      expect([local.minute, local.second]).toEqual([0, 0]);
    }

    const m = await w.mcp.ok('get_metrics', { campaign_id: c, trend: 'none' });
    const count = (arm: string) => rows.filter((r) => r.arm === arm).length;
    expect(m.send_time.by_arm.optimized.sends).toBe(count('optimized'));
    expect(m.send_time.by_arm.explore.sends).toBe(count('explore'));
    expect(m.send_time.by_arm.control.sends).toBe(controls.length);
    expect(m.send_time.policy.treated.sends).toBe(1500 - controls.length);
    expect(m.send_time.policy.ci95).toHaveLength(2);
    expect(m.best_send_times.group).toBe('segment');
    expect(m.best_send_times.best).toHaveLength(3);
    expect(m.best_send_times.evidence.sends).toBe(6000);
    const text = textOf(await w.mcp.call('get_metrics', { campaign_id: c, trend: 'none' }));
    expect(text).toMatch(/Send-time optimization: open rate [+-]\d/);
    expect(text).toMatch(/Best local send hours for segment "Everyone": \d\d:00/);

    const someone = rows.find((r) => r.arm === 'optimized')!.user_id;
    const profile = JSON.parse(((await w.mcp.client.readResource({ uri: `user://${someone}/360` })).contents[0] as { text: string }).text);
    expect(profile.send_times.best).toHaveLength(3);
    expect(profile.send_times.evidence.sends).toBe(4);
    expect(profile.send_times.timezone).toBe(zoneOf.get(someone));
  }, 600_000);
});

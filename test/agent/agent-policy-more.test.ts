/**
 * The rest of the deterministic policy through MCP: a scheduled one-time email that has not gone
 * out is switched to optimal timing around its planned time; a running re-engagement journey is
 * aimed at people at rising churn risk (the segment first, then a gated revision); and the agent
 * loop of a server ticks on its interval and stops ticking when the kill switch is on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { createAgentRunner } from '../../src/agent/loop.js';
import { CHURN_SEGMENT_NAME } from '../../src/agent/policy.js';
import { startAgentLoop } from '../../src/agent/scheduler.js';
import { tools } from '../../tools/index.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const HOUR = 3_600_000;
const WS = 'agent-more';

describe.each(await dialects())('the agent policy, more rules, %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  let segment: string;
  beforeAll(async () => {
    t = await testApp(dialect, { QUIET_HOURS: 'off', FREQUENCY_CAP_PER_DAY: '0', FREQUENCY_CAP_PER_WEEK: '0' });
    t.ctx.agent = createAgentRunner(t.ctx, { tools, resources, prompts }, null);
    await t.store.workspaces.ensure(WS);
    mcp = await connect(t.ctx, principal(WS));
    await addPeople(t.store, WS, Array.from({ length: 40 }, (_, i) => ({ id: `u${String(i).padStart(3, '0')}`, tier: 'pro', timezone: i % 2 ? 'Europe/Paris' : 'America/New_York' })), t.clock.now());
    segment = await tierSegment(t.store, WS, 'pro');
    await mcp.ok('configure_agent', { mode: 'autopilot' });
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  it('switches a scheduled email that has not gone out to optimal timing within 24 hours of its planned time', async () => {
    // Some history, so the send-time model has something to go on.
    const past = (await mcp.ok('create_campaign', { name: 'Earlier', segment_id: segment, channels: ['email'], variants: [{ key: 'A', subject: 'S', body: 'B', html: '<p>B</p>' }] })).campaign.id;
    await mcp.ok('schedule_send', { campaign_id: past, confirm: true, idempotency_key: 'history-send' });
    await jobRunner(t).settle(HOUR);
    const planned = new Date(t.clock.now().getTime() + 3 * 24 * HOUR);
    planned.setUTCMinutes(0, 0, 0);
    const c = (
      await mcp.ok('create_campaign', {
        name: 'Next week news', segment_id: segment, channels: ['email'], variants: [{ key: 'A', subject: 'News', body: 'Hi' }],
        agent: { enabled: true, goal: 'maximize_engagement', mode: 'autopilot' },
      })
    ).campaign.id;
    const fixed = (await mcp.ok('schedule_send', { campaign_id: c, at: planned.toISOString(), confirm: true, idempotency_key: 'fixed-time-send' })).schedule.id;
    const tick = await mcp.ok('run_agent', {});
    expect(tick.executed).toEqual(['schedule_send']);
    const schedules = await query<{ id: string; kind: string; status: string; next_run_at: number | Date }>(t, 'SELECT id, kind, status, next_run_at FROM schedules WHERE campaign_id = ? ORDER BY created_at', [c]);
    expect(schedules.map((s) => [s.id === fixed, s.kind, s.status])).toEqual([[true, 'at', 'cancelled'], [false, 'optimal', 'active']]);
    expect(new Date(schedules[1]!.next_run_at).getTime()).toBe(planned.getTime());
    // A second tick changes nothing: the send is optimal already.
    const again = await mcp.ok('run_agent', {});
    expect(again.executed).toEqual([]);
    await jobRunner(t).settle(5 * 24 * HOUR);
    const sent = await query<{ sent_at: number | Date; send_time_arm: string }>(t, "SELECT sent_at, send_time_arm FROM messages WHERE campaign_id = ? AND status = 'delivered'", [c]);
    expect(sent.length).toBe(40);
    for (const m of sent) {
      const at = new Date(m.sent_at).getTime();
      expect(at).toBeGreaterThanOrEqual(planned.getTime());
      expect(at).toBeLessThan(planned.getTime() + 24 * HOUR);
    }
  });

  it('aims a running re-engagement journey at people at rising churn risk: the segment, then a gated revision', async () => {
    const created = await mcp.ok('create_journey', {
      name: 'Win back the quiet ones', channels: ['email'], template: { name: 're_engagement', params: { inactive_days: 30 } },
      agent: { enabled: true, goal: 'maximize_engagement', mode: 'autopilot' },
    });
    const j = created.campaign.id;
    await mcp.ok('activate_campaign', { campaign_id: j, confirm: true });
    const first = await mcp.ok('run_agent', {});
    expect(first.executed).toContain('define_segment');
    const seg = (await mcp.ok('list_segments', { limit: 50 })).segments.find((s: { name: string }) => s.name === CHURN_SEGMENT_NAME);
    expect(seg.rules.root).toMatchObject({ kind: 'score', score: 'churn_risk', op: 'gte', value: 0.6 });
    const second = await mcp.ok('run_agent', {});
    expect(second.executed).toContain('create_journey');
    const state = JSON.parse(((await mcp.client.readResource({ uri: `campaign://${j}` })).contents[0] as { text: string }).text);
    expect(state.journey.version).toBe(2);
    expect(state.journey.definition.start).toBe('agent_churn_gate');
    expect(state.journey.definition.steps.agent_churn_gate).toEqual({ kind: 'branch', on: { segment_id: seg.id }, then: created.journey.start, else: 'agent_churn_exit' });
    // Once gated, it is left alone.
    const third = await mcp.ok('run_agent', {});
    expect(third.executed).not.toContain('create_journey');
  });

  it('the agent loop ticks on its interval and not while the kill switch is on', async () => {
    await mcp.ok('configure_agent', { interval_minutes: 1 });
    const count = async () => (await t.store.agent.listDecisions(WS, { limit: 50 })).items.length;
    const before = await count();
    const loop = startAgentLoop(t.ctx, t.ctx.agent!, [WS], { pollMs: 20 });
    const until = Date.now() + 5_000;
    while ((await count()) === before && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(await count()).toBe(before + 1);
    await mcp.ok('configure_agent', { kill_switch: true });
    t.clock.advance(10 * 60_000);
    const n = await count();
    await new Promise((r) => setTimeout(r, 300));
    await loop.stop();
    expect(await count()).toBe(n);
    await mcp.ok('configure_agent', { kill_switch: false });
  });
});

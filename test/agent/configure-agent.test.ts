/**
 * configure_agent and the limits it sets, through MCP: defaults, bad input refused with nothing
 * changed, and the credits-per-day limit refusing an agent send while the same send by a
 * marketer goes out; replace_schedule_id refused for a schedule that cannot be replaced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { createAgentRunner } from '../../src/agent/loop.js';
import { DEFAULT_AGENT_CONFIG } from '../../src/domain/agent/config.js';
import { connectInProcess } from '../../src/server/in-process.js';
import { tools } from '../../tools/index.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { query } from '../helpers/db.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const WS = 'agent-config';

describe('configure_agent and its limits', () => {
  let t: TestApp;
  let mcp: Connected;
  let segment: string;
  beforeAll(async () => {
    t = await testApp('sqlite', { QUIET_HOURS: 'off' });
    t.ctx.agent = createAgentRunner(t.ctx, { tools, resources, prompts }, null);
    await t.store.workspaces.ensure(WS);
    mcp = await connect(t.ctx, principal(WS));
    await addPeople(t.store, WS, Array.from({ length: 30 }, (_, i) => ({ id: `c${String(i).padStart(3, '0')}`, tier: 'pro' })), t.clock.now());
    segment = await tierSegment(t.store, WS, 'pro');
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  it('shows the defaults, and refuses bad settings naming the field, changing nothing', async () => {
    const shown = await mcp.ok('configure_agent', {});
    expect(shown).toMatchObject({ ...DEFAULT_AGENT_CONFIG, updated_by: null, updated_at: null });
    expect(await mcp.fail('configure_agent', { mode: 'turbo' })).toMatch(/mode/);
    expect(await mcp.fail('configure_agent', { max_actions_per_tick: -1 })).toMatch(/max_actions_per_tick/);
    expect(await mcp.fail('configure_agent', { cron: 'every morning' })).toMatch(/cron 'every morning' is not a valid cron expression/);
    expect(await mcp.fail('configure_agent', { cron: '0 9 * * *', cron_timezone: 'Mars/Olympus' })).toMatch(/not an IANA time zone/);
    expect((await t.store.agent.config(WS)).updatedBy).toBeNull();
    const set = await mcp.ok('configure_agent', { cron: '0 9 * * MON-FRI', cron_timezone: 'Europe/Paris', mode: 'autopilot' });
    expect(set).toMatchObject({ cron: '0 9 * * MON-FRI', cron_timezone: 'Europe/Paris', mode: 'autopilot', updated_by: `test:${WS}` });
  });

  it('refuses an agent send past the credits of the day, while the same send by a marketer goes out', async () => {
    await mcp.ok('configure_agent', { mode: 'autopilot', max_credits_per_day: 20, max_audience_per_send: 1000 });
    const c = (await mcp.ok('create_campaign', { name: 'Thirty people', segment_id: segment, channels: ['email'], variants: [{ key: 'A', subject: 'S', body: 'B' }], agent: { enabled: true, goal: 'maximize_engagement', mode: 'autopilot' } })).campaign.id;
    // The agent, as a decision of its own, calls the tool through MCP like any client.
    const decision = await t.ctx.agent!.tick(WS, 'set up a decision id');
    const agent = await connectInProcess(t.ctx, { actor: `agent:${decision.id}`, workspaceId: WS, scopes: new Set(['read', 'write', 'send']), agent: { decisionId: decision.id } }, { tools, resources, prompts });
    const refused = await agent.callTool('schedule_send', { campaign_id: c, confirm: true, idempotency_key: 'agent-thirty-1' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(/the send would cost about 30 credits and the agent has used 0 of its 20 today/);
    // A dry run is not an action: it passes.
    expect((await agent.callTool('schedule_send', { campaign_id: c })).isError).toBe(false);
    await agent.close();
    expect(await query(t, 'SELECT id FROM schedules WHERE campaign_id = ?', [c])).toEqual([]);
    const byMarketer = await mcp.ok('schedule_send', { campaign_id: c, confirm: true, idempotency_key: 'marketer-thirty-1' });
    expect(byMarketer.schedule.status).toBe('active');
    const actions = await t.store.agent.listActions(WS, { decisionId: decision.id, limit: 10 });
    expect(actions.map((a) => [a.tool, a.status, a.credits])).toEqual([['schedule_send', 'refused', 0]]);
  });

  it('replace_schedule_id refuses a schedule of another campaign or one that is gone, and changes nothing', async () => {
    const mk = async (name: string) => (await mcp.ok('create_campaign', { name, segment_id: segment, channels: ['email'], variants: [{ key: 'A', subject: 'S', body: 'B' }] })).campaign.id as string;
    const a = await mk('Replace A');
    const b = await mk('Replace B');
    const at = new Date(t.clock.now().getTime() + 48 * 3_600_000).toISOString();
    const sa = (await mcp.ok('schedule_send', { campaign_id: a, at, confirm: true, idempotency_key: 'replace-a-1' })).schedule.id;
    expect(await mcp.fail('schedule_send', { campaign_id: b, optimal: true, replace_schedule_id: sa, confirm: true, idempotency_key: 'replace-b-1' })).toMatch(/belongs to campaign/);
    await mcp.ok('cancel_schedule', { schedule_id: sa, reason: 'test' });
    expect(await mcp.fail('schedule_send', { campaign_id: a, optimal: true, replace_schedule_id: sa, confirm: true, idempotency_key: 'replace-a-2' })).toMatch(/is cancelled and cannot be replaced/);
    expect((await query<{ n: number }>(t, 'SELECT count(*) AS n FROM schedules WHERE campaign_id IN (?, ?)', [a, b]))[0]!.n).toBe(1);
  });
});

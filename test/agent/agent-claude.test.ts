/**
 * The Claude decider through the real Anthropic SDK client against a fake Messages API on
 * 127.0.0.1 that scripts a multi-step tool-use conversation: every tool call reaches the server
 * through MCP; a forbidden tool, an over-limit send and a campaign that did not enable the agent
 * are refused by the server (and Claude is told so); an allowed call acts; the kill switch ends
 * the loop at the next turn; and the decision record holds it all, with the model and tokens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompts } from '../../prompts/index.js';
import { resources } from '../../resources/index.js';
import { createAgentRunner } from '../../src/agent/loop.js';
import { tools } from '../../tools/index.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { query } from '../helpers/db.js';
import { jobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const KEY = 'sk-ant-test-agent-never-print-me';
const MODEL = 'claude-test-agent';
const WS = 'agent-claude';

interface Recorded {
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, any>;
}

let server: Server;
let baseURL: string;
const requests: Recorded[] = [];
/** Replies in order; a function sees the request (and may act before answering). */
let script: Array<(req: Recorded) => Promise<unknown> | unknown> = [];

const message = (n: number, content: unknown[], stop: 'tool_use' | 'end_turn') => ({
  id: `msg_${n}`, type: 'message', role: 'assistant', model: MODEL, content, stop_reason: stop, stop_sequence: null,
  usage: { input_tokens: 1000 + n, output_tokens: 100 + n },
});
const use = (id: string, name: string, input: unknown) => ({ type: 'tool_use', id, name, input });

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('utf8')));
    req.on('end', async () => {
      const rec = { headers: req.headers, body: JSON.parse(data || '{}') };
      requests.push(rec);
      const next = script.shift();
      const body = next ? await next(rec) : { type: 'error', error: { type: 'api_error', message: 'no reply scripted' } };
      res.writeHead(next ? 200 : 500, { 'content-type': 'application/json', 'request-id': `req_${requests.length}` });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('the campaign agent with Claude (fake Messages API)', () => {
  let t: TestApp;
  let mcp: Connected;
  let mine: string;
  let notMine: string;
  beforeAll(async () => {
    t = await testApp('sqlite', { QUIET_HOURS: 'off', ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: baseURL, ANTHROPIC_MODEL: MODEL });
    t.ctx.agent = createAgentRunner(t.ctx, { tools, resources, prompts }, { apiKey: KEY, baseURL, model: MODEL });
    await t.store.workspaces.ensure(WS);
    mcp = await connect(t.ctx, principal(WS));
    await addPeople(t.store, WS, Array.from({ length: 60 }, (_, i) => ({ id: `p${String(i).padStart(3, '0')}`, tier: 'pro' })), t.clock.now());
    const segment = await tierSegment(t.store, WS, 'pro');
    const create = async (name: string, enabled: boolean) =>
      (
        await mcp.ok('create_campaign', {
          name, type: 'recurring', segment_id: segment, channels: ['email'], schedule: { cron: '0 9 * * MON', timezone: 'UTC' },
          variants: [{ key: 'A', subject: 'Weekly', body: 'Hi' }], agent: { enabled, goal: 'maximize_engagement', mode: 'autopilot' },
        })
      ).campaign.id as string;
    mine = await create('Managed weekly', true);
    notMine = await create('Hands off', false);
    for (const c of [mine, notMine]) await mcp.ok('schedule_send', { campaign_id: c, recurring: { cron: '0 9 * * MON', timezone: 'UTC' }, confirm: true, idempotency_key: `weekly-${c}` });
    await jobRunner(t).settle(7 * 24 * 3_600_000);
    await mcp.ok('configure_agent', { mode: 'autopilot', max_audience_per_send: 50 });
  }, 120_000);
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  it('offers the MCP tools to Claude, and the server refuses what the guardrails forbid while the allowed call acts', async () => {
    const oneTime = (await mcp.ok('create_campaign', { name: 'Big one', segment_id: (await t.store.campaigns.get(WS, mine))!.segment_id, channels: ['email'], variants: [{ key: 'A', subject: 'S', body: 'B' }], agent: { enabled: true, goal: 'maximize_engagement', mode: 'autopilot' } })).campaign.id;
    requests.length = 0;
    script = [
      () => message(1, [{ type: 'text', text: 'I will look at the campaigns.' }, use('t1', 'list_campaigns', { limit: 10 })], 'tool_use'),
      () => message(2, [use('t2', 'update_suppression', { user_id: 'p001', channel: 'all', action: 'add', reason: 'manual' })], 'tool_use'),
      () => message(3, [use('t3', 'schedule_send', { campaign_id: oneTime, confirm: true, idempotency_key: 'agent-big-send-1' })], 'tool_use'),
      () => message(4, [use('t4', 'update_campaign_status', { campaign_id: notMine, action: 'pause', reason: 'agent' }), use('t5', 'update_campaign_status', { campaign_id: mine, action: 'pause', reason: 'agent: testing the guardrails' })], 'tool_use'),
      () => message(5, [{ type: 'text', text: 'Paused "Managed weekly"; the suppression, the big send and the other campaign were refused by the server.' }], 'end_turn'),
    ];
    const tick = await mcp.ok('run_agent', { reason: 'test' });
    expect(tick.decider).toBe('claude');
    expect(tick.model).toBe(MODEL);
    expect(tick.tokens).toBe((1001 + 101) + (1002 + 102) + (1003 + 103) + (1004 + 104) + (1005 + 105));
    expect(tick.rationale).toMatch(/Paused "Managed weekly"/);
    expect(tick.executed).toEqual(['list_campaigns', 'update_campaign_status']);
    expect(tick.refused).toEqual(['update_suppression', 'schedule_send', 'update_campaign_status']);

    // Claude was offered the server's own tools, and told the observations as data.
    const first = requests[0]!.body;
    const h = requests[0]!.headers;
    expect(typeof h['x-api-key'] === 'string' ? h['x-api-key'] : String(h.authorization).replace(/^Bearer /, '')).toBe(KEY);
    expect(first.model).toBe(MODEL);
    expect(first.tools.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(['get_metrics', 'schedule_send', 'decide_experiment', 'update_campaign_status']));
    expect(first.tools.find((x: { name: string }) => x.name === 'schedule_send').input_schema.properties.confirm).toBeDefined();
    expect(first.messages[0].content).toContain('<observations>');
    expect(first.messages[0].content).toContain(mine);
    expect(first.messages[0].content).not.toContain(notMine);
    // Refusals come back to Claude as tool errors that say why.
    const results = (n: number) => requests[n]!.body.messages.at(-1).content as Array<{ tool_use_id: string; is_error?: boolean; content: string }>;
    expect(results(2)[0]).toMatchObject({ tool_use_id: 't2', is_error: true });
    expect(results(2)[0]!.content).toMatch(/Refused by the server's agent guardrails: update_suppression is forbidden/);
    expect(results(3)[0]!.content).toMatch(/a send to 60 people exceeds the agent's limit of 50 per send/);
    expect(results(4)[0]!.content).toMatch(new RegExp(`campaign ${notMine} has not enabled the agent`));
    expect(results(4)[1]!.is_error).toBeUndefined();

    // The server acted only where allowed.
    expect((await t.store.campaigns.get(WS, mine))!.status).toBe('paused');
    expect((await t.store.campaigns.get(WS, notMine))!.status).toBe('running');
    expect(await query(t, 'SELECT id FROM schedules WHERE campaign_id = ?', [oneTime])).toEqual([]);
    expect(await query(t, "SELECT user_id FROM suppressions WHERE user_id = 'p001'")).toEqual([]);

    // The decision record: every call with its outcome, the actions as gated.
    const record = JSON.parse(((await mcp.client.readResource({ uri: tick.resource })).contents[0] as { text: string }).text);
    expect(record.toolCalls.map((c: { tool: string; outcome: string }) => `${c.tool}:${c.outcome}`)).toEqual([
      'list_campaigns:ok', 'update_suppression:refused', 'schedule_send:refused', 'update_campaign_status:refused', 'update_campaign_status:ok',
    ]);
    expect(record.actions.map((a: { tool: string; status: string }) => `${a.tool}:${a.status}`).sort()).toEqual([
      'schedule_send:refused', 'update_campaign_status:executed', 'update_campaign_status:refused', 'update_suppression:refused',
    ]);
    expect(record.observations.campaigns[0].counts.sent).toBe(60);
    const audit = await t.store.audit.list(WS, 50);
    expect(audit.find((a) => a.action === 'update_campaign_status' && a.result === 'ok')!.actor).toBe(`agent:${tick.id}`);
    expect(audit.filter((a) => a.actor === `agent:${tick.id}` && a.result === 'error').length).toBe(3);
    await mcp.ok('update_campaign_status', { campaign_id: mine, action: 'resume' });
  });

  it('stops within the tick when the kill switch is turned on, and starts no tick while it is on', async () => {
    requests.length = 0;
    script = [
      () => message(1, [use('k1', 'list_campaigns', { limit: 5 })], 'tool_use'),
      // The marketer pulls the kill switch while Claude is thinking.
      async () => {
        await mcp.ok('configure_agent', { kill_switch: true });
        return message(2, [use('k2', 'update_campaign_status', { campaign_id: mine, action: 'pause', reason: 'agent' })], 'tool_use');
      },
      () => message(3, [use('k3', 'update_campaign_status', { campaign_id: mine, action: 'pause', reason: 'agent' })], 'tool_use'),
    ];
    const tick = await mcp.ok('run_agent', {});
    expect(tick.status).toBe('stopped');
    expect(tick.refused).toEqual(['update_campaign_status']);
    expect(requests.length).toBe(2);
    expect((await t.store.campaigns.get(WS, mine))!.status).toBe('running');
    const skipped = await mcp.ok('run_agent', {});
    expect(skipped.status).toBe('skipped');
    expect(skipped.rationale).toMatch(/kill switch/);
    expect(requests.length).toBe(2);
    await mcp.ok('configure_agent', { kill_switch: false });
  });

  it('records a failed tick when the API fails, and the agent can never change its own limits', async () => {
    script = [() => message(1, [use('x1', 'configure_agent', { max_credits_per_day: 1_000_000_000 }), use('x2', 'review_proposal', { proposal_id: `act_${'0'.repeat(32)}`, decision: 'approve' })], 'tool_use')];
    const tick = await mcp.ok('run_agent', {});
    if (process.env.AGENT_DEBUG) console.log(JSON.stringify(tick), JSON.stringify((await t.store.agent.getDecision(WS, tick.id))?.toolCalls));
    // The first turn's calls were refused; the second request found no scripted reply (HTTP 500).
    expect(tick.refused).toEqual(['configure_agent', 'review_proposal']);
    expect(tick.status).toBe('failed');
    expect(tick.rationale).toMatch(/Claude API failed/);
    // The turn that did happen is paid for in the record.
    expect(tick.tokens).toBe(1001 + 101);
    expect((await t.store.agent.config(WS)).config.max_credits_per_day).not.toBe(1_000_000_000);
  });
});

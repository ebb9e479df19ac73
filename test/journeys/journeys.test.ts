/**
 * Triggered campaigns and journeys end to end through MCP on both dialects: a cart-abandonment
 * journey reminds after the wait and not when a purchase comes first; duplicate events trigger
 * nothing; cooldowns and entry limits hold; a triggered campaign sends after its delay unless an
 * exit event comes first; bad graphs are refused naming the step; state shows in list_enrollments,
 * get_metrics and campaign://.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { addPeople } from '../helpers/people.js';

const MIN = 60_000;

describe.each(await dialects())('journeys on %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  let jobs: JobRunner;
  const ws = 'default';
  const p = (i: number) => (dialect === 'sqlite' ? '?' : `$${i}`);
  const deliveries = async (campaignId: string) =>
    (await query<{ user_id: string }>(t, `select d.user_id from local_deliveries d join messages m on m.workspace_id = d.workspace_id and m.id = d.message_id where m.campaign_id = ${p(1)} order by d.user_id`, [campaignId])).map((r) => r.user_id);
  const at = (offsetMin = 0) => new Date(t.clock.now().getTime() + offsetMin * MIN).toISOString();

  beforeAll(async () => {
    t = await testApp(dialect);
    mcp = await connect(t.ctx, principal(ws));
    jobs = jobRunner(t);
    await addPeople(t.store, ws, ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((id) => ({ id })), t.clock.now());
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  it('cart abandonment: reminds after the wait, not when the purchase comes first, once per cart', async () => {
    const created = await mcp.ok('create_journey', { name: 'Cart reminder', channels: ['email'], template: { name: 'cart_abandonment', params: { wait_minutes: 60 } } });
    const id = created.campaign.id as string;
    expect(created.campaign).toMatchObject({ type: 'journey', status: 'draft' });
    expect(Object.keys(created.journey.steps)).toEqual(['await_purchase', 'purchased', 'reminder', 'done']);

    // Before activation, events enter no one.
    expect((await mcp.ok('track_event', { events: [{ id: 'early', user_id: 'u3', type: 'cart.abandoned' }] })).triggered.entered).toBe(0);

    const preview = await mcp.ok('activate_campaign', { campaign_id: id });
    expect(preview).toMatchObject({ dry_run: true, activated: false, status: 'draft', audience: 'everyone the trigger matches' });
    const started = await mcp.ok('activate_campaign', { campaign_id: id, confirm: true });
    expect(started).toMatchObject({ activated: true, status: 'running' });
    expect(await mcp.ok('activate_campaign', { campaign_id: id, confirm: true })).toMatchObject({ activated: false, status: 'running', schedule_id: started.schedule_id });

    const carts = [
      { id: 'cart-u1', user_id: 'u1', type: 'cart.abandoned', properties: { total: 80 }, occurred_at: at() },
      { id: 'cart-u2', user_id: 'u2', type: 'cart.abandoned', properties: { total: 20 }, occurred_at: at() },
    ];
    expect((await mcp.ok('track_event', { events: carts })).triggered).toEqual({ entered: 2, exited: 0, advanced: 0, skipped: 0 });
    // Redelivered: nothing more.
    expect(await mcp.ok('track_event', { events: carts })).toMatchObject({ accepted: 0, duplicates: 2, triggered: { entered: 0 } });

    await jobs.settle(5 * MIN);
    t.clock.advance(10 * MIN);
    const bought = await mcp.ok('track_event', { events: [{ id: 'order-u2', user_id: 'u2', type: 'purchase', properties: { amount: 20 }, occurred_at: at() }] });
    expect(bought.triggered.exited + bought.triggered.advanced).toBe(1);
    // A second cart within the cooldown enters no one.
    expect((await mcp.ok('track_event', { events: [{ id: 'cart-u1-b', user_id: 'u1', type: 'cart.abandoned', occurred_at: at() }] })).triggered.skipped).toBe(1);

    await jobs.settle(3 * 60 * MIN);
    expect(await deliveries(id)).toEqual(['u1']);

    const listed = await mcp.ok('list_enrollments', { campaign_id: id });
    expect(listed.totals).toEqual({ active: 0, completed: 1, exited: 1, total: 2 });
    const step = (s: string) => listed.steps.find((x: { step: string }) => x.step === s);
    expect(step('await_purchase')).toMatchObject({ entered: 2, waiting: 0 });
    expect(step('reminder')).toMatchObject({ entered: 1, sent: 1 });
    expect(listed.enrollments.find((e: { user_id: string }) => e.user_id === 'u2')).toMatchObject({ status: 'exited', end_reason: 'exit_event:purchase' });
    // u2 bought after entering: a conversion at the first step.
    expect(step('await_purchase').converted).toBe(1);

    const metrics = await mcp.call('get_metrics', { campaign_id: id });
    expect(metrics.structuredContent?.journey).toMatchObject({ enrollments: { total: 2 } });
    expect(JSON.stringify(metrics.content)).toContain('await_purchase (wait_for_event)');
    const resource = await mcp.client.readResource({ uri: `campaign://${id}` });
    const state = JSON.parse((resource.contents[0] as { text: string }).text);
    expect(state.journey.steps.map((s: { step: string }) => s.step)).toEqual(['await_purchase', 'purchased', 'reminder', 'done']);
  });

  it('a triggered campaign sends after its delay when the conditions hold, unless an exit event comes first', async () => {
    const created = await mcp.ok('create_campaign', {
      name: 'Big cart nudge',
      type: 'triggered',
      channels: ['email'],
      variants: [{ subject: 'Still thinking?', body: 'Hi {{ first_name | default: "there" }}' }],
      trigger: { event_type: 'checkout.started', conditions: [{ field: 'cart.total', op: 'gte', value: 50 }], delay_minutes: 30, exit_events: ['purchase'] },
    });
    const id = created.campaign.id as string;
    await mcp.ok('activate_campaign', { campaign_id: id, confirm: true });
    const r = await mcp.ok('track_event', {
      events: [
        { id: 'co-4', user_id: 'u4', type: 'checkout.started', properties: { cart: { total: 75 } }, occurred_at: at() },
        { id: 'co-5', user_id: 'u5', type: 'checkout.started', properties: { cart: { total: 75 } }, occurred_at: at() },
        { id: 'co-6', user_id: 'u6', type: 'checkout.started', properties: { cart: { total: 10 } }, occurred_at: at() },
      ],
    });
    expect(r.triggered.entered).toBe(2);
    t.clock.advance(5 * MIN);
    await mcp.ok('track_event', { events: [{ id: 'order-u5', user_id: 'u5', type: 'purchase', occurred_at: at() }] });
    await jobs.settle(2 * 60 * MIN);
    expect(await deliveries(id)).toEqual(['u4']);
  });

  it('pausing stops entries; resuming starts them again', async () => {
    const created = await mcp.ok('create_campaign', {
      name: 'Signup hello', type: 'triggered', channels: ['in_app'], variants: [{ body: 'Welcome!' }], trigger: { event_type: 'signup.done', cooldown_hours: 0, max_entries_per_user: 5 },
    });
    const id = created.campaign.id as string;
    await mcp.ok('activate_campaign', { campaign_id: id, confirm: true });
    await mcp.ok('update_campaign_status', { campaign_id: id, action: 'pause' });
    expect((await mcp.ok('track_event', { events: [{ user_id: 'u6', type: 'signup.done', occurred_at: at() }] })).triggered.entered).toBe(0);
    await mcp.ok('update_campaign_status', { campaign_id: id, action: 'resume' });
    expect((await mcp.ok('track_event', { events: [{ user_id: 'u6', type: 'signup.done', occurred_at: at() }] })).triggered.entered).toBe(1);
    await jobs.settle(MIN);
    expect(await deliveries(id)).toEqual(['u6']);
  });

  it('cancelling the standing schedule ends the campaign; pending steps send nothing', async () => {
    const created = await mcp.ok('create_campaign', {
      name: 'Later', type: 'triggered', channels: ['in_app'], variants: [{ body: 'Later!' }], trigger: { event_type: 'later.please', delay_minutes: 60 },
    });
    const id = created.campaign.id as string;
    const { schedule_id } = await mcp.ok('activate_campaign', { campaign_id: id, confirm: true });
    expect((await mcp.ok('list_scheduled_sends', { campaign_id: id })).schedules[0]).toMatchObject({ id: schedule_id, kind: 'trigger' });
    expect((await mcp.ok('track_event', { events: [{ user_id: 'u3', type: 'later.please', occurred_at: at() }] })).triggered.entered).toBe(1);
    await mcp.ok('cancel_schedule', { schedule_id, reason: 'campaign over' });
    expect((await mcp.ok('track_event', { events: [{ user_id: 'u4', type: 'later.please', occurred_at: at() }] })).triggered.entered).toBe(0);
    await jobs.settle(2 * 60 * MIN);
    expect(await deliveries(id)).toEqual([]);
    expect((await mcp.ok('list_enrollments', { campaign_id: id })).enrollments).toMatchObject([{ user_id: 'u3', status: 'exited', end_reason: 'campaign_completed' }]);
  });

  it('refuses bad graphs naming the step, and creates nothing', async () => {
    const before = (await mcp.ok('list_campaigns', {})).campaigns.length;
    const trigger = { event_type: 'x.happened' };
    const send = (next: string) => ({ kind: 'send', subject: 'S', body: 'B', next });
    expect(await mcp.fail('create_journey', { name: 'J', channels: ['email'], journey: { entry: { trigger }, start: 'a', steps: { a: send('b'), b: { kind: 'wait', minutes: 5, next: 'a' } } } })).toMatch(/cycle/i);
    expect(await mcp.fail('create_journey', { name: 'J', channels: ['email'], journey: { entry: { trigger }, start: 'a', steps: { a: { kind: 'branch', on: { field: 'plan', op: 'eq', value: 'pro' }, then: 'done', else: 'nowhere' }, done: { kind: 'exit' } } } })).toMatch(/'a'.*'nowhere'/);
    expect(await mcp.fail('create_journey', { name: 'J', channels: ['email'], template: { name: 'cart_abandonment' }, journey: {} })).toMatch(/either journey .* or template/);
    expect(await mcp.fail('create_journey', { name: 'J', channels: ['email'], template: { name: 'no_such' } })).toMatch(/template.name must be one of/);
    expect(await mcp.fail('create_campaign', { name: 'T', type: 'triggered', channels: ['in_app'], variants: [{ body: 'x' }], trigger: { event_type: 'e', conditions: [{ field: 'n', op: 'gt', value: 'abc' }] } })).toMatch(/trigger.conditions\[0\]/);
    expect(await mcp.fail('activate_campaign', { campaign_id: 'cmp_00000000000000000000000000000000' })).toMatch(/not found/i);
    expect((await mcp.ok('list_campaigns', {})).campaigns.length).toBe(before);
  });
});

/**
 * From send to conversion, through the public surface: a campaign with a purchase goal is sent,
 * people open and click through the tracking service (as the /t/ routes do), buy, and get_metrics
 * reports opens, clicks, conversions and revenue by the last-touch rule, once, however often it
 * is asked. Plus the attribution rule itself as a pure function.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditedTouch, revenueOf, type GoalDef, type GoalEvent, type Touch } from '../../src/domain/metrics/attribution.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner } from '../helpers/jobs.js';
import { connect } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const HOUR = 3_600_000;
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

describe('the last-touch rule', () => {
  const goal: GoalDef = { campaignId: 'c1', eventType: 'purchase', valueProperty: 'amount', windowHours: 72 };
  const at = new Date('2026-12-10T12:00:00Z');
  const event: GoalEvent = { id: 'e', userId: 'u', type: 'purchase', properties: { amount: '19.5' }, value: 3, occurredAt: at, receivedAt: at };
  const touch = (kind: 'open' | 'click', hoursBefore: number, campaignId = 'c1', messageId = `${kind}-${hoursBefore}`): Touch => ({
    userId: 'u',
    messageId, campaignId, kind, occurredAt: new Date(at.getTime() - hoursBefore * HOUR),
  });

  it('credits the newest click within the window over any open', () => {
    expect(creditedTouch(event, [goal], [touch('open', 1), touch('click', 50), touch('click', 10)])?.touch.messageId).toBe('click-10');
  });
  it('falls back to the newest open within 24 hours, and to nothing past the windows', () => {
    expect(creditedTouch(event, [goal], [touch('open', 30), touch('open', 20), touch('click', 80)])?.touch.messageId).toBe('open-20');
    expect(creditedTouch(event, [goal], [touch('open', 25), touch('click', 73)])).toBeNull();
  });
  it('ignores touches after the event, of campaigns without this goal, and events of another type', () => {
    expect(creditedTouch(event, [goal], [touch('click', -1), touch('click', 2, 'c2')])).toBeNull();
    expect(creditedTouch({ ...event, type: 'signup' }, [goal], [touch('click', 2)])).toBeNull();
  });
  it('takes revenue from the value property, else the value', () => {
    expect(revenueOf(event, goal)).toBe(19.5);
    expect(revenueOf(event, { ...goal, valueProperty: null })).toBe(3);
    expect(revenueOf({ ...event, properties: { amount: 'n/a' } }, goal)).toBe(0);
  });
});

describe.each(await dialects())('conversions and metrics on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect, { FREQUENCY_CAP_PER_DAY: '0', FREQUENCY_CAP_PER_WEEK: '0', QUIET_HOURS: 'off' });
  });
  afterAll(async () => t?.dispose());

  it('counts opens, clicks, conversions and revenue from tracked hits and goal events, once', async () => {
    const ws = 'ws_conv';
    await t.store.workspaces.ensure(ws);
    await addPeople(t.store, ws, ['a', 'b', 'c', 'd'].map((id) => ({ id })), t.clock.now());
    const segment_id = await tierSegment(t.store, ws, 'pro');
    const mcp = await connect(t.ctx, principal(ws));
    const { campaign } = await mcp.ok('create_campaign', {
      name: 'Boots',
      segment_id,
      channels: ['email'],
      variants: [{ subject: 'Boots', body: 'New boots: https://shop.example/boots', html: '<p><a href="https://shop.example/boots">New boots</a></p>' }],
      goal: { metric: 'revenue', event_type: 'purchase', value_property: 'amount', attribution_window_hours: 48 },
    });
    await mcp.ok('schedule_send', { campaign_id: campaign.id, confirm: true, idempotency_key: 'conversions-send-1' });
    await jobRunner(t).settle();
    const messages = await query<{ id: string; user_id: string }>(t, 'select id, user_id from messages where workspace_id = ? and campaign_id = ? order by user_id', [ws, campaign.id]);
    expect(messages.map((m) => m.user_id)).toEqual(['a', 'b', 'c', 'd']);
    const id = (u: string) => messages.find((m) => m.user_id === u)!.id;
    const tracking = t.ctx.tracking!;
    const token = (kind: 'open' | 'click', user: string) => ({ kind, workspaceId: ws, messageId: id(user), ...(kind === 'click' ? { link: 0 } : {}) });

    t.clock.advance(HOUR);
    // a opens twice and clicks; b only clicks (an implied open); c opens through a mail proxy only; d does nothing.
    expect(await tracking.record({ token: token('open', 'a'), userAgent: BROWSER })).toEqual({ ok: true, kind: 'open' });
    await tracking.record({ token: token('open', 'a'), userAgent: BROWSER });
    expect(await tracking.record({ token: token('click', 'a'), userAgent: BROWSER })).toEqual({ ok: true, kind: 'click', redirect: 'https://shop.example/boots' });
    await tracking.record({ token: token('click', 'b'), userAgent: BROWSER });
    await tracking.record({ token: token('open', 'c'), userAgent: 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)' });
    // a buys twice within the window (two conversions, one converted message), b buys after it, c buys (no credit for a machine open).
    const after = (h: number) => new Date(t.clock.now().getTime() + h * HOUR);
    await t.store.events.insert(ws, [
      { id: 'p1', user_id: 'a', type: 'purchase', properties: { amount: 30 }, occurred_at: after(2) },
      { id: 'p2', user_id: 'a', type: 'purchase', properties: { amount: 12.5 }, occurred_at: after(20) },
      { id: 'p3', user_id: 'b', type: 'purchase', properties: { amount: 99 }, occurred_at: after(49) },
      { id: 'p4', user_id: 'c', type: 'purchase', properties: { amount: 5 }, occurred_at: after(1) },
    ]);
    t.clock.advance(50 * HOUR);

    const first = await mcp.ok('get_metrics', { campaign_id: campaign.id, trend: 'none' });
    expect(first.counts).toMatchObject({
      targeted: 4, sent: 4, delivered: 4, opened: 2, clicked: 2, converted: 1, conversions_total: 2, revenue: 42.5,
      opens_total: 4, machine_opens: 1, clicks_total: 2, unsubscribed: 0,
    });
    expect(first.rates.open_rate).toMatchObject({ value: 0.5, successes: 2, trials: 4 });
    expect(first.rates.click_to_open_rate.value).toBe(1);
    expect(first.rates.conversion_rate.low).toBeGreaterThan(0);
    expect(first.rates.conversion_rate.high).toBeLessThan(1);
    // Machine opens on request.
    expect((await mcp.ok('get_metrics', { campaign_id: campaign.id, include_machine_opens: true, trend: 'none' })).counts.opened).toBe(3);

    // Asking again, and a late duplicate of an event already credited, change nothing.
    await t.store.events.insert(ws, [{ id: 'p1', user_id: 'a', type: 'purchase', properties: { amount: 30 }, occurred_at: after(-48) }]);
    const again = await mcp.ok('get_metrics', { campaign_id: campaign.id, trend: 'none' });
    expect(again.counts).toEqual(first.counts);
    const conversions = await query<{ n: number }>(t, `select count(*) as n from engagement_events where workspace_id = ? and kind = 'conversion'`, [ws]);
    expect(Number(conversions[0]!.n)).toBe(2);

    // A segment's numbers follow the same window as the campaign's.
    const later = await mcp.ok('get_metrics', { campaign_id: campaign.id, trend: 'none', segment_id, since: new Date(t.clock.now().getTime() + HOUR).toISOString() });
    expect(later.counts.targeted).toBe(0);
    expect(later.segment.counts).toMatchObject({ targeted: 0, opened: 0, converted: 0 });
    expect((await mcp.ok('get_metrics', { campaign_id: campaign.id, trend: 'none', segment_id })).segment.counts).toMatchObject({ targeted: 4, opened: 2, converted: 1, revenue: 42.5 });

    const summary = await mcp.call('get_metrics', { campaign_id: campaign.id });
    const table = (summary.content[0] as { text: string }).text;
    expect(table).toContain(campaign.id);
    expect(table).toMatch(/opened\s+2\s+50\.0%/);
    const workspace = await mcp.ok('get_metrics', {});
    expect(workspace.scope).toBe('workspace');
    expect(workspace.campaigns.map((c: { id: string }) => c.id)).toEqual([campaign.id]);
    expect(workspace.counts.revenue).toBe(42.5);
    await mcp.close();
  });
});

/**
 * schedule_send end to end through MCP: preview, confirmation, the worker delivering through the
 * embedded local channel, and every contact-pressure rule, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect } from '../helpers/mcp.js';
import { addPeople, tierSegment, type Person } from '../helpers/people.js';

const HOUR = 3_600_000;

interface LedgerRow {
  user_id: string;
  channel: string;
  status: string;
  error: string | null;
  credits: number;
  sent_at: unknown;
}

const ledger = (t: TestApp, ws: string, campaignId: string) =>
  query<LedgerRow>(t, 'select user_id, channel, status, error, credits, sent_at from messages where workspace_id = ? and campaign_id = ? order by user_id', [ws, campaignId]);

const deliveries = (t: TestApp, ws: string) =>
  query<{ user_id: string; channel: string; payload: unknown }>(t, 'select user_id, channel, payload from local_deliveries where workspace_id = ? order by user_id', [ws]);

const statusOf = (rows: LedgerRow[]) => Object.fromEntries(rows.map((r) => [r.user_id, r.status]));

describe.each(await dialects())('schedule_send on %s', (dialect) => {
  let t: TestApp;
  let jobs: JobRunner;
  let n = 0;
  beforeAll(async () => {
    t = await testApp(dialect, { FREQUENCY_CAP_PER_DAY: '2', FREQUENCY_CAP_PER_WEEK: '5', QUIET_HOURS: '21:00-08:00', QUIET_HOURS_CHANNELS: 'push,sms' });
    jobs = jobRunner(t);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** A fresh workspace with these people, a segment of them, a campaign, and an MCP client. */
  async function setup(people: Person[], campaign: Record<string, unknown> = {}, scopes: Array<'read' | 'write' | 'send'> = ['read', 'write', 'send']) {
    const ws = `ws${++n}`;
    await t.store.workspaces.ensure(ws);
    await addPeople(t.store, ws, people, t.clock.now());
    const segmentId = await tierSegment(t.store, ws, 'pro');
    const mcp = await connect(t.ctx, principal(ws, scopes));
    const { campaign: c } = await mcp.ok('create_campaign', {
      name: `Campaign ${n}`,
      segment_id: segmentId,
      channels: ['email'],
      variants: [{ subject: 'Hello {{first_name}}', body: 'Dear {{user_name}}, our {{offer}}.', template_vars: { offer: 'winter sale' } }],
      ...campaign,
    });
    return { ws, mcp, campaignId: c.id as string, segmentId };
  }

  it('previews without sending: audience after consent, suppression and status, per rule, with rendered samples', async () => {
    const { ws, mcp, campaignId } = await setup([
      { id: 'a1', name: 'Ada Lovelace' },
      { id: 'a2' },
      { id: 'b1', consents: { email: false } },
      { id: 'b2', status: 'suspended' },
      { id: 'b3', email: null },
      { id: 'b4' },
      { id: 'x1', tier: 'free' },
    ]);
    await t.store.suppressions.add(ws, { userId: 'b4', channel: 'email', reason: 'unsubscribed', source: 'test' }, t.clock.now());
    const out = await mcp.ok('schedule_send', { campaign_id: campaignId, sample_size: 5 });
    expect(out.mode).toBe('preview');
    expect(out.preview).toMatchObject({
      segment_size: 6,
      eligible: 2,
      dropped: { no_consent: 1, inactive_user: 1, no_address: 1, suppressed: 1, frequency_cap: 0, quiet_hours_deadline: 0, budget_exhausted: 0 },
      by_channel: { email: 2 },
      estimated_credits: 2,
    });
    expect(out.preview.samples.map((s: any) => s.user_id)).toEqual(['a1', 'a2']);
    expect(out.preview.samples[0]).toMatchObject({ subject: 'Hello Ada', text: 'Dear Ada Lovelace, our winter sale.', channel: 'email' });
    expect(out.preview.sends_per_hour).toEqual([{ hour: new Date(Math.floor(t.clock.now().getTime() / HOUR) * HOUR).toISOString(), count: 2 }]);
    expect(out.next_step).toMatch(/confirm: true/);
    // Nothing was written: no schedule, no ledger row, still a draft.
    expect(await ledger(t, ws, campaignId)).toEqual([]);
    expect((await mcp.ok('list_scheduled_sends', { status: 'any' })).schedules).toEqual([]);
    expect((await t.store.campaigns.get(ws, campaignId))!.status).toBe('draft');
    await mcp.close();
  });

  it('sends once to every eligible person after confirmation, and a repeated call schedules nothing new', async () => {
    const { ws, mcp, campaignId } = await setup([{ id: 'a1' }, { id: 'a2' }, { id: 'a3' }, { id: 'b1', consents: { email: false } }, { id: 'b2' }]);
    await t.store.suppressions.add(ws, { userId: 'b2', channel: 'all', reason: 'complained', source: 'test' }, t.clock.now());
    const args = { campaign_id: campaignId, confirm: true, idempotency_key: `send-${ws}` };
    const first = await mcp.ok('schedule_send', args);
    expect(first).toMatchObject({ mode: 'scheduled', created: true, segment_size: 5, schedule: { kind: 'at', status: 'active' } });
    expect(first.preview).toBeUndefined();
    expect((await t.store.campaigns.get(ws, campaignId))!.status).toBe('scheduled');

    await jobs.settle();
    const rows = await ledger(t, ws, campaignId);
    expect(statusOf(rows)).toEqual({ a1: 'delivered', a2: 'delivered', a3: 'delivered', b1: 'suppressed', b2: 'suppressed' });
    expect(rows.find((r) => r.user_id === 'b2')!.error).toMatch(/^suppressed:/);
    const got = await deliveries(t, ws);
    expect(got.map((d) => d.user_id)).toEqual(['a1', 'a2', 'a3']);
    expect((await t.store.campaigns.get(ws, campaignId))!).toMatchObject({ status: 'completed', credits_spent: 3 });

    const again = await mcp.ok('schedule_send', args);
    expect(again).toMatchObject({ mode: 'scheduled', created: false, schedule: { id: first.schedule.id } });
    await jobs.settle();
    expect(await deliveries(t, ws)).toHaveLength(3);

    const state = JSON.parse(((await mcp.client.readResource({ uri: `campaign://${campaignId}` })).contents[0] as { text: string }).text);
    expect(state.counters).toEqual({ targeted: 5, queued: 0, sent: 3, delivered: 3, failed: 0, suppressed: 2, skipped: 0, cancelled: 0 });
    expect(state.schedules).toHaveLength(1);
    expect(state.schedules[0]).toMatchObject({ id: first.schedule.id, status: 'completed', messages: { delivered: 3, suppressed: 2 } });
    const listed = await mcp.ok('list_scheduled_sends', { campaign_id: campaignId, status: 'any' });
    expect(listed.schedules).toHaveLength(1);
    expect(listed.schedules[0]).toMatchObject({ status: 'completed', messages: { delivered: 3, suppressed: 2 } });
    await mcp.close();
  });

  it('refuses a different request under a used key, and a second send of a one-time campaign', async () => {
    const { mcp, campaignId, ws } = await setup([{ id: 'a1' }]);
    const at = new Date(t.clock.now().getTime() + 2 * HOUR).toISOString();
    await mcp.ok('schedule_send', { campaign_id: campaignId, at, confirm: true, idempotency_key: `first-key-${ws}` });
    const reused = await mcp.fail('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: `first-key-${ws}` });
    expect(reused).toMatch(/already used for a different send/);
    const second = await mcp.fail('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: `second-key-${ws}` });
    expect(second).toMatch(/already has an active schedule .*one-time campaign is sent once/);
    expect((await mcp.ok('list_scheduled_sends', { campaign_id: campaignId })).schedules).toHaveLength(1);
    await mcp.close();
  });

  it('needs the send scope, confirm and an idempotency key to send; refusals change nothing', async () => {
    const { mcp, campaignId, ws } = await setup([{ id: 'a1' }], {}, ['read', 'write']);
    expect((await mcp.ok('schedule_send', { campaign_id: campaignId })).mode).toBe('preview');
    expect(await mcp.fail('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: 'abcdefgh1' })).toMatch(/needs the 'send' scope/);
    const full = await connect(t.ctx, principal(ws));
    expect(await full.fail('schedule_send', { campaign_id: campaignId, confirm: true })).toMatch(/idempotency_key is required/);
    expect(await full.fail('schedule_send', { campaign_id: campaignId, dry_run: false })).toMatch(/needs confirm: true/);
    const dry = await full.ok('schedule_send', { campaign_id: campaignId, dry_run: true, confirm: true, idempotency_key: 'abcdefgh2' });
    expect(dry).toMatchObject({ mode: 'preview' });
    expect(dry.next_step).toMatch(/dry_run was true/);
    expect((await full.ok('list_scheduled_sends', { status: 'any' })).schedules).toEqual([]);
    expect(await ledger(t, ws, campaignId)).toEqual([]);
    await Promise.all([mcp.close(), full.close()]);
  });

  it('rejects bad timing and content with errors that say how to fix them', async () => {
    const { mcp, campaignId, ws } = await setup([{ id: 'a1' }]);
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ at: '2020-01-01T00:00:00Z' }, /in the past/],
      [{ at: 'tomorrow' }, /not an ISO 8601 time with a zone/],
      [{ at: '2026-12-24T09:00' }, /not an ISO 8601 time with a zone.*in_user_timezone/],
      [{ at: '2026-12-24T09:00:00Z', in_user_timezone: true }, /without a zone/],
      [{ in_user_timezone: true }, /needs at/],
      [{ optimal: true, in_user_timezone: true }, /in_user_timezone applies to at, not to optimal/],
      [{ at: '2026-12-24T09:00:00Z', recurring: { cron: '0 9 * * MON', timezone: 'Europe/Paris' } }, /only one of at or recurring/],
      [{ optimal: true, at: 'tomorrow' }, /not an ISO 8601 time with a zone/],
      [{ recurring: { cron: '0 9 * * MON', timezone: 'Europe/Paris' } }, /one_time and cannot recur/],
      [{ variant_keys: ['Z'] }, /variants the campaign does not have: Z/],
      [{ deadline_hours: 0 }, /deadline_hours must be at least 1/],
      [{ idempotency_key: 'short' }, /idempotency_key must be 8-200/],
    ];
    for (const [args, message] of cases) expect(await mcp.fail('schedule_send', { campaign_id: campaignId, ...args })).toMatch(message);

    const { campaign: vars } = await mcp.ok('create_campaign', { name: 'Unknown var', segment_id: (await t.store.campaigns.get(ws, campaignId))!.segment_id, channels: ['email'], variants: [{ subject: 'S', body: 'Hi {{nickname}}' }] });
    expect(await mcp.fail('schedule_send', { campaign_id: vars.id })).toMatch(/\{\{nickname\}\}/);
    const { campaign: noSegment } = await mcp.ok('create_campaign', { name: 'No audience', channels: ['email'], variants: [{ subject: 'S', body: 'Hi' }] });
    expect(await mcp.fail('schedule_send', { campaign_id: noSegment.id })).toMatch(/has no segment/);
    const { campaign: rec } = await mcp.ok('create_campaign', { name: 'Weekly', type: 'recurring', schedule: { cron: '0 9 * * MON', timezone: 'Europe/Paris' }, channels: ['email'], variants: [{ subject: 'S', body: 'Hi' }], segment_id: (await t.store.campaigns.get(ws, campaignId))!.segment_id });
    expect(await mcp.fail('schedule_send', { campaign_id: rec.id, recurring: { cron: 'every monday', timezone: 'Europe/Paris' } })).toMatch(/not a valid cron/);
    expect(await mcp.fail('schedule_send', { campaign_id: rec.id, recurring: { cron: '0 9 * * MON', timezone: 'Mars/Olympus' } })).toMatch(/not an IANA time zone/);
    expect(await mcp.fail('schedule_send', { campaign_id: rec.id })).toMatch(/is recurring/);

    const other = await connect(t.ctx, principal('elsewhere'));
    await t.store.workspaces.ensure('elsewhere');
    expect(await other.fail('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: 'not-mine-1' })).toMatch(/not found/);
    expect(await ledger(t, ws, campaignId)).toEqual([]);
    expect((await mcp.ok('list_scheduled_sends', { status: 'any' })).schedules).toEqual([]);
    await Promise.all([mcp.close(), other.close()]);
  });

  it('falls back to the next channel a person accepts', async () => {
    const { ws, mcp, campaignId } = await setup(
      [
        { id: 'p1', consents: { push: true } },
        { id: 'p2', consents: { push: false } },
        { id: 'p3', consents: { push: true } },
      ],
      { channels: ['push', 'email'], variants: [{ subject: 'Title', body: 'Short push body' }] },
    );
    await t.store.suppressions.add(ws, { userId: 'p3', channel: 'push', reason: 'unsubscribed', source: 'test' }, t.clock.now());
    // Noon UTC: no quiet hours in UTC.
    await mcp.ok('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: `fallback-${ws}` });
    await jobs.settle();
    const rows = await ledger(t, ws, campaignId);
    expect(rows.map((r) => [r.user_id, r.channel, r.status])).toEqual([
      ['p1', 'push', 'delivered'],
      ['p2', 'email', 'delivered'],
      ['p3', 'email', 'delivered'],
    ]);
    expect((await deliveries(t, ws)).map((d) => d.channel)).toEqual(['push', 'email', 'email']);
    await mcp.close();
  });

  it('stops at the campaign budget', async () => {
    const people = Array.from({ length: 5 }, (_, i) => ({ id: `u${i}` }));
    const { ws, mcp, campaignId } = await setup(people, { budget_credits: 3 });
    const preview = await mcp.ok('schedule_send', { campaign_id: campaignId });
    expect(preview.preview).toMatchObject({ eligible: 3, dropped: { budget_exhausted: 2 } });
    expect(preview.preview.warnings.join(' ')).toMatch(/budget covers 3 of 5/);
    await mcp.ok('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: `budget-${ws}` });
    await jobs.settle();
    const rows = await ledger(t, ws, campaignId);
    expect(rows.filter((r) => r.status === 'delivered')).toHaveLength(3);
    expect(rows.filter((r) => r.status === 'skipped' && /budget_exhausted/.test(r.error ?? ''))).toHaveLength(2);
    expect((await t.store.campaigns.get(ws, campaignId))!.credits_spent).toBe(3);
    expect(await deliveries(t, ws)).toHaveLength(3);
    await mcp.close();
  });

  it('cancels a future send: nothing goes out and the campaign is a draft again', async () => {
    const { ws, mcp, campaignId } = await setup([{ id: 'a1' }, { id: 'a2' }]);
    const at = new Date(t.clock.now().getTime() + 3 * HOUR).toISOString();
    const { schedule } = await mcp.ok('schedule_send', { campaign_id: campaignId, at, confirm: true, idempotency_key: `cancel-${ws}` });
    expect((await mcp.ok('list_scheduled_sends', {})).schedules.map((s: any) => s.id)).toContain(schedule.id);
    const cancelled = await mcp.ok('cancel_schedule', { schedule_id: schedule.id, reason: 'wrong offer' });
    expect(cancelled.schedule.status).toBe('cancelled');
    expect(await mcp.fail('cancel_schedule', { schedule_id: schedule.id })).toMatch(/already cancelled/);
    await jobs.settle(6 * HOUR);
    expect(await ledger(t, ws, campaignId)).toEqual([]);
    expect(await deliveries(t, ws)).toEqual([]);
    expect((await t.store.campaigns.get(ws, campaignId))!.status).toBe('draft');
    await mcp.close();
  });

  it('holds a paused campaign and sends when it resumes', async () => {
    const { ws, mcp, campaignId } = await setup([{ id: 'a1' }, { id: 'a2' }]);
    await mcp.ok('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: `pause-${ws}` });
    await mcp.ok('update_campaign_status', { campaign_id: campaignId, action: 'pause' });
    await jobs.settle(10 * 60_000);
    expect(await deliveries(t, ws)).toEqual([]);
    await mcp.ok('update_campaign_status', { campaign_id: campaignId, action: 'resume' });
    await jobs.settle(10 * 60_000);
    expect((await deliveries(t, ws)).map((d) => d.user_id)).toEqual(['a1', 'a2']);
    expect((await t.store.campaigns.get(ws, campaignId))!.status).toBe('completed');
    await mcp.close();
  });

  it('sends nothing past its deadline when no worker ran in time', async () => {
    const { ws, mcp, campaignId } = await setup([{ id: 'late1' }, { id: 'late2' }]);
    await mcp.ok('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: `late-${ws}`, deadline_hours: 6 });
    // The workers were down for seven hours.
    t.clock.advance(7 * HOUR);
    await jobs.settle();
    const rows = await ledger(t, ws, campaignId);
    expect(statusOf(rows)).toEqual({ late1: 'skipped', late2: 'skipped' });
    expect(rows[0]!.error).toMatch(/^expired: planned for .*, 7 h ago, past its deadline$/);
    expect(await deliveries(t, ws)).toEqual([]);
    expect((await t.store.campaigns.get(ws, campaignId))!.status).toBe('completed');
    await mcp.close();
  });

  it('renders Liquid per person: a missing printed value fails only that message, HTML is escaped', async () => {
    const { ws, mcp, campaignId, segmentId } = await setup([{ id: 'n1', name: 'Ada <b>Lovelace</b>' }, { id: 'n2', name: null }]);
    const { campaign: strict } = await mcp.ok('create_campaign', {
      name: 'Strict names',
      segment_id: segmentId,
      channels: ['email'],
      variants: [{ subject: 'Hi {{ first_name }}', body: 'Dear {{ user_name }}', html: '<p>Dear {{ user_name }}</p>' }],
    });
    const preview = await mcp.ok('schedule_send', { campaign_id: strict.id });
    expect(preview.preview).toMatchObject({ eligible: 1, dropped: { missing_variable: 1 } });
    expect(preview.preview.warnings.join(' ')).toMatch(/1 message would fail to render, e\.g\. n2: subject: missing variable first_name/);
    await mcp.ok('schedule_send', { campaign_id: strict.id, confirm: true, idempotency_key: `strict-${ws}` });
    await jobs.settle();
    const rows = await ledger(t, ws, strict.id);
    expect(statusOf(rows)).toEqual({ n1: 'delivered', n2: 'failed' });
    expect(rows.find((r) => r.user_id === 'n2')!.error).toMatch(/^render: subject: missing variable first_name/);
    // What the inbox got: its delivery row names the ledger row, which holds the rendered content.
    const [got] = await query<{ rendered: unknown; payload: unknown }>(
      t,
      'select m.rendered, d.payload from local_deliveries d join messages m on m.workspace_id = d.workspace_id and m.id = d.message_id where d.workspace_id = ? and d.user_id = ?',
      [ws, 'n1'],
    );
    const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
    // Tracking is on by default: the HTML ends with the open pixel.
    expect(json(got!.rendered)).toEqual({
      subject: 'Hi Ada',
      text: 'Dear Ada <b>Lovelace</b>',
      html: expect.stringMatching(/^<p>Dear Ada &lt;b&gt;Lovelace&lt;\/b&gt;<\/p><img src="http:\/\/127\.0\.0\.1:8790\/t\/o\/[A-Za-z0-9_-]+" width="1" height="1" alt="" style="display:none;border:0">$/),
    });
    expect(json(got!.payload)).toMatchObject({ to: { email: expect.any(String) }, metadata: { campaign_id: strict.id } });

    // The campaign made in setup gives no default either, but a template with one reaches everybody.
    const { campaign: kind } = await mcp.ok('create_campaign', {
      name: 'Kind names',
      segment_id: segmentId,
      channels: ['email'],
      variants: [{ subject: 'Hi {{ first_name | default: "there" }}', body: 'Hello' }],
    });
    expect((await mcp.ok('schedule_send', { campaign_id: kind.id })).preview).toMatchObject({ eligible: 2, dropped: { missing_variable: 0 } });
    expect(await mcp.fail('schedule_send', { campaign_id: campaignId, variant_keys: ['A'], at: 'x' })).toMatch(/not an ISO 8601/);
    const { campaign: broken } = await mcp.ok('create_campaign', { name: 'Broken', segment_id: segmentId, channels: ['email'], variants: [{ subject: 'S', body: 'Hi {% if vip %}' }] });
    expect(await mcp.fail('schedule_send', { campaign_id: broken.id })).toMatch(/Variant 'A' body: tag \{% if vip %\} not closed, line:1, col:4/);
    await mcp.close();
  });

  it('caps messages per person per local day across campaigns', async () => {
    const { ws, mcp, campaignId, segmentId } = await setup([{ id: 'c1' }, { id: 'c2' }]);
    // c1 already had two marketing messages today (the cap is 2 per day).
    const other = await mcp.ok('create_campaign', { name: 'Earlier', segment_id: segmentId, channels: ['email'], variants: [{ subject: 'S', body: 'x' }] });
    const now = t.clock.now();
    const x = t.store.executor;
    for (const [i, hoursAgo] of [1, 2].entries()) {
      await x.run((db) =>
        db.insert(x.t.messages).values({
          workspaceId: ws, id: `msg_prior_${ws}_${i}`, campaignId: other.campaign.id, stepKey: `prior${i}`, userId: 'c1', channel: 'email',
          idempotencyKey: `prior-${ws}-${i}`, status: 'delivered', statusHistory: [], plannedFor: now, scheduledFor: now,
          sentAt: new Date(now.getTime() - hoursAgo * HOUR), createdAt: now, updatedAt: now,
        }),
      );
    }
    const preview = await mcp.ok('schedule_send', { campaign_id: campaignId });
    expect(preview.preview).toMatchObject({ eligible: 1, dropped: { frequency_cap: 1 } });
    await mcp.ok('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: `cap-test-${ws}` });
    await jobs.settle();
    const rows = await ledger(t, ws, campaignId);
    expect(statusOf(rows)).toEqual({ c1: 'skipped', c2: 'delivered' });
    expect(rows[0]!.error).toMatch(/frequency_cap: already 2 marketing messages today \(cap 2 per day\)/);
    await mcp.close();
  });
});

describe.each(await dialects())('update_suppression on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect, { QUIET_HOURS: 'off' });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('suppresses a person for scheduled sends too, and removes the suppression again', async () => {
    await addPeople(t.store, 'default', [{ id: 's1' }, { id: 's2' }], t.clock.now());
    const mcp = await connect(t.ctx, principal('default'));
    const segment_id = await tierSegment(t.store, 'default', 'pro');
    const { campaign } = await mcp.ok('create_campaign', { name: 'Later', segment_id, channels: ['email'], variants: [{ subject: 'S', body: 'B' }] });
    await mcp.ok('schedule_send', { campaign_id: campaign.id, at: new Date(t.clock.now().getTime() + HOUR).toISOString(), confirm: true, idempotency_key: 'suppress-later-1' });

    const added = await mcp.ok('update_suppression', { user_id: 's1', action: 'add', channel: 'email', reason: 'unsubscribed' });
    expect(added).toMatchObject({ changed: true, suppressions: [{ channel: 'email', reason: 'unsubscribed', source: 'test:default' }] });
    expect((await mcp.ok('update_suppression', { user_id: 's1', action: 'add', channel: 'email', reason: 'unsubscribed' })).changed).toBe(false);
    expect(await mcp.fail('update_suppression', { user_id: 'nobody', action: 'add' })).toMatch(/user 'nobody' not found/);
    expect(await mcp.fail('update_suppression', { user_id: 's1', action: 'add', channel: 'fax' })).toMatch(/channel must be one of: all, email/);

    await jobRunner(t).settle(2 * HOUR);
    expect(statusOf(await ledger(t, 'default', campaign.id))).toEqual({ s1: 'suppressed', s2: 'delivered' });
    const removed = await mcp.ok('update_suppression', { user_id: 's1', action: 'remove', channel: 'email' });
    expect(removed).toMatchObject({ changed: true, suppressions: [] });
    await mcp.close();
  });
});

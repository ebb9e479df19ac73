/**
 * Every step kind of a journey, on a controllable clock: send, wait (minutes, then a local time of
 * day, in each user's zone), branch on the triggering event, wait_for_event answered or timed
 * out, exit; and a step job that runs twice (a lease lost mid-step) sends once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { addPeople } from '../helpers/people.js';

const MIN = 60_000;
const msg = (key: string, next: string) => ({ kind: 'send', subject: `About ${key}`, body: `Hi {{ first_name | default: "there" }}, ${key}`, next });

const journey = {
  entry: { trigger: { event_type: 'signup', cooldown_hours: 0 } },
  start: 'hello',
  steps: {
    hello: msg('hello', 'nap'),
    nap: { kind: 'wait', minutes: 60, until_local_time: '09:00', next: 'check' },
    check: { kind: 'branch', on: { field: 'plan', op: 'eq', value: 'pro' }, then: 'tip', else: 'await_profile' },
    tip: msg('tip', 'done'),
    await_profile: { kind: 'wait_for_event', event_type: 'profile.completed', timeout_minutes: 1440, on_event: 'thanks', on_timeout: 'nudge' },
    thanks: msg('thanks', 'done'),
    nudge: msg('nudge', 'done'),
    done: { kind: 'exit' },
  },
};

describe.each(await dialects())('journey steps on %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  let jobs: JobRunner;
  const ws = 'default';
  const p = (i: number) => (dialect === 'sqlite' ? '?' : `$${i}`);
  const sentKeys = async (campaignId: string) =>
    (
      await query<{ user_id: string; key: string }>(
        t,
        `select m.user_id, v.key from messages m join campaign_variants v on v.workspace_id = m.workspace_id and v.id = m.variant_id
         where m.campaign_id = ${p(1)} and m.status in ('sent', 'delivered') order by m.user_id, m.sent_at`,
        [campaignId],
      )
    ).map((r) => `${r.user_id}:${r.key}`);

  beforeAll(async () => {
    t = await testApp(dialect);
    mcp = await connect(t.ctx, principal(ws));
    jobs = jobRunner(t);
    await addPeople(t.store, ws, [{ id: 'u1' }, { id: 'u2', timezone: 'Asia/Kolkata' }, { id: 'u3', timezone: 'America/New_York' }], t.clock.now());
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  it('walks every step kind, at the right local times', async () => {
    const created = await mcp.ok('create_journey', { name: 'Onboarding', channels: ['email'], journey });
    const id = created.campaign.id as string;
    await mcp.ok('activate_campaign', { campaign_id: id, confirm: true });
    const now = t.clock.now().toISOString(); // 2026-12-01T12:00Z
    await mcp.ok('track_event', {
      events: [
        { id: 's1', user_id: 'u1', type: 'signup', properties: { plan: 'pro' }, occurred_at: now },
        { id: 's2', user_id: 'u2', type: 'signup', properties: { plan: 'free' }, occurred_at: now },
        { id: 's3', user_id: 'u3', type: 'signup', properties: { plan: 'free' }, occurred_at: now },
      ],
    });
    await jobs.settle(MIN);
    expect(await sentKeys(id)).toEqual(['u1:hello', 'u2:hello', 'u3:hello']);
    // Waiting at nap: an hour, then the next 09:00 in each user's zone.
    const at = Object.fromEntries((await mcp.ok('list_enrollments', { campaign_id: id, step: 'nap' })).enrollments.map((e: { user_id: string; next_at: string }) => [e.user_id, e.next_at]));
    expect(at).toEqual({ u1: '2026-12-02T09:00:00.000Z', u2: '2026-12-02T03:30:00.000Z', u3: '2026-12-01T14:00:00.000Z' });

    // Past everyone's 09:00: u1 (pro) gets the tip; the others wait for their profile.
    await jobs.settle(22 * 60 * MIN);
    expect(await sentKeys(id)).toEqual(['u1:hello', 'u1:tip', 'u2:hello', 'u3:hello']);
    const waiting = await mcp.ok('list_enrollments', { campaign_id: id, step: 'await_profile' });
    expect(waiting.enrollments.map((e: { user_id: string; phase: string; waiting_for: string }) => [e.user_id, e.phase, e.waiting_for])).toEqual([
      ['u2', 'waiting', 'profile.completed'],
      ['u3', 'waiting', 'profile.completed'],
    ]);
    const r = await mcp.ok('track_event', { events: [{ id: 'pc3', user_id: 'u3', type: 'profile.completed', occurred_at: t.clock.now().toISOString() }] });
    expect(r.triggered.advanced).toBe(1);
    await jobs.settle(2 * 24 * 60 * MIN);
    expect(await sentKeys(id)).toEqual(['u1:hello', 'u1:tip', 'u2:hello', 'u2:nudge', 'u3:hello', 'u3:thanks']);

    const listed = await mcp.ok('list_enrollments', { campaign_id: id });
    expect(listed.totals).toMatchObject({ completed: 3, active: 0 });
    const s = Object.fromEntries(listed.steps.map((x: { step: string; entered: number; sent: number }) => [x.step, [x.entered, x.sent]]));
    expect(s).toEqual({ hello: [3, 3], nap: [3, 0], check: [3, 0], tip: [1, 1], await_profile: [2, 0], done: [3, 0], thanks: [1, 1], nudge: [1, 1] });
  });

  it('a step job that runs twice (its lease lost mid-step) sends once and moves the user once', async () => {
    const created = await mcp.ok('create_journey', {
      name: 'Once', channels: ['email'],
      journey: { entry: { trigger: { event_type: 'ping', cooldown_hours: 0 } }, start: 'one', steps: { one: msg('one', 'end'), end: { kind: 'exit' } } },
    });
    const id = created.campaign.id as string;
    await mcp.ok('activate_campaign', { campaign_id: id, confirm: true });
    await mcp.ok('track_event', { events: [{ id: 'ping-1', user_id: 'u1', type: 'ping', occurred_at: t.clock.now().toISOString() }] });
    const [job] = await t.store.jobs.claim('crashy', 10, 60_000, t.clock.now(), ['journey.step']);
    expect(job).toBeDefined();
    const control = { owner: 'crashy', stillOwner: () => true, progress: async () => undefined };
    const handler = t.jobHandlers['journey.step']!;
    await Promise.all([handler(job!, control), handler(job!, control)]);
    await handler(job!, control);
    await jobs.settle(MIN);
    expect(await sentKeys(id)).toEqual(['u1:one']);
    expect((await mcp.ok('list_enrollments', { campaign_id: id })).totals).toMatchObject({ completed: 1, total: 1 });
  });

  it('a revision of a running journey takes new entrants; users in flight finish theirs', async () => {
    const v1 = { entry: { trigger: { event_type: 'rev.go', cooldown_hours: 0 } }, start: 'pause', steps: { pause: { kind: 'wait', minutes: 60, next: 'one' }, one: msg('one', 'end'), end: { kind: 'exit' } } };
    const created = await mcp.ok('create_journey', { name: 'Revised', channels: ['email'], journey: v1 });
    const id = created.campaign.id as string;
    await mcp.ok('activate_campaign', { campaign_id: id, confirm: true });
    await mcp.ok('track_event', { events: [{ id: 'rev-1', user_id: 'u1', type: 'rev.go', occurred_at: t.clock.now().toISOString() }] });
    await jobs.settle(MIN);
    const v2 = { entry: v1.entry, start: 'one', steps: { one: { kind: 'send', variant_key: 'one', next: 'end' }, end: { kind: 'exit' } } };
    expect(await mcp.fail('create_journey', { campaign_id: id, name: 'Revised', channels: ['email'], journey: { ...v2, steps: { one: msg('changed', 'end'), end: { kind: 'exit' } } } })).toMatch(/keeps its messages/);
    expect((await mcp.ok('create_journey', { campaign_id: id, name: 'Revised', channels: ['email'], journey: v2 })).version).toBe(2);
    await mcp.ok('track_event', { events: [{ id: 'rev-2', user_id: 'u2', type: 'rev.go', occurred_at: t.clock.now().toISOString() }] });
    await jobs.settle(MIN);
    expect(await sentKeys(id)).toEqual(['u2:one']);
    await jobs.settle(2 * 60 * MIN);
    expect(await sentKeys(id)).toEqual(['u1:one', 'u2:one']);
    const versions = Object.fromEntries((await mcp.ok('list_enrollments', { campaign_id: id })).enrollments.map((e: { user_id: string; journey_version: number }) => [e.user_id, e.journey_version]));
    expect(versions).toEqual({ u1: 1, u2: 2 });
  });

  it('a message quiet hours hold back waits in the ledger, and the user moves on once it went out', async () => {
    await addPeople(t.store, ws, [{ id: 'tokyo', timezone: 'Asia/Tokyo', phone: '+81300000000', consents: { sms: true } }], t.clock.now());
    const created = await mcp.ok('create_journey', {
      name: 'Quiet', channels: ['sms'],
      journey: { entry: { trigger: { event_type: 'quiet.go' } }, start: 'text', steps: { text: { kind: 'send', body: 'Hello', next: 'end' }, end: { kind: 'exit' } } },
    });
    const id = created.campaign.id as string;
    await mcp.ok('activate_campaign', { campaign_id: id, confirm: true });
    // 21:00 in Tokyo or later: inside the default quiet hours (21:00-08:00) for sms.
    t.clock.set(new Date(Math.max(t.clock.now().getTime(), Date.parse('2026-12-08T12:30:00Z'))));
    await mcp.ok('track_event', { events: [{ id: 'quiet-1', user_id: 'tokyo', type: 'quiet.go', occurred_at: t.clock.now().toISOString() }] });
    await jobs.settle(MIN);
    const [waiting] = (await mcp.ok('list_enrollments', { campaign_id: id })).enrollments;
    expect(waiting).toMatchObject({ status: 'active', step: 'text' });
    const deferred = await query<{ status: string; scheduled_for: unknown }>(t, `select status, scheduled_for from messages where campaign_id = ${p(1)}`, [id]);
    expect(deferred.map((r) => r.status)).toEqual(['deferred']);
    await jobs.settle(24 * 60 * MIN);
    const sent = await query<{ status: string; sent_at: unknown }>(t, `select status, sent_at from messages where campaign_id = ${p(1)}`, [id]);
    expect(sent.map((r) => r.status)).toEqual([expect.stringMatching(/^(sent|delivered)$/)]);
    // Sent at 08:00 Tokyo time (23:00 UTC).
    const sentAt = new Date(dialect === 'sqlite' ? Number(sent[0]!.sent_at) : String(sent[0]!.sent_at));
    expect(sentAt.toISOString().slice(11, 16)).toBe('23:00');
    expect((await mcp.ok('list_enrollments', { campaign_id: id })).enrollments[0]).toMatchObject({ status: 'completed' });
  });

  it('messages read the triggering event under event.*', async () => {
    const created = await mcp.ok('create_journey', {
      name: 'Event vars', channels: ['email'],
      journey: {
        entry: { trigger: { event_type: 'cart.left', cooldown_hours: 0 } },
        start: 'remind',
        steps: { remind: { kind: 'send', subject: 'Your {{ event.cart.items | size }} items', body: 'Total: {{ event.cart.total }} EUR, code {{ event.code | default: "none" }}', next: 'end' }, end: { kind: 'exit' } },
      },
    });
    const id = created.campaign.id as string;
    await mcp.ok('activate_campaign', { campaign_id: id, confirm: true });
    await mcp.ok('track_event', { events: [{ id: 'cl-1', user_id: 'u3', type: 'cart.left', properties: { cart: { total: 42.5, items: ['a', 'b'] } }, occurred_at: t.clock.now().toISOString() }] });
    await jobs.settle(MIN);
    const [row] = await query<{ rendered: unknown }>(t, `select rendered from messages where campaign_id = ${p(1)}`, [id]);
    const rendered = typeof row!.rendered === 'string' ? JSON.parse(row!.rendered) : row!.rendered;
    expect(rendered).toMatchObject({ subject: 'Your 2 items', text: expect.stringContaining('Total: 42.5 EUR, code none') });
  });
});

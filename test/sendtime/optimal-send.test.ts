/**
 * schedule_send `optimal` through MCP on both dialects, with hand-made people and histories:
 * each person at their own local hour (table-driven over zones with half- and quarter-hour
 * offsets, across DST changes), quiet hours and daily caps respected, every message once with
 * its arm recorded, bad input refused with nothing written, and the history learned exactly once
 * from every write path.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learnSendTimes } from '../../src/engine/sendtime-learner.js';
import { hourKey } from '../../src/store/schema/hours.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const HOUR = 3_600_000;
const WS = 'sto-e2e';

/**
 * A person with a long history (60 emails sent at every local hour) whose opens all fall at
 * `hour` and the two hours after it: the best moment to send is the start of that plateau.
 */
async function history(t: TestApp, ws: string, userId: string, hour: number) {
  const p = t.store.executor.t.sendTimeProfiles;
  const counts: Record<string, number> = {};
  for (let h = 0; h < 24; h++) counts[hourKey('s', h)] = 60;
  for (const h of [hour, hour + 1, hour + 2]) counts[hourKey('o', h % 24)] = 40;
  await t.store.executor.run((db) => db.insert(p).values({ workspaceId: ws, userId, ...counts, updatedAt: t.clock.now() }));
}

const campaign = async (mcp: Connected, segment: string, name: string, channels = ['email']) =>
  (await mcp.ok('create_campaign', { name, segment_id: segment, channels, variants: [{ key: 'A', subject: 'Hello', body: 'Hi {{ first_name | default: "there" }}' }] })).campaign.id as string;

describe.each(await dialects())('schedule_send optimal, %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  let runner: JobRunner;
  beforeAll(async () => {
    // Every person optimized (no control, no exploration), so each lands exactly on their hour.
    t = await testApp(dialect, { SEND_TIME_CONTROL_SHARE: '0', SEND_TIME_EXPLORE_SHARE: '0', QUIET_HOURS: '21:00-08:00', FREQUENCY_CAP_PER_DAY: '1', FREQUENCY_CAP_PER_WEEK: '0' });
    await t.store.workspaces.ensure(WS);
    mcp = await connect(t.ctx, principal(WS));
    runner = jobRunner(t);
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  // Each window starts the day before a DST change in the zone (or on an ordinary day), so the
  // chosen local hour must come out right on the far side of it.
  const zones: Array<{ zone: string; start: string; hour: number }> = [
    { zone: 'UTC', start: '2026-12-02T00:00:00Z', hour: 19 },
    { zone: 'Asia/Kolkata', start: '2026-12-02T00:00:00Z', hour: 19 },
    { zone: 'Asia/Kathmandu', start: '2026-12-02T00:00:00Z', hour: 7 },
    { zone: 'America/New_York', start: '2027-03-13T16:00:00Z', hour: 19 },
    { zone: 'Europe/London', start: '2027-03-27T12:00:00Z', hour: 18 },
    { zone: 'Europe/Berlin', start: '2027-10-30T12:00:00Z', hour: 19 },
    { zone: 'America/St_Johns', start: '2027-03-13T16:00:00Z', hour: 20 },
    { zone: 'Australia/Adelaide', start: '2027-04-03T00:00:00Z', hour: 19 },
    { zone: 'Australia/Lord_Howe', start: '2027-04-03T00:00:00Z', hour: 19 },
    { zone: 'Pacific/Chatham', start: '2027-04-03T00:00:00Z', hour: 12 },
    { zone: 'Pacific/Kiritimati', start: '2026-12-02T00:00:00Z', hour: 9 },
    { zone: 'Pacific/Pago_Pago', start: '2026-12-02T00:00:00Z', hour: 19 },
  ];

  it.each(zones)('sends to someone in $zone at their own $hour:00, across DST', async ({ zone, start, hour }) => {
    t.clock.reset(new Date(start));
    const id = `u-${zone.replace(/\W/g, '_')}-${hour}`;
    await addPeople(t.store, WS, [{ id, timezone: zone, tier: id }], t.clock.now());
    await history(t, WS, id, hour);
    const segment = await tierSegment(t.store, WS, id, `only ${id}`);
    const c = await campaign(mcp, segment, `Optimal for ${zone}`);
    const preview = await mcp.ok('schedule_send', { campaign_id: c, optimal: true, window_hours: 48 });
    if (process.env.STO_DEBUG) console.log(zone, JSON.stringify(preview.preview.send_time.by_local_hour));
    expect(preview.preview.send_time.by_local_hour[hour]).toBe(1);
    await mcp.ok('schedule_send', { campaign_id: c, optimal: true, window_hours: 48, confirm: true, idempotency_key: `zone-${id}` });
    await runner.settle(49 * HOUR);
    const [row] = await query<{ sent_at: number | Date; status: string; send_time_arm: string }>(t, 'SELECT sent_at, status, send_time_arm FROM messages WHERE campaign_id = ?', [c]);
    expect(row?.status).toBe('delivered');
    expect(row?.send_time_arm).toBe('optimized');
    const local = DateTime.fromMillis(new Date(row!.sent_at).getTime(), { zone });
    expect({ hour: local.hour, minute: local.minute, second: local.second }).toEqual({ hour, minute: 0, second: 0 });
    const from = Date.parse(start);
    expect(new Date(row!.sent_at).getTime()).toBeGreaterThanOrEqual(from);
    expect(new Date(row!.sent_at).getTime()).toBeLessThan(from + 48 * HOUR);
  });

  it('keeps push out of quiet hours and off a day the person already reached the daily cap on', async () => {
    t.clock.reset(new Date('2027-06-01T06:00:00Z'));
    // Both would rather be sent at 22:00 local; push is quiet then. The second already had today's message.
    const people = [{ id: 'night-owl', timezone: 'Europe/Paris' }, { id: 'capped', timezone: 'America/Chicago' }].map((p) => ({ ...p, tier: 'quiet', consents: { push: true, email: true } }));
    await addPeople(t.store, WS, people, t.clock.now());
    for (const p of people) await history(t, WS, p.id, 22);
    const segment = await tierSegment(t.store, WS, 'quiet', 'quiet test');
    // Yesterday-evening-in-Chicago message: the cap of 1 per local day is used on 2027-06-01 there.
    const earlier = await campaign(mcp, segment, 'Earlier today', ['push']);
    t.clock.reset(new Date('2027-06-01T14:00:00Z'));
    await mcp.ok('schedule_send', { campaign_id: earlier, confirm: true, idempotency_key: 'earlier-today' });
    await runner.settle(HOUR);
    const c = await campaign(mcp, segment, 'Push at the best allowed hour', ['push']);
    await mcp.ok('schedule_send', { campaign_id: c, optimal: true, window_hours: 72, confirm: true, idempotency_key: 'quiet-and-capped' });
    await runner.settle(73 * HOUR);
    const rows = await query<{ user_id: string; sent_at: number | Date; status: string }>(t, 'SELECT user_id, sent_at, status FROM messages WHERE campaign_id = ? ORDER BY user_id', [c]);
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    for (const r of rows) {
      const zone = people.find((p) => p.id === r.user_id)!.timezone;
      const local = DateTime.fromMillis(new Date(r.sent_at).getTime(), { zone });
      // Quiet 21:00-08:00: 20:00 is the allowed hour whose attention reaches furthest into 22-24.
      expect(local.hour).toBe(20);
      // Not on 2027-06-01 local, when the earlier message already used the daily cap.
      expect(local.toISODate()).not.toBe('2027-06-01');
    }
  });

  it('refuses bad timing input with a clear error and writes nothing', async () => {
    await addPeople(t.store, WS, [{ id: 'plain', tier: 'plain' }], t.clock.now());
    const segment = await tierSegment(t.store, WS, 'plain', 'plain test');
    const c = await campaign(mcp, segment, 'Bad input');
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ window_hours: 12 }, /window_hours applies to optimal sends only/],
      [{ optimal: true, recurring: { cron: '0 9 * * MON', timezone: 'UTC' } }, /Give either recurring or optimal/],
      [{ optimal: true, at: '2020-01-01T09:00:00Z' }, /in the past/],
      [{ optimal: true, in_user_timezone: true }, /in_user_timezone applies to at, not to optimal/],
      [{ optimal: true, window_hours: 0 }, /window_hours must be at least 1/],
      [{ optimal: true, window_hours: 500 }, /window_hours must be at most 168/],
      [{ optimal: true, window_hours: 2.5 }, /whole number of hours/],
    ];
    for (const [args, message] of cases) expect(await mcp.fail('schedule_send', { campaign_id: c, ...args, confirm: true, idempotency_key: 'bad-timing-1' })).toMatch(message);
    const recurring = (
      await mcp.ok('create_campaign', {
        name: 'Weekly', type: 'recurring', segment_id: segment, channels: ['email'], schedule: { cron: '0 9 * * MON', timezone: 'Europe/Paris' },
        variants: [{ key: 'A', subject: 's', body: 'b' }],
      })
    ).campaign.id;
    expect(await mcp.fail('schedule_send', { campaign_id: recurring, optimal: true, confirm: true, idempotency_key: 'bad-timing-2' })).toMatch(/optimal send times apply to one-time sends/);
    expect(await query(t, 'SELECT id FROM schedules WHERE campaign_id IN (?, ?)', [c, recurring])).toEqual([]);
    expect((await t.store.campaigns.get(WS, c))!.status).toBe('draft');
  });
});

describe.each(await dialects())('the send-time learner, %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  let runner: JobRunner;
  const ws = 'sto-learn';
  beforeAll(async () => {
    t = await testApp(dialect, { QUIET_HOURS: 'off', FREQUENCY_CAP_PER_DAY: '0', FREQUENCY_CAP_PER_WEEK: '0' });
    await t.store.workspaces.ensure(ws);
    mcp = await connect(t.ctx, principal(ws));
    runner = jobRunner(t);
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  it('counts every email sent and every first open once, at their local hours, whatever runs the learner', async () => {
    t.clock.reset(new Date('2026-12-02T04:30:00Z'));
    const people = Array.from({ length: 40 }, (_, i) => ({ id: `p${String(i).padStart(3, '0')}`, timezone: i % 2 ? 'Asia/Kolkata' : 'America/New_York', tier: 'learn' }));
    await addPeople(t.store, ws, people, t.clock.now());
    const segment = await tierSegment(t.store, ws, 'learn');
    const c = (await mcp.ok('create_campaign', { name: 'Learn', segment_id: segment, channels: ['email'], variants: [{ key: 'A', subject: 's', body: 'b', html: '<p>b</p>' }] })).campaign.id;
    await mcp.ok('schedule_send', { campaign_id: c, confirm: true, idempotency_key: 'learn-send' });
    await runner.settle(HOUR);
    expect(await t.store.sendTime.pendingCount(ws)).toBe(40);
    // Half of them open, 2 h later; each pixel fetched twice (the second is not a first open).
    const tracking = t.ctx.tracking!;
    const sent = await query<{ id: string; user_id: string }>(t, 'SELECT id, user_id FROM messages WHERE campaign_id = ? ORDER BY user_id', [c]);
    t.clock.advance(2 * HOUR);
    for (const m of sent.slice(0, 20)) {
      const token = tracking.verify(tracking.urlsFor(ws, m.id).open.split('/').pop()!)!;
      for (let i = 0; i < 2; i++) expect((await tracking.record({ token, userAgent: 'Mozilla/5.0 (Macintosh) Safari/605.1.15' })).ok).toBe(true);
    }
    expect(await t.store.sendTime.pendingCount(ws)).toBe(60);
    // Two learners at once, in small batches: each fact is applied exactly once.
    const [a, b] = await Promise.all([learnSendTimes(t.store, t.clock, { batch: 7 }), learnSendTimes(t.store, t.clock, { batch: 7 })]);
    expect(a + b).toBe(60);
    expect(await t.store.sendTime.pendingCount(ws)).toBe(0);
    expect(await learnSendTimes(t.store, t.clock)).toBe(0);
    const profiles = await t.store.sendTime.profiles(ws, people.map((p) => p.id));
    // Sent at 04:30Z: 23:30 the day before in New York (hour 23), 10:00 in Kolkata; opened at 06:30Z: 01 and 12 local.
    for (const p of people) {
      const counts = profiles.get(p.id)!;
      const sentHour = p.timezone === 'Asia/Kolkata' ? 10 : 23;
      expect(counts.sends.reduce((s, x) => s + x, 0)).toBe(1);
      expect(counts.sends[sentHour]).toBe(1);
      const opened = sent.findIndex((m) => m.user_id === p.id) < 20;
      expect(counts.opens.reduce((s, x) => s + x, 0)).toBe(opened ? 1 : 0);
      if (opened) expect(counts.opens[p.timezone === 'Asia/Kolkata' ? 12 : 1]).toBe(1);
    }
    const population = await t.store.sendTime.population(ws);
    expect(population.sends.reduce((s, x) => s + x, 0)).toBe(40);
    expect(population.opens.reduce((s, x) => s + x, 0)).toBe(20);
    // Both zones' opens came 2 h after their send.
    expect(population.lagOpens[10 * 12 + 2]! + population.lagOpens[23 * 12 + 2]!).toBe(20);
  });
});

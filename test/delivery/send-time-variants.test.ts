/**
 * Send-time variants: each variant goes out at its own local time of day in every recipient's
 * zone (half-hour zones and a DST change included), through a plain send and through an A/B
 * test of the send times.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextLocalTimeOfDay } from '../../src/domain/delivery/schedule.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const ZONES = ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Australia/Adelaide', 'Europe/Paris', 'America/New_York'];

describe('nextLocalTimeOfDay', () => {
  it.each([
    // [after (UTC), zone, hh:mm, expected local]
    ['2026-12-01T12:00:00Z', 'UTC', '09:00', '2026-12-02T09:00'],
    ['2026-12-01T02:00:00Z', 'UTC', '09:00', '2026-12-01T09:00'],
    ['2026-12-01T12:00:00Z', 'Asia/Kolkata', '18:30', '2026-12-01T18:30'],
    ['2026-12-01T12:00:00Z', 'America/St_Johns', '09:00', '2026-12-01T09:00'], // 08:30 there: later the same day,
    ['2026-12-01T12:00:00Z', 'Asia/Kathmandu', '17:45', '2026-12-01T17:45'],
    // The night Europe/Paris leaves summer time: 09:00 the next morning is at UTC+1.
    ['2026-10-24T20:00:00Z', 'Europe/Paris', '09:00', '2026-10-25T09:00'],
    // New York springs forward at 02:00: 02:30 does not exist that day and becomes 03:30.
    ['2026-03-08T05:00:00Z', 'America/New_York', '02:30', '2026-03-08T03:30'],
  ])('after %s in %s at %s → %s local', (after, zone, hhmm, local) => {
    const at = nextLocalTimeOfDay(hhmm, zone, new Date(after));
    expect(DateTime.fromJSDate(at, { zone }).toFormat("yyyy-MM-dd'T'HH:mm")).toBe(local);
    expect(at.getTime()).toBeGreaterThanOrEqual(Date.parse(after) - 60_000);
  });
});

describe.each(await dialects())('send-time variants on %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  let segment: string;
  const people = Array.from({ length: 120 }, (_, i) => ({ id: `p${String(i).padStart(3, '0')}`, timezone: ZONES[i % ZONES.length]! }));
  const zoneOf = new Map(people.map((p) => [p.id, p.timezone]));

  beforeAll(async () => {
    t = await testApp(dialect);
    await addPeople(t.store, 'default', people, t.clock.now());
    segment = await tierSegment(t.store, 'default', 'pro');
    mcp = await connect(t.ctx, principal('default'));
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  const sentAtLocal = async (campaignId: string) => {
    const p = dialect === 'sqlite' ? '?' : '$1';
    const rows = await query<{ user_id: string; variant_id: string; status: string; sent_at: number | string | Date }>(t, `SELECT user_id, variant_id, status, sent_at FROM messages WHERE campaign_id = ${p}`, [campaignId]);
    const c = (await t.store.campaigns.get('default', campaignId))!;
    return rows.map((r) => ({
      status: r.status,
      want: c.variants.find((v) => v.id === r.variant_id)!.send_time,
      got: DateTime.fromJSDate(new Date(typeof r.sent_at === 'string' && /^\d+$/.test(r.sent_at) ? Number(r.sent_at) : (r.sent_at as never)), { zone: zoneOf.get(r.user_id)! }).toFormat('HH:mm'),
    }));
  };

  const create = async () =>
    (
      await mcp.ok('create_campaign', {
        name: `send times ${Math.random()}`,
        segment_id: segment,
        channels: ['in_app'],
        variants: [{ body: 'Morning', send_time: '09:00' }, { body: 'Evening', send_time: '18:30' }],
        goal: { metric: 'conversion', event_type: 'purchase' },
      })
    ).campaign.id as string;

  it('sends each variant at its local time in every zone', async () => {
    const c = await create();
    await mcp.ok('schedule_send', { campaign_id: c, respect_quiet_hours: false, confirm: true, idempotency_key: `times-${c}` });
    await jobRunner(t).settle(3 * 86_400_000);
    const rows = await sentAtLocal(c);
    expect(rows).toHaveLength(120);
    for (const r of rows) expect([r.status, r.got]).toEqual(['delivered', r.want]);
    expect(new Set(rows.map((r) => r.want))).toEqual(new Set(['09:00', '18:30']));
  });

  it('tests send times against each other', async () => {
    const c = await create();
    await mcp.ok('run_ab_test', { campaign_id: c, metric: 'conversion', respect_quiet_hours: false, confirm: true, idempotency_key: `time-test-${c}` });
    await jobRunner(t).settle(3 * 86_400_000);
    const rows = await sentAtLocal(c);
    expect(rows).toHaveLength(120);
    for (const r of rows) expect([r.status, r.got]).toEqual(['delivered', r.want]);
  });

  it('sends nothing more of a variant once a guardrail has stopped it, even to people it was held for', async () => {
    // A at 13:00 and B at 18:30 local: people in UTC get both today, people in Tokyo tomorrow.
    // Start at the next noon UTC (earlier tests moved the clock on).
    let noon = DateTime.fromJSDate(t.clock.now(), { zone: 'UTC' }).set({ hour: 12, minute: 0, second: 0, millisecond: 0 });
    if (noon.toMillis() < t.clock.now().getTime()) noon = noon.plus({ days: 1 });
    t.clock.set(noon.toJSDate());
    const tokyo = Array.from({ length: 400 }, (_, i) => ({ id: `t${String(i).padStart(3, '0')}`, timezone: i % 2 ? 'Asia/Tokyo' : 'UTC', tier: 'guard' }));
    await addPeople(t.store, 'default', tokyo, t.clock.now());
    const seg = await tierSegment(t.store, 'default', 'guard');
    const { campaign } = await mcp.ok('create_campaign', {
      name: `guardrail ${Math.random()}`, segment_id: seg, channels: ['in_app'],
      variants: [{ body: 'Lunch', send_time: '13:00' }, { body: 'Evening', send_time: '18:30' }],
      goal: { metric: 'conversion', event_type: 'purchase' },
    });
    const started = await mcp.ok('run_ab_test', { campaign_id: campaign.id, check_every_minutes: 30, respect_quiet_hours: false, confirm: true, idempotency_key: `guard-${campaign.id}` });
    const runner = jobRunner(t);
    await runner.settle(noon.set({ hour: 19 }).toMillis() - t.clock.now().getTime());
    const c = (await t.store.campaigns.get('default', campaign.id))!;
    const [a, b] = [c.variants[0]!.id, c.variants[1]!.id];
    const p = dialect === 'sqlite' ? '?' : '$1';
    const rows = async () => query<{ id: string; user_id: string; variant_id: string | null; status: string; error: string | null }>(t, `SELECT id, user_id, variant_id, status, error FROM messages WHERE campaign_id = ${p}`, [campaign.id]);
    const sentB = (await rows()).filter((r) => r.variant_id === b && r.status === 'delivered');
    expect(sentB.length).toBeGreaterThan(10);
    // Half of B's recipients so far unsubscribe; nobody who got A does.
    const tracking = t.ctx.tracking!;
    for (const m of sentB.filter((_, i) => i % 2 === 0)) {
      const token = tracking.verify(tracking.urlsFor('default', m.id).unsubscribe.split('/').pop()!)!;
      expect((await tracking.record({ token, source: 'one_click' })).ok).toBe(true);
    }
    await runner.settle(2 * 86_400_000);
    const e = (await t.store.experiments.get('default', started.experiment.id))!;
    expect(e.state.stoppedArms['B']).toMatch(/unsubscribe/);
    const after = await rows();
    const tokyoB = after.filter((r) => zoneOfAll(r.user_id) === 'Asia/Tokyo' && r.status !== 'delivered');
    expect(tokyoB.length).toBeGreaterThan(10);
    for (const r of tokyoB) expect([r.status, r.error?.split(':')[0]]).toEqual(['skipped', 'experiment_variant_stopped']);
    // Tokyo's A messages still went out; nobody in Tokyo got B.
    expect(after.filter((r) => zoneOfAll(r.user_id) === 'Asia/Tokyo' && r.variant_id === a && r.status === 'delivered').length).toBeGreaterThan(10);
    expect(after.filter((r) => zoneOfAll(r.user_id) === 'Asia/Tokyo' && r.variant_id === b && r.status === 'delivered')).toEqual([]);
    function zoneOfAll(id: string) {
      return tokyo.find((x) => x.id === id)?.timezone;
    }
  });

  it('refuses a send time that is not HH:MM', async () => {
    expect(await mcp.fail('create_campaign', { name: 'bad time', segment_id: segment, channels: ['in_app'], variants: [{ body: 'x', send_time: '9am' }] })).toMatch(/HH:MM/);
  });
});

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

  it('refuses a send time that is not HH:MM', async () => {
    expect(await mcp.fail('create_campaign', { name: 'bad time', segment_id: segment, channels: ['in_app'], variants: [{ body: 'x', send_time: '9am' }] })).toMatch(/HH:MM/);
  });
});

/**
 * When messages go out: quiet hours in each person's zone (deferred, or dropped past the
 * deadline), local wall-clock sends, and recurring schedules (each occurrence honours consent as
 * it is then), on SQLite and PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';
import { jobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { addPeople, tierSegment, type Person } from '../helpers/people.js';

const HOUR = 3_600_000;

interface Row {
  user_id: string;
  status: string;
  error: string | null;
  sent_at: unknown;
  step_key: string;
}

async function rows(t: TestApp, campaignId: string): Promise<Row[]> {
  const raw = t.store.executor.raw;
  const q = 'select user_id, status, error, sent_at, step_key from messages where campaign_id = ? order by step_key, user_id';
  if (raw.dialect === 'sqlite') return raw.db.prepare(q).all(campaignId) as Row[];
  return (await raw.sql.unsafe(q.replace('?', '$1'), [campaignId])) as unknown as Row[];
}
const iso = (v: unknown) => new Date(v as string | number).toISOString();

describe.each(await dialects())('send timing on %s', (dialect) => {
  let t: TestApp | undefined;
  let mcp: Connected | undefined;
  afterEach(async () => {
    await mcp?.close();
    await t?.dispose();
    t = undefined;
  });

  async function start(at: string, people: Person[], campaign: Record<string, unknown>) {
    t = await testApp(dialect, { QUIET_HOURS: '21:00-08:00', QUIET_HOURS_CHANNELS: 'push,sms', FREQUENCY_CAP_PER_DAY: '0', FREQUENCY_CAP_PER_WEEK: '0' });
    t.clock.reset(new Date(at));
    await addPeople(t.store, 'default', people, t.clock.now());
    const segment_id = await tierSegment(t.store, 'default', 'pro');
    mcp = await connect(t.ctx, principal('default'));
    const { campaign: c } = await mcp.ok('create_campaign', { name: 'Timing', segment_id, variants: [{ subject: 'Hi', body: 'Hello {{first_name}}' }], ...campaign });
    return { app: t, mcp, campaignId: c.id as string, jobs: jobRunner(t) };
  }

  it('holds push during each person\'s local quiet hours and sends when they end', async () => {
    // 20:30 UTC: 21:30 in Berlin (quiet until 08:00 = 07:00 UTC), 05:30 in Tokyo (quiet until 08:00 = 23:00 UTC),
    // 15:30 in New York (not quiet).
    const { app, mcp, campaignId, jobs } = await start(
      '2026-12-01T20:30:00Z',
      [
        { id: 'berlin', timezone: 'Europe/Berlin', consents: { push: true } },
        { id: 'newyork', timezone: 'America/New_York', consents: { push: true } },
        { id: 'tokyo', timezone: 'Asia/Tokyo', consents: { push: true } },
      ],
      { channels: ['push'] },
    );
    const preview = (await mcp.ok('schedule_send', { campaign_id: campaignId })).preview;
    expect(preview).toMatchObject({ eligible: 3, deferred_by_quiet_hours: 2 });
    expect(preview.sends_per_hour).toEqual([
      { hour: '2026-12-01T20:00:00.000Z', count: 1 },
      { hour: '2026-12-01T23:00:00.000Z', count: 1 },
      { hour: '2026-12-02T07:00:00.000Z', count: 1 },
    ]);
    await mcp.ok('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: 'quiet-hours-1' });
    await jobs.settle(HOUR);
    expect(Object.fromEntries((await rows(app, campaignId)).map((r) => [r.user_id, r.status]))).toEqual({ berlin: 'deferred', newyork: 'delivered', tokyo: 'deferred' });
    await jobs.settle(24 * HOUR);
    const done = Object.fromEntries((await rows(app, campaignId)).map((r) => [r.user_id, r]));
    expect(iso(done.tokyo!.sent_at)).toBe('2026-12-01T23:00:00.000Z');
    expect(iso(done.berlin!.sent_at)).toBe('2026-12-02T07:00:00.000Z');
    expect(done.berlin!.status).toBe('delivered');
    expect((await app.store.campaigns.get('default', campaignId))!.status).toBe('completed');
  });

  it('drops a message that quiet hours would hold past its deadline, and never holds email', async () => {
    const { app, mcp, campaignId, jobs } = await start(
      '2026-12-01T20:30:00Z',
      [
        { id: 'berlin-push', timezone: 'Europe/Berlin', consents: { push: true } },
        { id: 'berlin-mail', timezone: 'Europe/Berlin', consents: { push: false } },
      ],
      { channels: ['push', 'email'] },
    );
    await mcp.ok('schedule_send', { campaign_id: campaignId, confirm: true, idempotency_key: 'deadline-1', deadline_hours: 2 });
    await jobs.settle(24 * HOUR);
    const r = Object.fromEntries((await rows(app, campaignId)).map((x) => [x.user_id, x]));
    expect(r['berlin-push']).toMatchObject({ status: 'skipped' });
    expect(r['berlin-push']!.error).toMatch(/quiet_hours_deadline/);
    expect(r['berlin-mail']).toMatchObject({ status: 'delivered' });
    expect(iso(r['berlin-mail']!.sent_at)).toBe('2026-12-01T20:30:00.000Z');
  });

  it('sends at a wall-clock time in each person\'s own zone, across a DST change', async () => {
    // 09:00 local on Sunday 2026-03-29: Europe/Berlin switched to summer time (UTC+2) that night, New York is already on EDT (UTC-4).
    const { app, mcp, campaignId, jobs } = await start(
      '2026-03-28T00:00:00Z',
      [
        { id: 'auckland', timezone: 'Pacific/Auckland' },
        { id: 'berlin', timezone: 'Europe/Berlin' },
        { id: 'kolkata', timezone: 'Asia/Kolkata' },
        { id: 'newyork', timezone: 'America/New_York' },
      ],
      { channels: ['email'] },
    );
    const { schedule } = await mcp.ok('schedule_send', { campaign_id: campaignId, at: '2026-03-29T09:00', in_user_timezone: true, confirm: true, idempotency_key: 'local-time-1' });
    expect(schedule).toMatchObject({ kind: 'local_time', at: '2026-03-29T09:00' });
    await jobs.settle(3 * 24 * HOUR);
    const sent = Object.fromEntries((await rows(app, campaignId)).map((r) => [r.user_id, iso(r.sent_at)]));
    expect(sent).toEqual({
      auckland: '2026-03-28T20:00:00.000Z', // NZDT, UTC+13
      berlin: '2026-03-29T07:00:00.000Z', // CEST, UTC+2 (from 01:00 UTC that morning)
      kolkata: '2026-03-29T03:30:00.000Z', // IST, UTC+5:30
      newyork: '2026-03-29T13:00:00.000Z', // EDT, UTC-4
    });
  });

  it('repeats on a cron schedule in its time zone; each occurrence honours unsubscribes made since', async () => {
    const { app, mcp, campaignId, jobs } = await start(
      '2026-12-01T06:00:00Z',
      [{ id: 'stay' }, { id: 'leave' }],
      { type: 'recurring', schedule: { cron: '0 9 * * *', timezone: 'Europe/Paris' }, channels: ['email'] },
    );
    const { schedule } = await mcp.ok('schedule_send', {
      campaign_id: campaignId,
      recurring: { cron: '0 9 * * *', timezone: 'Europe/Paris' },
      confirm: true,
      idempotency_key: 'daily-digest-1',
    });
    expect(schedule).toMatchObject({ kind: 'recurring', next_run_at: '2026-12-01T08:00:00.000Z' });
    await jobs.settle(4 * HOUR);
    expect((await rows(app, campaignId)).map((r) => r.status)).toEqual(['delivered', 'delivered']);
    await app.store.suppressions.add('default', { userId: 'leave', channel: 'email', reason: 'unsubscribed', source: 'test' }, app.clock.now());
    await jobs.settle(24 * HOUR);
    const all = await rows(app, campaignId);
    expect(all).toHaveLength(4);
    const second = all.filter((r) => r.step_key.endsWith('@2026-12-02T08:00:00.000Z'));
    expect(Object.fromEntries(second.map((r) => [r.user_id, r.status]))).toEqual({ leave: 'suppressed', stay: 'delivered' });
    expect((await app.store.campaigns.get('default', campaignId))!.status).toBe('running');

    const listed = (await mcp.ok('list_scheduled_sends', {})).schedules[0];
    expect(listed).toMatchObject({ id: schedule.id, next_run_at: '2026-12-03T08:00:00.000Z', messages: { delivered: 3, suppressed: 1 } });
    await mcp.ok('cancel_schedule', { schedule_id: schedule.id, reason: 'season over' });
    await jobs.settle(3 * 24 * HOUR);
    expect(await rows(app, campaignId)).toHaveLength(4);
    expect((await app.store.campaigns.get('default', campaignId))!.status).toBe('completed');
  });
});

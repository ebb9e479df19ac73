/**
 * Re-engagement of inactive users: the hourly inactivity sweep enters users whose last event is
 * older than the template's threshold (once per lapse, however often it runs), the journey sends
 * "we miss you", ends for users who come back, and sends the last chance to the others. The sweep's
 * own events are not counted as the users' activity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { jobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { addPeople } from '../helpers/people.js';

const DAY = 86_400_000;

describe.each(await dialects())('re-engagement on %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  const p = (i: number) => (dialect === 'sqlite' ? '?' : `$${i}`);
  beforeAll(async () => {
    t = await testApp(dialect);
    mcp = await connect(t.ctx, principal('default'));
    await addPeople(t.store, 'default', [{ id: 'lapsed' }, { id: 'active' }, { id: 'silent' }], t.clock.now());
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  it('enters each lapsed user once, ends for those who return, sends the last chance to the rest', async () => {
    const ago = (days: number) => new Date(t.clock.now().getTime() - days * DAY).toISOString();
    const lastSeen = ago(40);
    await mcp.ok('track_event', { events: [{ id: 'old', user_id: 'lapsed', type: 'app.open', occurred_at: lastSeen }, { id: 'recent', user_id: 'active', type: 'app.open', occurred_at: ago(1) }] });
    const created = await mcp.ok('create_journey', { name: 'Win back', channels: ['email'], template: { name: 're_engagement', params: { inactive_days: 20, followup_days: 1 } } });
    const id = created.campaign.id as string;
    await mcp.ok('activate_campaign', { campaign_id: id, confirm: true });
    const jobs = jobRunner(t);
    await jobs.settle(3 * 3_600_000);
    const entered = await mcp.ok('list_enrollments', { campaign_id: id });
    expect(entered.enrollments.map((e: { user_id: string }) => e.user_id).sort()).toEqual(['lapsed', 'silent']);

    await mcp.ok('track_event', { events: [{ id: 'back', user_id: 'silent', type: 'app.open', occurred_at: t.clock.now().toISOString() }] });
    await jobs.settle(2 * DAY);
    const sent = await query<{ user_id: string; key: string }>(
      t,
      `select m.user_id, v.key from messages m join campaign_variants v on v.workspace_id = m.workspace_id and v.id = m.variant_id where m.campaign_id = ${p(1)} and m.status in ('sent', 'delivered') order by m.user_id, v.key`,
      [id],
    );
    expect(sent.map((r) => `${r.user_id}:${r.key}`)).toEqual(['lapsed:last_chance', 'lapsed:miss_you', 'silent:miss_you']);
    const listed = await mcp.ok('list_enrollments', { campaign_id: id });
    expect(listed.totals).toMatchObject({ total: 2, active: 0 });
    expect(listed.enrollments.find((e: { user_id: string }) => e.user_id === 'silent')).toMatchObject({ status: 'exited', end_reason: 'exit_event:app.open' });
    // The sweep's events did not make the lapsed user look active.
    const [u] = await query<{ last_event_at: unknown }>(t, `select last_event_at from users where id = ${p(1)}`, ['lapsed']);
    expect(new Date(dialect === 'sqlite' ? Number(u!.last_event_at) : String(u!.last_event_at)).toISOString()).toBe(lastSeen);
  });
});

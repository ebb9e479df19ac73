/**
 * With the subscription service configured, each batch's credits are reserved on the platform
 * subscription before sending and reconciled with what was sent; when the subscription runs
 * short, the batch sends what the remaining credits cover and skips the rest with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { startFakePlatform, type FakePlatform } from '../helpers/fake-platform.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

describe('platform credits on sqlite', () => {
  let fake: FakePlatform;
  let t: TestApp;
  let jobs: JobRunner;
  beforeAll(async () => {
    fake = await startFakePlatform({ accounts: {}, subscriptions: {}, memories: {}, queryRows: [], credits: { 'billing-user': 3 } });
    t = await testApp('sqlite', {
      SUBSCRIPTION_SERVICE_URL: fake.subscription.url,
      CREDITS_BILLING_USER_ID: 'billing-user',
      QUIET_HOURS: 'off',
      FREQUENCY_CAP_PER_DAY: '0',
      FREQUENCY_CAP_PER_WEEK: '0',
    });
    jobs = jobRunner(t);
  });
  afterAll(async () => {
    await t?.dispose();
    await fake?.close();
  });

  async function sendTo(ws: string, ids: string[]) {
    await t.store.workspaces.ensure(ws);
    await addPeople(t.store, ws, ids.map((id) => ({ id })), t.clock.now());
    const mcp = await connect(t.ctx, principal(ws));
    const { campaign } = await mcp.ok('create_campaign', { name: 'Paid', segment_id: await tierSegment(t.store, ws, 'pro'), channels: ['email'], variants: [{ subject: 'S', body: 'B' }] });
    await mcp.ok('schedule_send', { campaign_id: campaign.id, confirm: true, idempotency_key: `credits-${ws}` });
    await jobs.settle();
    await mcp.close();
    const [schedule] = await t.store.schedules.list(ws, { limit: 1 });
    return t.store.ledger.scheduleCounts(ws, campaign.id, schedule!.id);
  }

  it('sends what the subscription covers, reconciles the actual cost, and skips the rest', async () => {
    expect(await sendTo('acme', ['a1', 'a2', 'a3', 'a4', 'a5'])).toEqual({ delivered: 3, skipped: 2 });
    expect(fake.reservations).toEqual([
      expect.objectContaining({ user_id: 'billing-user', organization_id: 'acme', reserved: 3, actual: 3, state: 'reconciled' }),
    ]);
    expect(fake.data.credits!['billing-user']).toBe(0);
    const reserveCalls = fake.subscription.requests.filter((r) => r.path.endsWith('/credits/reserve'));
    expect(reserveCalls.map((r) => (r.body as { estimated_credits: number }).estimated_credits)).toEqual([5, 3]);
    const skipped = t.store.executor.raw.dialect === 'sqlite'
      ? (t.store.executor.raw.db.prepare("select error from messages where workspace_id = 'acme' and status = 'skipped'").all() as { error: string }[])
      : [];
    expect(skipped).toHaveLength(2);
    expect(skipped.every((r) => /^platform_credits: the platform subscription ran out of credits/.test(r.error))).toBe(true);
  });

  it('sends nothing once the subscription is empty', async () => {
    fake.subscription.reset();
    expect(await sendTo('globex', ['g1', 'g2'])).toEqual({ skipped: 2 });
    expect(fake.data.credits!['billing-user']).toBe(0);
  });
});

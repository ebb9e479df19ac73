/**
 * Sends through the platform's notification service (a fake on 127.0.0.1 that follows the
 * contracts), driven by the real dispatcher: lost answers are looked up rather than resent,
 * refused requests are retried with backoff, a person who opts out between attempts gets
 * nothing, and ten or more messages go as one batch.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';
import { startFakeNotificationService, type FakeNotificationService } from '../helpers/fake-notification.js';
import { jobRunner, type JobRunner } from '../helpers/jobs.js';
import { connect, type Connected } from '../helpers/mcp.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const HOUR = 3_600_000;

describe.each(await dialects())('sending through notification_service on %s', (dialect) => {
  let fake: FakeNotificationService;
  let t: TestApp;
  let jobs: JobRunner;
  let n = 0;
  beforeAll(async () => {
    fake = await startFakeNotificationService();
    t = await testApp(dialect, {
      NOTIFICATION_SERVICE_URL: fake.url,
      PLATFORM_TIMEOUT_MS: '500',
      SEND_RECOVERY_AFTER_MS: '1000',
      QUIET_HOURS: 'off',
      FREQUENCY_CAP_PER_DAY: '0',
      FREQUENCY_CAP_PER_WEEK: '0',
    });
    jobs = jobRunner(t);
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await t?.dispose();
    await fake?.close();
  });

  async function send(ids: string[]): Promise<{ ws: string; mcp: Connected; campaignId: string }> {
    const ws = `ns${++n}`;
    await t.store.workspaces.ensure(ws);
    await addPeople(t.store, ws, ids.map((id) => ({ id })), t.clock.now());
    const segment_id = await tierSegment(t.store, ws, 'pro');
    const mcp = await connect(t.ctx, principal(ws));
    const { campaign } = await mcp.ok('create_campaign', { name: 'Via platform', segment_id, channels: ['email'], variants: [{ subject: 'Hi {{first_name}}', body: 'Hello' }] });
    await mcp.ok('schedule_send', { campaign_id: campaign.id, confirm: true, idempotency_key: `platform-${ws}` });
    return { ws, mcp, campaignId: campaign.id };
  }

  const statuses = async (ws: string) => {
    const rows = await t.store.ledger.scheduleCounts(ws, (await t.store.campaigns.list(ws, { limit: 1 })).items[0]!.id, (await t.store.schedules.list(ws, { limit: 1 }))[0]!.id);
    return rows;
  };
  const copies = (userId: string) => fake.notifications.filter((x) => x.recipient_id === userId && x.status !== 'failed');

  it('hands each message to the service once, with the ledger id in its metadata', async () => {
    const { ws, mcp } = await send(['a1', 'a2']);
    await jobs.settle();
    expect(await statuses(ws)).toEqual({ sent: 2 });
    expect(fake.requestsTo('POST', '/api/v1/notifications/send')).toHaveLength(2);
    for (const id of ['a1', 'a2']) expect(copies(id)).toHaveLength(1);
    expect(copies('a1')[0]!.metadata).toMatchObject({ ledger_id: expect.stringMatching(/^msg_/) });
    await mcp.close();
  });

  it('does not resend a message the service accepted but whose answer was lost: it asks first', async () => {
    fake.inject({ accepted: 'error', status: 500 }, 1, { method: 'POST', path: '/api/v1/notifications/send' });
    const { ws, mcp } = await send(['b1']);
    await jobs.settle(10 * 60_000);
    expect(await statuses(ws)).toEqual({ sent: 1 });
    expect(copies('b1')).toHaveLength(1);
    expect(fake.requestsTo('GET', '/api/v1/notifications').length).toBeGreaterThanOrEqual(1);
    expect(fake.requestsTo('POST', '/api/v1/notifications/send')).toHaveLength(1);
    await mcp.close();
  });

  it('resends after a lookup finds nothing, and after a timeout', async () => {
    fake.inject({ status: 503, detail: 'busy' }, 1, { method: 'POST', path: '/api/v1/notifications/send' });
    fake.inject({ delayMs: 1_500 }, 1, { method: 'POST', path: '/api/v1/notifications/send' });
    const { ws, mcp } = await send(['c1']);
    await jobs.settle(30 * 60_000);
    expect(await statuses(ws)).toEqual({ sent: 1 });
    // The slow request was processed by the service after the client gave up: the lookup found it.
    expect(copies('c1')).toHaveLength(1);
    await mcp.close();
  });

  it('retries a refused request later, and sends nothing to someone who unsubscribed in between', async () => {
    fake.inject({ status: 429, detail: 'slow down' }, 2, { method: 'POST', path: '/api/v1/notifications/send' });
    const { ws, mcp } = await send(['d1', 'd2']);
    await jobs.worker.drain();
    const rows = await t.store.ledger.scheduleCounts(ws, (await t.store.campaigns.list(ws, { limit: 1 })).items[0]!.id, (await t.store.schedules.list(ws, { limit: 1 }))[0]!.id);
    expect(rows).toEqual({ queued: 2 });
    await t.store.suppressions.add(ws, { userId: 'd2', channel: 'email', reason: 'unsubscribed', source: 'test' }, t.clock.now());
    await jobs.settle(HOUR);
    expect(await statuses(ws)).toEqual({ sent: 1, suppressed: 1 });
    expect(copies('d1')).toHaveLength(1);
    expect(fake.notifications.filter((x) => x.recipient_id === 'd2')).toEqual([]);
    await mcp.close();
  });

  it('marks a permanent refusal failed with the reason, and refunds its credits', async () => {
    fake.inject({ status: 422, detail: 'recipient_email is not a valid email' }, 1, { method: 'POST', path: '/api/v1/notifications/send' });
    const { ws, mcp, campaignId } = await send(['e1']);
    await jobs.settle();
    expect(await statuses(ws)).toEqual({ failed: 1 });
    const state = JSON.parse(((await mcp.client.readResource({ uri: `campaign://${campaignId}` })).contents[0] as { text: string }).text);
    expect(state.counters).toMatchObject({ failed: 1, sent: 0 });
    expect(state.campaign.credits_spent).toBe(0);
    await mcp.close();
  });

  it('sends ten or more emails as one batch over the pass-through template', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, '0')}`);
    const { ws, mcp } = await send(ids);
    await jobs.settle();
    expect(await statuses(ws)).toEqual({ sent: 12 });
    expect(fake.requestsTo('POST', '/api/v1/notifications/batch')).toHaveLength(1);
    expect(fake.requestsTo('POST', '/api/v1/notifications/send')).toHaveLength(0);
    for (const id of ids) expect(copies(id)).toHaveLength(1);
    expect(copies('f00')[0]!.subject).toBe('Hi Person');
    await mcp.close();
  });
});

/**
 * The notification_service delivery channel (src/platform/http/notification.ts) through the real
 * undici platform client against a fake notification_service on 127.0.0.1 that follows the
 * contract (../shared/platform-contracts.md section 1): single sends, batches over the
 * pass-through template, partial and whole-batch failures, the failure mapping (5xx / timeout ->
 * retryable and uncertain, 429 -> retryable, other 4xx and provider failures -> permanent), and
 * `lookup`, which is what keeps a send whose answer was lost from being repeated.
 */
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/domain/campaign.js';
import type { DeliveryChannel, DeliveryResult, MessageRef, OutboundMessage } from '../../src/domain/delivery/channel.js';
import { createPlatformClient, PlatformError } from '../../src/platform/http/client.js';
import { httpNotificationChannel } from '../../src/platform/http/notification.js';
import { startFakeNotificationService, type FakeNotificationService, type FakeRequest } from '../helpers/fake-notification.js';

const SECRET = 'isvc-secret-5e02b7-never-echo';
const TIMEOUT_MS = 400;
/** undici's header/body timers may fire up to ~1 s late. */
const TIMER_SLACK_MS = 1_000;
const TOO_SLOW = { delayMs: 5_000 };
const TEMPLATE_NAME = 'agentic-campaign pass-through';
const SEND = '/api/v1/notifications/send';
const BATCH = '/api/v1/notifications/batch';
const LIST = '/api/v1/notifications';
const TEMPLATES = '/api/v1/notifications/templates';

let fake: FakeNotificationService;
let agent: Agent;

beforeAll(() => {
  agent = new Agent({ keepAliveTimeout: 1_000 });
});
afterAll(async () => {
  await agent?.close();
});
beforeEach(async () => {
  fake = await startFakeNotificationService();
});
afterEach(async () => {
  await fake?.close();
});

function adapter(opts: { timeoutMs?: number; retries?: number } = {}): DeliveryChannel {
  return httpNotificationChannel(
    createPlatformClient({
      service: 'notification_service',
      baseUrl: fake.url,
      secret: SECRET,
      timeoutMs: opts.timeoutMs ?? TIMEOUT_MS,
      retries: opts.retries ?? 0,
      retryBaseMs: 5,
      dispatcher: agent,
    }),
  );
}

let seq = 0;
/** An OutboundMessage as the dispatcher builds it; `n` picks the user and ledger ids. */
function msg(over: Partial<OutboundMessage> & { n?: number } = {}): OutboundMessage {
  const { n = ++seq, ...rest } = over;
  const channel: Channel = rest.channel ?? 'email';
  return {
    ledgerId: `msg_${n}`,
    idempotencyKey: `cmp_1:step_1:u${n}`,
    workspaceId: 'default',
    campaignId: 'cmp_1',
    userId: `u${n}`,
    channel,
    to: {
      email: channel === 'email' ? `u${n}@example.com` : null,
      phone: channel === 'sms' ? `+1555000${String(n).padStart(4, '0')}` : null,
      webhookUrl: channel === 'webhook' ? `https://hooks.example.com/u${n}` : null,
    },
    subject: `Hello u${n}`,
    text: `Hi u${n}, your plan renews soon.`,
    html: `<p>Hi u${n}, your plan renews soon.</p>`,
    metadata: { campaign_id: 'cmp_1', variant_id: 'A', step_id: 'step_1' },
    ...rest,
  };
}

function many(count: number, over: Partial<OutboundMessage> = {}): OutboundMessage[] {
  return Array.from({ length: count }, () => msg(over));
}

const ref = (m: OutboundMessage): MessageRef => ({ ledgerId: m.ledgerId, workspaceId: m.workspaceId, userId: m.userId, channel: m.channel });

function byLedger(results: DeliveryResult[]): Map<string, DeliveryResult> {
  return new Map(results.map((r) => [r.ledgerId, r]));
}

function resultOf(results: DeliveryResult[], m: OutboundMessage): DeliveryResult {
  const r = byLedger(results).get(m.ledgerId);
  if (!r) throw new Error(`no result for ${m.ledgerId}`);
  return r;
}

/** The /send request that carried this ledger id. */
function sendRequestFor(m: OutboundMessage): FakeRequest & { body: Record<string, any> } {
  const found = fake.requestsTo('POST', SEND).filter((r) => (r.body as { metadata?: { ledger_id?: string } })?.metadata?.ledger_id === m.ledgerId);
  expect(found).toHaveLength(1);
  return found[0] as FakeRequest & { body: Record<string, any> };
}

/** The one notification the fake holds for this ledger id. */
function stored(m: OutboundMessage) {
  const found = fake.byLedgerId(m.ledgerId);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function expectPermanent(r: DeliveryResult, errorPart?: string | RegExp): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.retryable).toBe(false);
  expect(r.uncertain ?? false).toBe(false);
  if (errorPart) expect(r.error).toMatch(errorPart);
}

function expectUncertain(r: DeliveryResult): void {
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.retryable).toBe(true);
  expect(r.uncertain).toBe(true);
}

describe('notification channel: single sends', () => {
  it('sends each of fewer than ten messages to /send with the contract fields and returns the notification id', async () => {
    const full = msg();
    const plain = msg({ html: null, subject: null });
    const results = await adapter().deliver([full, plain]);
    expect(results).toHaveLength(2);

    expect(fake.requestsTo('POST', BATCH)).toHaveLength(0);
    const body = sendRequestFor(full).body;
    expect(body).toEqual({
      type: 'email',
      recipient_id: full.userId,
      recipient_email: full.to.email,
      subject: full.subject,
      content: full.text,
      html_content: full.html,
      variables: {},
      priority: 'normal',
      metadata: { campaign_id: 'cmp_1', variant_id: 'A', step_id: 'step_1', ledger_id: full.ledgerId, idempotency_key: full.idempotencyKey },
      tags: ['agentic-campaign', 'campaign:cmp_1'],
    });
    const bare = sendRequestFor(plain).body;
    expect(bare).not.toHaveProperty('subject');
    expect(bare).not.toHaveProperty('html_content');
    expect(bare).not.toHaveProperty('recipient_phone');
    expect(bare.content).toBe(plain.text);

    for (const m of [full, plain]) {
      const n = stored(m);
      expect(n.notification_id).toMatch(/^ntf_email_\d+\.\d+$/);
      expect(n.status).toBe('sent');
      expect(resultOf(results, m)).toEqual({ ledgerId: m.ledgerId, ok: true, provider: 'notification_service', providerMessageId: n.notification_id, delivered: false });
    }
  });

  it('reports in_app and push notifications the service delivered as delivered', async () => {
    const inApp = msg({ channel: 'in_app' });
    const push = msg({ channel: 'push' });
    const results = await adapter().deliver([inApp, push]);
    for (const m of [inApp, push]) {
      const n = stored(m);
      expect(n.type).toBe(m.channel);
      expect(n.recipient_id).toBe(m.userId);
      expect(sendRequestFor(m).body).not.toHaveProperty('recipient_email');
      expect(resultOf(results, m)).toMatchObject({ ok: true, providerMessageId: n.notification_id, delivered: true });
    }
  });

  it('sends SMS recipient_phone, and an SMS fails permanently with "SMS provider not configured"', async () => {
    const sms = msg({ channel: 'sms' });
    const [r] = await adapter().deliver([sms]);
    expect(sendRequestFor(sms).body).toMatchObject({ type: 'sms', recipient_id: sms.userId, recipient_phone: sms.to.phone });
    expect(stored(sms)).toMatchObject({ status: 'failed', error_message: 'SMS provider not configured' });
    expectPermanent(r!, /SMS provider not configured/);
  });

  it('sends webhooks one by one with metadata.webhook_url, even twelve of them', async () => {
    const hooks = many(12, { channel: 'webhook' });
    const results = await adapter().deliver(hooks);
    expect(fake.requestsTo('POST', BATCH)).toHaveLength(0);
    expect(fake.requestsTo('POST', TEMPLATES)).toHaveLength(0);
    expect(fake.requestsTo('POST', SEND)).toHaveLength(12);
    for (const m of hooks) {
      const body = sendRequestFor(m).body;
      expect(body.type).toBe('webhook');
      expect(body.metadata).toMatchObject({ ledger_id: m.ledgerId, webhook_url: m.to.webhookUrl });
      expect(body.tags).toEqual(['agentic-campaign', 'campaign:cmp_1']);
      expect(resultOf(results, m)).toMatchObject({ ok: true, providerMessageId: stored(m).notification_id, delivered: true });
    }
  });

  it('a webhook without a URL is refused (422) and fails permanently, alone', async () => {
    const noUrl = msg({ channel: 'webhook', to: { email: null, phone: null, webhookUrl: null } });
    const good = msg({ channel: 'webhook' });
    const results = await adapter().deliver([noUrl, good]);
    expect(sendRequestFor(noUrl).body.metadata).not.toHaveProperty('webhook_url');
    expectPermanent(resultOf(results, noUrl), /HTTP 422/);
    expect(fake.byLedgerId(noUrl.ledgerId)).toHaveLength(0);
    expect(resultOf(results, good).ok).toBe(true);
  });

  it('a recipient the provider marks failed fails permanently with the provider reason', async () => {
    const bad = msg();
    const good = msg();
    fake.failRecipients.add(bad.userId);
    const results = await adapter().deliver([bad, good]);
    expectPermanent(resultOf(results, bad), fake.failMessage);
    expect(resultOf(results, good).ok).toBe(true);
  });

  it('groups by channel: nine emails and three in_app messages all go one by one', async () => {
    const emails = many(9);
    const inApp = many(3, { channel: 'in_app' });
    const results = await adapter().deliver([...emails.slice(0, 4), ...inApp, ...emails.slice(4)]);
    expect(results).toHaveLength(12);
    expect(fake.requestsTo('POST', BATCH)).toHaveLength(0);
    expect(fake.requestsTo('POST', SEND)).toHaveLength(12);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(new Set(results.map((r) => r.ledgerId))).toEqual(new Set([...emails, ...inApp].map((m) => m.ledgerId)));
  });
});

describe('notification channel: batches', () => {
  it('sends ten or more of one channel as one batch over a pass-through template created once and reused', async () => {
    const channel = adapter();
    const first = many(12);
    const results = await channel.deliver(first);

    // The template: looked up by type and status, then created once.
    const lookups = fake.requestsTo('GET', TEMPLATES);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.query).toMatchObject({ type: 'email', status: 'active' });
    expect(fake.requestsTo('POST', TEMPLATES)).toHaveLength(1);
    expect(fake.templates).toHaveLength(1);
    const tpl = fake.templates[0]!;
    expect(tpl).toMatchObject({ name: TEMPLATE_NAME, type: 'email', status: 'active', subject: '{{subject}}', content: '{{content}}', html_content: '{{html}}' });
    expect(tpl.template_id).toMatch(/^tpl_email_\d+(\.\d+)?$/);

    // One batch, every recipient with its own rendered copy and ledger id.
    expect(fake.requestsTo('POST', SEND)).toHaveLength(0);
    const batchReqs = fake.requestsTo('POST', BATCH);
    expect(batchReqs).toHaveLength(1);
    const body = batchReqs[0]!.body as { template_id: string; type: string; recipients: Record<string, unknown>[] };
    expect(body.template_id).toBe(tpl.template_id);
    expect(body.type).toBe('email');
    expect(body.recipients).toHaveLength(12);
    expect(body.recipients[0]).toEqual({
      user_id: first[0]!.userId,
      email: first[0]!.to.email,
      variables: { subject: first[0]!.subject, content: first[0]!.text, html: first[0]!.html, ledger_id: first[0]!.ledgerId },
    });

    const batch = fake.batches[0]!;
    expect(batch).toMatchObject({ total_recipients: 12, sent_count: 12, failed_count: 0 });
    for (const m of first) {
      const n = stored(m);
      expect(n).toMatchObject({
        type: 'email',
        template_id: tpl.template_id,
        recipient_id: m.userId,
        recipient_email: m.to.email,
        subject: m.subject,
        content: m.text,
        html_content: m.html,
        status: 'sent',
      });
      expect(n.variables['ledger_id']).toBe(m.ledgerId);
      expect(n.metadata['batch_id']).toBe(batch.batch_id);
      const r = resultOf(results, m);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.providerMessageId).toContain(batch.batch_id);
    }

    // A second batch reuses the template: no lookup, no creation.
    fake.reset();
    const second = many(10);
    const again = await channel.deliver(second);
    expect(again.every((r) => r.ok)).toBe(true);
    expect(fake.requestsTo('GET', TEMPLATES)).toHaveLength(0);
    expect(fake.requestsTo('POST', TEMPLATES)).toHaveLength(0);
    expect(fake.requestsTo('POST', BATCH)).toHaveLength(1);
    expect((fake.requestsTo('POST', BATCH)[0]!.body as { template_id: string }).template_id).toBe(tpl.template_id);
    expect(fake.templates).toHaveLength(1);
    for (const m of second) expect(stored(m).content).toBe(m.text);
  });

  it('renders messages without subject or html as empty strings, not as placeholders', async () => {
    const plain = many(10, { subject: null, html: null });
    const results = await adapter().deliver(plain);
    expect(results.every((r) => r.ok)).toBe(true);
    for (const m of plain) expect(stored(m)).toMatchObject({ subject: '', content: m.text, html_content: '' });
  });

  it('a fresh adapter finds the existing template by name instead of creating another, per channel', async () => {
    await adapter().deliver(many(10));
    expect(fake.templates).toHaveLength(1);
    const emailTpl = fake.templates[0]!.template_id;

    fake.reset();
    const fresh = adapter();
    const results = await fresh.deliver([...many(10), ...many(10, { channel: 'push' })]);
    expect(results).toHaveLength(20);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.requestsTo('GET', TEMPLATES).map((r) => r.query.type).sort()).toEqual(['email', 'push']);
    // Only the push template is new; the email one is found by name.
    const created = fake.requestsTo('POST', TEMPLATES);
    expect(created).toHaveLength(1);
    expect((created[0]!.body as { type: string }).type).toBe('push');
    expect(fake.templates).toHaveLength(2);
    const batchTemplates = fake.requestsTo('POST', BATCH).map((r) => (r.body as { type: string; template_id: string }));
    expect(batchTemplates.find((b) => b.type === 'email')!.template_id).toBe(emailTpl);
    expect(batchTemplates.find((b) => b.type === 'push')!.template_id).toBe(fake.templates[1]!.template_id);
  });

  it('partial batch failure: exactly the recipients the service failed are permanent failures, the others ok', async () => {
    const group = many(12);
    const failing = [group[2]!, group[6]!, group[11]!];
    for (const m of failing) fake.failRecipients.add(m.userId);
    const results = await adapter().deliver(group);

    expect(results).toHaveLength(12);
    expect(fake.batches[0]).toMatchObject({ total_recipients: 12, failed_count: 3 });
    // Resolved recipient by recipient through the list route.
    const lists = fake.requestsTo('GET', LIST);
    expect(lists.map((r) => r.query.user_id).sort()).toEqual(group.map((m) => m.userId).sort());
    expect(lists.every((r) => r.query.type === 'email')).toBe(true);

    for (const m of group) {
      const r = resultOf(results, m);
      if (failing.includes(m)) expectPermanent(r, fake.failMessage);
      else expect(r).toEqual({ ledgerId: m.ledgerId, ok: true, provider: 'notification_service', providerMessageId: stored(m).notification_id, delivered: false });
    }
  });

  it('an SMS batch fails every recipient permanently with "SMS provider not configured"', async () => {
    const texts = many(10, { channel: 'sms' });
    const results = await adapter().deliver(texts);
    expect(fake.requestsTo('POST', BATCH)).toHaveLength(1);
    expect((fake.requestsTo('POST', BATCH)[0]!.body as { recipients: { phone?: string }[] }).recipients[0]!.phone).toBe(texts[0]!.to.phone);
    for (const m of texts) expectPermanent(resultOf(results, m), /SMS provider not configured/);
  });

  it('a batch rejected as a whole (4xx) is resent one by one, so only the bad message fails', async () => {
    const group = many(12);
    const bad = group[5]!;
    bad.to = { ...bad.to, email: 'not-an-email' };
    fake.inject({ status: 400, detail: 'Invalid batch request' }, 1, { method: 'POST', path: BATCH });
    const results = await adapter().deliver(group);

    expect(results).toHaveLength(12);
    expect(fake.requestsTo('POST', BATCH)).toHaveLength(1);
    expect(fake.batches).toHaveLength(0);
    expect(fake.requestsTo('POST', SEND)).toHaveLength(12);
    expectPermanent(resultOf(results, bad), /HTTP 422/);
    for (const m of group.filter((x) => x !== bad)) {
      expect(resultOf(results, m)).toMatchObject({ ok: true, providerMessageId: stored(m).notification_id });
      expect(sendRequestFor(m).body.metadata.ledger_id).toBe(m.ledgerId);
    }
  });

  it('a batch whose template has vanished is resent one by one, and the next batch makes a new template', async () => {
    const channel = adapter();
    await channel.deliver(many(10));
    const oldTpl = fake.templates[0]!.template_id;
    fake.templates.length = 0; // deleted behind our back

    fake.reset();
    const group = many(10);
    const results = await channel.deliver(group);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.requestsTo('POST', SEND)).toHaveLength(10);
    for (const m of group) expect(stored(m).content).toBe(m.text);

    fake.reset();
    const next = many(10);
    expect((await channel.deliver(next)).every((r) => r.ok)).toBe(true);
    expect(fake.templates).toHaveLength(1);
    expect(fake.templates[0]!.template_id).not.toBe(oldTpl);
    expect((fake.requestsTo('POST', BATCH)[0]!.body as { template_id: string }).template_id).toBe(fake.templates[0]!.template_id);
  });

  it('a batch accepted but answered 5xx is uncertain for every message, and lookup then finds them all', async () => {
    const channel = adapter();
    const group = many(11);
    fake.inject({ accepted: 'error', status: 503, detail: 'Service Unavailable' }, 1, { method: 'POST', path: BATCH });
    const results = await channel.deliver(group);
    expect(results).toHaveLength(11);
    for (const r of results) expectUncertain(r);

    const found = await channel.lookup(group.map(ref));
    for (const m of group) expect(found.get(m.ledgerId)).toEqual({ providerMessageId: stored(m).notification_id, delivered: false });
  });
});

describe('notification channel: failures', () => {
  it('5xx on a single send is retryable and uncertain, and is not retried by the adapter', async () => {
    fake.inject({ status: 502, detail: 'Bad Gateway' }, 1);
    const [r] = await adapter({ retries: 2 }).deliver([msg()]);
    expectUncertain(r!);
    if (!r!.ok) expect(r!.error).toMatch(/HTTP 502/);
    expect(fake.requestsTo('POST', SEND)).toHaveLength(1);
  });

  it('429 is retryable but certain (nothing was sent)', async () => {
    fake.inject({ status: 429, detail: 'Too Many Requests' }, 1);
    const [r] = await adapter().deliver([msg()]);
    expect(r).toMatchObject({ ok: false, retryable: true, uncertain: false });
    expect(fake.notifications).toHaveLength(0);
  });

  it('422 and 400 on a single send are permanent failures', async () => {
    const invalid = msg({ to: { email: 'nope', phone: null, webhookUrl: null } });
    const refused = msg();
    fake.inject({ status: 400, detail: 'Bad request' }, 1, { method: 'POST', path: SEND });
    // Sent one after the other so the injected 400 meets `refused`, the fake's own 422 `invalid`.
    const [r400] = await adapter().deliver([refused]);
    const [r422] = await adapter().deliver([invalid]);
    expectPermanent(r400!, /HTTP 400 \(Bad request\)/);
    expectPermanent(r422!, /HTTP 422 \(1 validation error\)/);
    expect(fake.notifications).toHaveLength(0);
  });

  it('a malformed answer is retryable and uncertain', async () => {
    fake.inject({ body: '<html>gateway says hi' }, 1);
    const [r] = await adapter().deliver([msg()]);
    expectUncertain(r!);
    if (!r!.ok) expect(r!.error).toMatch(/not JSON/);
  });

  it('an answer of the wrong shape is retryable and uncertain', async () => {
    fake.inject({ body: JSON.stringify({ message: 'ok' }) }, 1);
    const [r] = await adapter().deliver([msg()]);
    expectUncertain(r!);
  });

  it('a timeout is retryable and uncertain', async () => {
    fake.inject(TOO_SLOW, 1);
    const started = Date.now();
    const [r] = await adapter().deliver([msg()]);
    expectUncertain(r!);
    if (!r!.ok) expect(r!.error).toMatch(/no response within 400 ms/);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + TIMER_SLACK_MS + 1_000);
  });

  it('a slow answer within the timeout succeeds', async () => {
    fake.inject({ delayMs: 100 }, 1);
    const m = msg();
    const [r] = await adapter({ timeoutMs: 1_500 }).deliver([m]);
    expect(r).toMatchObject({ ok: true, providerMessageId: stored(m).notification_id });
  });

  it('a refused connection is retryable and uncertain', async () => {
    const url = fake.url;
    await fake.close();
    const dead = httpNotificationChannel(createPlatformClient({ service: 'notification_service', baseUrl: url, timeoutMs: TIMEOUT_MS, retries: 0, dispatcher: agent }));
    const [r] = await dead.deliver([msg()]);
    expectUncertain(r!);
    fake = await startFakeNotificationService();
  });
});

describe('notification channel: lookup', () => {
  it('finds single sends by metadata.ledger_id and batch sends by variables.ledger_id; null for unknown ids', async () => {
    const channel = adapter();
    const email = msg();
    const inApp = msg({ channel: 'in_app' });
    const pushes = many(10, { channel: 'push' });
    await channel.deliver([email, inApp, ...pushes]);
    expect(fake.requestsTo('POST', BATCH)).toHaveLength(1);

    fake.reset();
    const unknown: MessageRef = { ledgerId: 'msg_unknown', workspaceId: 'default', userId: email.userId, channel: 'email' };
    const stranger: MessageRef = { ledgerId: 'msg_stranger', workspaceId: 'default', userId: 'nobody', channel: 'push' };
    const found = await channel.lookup([email, inApp, ...pushes].map(ref).concat(unknown, stranger));

    expect(found.get(email.ledgerId)).toEqual({ providerMessageId: stored(email).notification_id, delivered: false });
    expect(found.get(inApp.ledgerId)).toEqual({ providerMessageId: stored(inApp).notification_id, delivered: true });
    for (const m of pushes) expect(found.get(m.ledgerId)).toEqual({ providerMessageId: stored(m).notification_id, delivered: true });
    expect(found.get(unknown.ledgerId)).toBeNull();
    expect(found.get(stranger.ledgerId)).toBeNull();
    expect(found.size).toBe(14);

    const q = fake.requestsTo('GET', LIST).find((r) => r.query.user_id === email.userId)!.query;
    expect(q).toMatchObject({ user_id: email.userId, type: 'email' });
    expect(Number(q.limit)).toBeLessThanOrEqual(1000);
  });

  it('returns null for notifications the service marked failed (single and batch)', async () => {
    const channel = adapter();
    const sms = msg({ channel: 'sms' });
    const group = many(10);
    fake.failRecipients.add(group[3]!.userId);
    await channel.deliver([sms, ...group]);
    const found = await channel.lookup([sms, ...group].map(ref));
    expect(found.get(sms.ledgerId)).toBeNull();
    expect(found.get(group[3]!.ledgerId)).toBeNull();
    expect(found.get(group[4]!.ledgerId)).toMatchObject({ providerMessageId: stored(group[4]!).notification_id });
  });

  it('prefers the copy that went out over an earlier failed one', async () => {
    const channel = adapter();
    const m = msg();
    fake.failRecipients.add(m.userId);
    expectPermanent((await channel.deliver([m]))[0]!);
    fake.failRecipients.clear();
    expect((await channel.deliver([m]))[0]!.ok).toBe(true);
    const copies = fake.byLedgerId(m.ledgerId);
    expect(copies.map((n) => n.status)).toEqual(['failed', 'sent']);
    expect((await channel.lookup([ref(m)])).get(m.ledgerId)).toEqual({ providerMessageId: copies[1]!.notification_id, delivered: false });
  });

  it('accepted but the answer was lost (500): deliver says uncertain, lookup finds it, so nothing is resent', async () => {
    const channel = adapter();
    const m = msg();
    fake.inject({ accepted: 'error', status: 500 }, 1, { method: 'POST', path: SEND });
    const [r] = await channel.deliver([m]);
    expectUncertain(r!);
    const found = await channel.lookup([ref(m)]);
    expect(found.get(m.ledgerId)).toEqual({ providerMessageId: stored(m).notification_id, delivered: false });
    expect(fake.requestsTo('POST', SEND)).toHaveLength(1);
  });

  it('accepted but never answered (hang): deliver times out as uncertain, lookup finds it', async () => {
    const channel = adapter();
    const m = msg({ channel: 'in_app' });
    fake.inject({ accepted: 'hang' }, 1, { method: 'POST', path: SEND });
    const [r] = await channel.deliver([m]);
    expectUncertain(r!);
    if (!r!.ok) expect(r!.error).toMatch(/no response within/);
    const found = await channel.lookup([ref(m)]);
    expect(found.get(m.ledgerId)).toEqual({ providerMessageId: stored(m).notification_id, delivered: true });
  });

  it('throws when the service cannot be asked, rather than guess', async () => {
    fake.inject({ status: 503, detail: 'Service Unavailable' }, Number.POSITIVE_INFINITY, { method: 'GET' });
    await expect(adapter().lookup([ref(msg())])).rejects.toBeInstanceOf(PlatformError);
  });
});

describe('notification channel: the internal-service secret', () => {
  it('every request carries the internal-service headers, and no error ever contains the secret', async () => {
    const channel = adapter();
    const echo = `upstream said ${SECRET} oops`;
    const singles = [msg(), msg(), msg(), msg()];
    const results: DeliveryResult[] = [];
    for (const [i, fault] of [
      { status: 500, detail: echo },
      { status: 422, detail: echo },
      { status: 429, detail: echo },
      { accepted: 'error' as const, status: 502, detail: echo },
    ].entries()) {
      fake.inject(fault, 1);
      results.push(...(await channel.deliver([singles[i]!])));
    }
    // A batch rejected with the secret in its detail, then resent one by one.
    fake.inject({ status: 400, detail: echo }, 1, { method: 'POST', path: BATCH });
    results.push(...(await channel.deliver(many(10))));
    // And a batch failing with it.
    fake.inject({ status: 500, detail: echo }, 1, { method: 'POST', path: BATCH });
    results.push(...(await channel.deliver(many(10))));

    expect(results).toHaveLength(24);
    const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
    expect(errors.length).toBeGreaterThanOrEqual(14);
    for (const e of errors) expect(e).not.toContain(SECRET);
    expect(errors.some((e) => e.includes('***'))).toBe(true);

    fake.inject({ status: 503, detail: echo }, 1, { method: 'GET' });
    const err = await channel.lookup([ref(singles[0]!)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlatformError);
    expect((err as Error).message).not.toContain(SECRET);

    expect(fake.requests.length).toBeGreaterThanOrEqual(19);
    for (const r of fake.requests) {
      expect(r.headers['x-internal-service']).toBe('true');
      expect(r.headers['x-internal-service-secret']).toBe(SECRET);
    }
  });
});

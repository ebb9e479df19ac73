/**
 * The HTTP platform adapters through the real undici client against fake services on 127.0.0.1
 * that follow the contracts, and the user 360 resource reading from them end to end.
 */
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpAccountSource } from '../../src/platform/http/account.js';
import { createPlatformClient, PlatformError, type PlatformClient } from '../../src/platform/http/client.js';
import { queryAudience } from '../../src/platform/http/intelligent-query.js';
import { httpMemorySource } from '../../src/platform/http/memory.js';
import { httpSubscriptionSource } from '../../src/platform/http/subscription.js';
import { testApp, principal } from '../helpers/app.js';
import { startFakePlatform, refusedUrl, type FakePlatform, type FakeService } from '../helpers/fake-platform.js';
import { connect } from '../helpers/mcp.js';

const SECRET = 'isvc-secret-7c41d2-never-echo';
const WS = 'default';
const TIMEOUT_MS = 300;
/** undici's header/body timers tick about once a second, so a timeout fires up to ~1 s late. */
const TIMER_SLACK_MS = 1_000;
const SLOW = { delayMs: 5_000 };

const FACT_EMAIL = {
  id: 'f-1',
  user_id: 'u1',
  memory_type: 'factual',
  fact_type: 'preference',
  subject: 'prefers_email',
  predicate: 'prefers',
  object_value: 'email',
  content: 'Prefers email over push',
  importance_score: 0.9,
  confidence: 0.8,
  access_count: 2,
  tags: [],
  context: {},
  created_at: '2026-10-01T09:00:00',
};
const FACT_COLOUR = {
  ...FACT_EMAIL,
  id: 'f-2',
  subject: 'favourite_colour',
  predicate: 'is',
  object_value: 'green',
  content: 'Favourite colour is green',
  importance_score: 0.4,
  confidence: 0.95,
  created_at: '2026-11-01T09:00:00',
};
const FACT_EMAIL_DIGEST = { ...FACT_EMAIL, id: 'f-3', subject: 'Email_digest', content: 'Reads the weekly email digest', importance_score: 0.6, confidence: 0.99 };
const EPISODE = {
  id: 'e-1',
  user_id: 'u1',
  memory_type: 'episodic',
  event_type: 'purchase',
  location: null,
  participants: [],
  emotional_valence: 0.6,
  vividness: 0.5,
  episode_date: '2026-11-20T10:00:00',
  content: 'Upgraded to the pro plan',
  importance_score: 0.7,
  confidence: 0.9,
  created_at: '2026-11-21T00:00:00',
};

let fake: FakePlatform;
let agent: Agent;

function client(svc: FakeService, opts: { secret?: string; retries?: number; baseUrl?: string } = {}): PlatformClient {
  return createPlatformClient({
    service: svc.name,
    baseUrl: opts.baseUrl ?? svc.url,
    ...('secret' in opts ? (opts.secret ? { secret: opts.secret } : {}) : { secret: SECRET }),
    timeoutMs: TIMEOUT_MS,
    dispatcher: agent,
    retryBaseMs: 5,
    ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
  });
}

/** Runs `p`, expects a PlatformError, and checks it carries neither the secret nor raw upstream text. */
async function platformError(p: Promise<unknown>): Promise<PlatformError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformError);
  const e = err as PlatformError;
  expect(e.message).not.toContain(SECRET);
  expect(e.message).not.toContain('RAW-UPSTREAM');
  expect(JSON.stringify({ ...e, message: e.message, stack: e.stack })).not.toContain(SECRET);
  return e;
}

beforeAll(async () => {
  agent = new Agent({ keepAliveTimeout: 1_000 });
  fake = await startFakePlatform(
    {
      accounts: {
        u1: {
          user_id: 'u1',
          email: 'ada@example.com',
          name: 'Ada Lovelace',
          is_active: true,
          preferences: { timezone: 'Europe/Berlin', language: 'de', notification_email: true, notification_push: false, theme: 'dark' },
          created_at: '2025-01-02T03:04:05',
          updated_at: '2026-11-30T08:00:00',
        },
        'u/2': { user_id: 'u/2', email: null, name: null, is_active: false, preferences: {}, created_at: '2025-02-01T00:00:00', updated_at: null },
      },
      subscriptions: {
        u1: {
          subscription_id: 'sub_1',
          user_id: 'u1',
          organization_id: null,
          tier_id: 'tier_pro',
          tier_code: 'pro',
          status: 'trialing',
          billing_cycle: 'monthly',
          price_paid: 20.0,
          currency: 'USD',
          credits_allocated: 30_000_000,
          credits_used: 1_500_000,
          credits_remaining: 28_500_000,
          credits_rolled_over: 0,
          current_period_start: '2026-11-15T00:00:00',
          current_period_end: '2026-12-15T00:00:00',
          trial_start: '2026-11-15T00:00:00',
          trial_end: '2026-11-29T00:00:00',
          is_trial: true,
          seats_purchased: 1,
          seats_used: 1,
          cancel_at_period_end: false,
          canceled_at: null,
          cancellation_reason: null,
          payment_method_id: null,
          external_subscription_id: null,
          auto_renew: true,
          next_billing_date: '2026-12-15T00:00:00',
          last_billing_date: null,
          metadata: {},
          created_at: '2026-11-15T00:00:00',
          updated_at: '2026-11-15T00:00:00',
        },
      },
      memories: { u1: { factual: [FACT_EMAIL, FACT_COLOUR, FACT_EMAIL_DIGEST], episodic: [EPISODE] } },
      queryRows: [{ user_id: 'u1', spend: 120 }, { user_id: 'u3', spend: 80 }, { user_id: 'u1', spend: 5 }, { user_id: null }, { user_id: 42 }],
    },
    SECRET,
  );
});

afterAll(async () => {
  await fake?.close();
  await agent?.close();
});

beforeEach(() => fake.reset());

describe('the client', () => {
  it('sends the internal-service headers on every call', async () => {
    await httpAccountSource(client(fake.account)).getProfile(WS, 'u1');
    await httpSubscriptionSource(client(fake.subscription)).getSubscription(WS, 'u1');
    await httpMemorySource(client(fake.memory)).recent(WS, 'u1', 5);
    for (const svc of [fake.account, fake.subscription, fake.memory]) {
      expect(svc.requests).toHaveLength(1);
      expect(svc.requests[0]!.headers['x-internal-service']).toBe('true');
      expect(svc.requests[0]!.headers['x-internal-service-secret']).toBe(SECRET);
      expect(svc.requests[0]!.headers.accept).toBe('application/json');
    }
  });

  it('sends no secret header when none is configured, and a 401 is "rejected" without retry', async () => {
    const err = await platformError(httpAccountSource(client(fake.account, { secret: undefined })).getProfile(WS, 'u1'));
    expect(fake.account.requests[0]!.headers['x-internal-service']).toBe('true');
    expect(fake.account.requests[0]!.headers).not.toHaveProperty('x-internal-service-secret');
    expect(err).toMatchObject({ service: 'account_service', status: 401, code: 'rejected' });
    expect(err.message).toBe('account_service GET /api/v1/accounts/profile/u1: HTTP 401 (Authentication required)');
    expect(fake.account.requests).toHaveLength(1);
  });

  it('retries a GET after a 500 and succeeds', async () => {
    fake.account.inject({ status: 500, detail: 'database is down' }, 1);
    const profile = await httpAccountSource(client(fake.account)).getProfile(WS, 'u1');
    expect(profile?.name).toBe('Ada Lovelace');
    expect(fake.account.requests).toHaveLength(2);
  });

  it('gives up after the retries with "unavailable" and a clean message (detail truncated, secret redacted, raw body absent)', async () => {
    fake.account.inject({ status: 500, detail: `pool error: password=${SECRET} ${'x'.repeat(400)}`, extra: { trace: 'RAW-UPSTREAM-TRACE' } });
    const err = await platformError(httpAccountSource(client(fake.account)).getProfile(WS, 'u1'));
    expect(err).toMatchObject({ service: 'account_service', status: 500, code: 'unavailable' });
    expect(err.message).toMatch(/^account_service GET \/api\/v1\/accounts\/profile\/u1: HTTP 500 \(pool error: password=\*\*\* x+…\)$/);
    expect(err.message.length).toBeLessThan(300);
    expect(fake.account.requests).toHaveLength(3);
  });

  it('honours retries: 0', async () => {
    fake.subscription.inject({ status: 503, detail: 'draining' });
    const err = await platformError(httpSubscriptionSource(client(fake.subscription, { retries: 0 })).getSubscription(WS, 'u1'));
    expect(err).toMatchObject({ status: 503, code: 'unavailable' });
    expect(fake.subscription.requests).toHaveLength(1);
  });

  it('maps a timeout to "unavailable" after retrying', async () => {
    fake.subscription.inject(SLOW);
    const started = Date.now();
    const err = await platformError(httpSubscriptionSource(client(fake.subscription)).getSubscription(WS, 'u1'));
    expect(err).toMatchObject({ service: 'subscription_service', status: 0, code: 'unavailable' });
    expect(err.message).toBe(`subscription_service GET /api/v1/subscriptions/user/u1: no response within ${TIMEOUT_MS} ms`);
    expect(fake.subscription.requests).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(3 * (TIMEOUT_MS + TIMER_SLACK_MS) + 500);
  });

  it('recovers when only the first answer is slow', async () => {
    fake.subscription.inject(SLOW, 1);
    const sub = await httpSubscriptionSource(client(fake.subscription)).getSubscription(WS, 'u1');
    expect(sub?.tier_code).toBe('pro');
    expect(fake.subscription.requests).toHaveLength(2);
  });

  it('maps a refused connection to "unavailable"', async () => {
    const err = await platformError(httpAccountSource(client(fake.account, { baseUrl: await refusedUrl() })).getProfile(WS, 'u1'));
    expect(err).toMatchObject({ status: 0, code: 'unavailable' });
    expect(err.message).toMatch(/^account_service GET \/api\/v1\/accounts\/profile\/u1: connection failed/);
  });

  it('maps a body that is not JSON to "bad_response" without retrying or echoing it', async () => {
    fake.account.inject({ body: '<html>RAW-UPSTREAM proxy error' });
    const err = await platformError(httpAccountSource(client(fake.account)).getProfile(WS, 'u1'));
    expect(err).toMatchObject({ status: 200, code: 'bad_response' });
    expect(err.message).toBe('account_service GET /api/v1/accounts/profile/u1: the response is not JSON');
    expect(fake.account.requests).toHaveLength(1);
  });

  it('maps a body of the wrong shape to "bad_response", naming the field', async () => {
    fake.memory.inject({ body: JSON.stringify({ results: { factual: [{ id: 'x', content: 7, note: 'RAW-UPSTREAM' }] } }) });
    const err = await platformError(httpMemorySource(client(fake.memory)).recent(WS, 'u1', 5));
    expect(err.code).toBe('bad_response');
    expect(err.message).toContain('results.factual.0.content');
  });

  it('summarises a 422 validation array instead of echoing it', async () => {
    fake.memory.inject({ status: 422, detail: [{ loc: ['query', 'user_id'], msg: 'Field required', input: 'RAW-UPSTREAM' }] });
    const err = await platformError(httpMemorySource(client(fake.memory)).factsBySubject(WS, 'u1', 'email', 5));
    expect(err).toMatchObject({ status: 422, code: 'rejected' });
    expect(err.message).toBe('memory_service GET /api/v1/memories/factual/search/subject: HTTP 422 (1 validation error)');
  });
});

describe('httpAccountSource', () => {
  it('maps the profile, with timezone and locale from preferences', async () => {
    const profile = await httpAccountSource(client(fake.account)).getProfile(WS, 'u1');
    expect(profile).toEqual({
      user_id: 'u1',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      is_active: true,
      timezone: 'Europe/Berlin',
      locale: 'de',
      preferences: { timezone: 'Europe/Berlin', language: 'de', notification_email: true, notification_push: false, theme: 'dark' },
      created_at: '2025-01-02T03:04:05',
      updated_at: '2026-11-30T08:00:00',
    });
    expect(fake.account.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/accounts/profile/u1', query: {} });
  });

  it('encodes the user id and leaves out null fields', async () => {
    const profile = await httpAccountSource(client(fake.account)).getProfile(WS, 'u/2');
    expect(fake.account.requests[0]!.path).toBe('/api/v1/accounts/profile/u%2F2');
    expect(profile).toEqual({ user_id: 'u/2', is_active: false, preferences: {}, created_at: '2025-02-01T00:00:00' });
  });

  it('returns null for an unknown user (404)', async () => {
    expect(await httpAccountSource(client(fake.account)).getProfile(WS, 'nobody')).toBeNull();
    expect(fake.account.requests).toHaveLength(1);
  });
});

describe('httpSubscriptionSource', () => {
  it('maps the user subscription', async () => {
    const sub = await httpSubscriptionSource(client(fake.subscription)).getSubscription(WS, 'u1');
    expect(sub).toEqual({
      tier_code: 'pro',
      status: 'trialing',
      is_trial: true,
      credits_remaining: 28_500_000,
      credits_allocated: 30_000_000,
      current_period_end: '2026-12-15T00:00:00',
    });
    expect(fake.subscription.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/subscriptions/user/u1', query: {} });
  });

  it('returns null when the user has no active subscription ({subscription: null})', async () => {
    expect(await httpSubscriptionSource(client(fake.subscription)).getSubscription(WS, 'nobody')).toBeNull();
  });

  it('returns null on a 404', async () => {
    fake.subscription.inject({ status: 404, detail: 'Subscription not found' }, 1);
    expect(await httpSubscriptionSource(client(fake.subscription)).getSubscription(WS, 'u1')).toBeNull();
    expect(fake.subscription.requests).toHaveLength(1);
  });

  it('retries a 500 and succeeds', async () => {
    fake.subscription.inject({ status: 500 }, 2);
    expect((await httpSubscriptionSource(client(fake.subscription)).getSubscription(WS, 'u1'))?.credits_remaining).toBe(28_500_000);
    expect(fake.subscription.requests).toHaveLength(3);
  });

  it('fails "unavailable" when every attempt is a 500', async () => {
    fake.subscription.inject({ status: 500, detail: 'boom', extra: { traceback: 'RAW-UPSTREAM' } });
    const err = await platformError(httpSubscriptionSource(client(fake.subscription)).getSubscription(WS, 'u1'));
    expect(err).toMatchObject({ service: 'subscription_service', status: 500, code: 'unavailable' });
    expect(err.message).toBe('subscription_service GET /api/v1/subscriptions/user/u1: HTTP 500 (boom)');
  });
});

describe('httpMemorySource', () => {
  const EXPECTED_RECENT = [
    { id: 'f-1', memory_type: 'factual', subject: 'prefers_email', predicate: 'prefers', object_value: 'email', content: 'Prefers email over push', importance: 0.9, confidence: 0.8, created_at: '2026-10-01T09:00:00' },
    { id: 'e-1', memory_type: 'episodic', event_type: 'purchase', content: 'Upgraded to the pro plan', importance: 0.7, confidence: 0.9, created_at: '2026-11-20T10:00:00' },
    { id: 'f-3', memory_type: 'factual', subject: 'Email_digest', predicate: 'prefers', object_value: 'email', content: 'Reads the weekly email digest', importance: 0.6, confidence: 0.99, created_at: '2026-10-01T09:00:00' },
  ];

  it('recent(): the cross-type search, merged, most important first, cut to the limit', async () => {
    const facts = await httpMemorySource(client(fake.memory)).recent(WS, 'u1', 3);
    expect(facts).toEqual(EXPECTED_RECENT);
    expect(fake.memory.requests[0]).toMatchObject({
      method: 'GET',
      path: '/api/v1/memories/search',
      query: { user_id: 'u1', query: '*', memory_types: 'factual,episodic', limit: '3', similarity_threshold: '0' },
    });
  });

  it('recent(): accepts UPPERCASE keys in results', async () => {
    fake.resultKeys = 'upper';
    expect(await httpMemorySource(client(fake.memory)).recent(WS, 'u1', 3)).toEqual(EXPECTED_RECENT);
  });

  it('recent(): nothing for an unknown user', async () => {
    expect(await httpMemorySource(client(fake.memory)).recent(WS, 'nobody', 10)).toEqual([]);
  });

  it('recent(): keeps the limit within the service bounds (1-100)', async () => {
    await httpMemorySource(client(fake.memory)).recent(WS, 'u1', 500);
    expect(fake.memory.requests[0]!.query.limit).toBe('100');
  });

  it('factsBySubject(): the subject search, case-insensitive substring', async () => {
    const facts = await httpMemorySource(client(fake.memory)).factsBySubject(WS, 'u1', 'EMAIL', 10);
    expect(facts.map((f) => f.id)).toEqual(['f-3', 'f-1']);
    expect(facts[0]).toEqual({
      id: 'f-3',
      memory_type: 'factual',
      subject: 'Email_digest',
      predicate: 'prefers',
      object_value: 'email',
      content: 'Reads the weekly email digest',
      importance: 0.6,
      confidence: 0.99,
      created_at: '2026-10-01T09:00:00',
    });
    expect(fake.memory.requests[0]).toMatchObject({ path: '/api/v1/memories/factual/search/subject', query: { user_id: 'u1', subject: 'EMAIL', limit: '10' } });
  });

  it('episodesByType(): the exact event type, newest first', async () => {
    const source = httpMemorySource(client(fake.memory));
    const got = await source.episodesByType(WS, 'u1', 'purchase', 5);
    expect(got).toEqual([{ id: 'e-1', memory_type: 'episodic', event_type: 'purchase', content: 'Upgraded to the pro plan', importance: 0.7, confidence: 0.9, created_at: '2026-11-20T10:00:00' }]);
    expect(fake.memory.requests.at(-1)).toMatchObject({ path: '/api/v1/memories/episodic/search/event_type', query: { user_id: 'u1', event_type: 'purchase', limit: '5' } });
    expect(await source.episodesByType(WS, 'u1', 'purchas', 5)).toEqual([]);
  });

  it('factsBySubject(): 500 then success is retried; 500 always is "unavailable"', async () => {
    fake.memory.inject({ status: 500 }, 1);
    expect(await httpMemorySource(client(fake.memory)).factsBySubject(WS, 'u1', 'colour', 10)).toHaveLength(1);
    fake.memory.reset();
    fake.memory.inject({ status: 502, detail: 'Bad Gateway' });
    const err = await platformError(httpMemorySource(client(fake.memory)).factsBySubject(WS, 'u1', 'colour', 10));
    expect(err).toMatchObject({ service: 'memory_service', status: 502, code: 'unavailable' });
    expect(fake.memory.requests).toHaveLength(3);
  });

  it('times out to "unavailable"', async () => {
    fake.memory.inject(SLOW);
    const err = await platformError(httpMemorySource(client(fake.memory, { retries: 0 })).recent(WS, 'u1', 5));
    expect(err).toMatchObject({ code: 'unavailable', status: 0 });
  });
});

describe('queryAudience', () => {
  it('POSTs the question and returns the distinct user ids in order', async () => {
    const ids = await queryAudience(client(fake.query), 'users who spent more than $50 last month', 100);
    expect(ids).toEqual(['u1', 'u3', '42']);
    expect(fake.query.requests[0]).toMatchObject({
      method: 'POST',
      path: '/query',
      body: { query: 'users who spent more than $50 last month', user_id: 'internal-service', max_rows: 100 },
    });
    expect(fake.query.requests[0]!.headers['content-type']).toBe('application/json');
    expect(fake.query.requests[0]!.headers['x-internal-service-secret']).toBe(SECRET);
  });

  it('does not retry the POST', async () => {
    fake.query.inject({ status: 500 });
    const err = await platformError(queryAudience(client(fake.query), 'anyone', 10));
    expect(err).toMatchObject({ service: 'intelligent_query', code: 'unavailable' });
    expect(fake.query.requests).toHaveLength(1);
  });
});

describe('user://{user_id}/360 with the platform services configured', () => {
  let app: Awaited<ReturnType<typeof testApp>>;

  beforeAll(async () => {
    app = await testApp('sqlite', {
      ACCOUNT_SERVICE_URL: fake.account.url,
      SUBSCRIPTION_SERVICE_URL: fake.subscription.url,
      MEMORY_SERVICE_URL: fake.memory.url,
      INTERNAL_SERVICE_SECRET: SECRET,
      PLATFORM_TIMEOUT_MS: '500',
    });
    const { users } = app.store.executor.t;
    const at = new Date('2025-01-02T03:04:05Z');
    // Deliberately different from the fakes, so the test shows which side each part came from.
    await app.store.executor.run((db) =>
      db.insert(users).values({ workspaceId: WS, id: 'u1', timezone: 'UTC', locale: 'en', tier: 'free', creditsRemaining: 5, consentEmail: true, createdAt: at, updatedAt: at }),
    );
  });

  afterAll(async () => {
    await app?.dispose();
  });

  afterEach(() => fake.reset());

  it('reads profile, subscription and memories from the services and names them as sources', async () => {
    const mcp = await connect(app.ctx, principal(WS));
    try {
      const res = await mcp.client.readResource({ uri: 'user://u1/360' });
      const view = JSON.parse((res.contents[0] as { text: string }).text);
      expect(view.sources).toEqual({ profile: 'account_service', subscription: 'subscription_service', memories: 'memory_service', events: 'embedded' });
      expect(view.profile).toMatchObject({ user_id: 'u1', name: 'Ada Lovelace', timezone: 'Europe/Berlin', locale: 'de' });
      expect(view.attributes).toMatchObject({ timezone: 'UTC', locale: 'en' });
      expect(view.subscription).toEqual({
        tier_code: 'pro',
        status: 'trialing',
        is_trial: true,
        credits_remaining: 28_500_000,
        credits_allocated: 30_000_000,
        current_period_end: '2026-12-15T00:00:00',
      });
      expect(view.memories.map((m: { id: string }) => m.id)).toEqual(['f-1', 'e-1', 'f-3', 'f-2']);
      for (const svc of [fake.account, fake.subscription, fake.memory]) {
        expect(svc.requests).toHaveLength(1);
        expect(svc.requests[0]!.headers['x-internal-service-secret']).toBe(SECRET);
      }
      expect(fake.memory.requests[0]!.query).toMatchObject({ user_id: 'u1', limit: '10' });
    } finally {
      await mcp.close();
    }
  });

  it('fails the read without leaking the secret when a service is down', async () => {
    fake.account.inject({ status: 500, detail: `secret is ${SECRET}` });
    const mcp = await connect(app.ctx, principal(WS));
    try {
      const err = await mcp.client.readResource({ uri: 'user://u1/360' }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).not.toContain(SECRET);
      expect(fake.account.requests).toHaveLength(3);
    } finally {
      await mcp.close();
    }
  });
});

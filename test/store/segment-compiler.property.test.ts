/**
 * For random rule trees over random small data sets, the compiled SQL selects exactly the users a
 * straightforward in-memory evaluation selects, on SQLite and on PostgreSQL. Several workspaces
 * share the database, so a leak across workspaces would show up as extra members.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Condition, RuleNode } from '../../src/domain/segments/ast.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';
import { evaluate, type RefData } from '../helpers/segment-reference.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const WORKSPACES = ['ws_p0', 'ws_p1', 'ws_p2'];
const EVENT_TYPES = ['purchase', 'app.open', 'page_view'];
const LABELS = ['champions', 'at_risk', 'hibernating', 'lost'] as const;

function dataArbitrary(ws: string): fc.Arbitrary<RefData> {
  const time = (maxDaysBack: number) => fc.integer({ min: 0, max: maxDaysBack * 24 }).map((h) => new Date(NOW.getTime() - h * 3_600_000));
  const user = (i: number) =>
    fc.record({
      id: fc.constant(`${ws}_u${String(i).padStart(2, '0')}`),
      status: fc.constantFrom('active', 'suspended'),
      country: fc.constantFrom('US', 'DE', 'FR', null),
      timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York'),
      locale: fc.constantFrom('en', 'de'),
      tier: fc.constantFrom('free', 'pro', 'max'),
      subscription_status: fc.constantFrom('active', 'trialing', 'canceled'),
      is_trial: fc.boolean(),
      credits_remaining: fc.integer({ min: 0, max: 5000 }),
      consent: fc.record({ email: fc.boolean(), push: fc.boolean(), sms: fc.boolean(), in_app: fc.boolean(), webhook: fc.boolean() }),
      traits: fc.record({ plan: fc.constantFrom('basic', 'growth'), seats: fc.integer({ min: 1, max: 50 }), beta: fc.boolean() }, { requiredKeys: [] }),
      created_at: time(400),
    });
  return fc.integer({ min: 8, max: 20 }).chain((n) =>
    fc
      .tuple(
        fc.tuple(...Array.from({ length: n }, (_, i) => user(i))),
        fc.array(
          fc.record({
            u: fc.nat(n - 1),
            type: fc.constantFrom(...EVENT_TYPES),
            amount: fc.integer({ min: 1, max: 100 }),
            platform: fc.constantFrom('ios', 'web', undefined),
            at: time(120),
          }),
          { maxLength: 80 },
        ),
        fc.array(fc.record({ u: fc.nat(n - 1), campaign: fc.constantFrom('cmp_a', 'cmp_b'), channel: fc.constantFrom('email', 'push'), status: fc.constantFrom('queued', 'sent', 'delivered', 'failed', 'opened'), at: time(60) }), { maxLength: 25 }),
        fc.array(fc.record({ m: fc.nat(24), kind: fc.constantFrom('open', 'click'), machine: fc.boolean(), at: time(60) }), { maxLength: 20 }),
        fc.array(fc.record({ u: fc.nat(n - 1), subject: fc.constantFrom('prefers_email', 'likes_cats', null), content: fc.constantFrom('Prefers email on Mondays', 'has a cat', '100% loyal') }), { maxLength: 10 }),
        fc.array(
          fc.record({
            churn: fc.option(fc.integer({ min: 0, max: 100 }).map((x) => x / 100)),
            ltv: fc.option(fc.integer({ min: 0, max: 2000 })),
            exp: fc.option(fc.integer({ min: 0, max: 30 }).map((x) => x / 10)),
            r: fc.option(fc.integer({ min: 1, max: 5 })),
            f: fc.integer({ min: 1, max: 5 }),
            m: fc.integer({ min: 1, max: 5 }),
            label: fc.option(fc.constantFrom(...LABELS)),
          }),
          { minLength: n, maxLength: n },
        ),
        fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      )
      .map(([users, evs, msgs, engs, mems, scores, staticMembers]) => {
        const messages = msgs.map((m, i) => ({ id: `${ws}_m${i}`, user_id: users[m.u]!.id, campaign_id: m.campaign, channel: m.channel, status: m.status, created_at: m.at }));
        return {
          users,
          events: evs.map((e, i) => ({
            id: `${ws}_e${i}`,
            user_id: users[e.u]!.id,
            type: e.type,
            properties: e.type === 'purchase' ? { amount: e.amount } : e.platform ? { platform: e.platform } : {},
            value: e.type === 'purchase' ? e.amount : null,
            occurred_at: e.at,
          })),
          messages,
          engagement: engs
            .filter((g) => g.m < messages.length)
            .map((g, i) => ({ id: `${ws}_g${i}`, message_id: messages[g.m]!.id, campaign_id: messages[g.m]!.campaign_id, user_id: messages[g.m]!.user_id, kind: g.kind, is_machine: g.machine, occurred_at: g.at })),
          memories: mems.map((m, i) => ({ id: `${ws}_mem${i}`, user_id: users[m.u]!.id, subject: m.subject, content: m.content })),
          scores: scores
            .map((s, i) => ({ user_id: users[i]!.id, churn_risk: s.churn, predicted_ltv: s.ltv, expected_purchases_90d: s.exp, rfm_r: s.r, rfm_f: s.f, rfm_m: s.m, rfm_segment: s.label }))
            .filter((_, i) => i % 4 !== 3),
          segments: [
            { id: `${ws}_static`, kind: 'static' as const, root: { kind: 'consent' as const, channel: 'email' as const, subscribed: true }, members: users.filter((_, i) => staticMembers[i]).map((u) => u.id) },
            { id: `${ws}_dynamic`, kind: 'dynamic' as const, root: { kind: 'subscription' as const, field: 'tier' as const, op: 'in' as const, value: ['pro', 'max'] }, members: [] },
          ],
        };
      }),
  );
}

function conditionArbitrary(ws: string): fc.Arbitrary<Condition> {
  const numberOp = fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte' as const);
  const setOp = fc.constantFrom('eq', 'neq', 'in', 'not_in' as const);
  const days = fc.constantFrom(1, 7, 14, 30, 90, 365);
  return fc.oneof(
    fc.record({ kind: fc.constant('account' as const), field: fc.constantFrom('status', 'country', 'timezone', 'locale' as const), op: setOp, value: fc.constantFrom<string | string[]>('US', 'active', 'en', ['DE', 'FR'], ['UTC', 'Europe/Berlin']) }),
    fc.record({ kind: fc.constant('signup' as const), op: fc.constantFrom('within_last', 'before_last' as const), days }),
    fc.record({ kind: fc.constant('signup' as const), op: fc.constantFrom('before', 'after' as const), at: fc.constantFrom('2026-06-01T00:00:00Z', '2026-11-01T00:00:00Z') }),
    fc.oneof(
      fc.record({ kind: fc.constant('trait' as const), key: fc.constant('seats'), op: numberOp, value: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ kind: fc.constant('trait' as const), key: fc.constantFrom('plan', 'seats'), op: fc.constantFrom('eq', 'neq' as const), value: fc.constantFrom('basic', 'growth') }),
      fc.record({ kind: fc.constant('trait' as const), key: fc.constant('beta'), op: fc.constantFrom('eq', 'neq' as const), value: fc.boolean() }),
      fc.record({ kind: fc.constant('trait' as const), key: fc.constantFrom('plan', 'beta', 'missing'), op: fc.constant('exists' as const) }),
      fc.record({ kind: fc.constant('trait' as const), key: fc.constant('plan'), op: fc.constant('contains' as const), value: fc.constantFrom('GRO', 'as') }),
      fc.record({ kind: fc.constant('trait' as const), key: fc.constantFrom('plan', 'seats'), op: fc.constant('in' as const), value: fc.constantFrom<Array<string | number>>(['basic', 3], [10, 20, 30], ['growth']) }),
    ),
    fc.record({ kind: fc.constant('subscription' as const), field: fc.constantFrom('tier', 'status' as const), op: setOp, value: fc.constantFrom<string | string[]>('pro', 'active', ['pro', 'max'], ['trialing', 'canceled']) }),
    fc.record({ kind: fc.constant('subscription' as const), field: fc.constant('is_trial' as const), op: fc.constantFrom('eq', 'neq' as const), value: fc.boolean() }),
    fc.record({ kind: fc.constant('subscription' as const), field: fc.constant('credits_remaining' as const), op: numberOp, value: fc.integer({ min: 0, max: 5000 }) }),
    fc.record(
      {
        kind: fc.constant('event_count' as const),
        event_type: fc.constantFrom(...EVENT_TYPES),
        where: fc.constantFrom([], [{ key: 'platform', op: 'eq' as const, value: 'ios' }], [{ key: 'amount', op: 'gt' as const, value: 50 }]),
        window_days: fc.option(days, { nil: undefined }),
        op: numberOp,
        value: fc.integer({ min: 0, max: 4 }),
      },
      { requiredKeys: ['kind', 'event_type', 'where', 'op', 'value'] },
    ),
    fc.record(
      { kind: fc.constant('event_sum' as const), event_type: fc.constant('purchase'), property: fc.constant('amount'), window_days: fc.option(days, { nil: undefined }), op: numberOp, value: fc.integer({ min: 0, max: 300 }) },
      { requiredKeys: ['kind', 'event_type', 'property', 'op', 'value'] },
    ),
    fc.record({ kind: fc.constant('last_event' as const), event_type: fc.constantFrom('*', ...EVENT_TYPES), op: fc.constantFrom('within_last', 'not_within_last' as const), days }),
    fc.record(
      {
        kind: fc.constant('messaging' as const),
        action: fc.constantFrom('received', 'opened', 'clicked' as const),
        channel: fc.option(fc.constantFrom('email', 'push' as const), { nil: undefined }),
        campaign_id: fc.option(fc.constant('cmp_a'), { nil: undefined }),
        window_days: fc.constantFrom(7, 14, 30, 90),
        happened: fc.boolean(),
      },
      { requiredKeys: ['kind', 'action', 'window_days', 'happened'] },
    ),
    fc.record({ kind: fc.constant('consent' as const), channel: fc.constantFrom('email', 'push', 'sms', 'in_app', 'webhook' as const), subscribed: fc.boolean() }),
    fc.record({ kind: fc.constant('memory' as const), subject: fc.constantFrom('prefers', 'EMAIL', 'cats'), has: fc.boolean() }),
    fc.record({ kind: fc.constant('memory' as const), text: fc.constantFrom('monday', '100%', 'cat'), has: fc.boolean() }),
    fc.record({ kind: fc.constant('score' as const), score: fc.constantFrom('churn_risk', 'predicted_ltv', 'expected_purchases_90d', 'rfm_score' as const), op: numberOp, value: fc.constantFrom(0.5, 0.7, 1000, 1.5, 9, 12) }),
    fc.record({ kind: fc.constant('rfm_segment' as const), op: fc.constantFrom('in', 'not_in' as const), value: fc.subarray([...LABELS], { minLength: 1 }) }),
    fc.record({ kind: fc.constant('segment' as const), segment_id: fc.constantFrom(`${ws}_static`, `${ws}_dynamic`), member: fc.boolean() }),
  ) as fc.Arbitrary<Condition>;
}

function ruleArbitrary(ws: string): fc.Arbitrary<RuleNode> {
  const { tree } = fc.letrec<{ tree: RuleNode }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      conditionArbitrary(ws),
      fc.record({ kind: fc.constant('and' as const), children: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('or' as const), children: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('not' as const), child: tie('tree') }),
    ),
  }));
  return tree;
}

async function load(t: TestApp, ws: string, d: RefData): Promise<void> {
  const { users, messages, engagementEvents, memories, userScores, segments, segmentMembers } = t.store.executor.t;
  await t.store.workspaces.ensure(ws);
  await t.store.executor.run(async (db) => {
    await db.insert(users).values(
      d.users.map((u) => ({
        workspaceId: ws,
        id: u.id,
        status: u.status,
        country: u.country,
        timezone: u.timezone,
        locale: u.locale,
        tier: u.tier,
        subscriptionStatus: u.subscription_status,
        isTrial: u.is_trial,
        creditsRemaining: u.credits_remaining,
        consentEmail: u.consent.email,
        consentPush: u.consent.push,
        consentSms: u.consent.sms,
        consentInApp: u.consent.in_app,
        consentWebhook: u.consent.webhook,
        traits: { ...u.traits },
        createdAt: u.created_at,
        updatedAt: u.created_at,
      })),
    );
    if (d.messages.length) {
      await db.insert(messages).values(
        d.messages.map((m) => ({ workspaceId: ws, id: m.id, campaignId: m.campaign_id, stepKey: 'main', userId: m.user_id, channel: m.channel, idempotencyKey: m.id, status: m.status, statusHistory: [], createdAt: m.created_at, updatedAt: m.created_at })),
      );
    }
    if (d.engagement.length) {
      await db.insert(engagementEvents).values(
        d.engagement.map((g) => ({ workspaceId: ws, id: g.id, messageId: g.message_id, campaignId: g.campaign_id, userId: g.user_id, kind: g.kind, isMachine: g.is_machine, occurredAt: g.occurred_at })),
      );
    }
    if (d.memories.length) {
      await db.insert(memories).values(d.memories.map((m) => ({ workspaceId: ws, id: m.id, userId: m.user_id, memoryType: 'factual', subject: m.subject, content: m.content, createdAt: NOW })));
    }
    await db.insert(userScores).values(
      d.scores.map((s) => ({ workspaceId: ws, userId: s.user_id, churnRisk: s.churn_risk, predictedLtv: s.predicted_ltv, expectedPurchases90d: s.expected_purchases_90d, rfmR: s.rfm_r, rfmF: s.rfm_f, rfmM: s.rfm_m, rfmSegment: s.rfm_segment, computedAt: NOW })),
    );
    for (const seg of d.segments) {
      await db.insert(segments).values({ workspaceId: ws, id: seg.id, name: seg.id, kind: seg.kind, rules: { version: 1, root: seg.root }, createdAt: NOW, updatedAt: NOW });
      if (seg.members.length) await db.insert(segmentMembers).values(seg.members.map((userId) => ({ workspaceId: ws, segmentId: seg.id, userId, addedAt: NOW })));
    }
  });
  // Events go through the repository, so the aggregates the compiler reads are maintained as in production.
  await t.store.events.insert(ws, d.events);
}

describe.each(await dialects())('segment compiler on %s', (dialect) => {
  let t: TestApp;
  const datasets = new Map<string, RefData>();
  beforeAll(async () => {
    t = await testApp(dialect);
    WORKSPACES.forEach((ws, i) => datasets.set(ws, fc.sample(dataArbitrary(ws), { seed: 1000 + i, numRuns: 1 })[0]!));
    for (const [ws, d] of datasets) await load(t, ws, d);
  });
  afterAll(async () => t?.dispose());

  it('selects exactly the users the reference evaluation selects', async () => {
    let informative = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WORKSPACES).chain((ws) => fc.tuple(fc.constant(ws), ruleArbitrary(ws))), async ([ws, root]) => {
        const rules = { version: 1 as const, root };
        const expected = evaluate(root, datasets.get(ws)!, NOW);
        runs += 1;
        if (expected.length > 0 && expected.length < datasets.get(ws)!.users.length) informative += 1;
        const page = await t.store.segments.members(ws, rules, { now: NOW, limit: 1000 });
        expect(page.user_ids).toEqual(expected);
        expect(await t.store.segments.count(ws, rules, { now: NOW })).toBe(expected.length);
      }),
      { numRuns: dialect === 'sqlite' ? 300 : 150, seed: 42 },
    );
    // The generated rules must split the population, or the comparison proves little.
    expect(informative / runs).toBeGreaterThan(0.4);
  });

  it('keeps the event aggregates equal to a rebuild from raw events', async () => {
    const { userEventSummary } = t.store.executor.t;
    const read = async () =>
      (await t.store.executor.run((db) => db.select().from(userEventSummary)))
        .map((r) => `${r.workspaceId}|${r.userId}|${r.eventType}|${r.count}|${r.valueSum}|${r.firstAt.getTime()}|${r.lastAt.getTime()}`)
        .sort();
    const incremental = await read();
    // Redelivering the same events changes nothing.
    for (const [ws, d] of datasets) expect(await t.store.events.insert(ws, d.events)).toBe(0);
    expect(await read()).toEqual(incremental);
    for (const ws of WORKSPACES) await t.store.events.rebuildAggregates(ws);
    expect(await read()).toEqual(incremental);
  });
});

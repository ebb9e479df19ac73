/**
 * The ledger's first writes, on SQLite and PostgreSQL: a member's row is written by its first
 * outcome, claim or in-store delivery, keyed on the idempotency key, so a second writer of the
 * same member (a resumed run, a worker that lost its lease) writes and delivers nothing. Also the
 * pieces the send pipeline cuts and tracks ranges with: segment boundaries and unfinished jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignInput, toDefinition } from '../../src/domain/campaign-input.js';
import { ledgerKey } from '../../src/domain/delivery/ledger.js';
import type { NewLedgerRow } from '../../src/domain/delivery/ports.js';
import { audienceRules } from '../../src/domain/segments/audience.js';
import { newId } from '../../src/store/ids.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { dialects, query } from '../helpers/db.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const WS = 'ws_ledger';

describe.each(await dialects())('ledger first writes on %s', (dialect) => {
  let t: TestApp;
  let campaignId: string;
  beforeAll(async () => {
    t = await testApp(dialect);
    await t.store.workspaces.ensure(WS);
    const definition = toDefinition(campaignInput.parse({ name: 'Ledger', channels: ['email'], variants: [{ subject: 'Hi', body: 'Hello' }] }), NOW);
    const c = await t.store.campaigns.create(WS, definition, 'tester');
    campaignId = c.id;
  });
  afterAll(async () => t?.dispose());

  const member = (userId: string, stepKey: string): NewLedgerRow => ({
    campaignId, stepKey, scheduleId: 'sch_1', userId, idempotencyKey: ledgerKey(campaignId, stepKey, userId, ['email']), channel: 'email', plannedFor: NOW,
  });
  const rowsOf = (stepKey: string) =>
    query<{ user_id: string; status: string; attempts: number; provider: string | null; n?: number }>(
      t,
      'select user_id, status, attempts, provider from messages where workspace_id = ? and campaign_id = ? and step_key = ? order by user_id',
      [WS, campaignId, stepKey],
    );
  const deliveriesOf = (userId: string) => query<{ message_id: string }>(t, 'select message_id from local_deliveries where workspace_id = ? and user_id = ?', [WS, userId]);

  it('writes a member row with its outcome, once: a second write of the same key changes nothing', async () => {
    const step = 'step-outcomes';
    const later = new Date(NOW.getTime() + 3_600_000);
    await t.store.ledger.record(WS, [
      { id: newId('msg'), kind: 'suppressed', reason: 'suppression: unsubscribed', row: member('a1', step) },
      { id: newId('msg'), kind: 'defer', until: later, reason: 'quiet hours', row: member('a2', step) },
      { id: newId('msg'), kind: 'hold', until: later, row: member('a3', step) },
    ], NOW, 'test');
    // The same members again, as a resumed run would decide them: different ids and outcomes.
    await t.store.ledger.record(WS, [
      { id: newId('msg'), kind: 'skipped', reason: 'caps', row: member('a1', step) },
      { id: newId('msg'), kind: 'failed', error: 'render', row: member('a2', step) },
    ], NOW, 'test');
    expect((await rowsOf(step)).map((r) => [r.user_id, r.status])).toEqual([['a1', 'suppressed'], ['a2', 'deferred'], ['a3', 'queued']]);
    // Held and deferred rows are open and come due at their time, not before.
    const range = { campaignId, stepKey: step, afterUserId: null, throughUserId: null };
    expect(await t.store.ledger.due(WS, range, NOW, 10)).toEqual([]);
    expect((await t.store.ledger.due(WS, range, later, 10)).map((m) => [m.userId, m.status, m.row])).toEqual([['a2', 'deferred', undefined], ['a3', 'queued', undefined]]);
    expect(await t.store.ledger.nextDue(WS, range)).toEqual(later);
    expect(await t.store.ledger.hasOpen(WS, campaignId, step)).toBe(true);
  });

  it('claims a member by writing its row as sending; a second claim of the key claims nothing', async () => {
    const step = 'step-claims';
    const claim = (userId: string) => ({ id: newId('msg'), row: member(userId, step), attempts: 0, channel: 'email' as const, variantId: null, rendered: { subject: 'Hi' }, credits: 1 });
    const first = [claim('b1'), claim('b2')];
    const stale = new Date(NOW.getTime() + 60_000);
    expect(await t.store.ledger.claim(WS, first, NOW, stale, 'test')).toEqual(new Set(first.map((c) => c.id)));
    const again = [claim('b1'), claim('b3')];
    expect(await t.store.ledger.claim(WS, again, NOW, stale, 'test')).toEqual(new Set([again[1]!.id]));
    const rows = await rowsOf(step);
    expect(rows.map((r) => [r.user_id, r.status, Number(r.attempts)])).toEqual([['b1', 'sending', 1], ['b2', 'sending', 1], ['b3', 'sending', 1]]);
    // A claimed row is left alone until it is stale, then recovered through `due` like any other.
    const range = { campaignId, stepKey: step, afterUserId: null, throughUserId: null };
    expect(await t.store.ledger.due(WS, range, NOW, 10)).toEqual([]);
    expect((await t.store.ledger.due(WS, range, stale, 10)).map((m) => m.userId)).toEqual(['b1', 'b2', 'b3']);
  });

  it('delivers a member in store exactly once, however often its key is delivered', async () => {
    const step = 'step-deliveries';
    const delivery = (userId: string) => ({
      id: newId('msg'), row: member(userId, step), attempts: 0, channel: 'email' as const, variantId: null, rendered: { subject: `Hi ${userId}` }, credits: 1,
      userId, payload: { to: { email: `${userId}@example.com` } },
    });
    const first = [delivery('c1'), delivery('c2')];
    const delivered = await t.store.ledger.deliverInStore(WS, first, NOW, 'test');
    expect([...delivered.keys()].sort()).toEqual(first.map((d) => d.id).sort());
    const second = await t.store.ledger.deliverInStore(WS, [delivery('c1'), delivery('c3')], NOW, 'test');
    expect(second.size).toBe(1);
    expect((await rowsOf(step)).map((r) => [r.user_id, r.status, r.provider])).toEqual([['c1', 'delivered', 'local'], ['c2', 'delivered', 'local'], ['c3', 'delivered', 'local']]);
    expect(await deliveriesOf('c1')).toEqual([{ message_id: first[0]!.id }]);
    const [stored] = await query<{ rendered: unknown; history: unknown }>(t, 'select rendered, status_history as history from messages where workspace_id = ? and id = ?', [WS, first[0]!.id]);
    const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
    expect(parse(stored!.rendered)).toEqual({ subject: 'Hi c1' });
    expect(parse(stored!.history)).toEqual([{ status: 'delivered', at: NOW.toISOString(), by: 'test' }]);
    expect(await t.store.ledger.hasOpen(WS, campaignId, step)).toBe(false);
  });

  it('cuts a segment into ranges that cover every member once, in id order', async () => {
    const ws = 'ws_bounds';
    await t.store.workspaces.ensure(ws);
    const people = Array.from({ length: 23 }, (_, i) => ({ id: `p${String(i).padStart(3, '0')}`, tier: i % 3 === 0 ? 'free' : 'pro' }));
    await addPeople(t.store, ws, people, NOW);
    const segment = (await t.store.segments.get(ws, await tierSegment(t.store, ws, 'pro')))!;
    const rules = audienceRules(segment);
    const bounds = await t.store.segments.boundaries(ws, rules, { now: NOW, chunk: 4 });
    const members = people.filter((p) => p.tier === 'pro').map((p) => p.id);
    expect(bounds).toEqual(members.filter((_, i) => (i + 1) % 4 === 0));
    // Each range read with the member reader (cursor exclusive, through inclusive) gives back every member once.
    const edges = [null, ...bounds, null];
    const seen: string[] = [];
    for (let i = 0; i + 1 < edges.length; i++) {
      const page = await t.store.segments.memberFacts(ws, rules, { now: NOW, limit: 100, ...(edges[i] ? { cursor: edges[i]! } : {}), ...(edges[i + 1] ? { through: edges[i + 1]! } : {}) });
      expect(page.members.length).toBeLessThanOrEqual(4);
      seen.push(...page.members.map((m) => m.id));
    }
    expect(seen).toEqual(members);
    expect(await t.store.segments.boundaries(ws, rules, { now: NOW, chunk: 100 })).toEqual([]);
  });

  it('counts the unfinished jobs of a key prefix, leaving out those past a phase', async () => {
    const ws = 'ws_jobs';
    const enqueue = (key: string, ago: number) =>
      t.store.jobs.enqueue({ workspaceId: ws, kind: 'test.range', payload: { key }, runAt: new Date(NOW.getTime() - ago), dedupeKey: key });
    // Keys that only look alike (another step whose id extends this one, a LIKE wildcard) do not count.
    await enqueue('range:s_1:0', 2_000);
    await enqueue('range:s_1:1', 1_000);
    for (const k of ['range:s_1:2', 'range:s_10:0', 'range%s_1:9']) await enqueue(k, 0);
    expect(await t.store.jobs.unfinished('range:s_1:')).toBe(3);
    const claimed = await t.store.jobs.claim('tester', 2, 60_000, NOW, ['test.range']);
    const byKey = new Map(claimed.map((j) => [j.payload['key'], j.id]));
    expect([...byKey.keys()].sort()).toEqual(['range:s_1:0', 'range:s_1:1']);
    await t.store.jobs.progress(byKey.get('range:s_1:0')!, 'tester', { key: 'range:s_1:0', phase: 'due' }, NOW);
    await t.store.jobs.complete(byKey.get('range:s_1:1')!, 'tester', NOW);
    // Done jobs never count; a running one past its members phase counts only without `exceptPhase`.
    expect(await t.store.jobs.unfinished('range:s_1:')).toBe(2);
    expect(await t.store.jobs.unfinished('range:s_1:', 'due')).toBe(1);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSeed } from '../../src/seed/index.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';
import { connect, type Connected } from '../helpers/mcp.js';

const proOrMax = { version: 1, root: { kind: 'subscription', field: 'tier', op: 'in', value: ['pro', 'max'] } };

describe.each(await dialects())('segment tools on %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  let other: Connected;
  beforeAll(async () => {
    t = await testApp(dialect);
    await runSeed(t.store.executor, { workspaceId: 'default', users: 1500, days: 60, seed: 11, now: t.clock.now() });
    await t.store.events.rebuildAggregates('default');
    await t.store.workspaces.ensure('other');
    mcp = await connect(t.ctx, principal('default'));
    other = await connect(t.ctx, principal('other'));
  });
  afterAll(async () => {
    await mcp?.close();
    await other?.close();
    await t?.dispose();
  });

  /** The same question written by hand in SQL, to check the tools' counts. */
  async function handCount(where: string, params: unknown[] = []): Promise<number> {
    const raw = t.store.executor.raw;
    if (raw.dialect === 'sqlite') return (raw.db.prepare(`select count(*) as n from users where workspace_id = 'default' and ${where}`).get(...params) as { n: number }).n;
    let i = 0;
    const pgWhere = where.replace(/\?/g, () => `$${++i}`);
    const [row] = await raw.sql.unsafe(`select count(*)::int as n from users where workspace_id = 'default' and ${pgWhere}`, params as never[]);
    return (row as unknown as { n: number }).n;
  }

  it('defines a segment from explicit rules, with count, sample and restatement', async () => {
    const out = await mcp.ok('define_segment', { name: 'Paying', rules: proOrMax, sample_size: 3 });
    expect(out.saved).toBe(true);
    expect(out.segment).toMatchObject({ name: 'Paying', kind: 'dynamic' });
    expect(out.estimated_size).toBe(await handCount("tier in ('pro', 'max')"));
    expect(out.estimated_size).toBeGreaterThan(100);
    expect(out.sample).toHaveLength(3);
    expect(out.sample.every((u: any) => ['pro', 'max'].includes(u.tier))).toBe(true);
    expect(out.restatement).toHaveLength(1);
    expect(out.restatement[0]).toMatch(/pro/);
  });

  it('counts behavioural rules like hand-written SQL over raw events', async () => {
    const rules = {
      version: 1,
      root: {
        kind: 'and',
        children: [
          { kind: 'event_count', event_type: 'purchase', window_days: 30, op: 'gte', value: 1 },
          { kind: 'last_event', event_type: 'app.open', op: 'not_within_last', days: 7 },
        ],
      },
    };
    const out = await mcp.ok('define_segment', { name: 'Recent buyers, app idle', rules, dry_run: true });
    expect(out.saved).toBe(false);
    const since30 = t.clock.now().getTime() - 30 * 86_400_000;
    const since7 = t.clock.now().getTime() - 7 * 86_400_000;
    const [a, b] = dialect === 'sqlite' ? [since30, since7] : [new Date(since30).toISOString(), new Date(since7).toISOString()];
    const expected = await handCount(
      `id in (select user_id from events where workspace_id = 'default' and type = 'purchase' and occurred_at >= ?)
       and id not in (select user_id from events where workspace_id = 'default' and type = 'app.open' and occurred_at >= ?)`,
      [a, b],
    );
    expect(out.estimated_size).toBe(expected);
    expect((await mcp.ok('list_segments', {})).segments.map((s: any) => s.name)).not.toContain('Recent buyers, app idle');
  });

  it('freezes a static segment and previews its frozen members', async () => {
    const out = await mcp.ok('define_segment', { name: 'Frozen paying', kind: 'static', rules: proOrMax });
    expect(out.segment.kind).toBe('static');
    const { users } = t.store.executor.t;
    const before = await mcp.ok('preview_segment', { segment_id: out.segment.id });
    expect(before.size).toBe(out.estimated_size);
    // Moving everyone to 'free' changes the dynamic audience, not the frozen one.
    await t.store.executor.run((db) => db.update(users).set({ tier: 'free' }));
    const after = await mcp.ok('preview_segment', { segment_id: out.segment.id });
    expect(after.size).toBe(out.estimated_size);
    expect((await mcp.ok('define_segment', { name: 'probe', rules: proOrMax, dry_run: true })).estimated_size).toBe(0);
  });

  it('defines from words with the deterministic grammar and says how each clause was read', async () => {
    const out = await mcp.ok('define_segment_nl', {
      description: 'users on the free tier who have been active in the last 30 days',
      name: 'Active free',
    });
    expect(out.interpreter).toBe('grammar');
    expect(out.saved).toBe(true);
    expect(out.clauses.length).toBe(2);
    expect(out.estimated_size).toBeGreaterThan(0);
  });

  it('fails quoting the parts it cannot interpret, and saves nothing', async () => {
    const before = await mcp.ok('list_segments', { limit: 100 });
    const text = await mcp.fail('define_segment_nl', { description: 'users on the platinum tier who were active in the last 30 days' });
    expect(text).toMatch(/Could not interpret "[^"]*platinum[^"]*"/);
    expect(text).toContain('nothing was saved');
    expect(await mcp.ok('list_segments', { limit: 100 })).toEqual(before);
  });

  it.each([
    ['SQL', "users'; DROP TABLE users; --", /Could not interpret/],
    ['quotes only', '"""\'\'\'', /Could not interpret|too short/],
    ['a huge number', 'users who purchased more than 99999999999999999999 times', /Could not interpret/],
    ['10k characters', 'active '.repeat(1500), /description is longer than 2000 characters/],
    ['an unknown field', { description: 'active in the last 30 days', colour: 'red' }, /Unrecognized key: "colour"/],
  ])('rejects hostile input (%s) with a clear error and changes nothing', async (_label, input, expected) => {
    const before = await mcp.ok('list_segments', { limit: 100 });
    const args = typeof input === 'string' ? { description: input } : input;
    expect(await mcp.fail('define_segment_nl', args)).toMatch(expected);
    expect(await mcp.ok('list_segments', { limit: 100 })).toEqual(before);
    expect(await handCount('1 = 1')).toBe(1500);
  });

  it('rejects bad explicit rules with the path of the problem', async () => {
    expect(await mcp.fail('define_segment', { name: 'x', rules: { version: 1, root: { kind: 'subscription', field: 'tier', op: 'in', value: ['platinum'] } } })).toContain(
      "root: unknown tier 'platinum'. Known: free, pro, max, team, enterprise",
    );
    expect(await mcp.fail('define_segment', { name: 'x', rules: { version: 2, root: proOrMax.root } })).toContain('rules.version');
    expect(await mcp.fail('define_segment', { name: 'x', rules: { version: 1, root: { kind: 'segment', segment_id: 'seg_nope' } } })).toContain("segment 'seg_nope' not found");
    expect(await mcp.fail('define_segment', { name: 'Paying', rules: proOrMax })).toContain("A segment named 'Paying' already exists");
  });

  it('pages through the members of a segment exactly once', async () => {
    const { segment, estimated_size } = await mcp.ok('define_segment', { name: 'Email consent', rules: { version: 1, root: { kind: 'consent', channel: 'email', subscribed: true } } });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await mcp.ok('list_segment_members', { segment_id: segment.id, limit: 250, ...(cursor ? { cursor } : {}) });
      seen.push(...page.user_ids);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(estimated_size);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    expect(await mcp.fail('list_segment_members', { segment_id: segment.id, limit: 5000 })).toContain('limit must be at most 1000');
    expect(await other.fail('list_segment_members', { segment_id: segment.id })).toContain('not found');
  });

  it('keeps segments inside their workspace', async () => {
    const mine = await mcp.ok('list_segments', { limit: 100 });
    expect(mine.segments.length).toBeGreaterThan(0);
    expect((await other.ok('list_segments', { limit: 100 })).segments).toEqual([]);
    expect(await other.fail('preview_segment', { segment_id: mine.segments[0].id })).toContain('not found');
    expect((await other.ok('define_segment', { name: 'probe', rules: { version: 1, root: { kind: 'consent', channel: 'in_app', subscribed: true } }, dry_run: true })).estimated_size).toBe(0);
  });

  it('serves the user 360 resource', async () => {
    const [someone] = (await mcp.ok('define_segment', { name: 'probe', rules: { version: 1, root: { kind: 'last_event', event_type: 'purchase', op: 'within_last', days: 60 } }, sample_size: 1, dry_run: true })).sample;
    const read = await mcp.client.readResource({ uri: `user://${someone.user_id}/360` });
    const view = JSON.parse((read.contents[0] as { text: string }).text);
    expect(view).toMatchObject({ user_id: someone.user_id, sources: { profile: 'embedded' }, subscription: { tier_code: 'free' } });
    expect(view.activity.by_type.map((e: any) => e.event_type)).toContain('purchase');
    expect(view.activity.revenue).toBeGreaterThan(0);
    // Everyone was moved to 'free' above, so the dynamic pro/max segment no longer holds anyone.
    expect(view.segments.map((s: any) => s.name)).not.toContain('Paying');
    await expect(other.client.readResource({ uri: `user://${someone.user_id}/360` })).rejects.toThrow(/not found/);
  });
});

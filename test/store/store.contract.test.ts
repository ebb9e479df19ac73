/**
 * The Store contract: the same assertions against a SQLite file and a real PostgreSQL database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDefinition, campaignInput } from '../../src/domain/campaign-input.js';
import type { CampaignDefinition } from '../../src/domain/campaign.js';
import { DomainError } from '../../src/domain/errors.js';
import { newId } from '../../src/store/ids.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';

const NOW = new Date('2026-12-01T12:00:00Z');

function definition(overrides: Record<string, unknown> = {}): CampaignDefinition {
  return toDefinition(
    campaignInput.parse({
      name: 'Winter sale',
      channels: ['email'],
      variants: [{ subject: 'Hi {{first_name}}', body: 'Our winter sale starts now.' }],
      ...overrides,
    }),
    NOW,
  );
}

describe.each(await dialects())('Store contract on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dialect);
    await t.store.workspaces.ensure('ws_a');
    await t.store.workspaces.ensure('ws_b');
  });
  afterAll(async () => t?.dispose());

  it('round-trips every field of a campaign', async () => {
    const def = definition({
      name: 'Cart rescue',
      description: 'Remind people of their cart',
      type: 'triggered',
      channels: ['email', 'push'],
      variants: [
        { key: 'A', name: 'Plain', subject: 'You left something', body: 'Come back', weight: 3, template_vars: { offer: '10%' } },
        { key: 'B', subject: 'Still thinking?', body: 'Your cart misses you', html: '<p>Your cart</p>', weight: 1 },
      ],
      trigger: { event_type: 'cart.abandoned', conditions: [{ field: 'value', op: 'gt', value: 20 }], delay_minutes: 60, exit_events: ['purchase'] },
      goal: { metric: 'revenue', event_type: 'purchase', value_property: 'amount', attribution_window_hours: 48 },
      budget_credits: 5000,
      send_time_optimization: true,
      agent: { enabled: true, goal: 'maximize_conversions', mode: 'autopilot' },
    });
    const created = await t.store.campaigns.create('ws_a', def, 'tester');
    expect(created.id).toMatch(/^cmp_[0-9a-f]{32}$/);
    expect(created.status).toBe('draft');
    expect(created.version).toBe(1);
    const got = await t.store.campaigns.get('ws_a', created.id);
    expect(got).toEqual(created);
    expect(got).toMatchObject({
      name: 'Cart rescue',
      description: 'Remind people of their cart',
      type: 'triggered',
      channels: ['email', 'push'],
      send_time_optimization: true,
      budget_credits: 5000,
      credits_spent: 0,
      goal: { metric: 'revenue', event_type: 'purchase', value_property: 'amount', attribution_window_hours: 48 },
      agent: { enabled: true, goal: 'maximize_conversions', mode: 'autopilot' },
      trigger: {
        event_type: 'cart.abandoned',
        conditions: [{ field: 'value', op: 'gt', value: 20 }],
        delay_minutes: 60,
        cooldown_hours: 24,
        max_entries_per_user: 1,
        exit_events: ['purchase'],
      },
      created_by: 'tester',
      status_history: [{ status: 'draft', by: 'tester' }],
    });
    expect(got!.variants.map((v) => [v.key, v.name, v.weight, v.subject, v.html, v.template_vars])).toEqual([
      ['A', 'Plain', 0.75, 'You left something', undefined, { offer: '10%' }],
      ['B', 'Variant B', 0.25, 'Still thinking?', '<p>Your cart</p>', {}],
    ]);
    expect(got!.created_at).toBe(t.clock.now().toISOString());
  });

  it('never shows one workspace the campaigns of another', async () => {
    const a = await t.store.campaigns.create('ws_a', definition({ name: 'Only in A' }), 'tester');
    expect(await t.store.campaigns.get('ws_b', a.id)).toBeNull();
    const listedB = await t.store.campaigns.list('ws_b', { limit: 100 });
    expect(listedB.items.map((c) => c.id)).not.toContain(a.id);
    await expect(t.store.campaigns.transition('ws_b', a.id, 'archive', 'intruder')).rejects.toMatchObject({ code: 'not_found' });
    await expect(t.store.campaigns.updateDraft('ws_b', a.id, definition({ name: 'Hijacked' }), 'intruder')).rejects.toMatchObject({ code: 'not_found' });
    expect((await t.store.campaigns.get('ws_a', a.id))!.name).toBe('Only in A');
    expect(await t.store.campaigns.completeIds('ws_b', 'cmp_', 100)).not.toContain(a.id);
  });

  it('edits drafts only, replacing the variants and bumping the version', async () => {
    const c = await t.store.campaigns.create('ws_a', definition({ variants: [{ subject: 'a', body: 'a' }, { subject: 'b', body: 'b' }] }), 'tester');
    t.clock.advance(1000);
    const edited = await t.store.campaigns.updateDraft('ws_a', c.id, definition({ name: 'Renamed', variants: [{ subject: 'c', body: 'c' }] }), 'tester');
    expect(edited.name).toBe('Renamed');
    expect(edited.version).toBe(2);
    expect(edited.variants.map((v) => v.subject)).toEqual(['c']);
    expect(edited.updated_at > edited.created_at).toBe(true);

    await t.store.campaigns.transition('ws_a', c.id, 'archive', 'tester');
    const err = await t.store.campaigns.updateDraft('ws_a', c.id, definition({ name: 'Too late' }), 'tester').catch((e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.message).toMatch(/only drafts can be edited/);
    expect((await t.store.campaigns.get('ws_a', c.id))!.name).toBe('Renamed');
  });

  it('applies lifecycle actions, records history, and leaves the row unchanged on a refused action', async () => {
    const c = await t.store.campaigns.create('ws_a', definition(), 'tester');
    await t.store.campaigns.transition('ws_a', c.id, 'schedule', 'scheduler');
    await t.store.campaigns.transition('ws_a', c.id, 'start', 'scheduler');
    const paused = await t.store.campaigns.transition('ws_a', c.id, 'pause', 'marketer', 'too many complaints');
    expect(paused).toMatchObject({ status: 'paused', paused_from: 'running', version: 4 });
    const before = await t.store.campaigns.get('ws_a', c.id);
    await expect(t.store.campaigns.transition('ws_a', c.id, 'start', 'scheduler')).rejects.toMatchObject({ code: 'invalid_transition' });
    expect(await t.store.campaigns.get('ws_a', c.id)).toEqual(before);
    const resumed = await t.store.campaigns.transition('ws_a', c.id, 'resume', 'marketer');
    expect(resumed.status).toBe('running');
    expect(resumed.paused_from).toBeUndefined();
    expect(resumed.status_history.map((h) => h.status)).toEqual(['draft', 'scheduled', 'running', 'paused', 'running']);
    expect(resumed.status_history[3]).toMatchObject({ by: 'marketer', reason: 'too many complaints' });
  });

  it('lets exactly one of two concurrent conflicting actions win', async () => {
    const c = await t.store.campaigns.create('ws_a', definition(), 'tester');
    await t.store.campaigns.transition('ws_a', c.id, 'schedule', 'tester');
    const results = await Promise.allSettled([
      t.store.campaigns.transition('ws_a', c.id, 'pause', 'one'),
      t.store.campaigns.transition('ws_a', c.id, 'pause', 'two'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const final = await t.store.campaigns.get('ws_a', c.id);
    expect(final!.status).toBe('paused');
    expect(final!.status_history.filter((h) => h.status === 'paused')).toHaveLength(1);
  });

  it('lists with filters and walks every page exactly once', async () => {
    await t.store.workspaces.ensure('ws_list');
    const made: string[] = [];
    for (let i = 0; i < 23; i++) {
      const def = definition({
        name: i % 5 === 0 ? `Promo 100%_off #${i}` : `Newsletter ${i}`,
        channels: i % 2 ? ['email', 'sms'] : ['email'],
        type: i % 3 === 0 ? 'recurring' : 'one_time',
        ...(i % 3 === 0 ? { schedule: { cron: '0 9 * * MON', timezone: 'Europe/Paris' } } : {}),
      });
      made.push((await t.store.campaigns.create('ws_list', def, 'tester')).id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.store.campaigns.list('ws_list', { limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((c) => c.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());

    const sms = await t.store.campaigns.list('ws_list', { limit: 100, channel: 'sms' });
    expect(sms.items).toHaveLength(11);
    expect(sms.items.every((c) => c.channels.includes('sms'))).toBe(true);
    const recurring = await t.store.campaigns.list('ws_list', { limit: 100, type: 'recurring' });
    expect(recurring.items).toHaveLength(8);
    // LIKE wildcards in a search are literal characters.
    const search = await t.store.campaigns.list('ws_list', { limit: 100, search: '100%_OFF' });
    expect(search.items.map((c) => c.name).sort()).toEqual(['Promo 100%_off #0', 'Promo 100%_off #10', 'Promo 100%_off #15', 'Promo 100%_off #20', 'Promo 100%_off #5']);
    expect((await t.store.campaigns.list('ws_list', { limit: 100, search: '%' })).items.map((c) => c.name).every((n) => n.includes('%'))).toBe(true);
    expect((await t.store.campaigns.list('ws_list', { limit: 100, status: 'running' })).items).toHaveLength(0);
  });

  it('counts ledger rows by status for a campaign', async () => {
    const c = await t.store.campaigns.create('ws_a', definition(), 'tester');
    const statuses = ['queued', 'sent', 'sent', 'delivered', 'failed', 'suppressed', 'opened'];
    const { messages } = t.store.executor.t;
    await t.store.executor.run(async (db) => {
      await db.insert(messages).values(
        statuses.map((status, i) => ({
          workspaceId: 'ws_a',
          id: newId('msg'),
          campaignId: c.id,
          stepKey: 'main',
          userId: `u${i}`,
          channel: 'email',
          idempotencyKey: `${c.id}:main:u${i}:email`,
          status,
          statusHistory: [],
          createdAt: NOW,
          updatedAt: NOW,
        })),
      );
    });
    expect(await t.store.campaigns.counters('ws_a', c.id)).toEqual({ targeted: 7, queued: 1, sent: 4, delivered: 2, failed: 1, suppressed: 1, skipped: 0, cancelled: 0 });
    expect(await t.store.campaigns.counters('ws_b', c.id)).toEqual({ targeted: 0, queued: 0, sent: 0, delivered: 0, failed: 0, suppressed: 0, skipped: 0, cancelled: 0 });
  });

  it('completes ids by prefix within the workspace, treating LIKE wildcards literally', async () => {
    const c = await t.store.campaigns.create('ws_a', definition(), 'tester');
    expect(await t.store.campaigns.completeIds('ws_a', c.id.slice(0, 30), 50)).toContain(c.id);
    expect(await t.store.campaigns.completeIds('ws_a', '%', 50)).toEqual([]);
    expect(await t.store.campaigns.completeIds('ws_a', '_', 50)).toEqual([]);
  });

  it('records and lists audit entries per workspace', async () => {
    await t.store.audit.record({ workspaceId: 'ws_a', actor: 'x', action: 'create_campaign', targetType: 'campaign', targetId: 'cmp_1', inputDigest: 'abc', result: 'ok', detail: {} });
    await t.store.audit.record({ workspaceId: 'ws_b', actor: 'y', action: 'update_campaign_status', inputDigest: 'def', result: 'error', detail: { code: 'forbidden' } });
    const a = await t.store.audit.list('ws_a', 10);
    expect(a[0]).toMatchObject({ actor: 'x', action: 'create_campaign', targetType: 'campaign', targetId: 'cmp_1', result: 'ok' });
    expect(a.every((e) => e.workspaceId === 'ws_a')).toBe(true);
    expect((await t.store.audit.list('ws_b', 10))[0]).toMatchObject({ result: 'error', detail: { code: 'forbidden' } });
  });

  it('ensures workspaces idempotently and migrates an already-migrated database as a no-op', async () => {
    await t.store.workspaces.ensure('ws_a');
    await t.store.workspaces.ensure('ws_a');
    const { workspaces } = t.store.executor.t;
    const rows = await t.store.executor.run((db) => db.select().from(workspaces));
    expect(rows.filter((r) => r.id === 'ws_a')).toHaveLength(1);
    const again = await testAppOn(t);
    await again.close();
  });
});

/** Opens a second app on the same database: migrations must find nothing to do. */
async function testAppOn(t: TestApp) {
  const { buildApp } = await import('../../src/app.js');
  const { loadConfig } = await import('../../src/config.js');
  const { silentLogger } = await import('../../src/log.js');
  return buildApp(loadConfig({ DATABASE_URL: t.db.url }), { log: silentLogger });
}

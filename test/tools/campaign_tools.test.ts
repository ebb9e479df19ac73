import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';
import { connect, type Connected } from '../helpers/mcp.js';

const draft = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  channels: ['email'],
  variants: [{ subject: `About ${name}`, body: 'Hello' }],
  ...extra,
});

describe.each(await dialects())('campaign tools and resource on %s', (dialect) => {
  let t: TestApp;
  let acme: Connected;
  let globex: Connected;
  let viewer: Connected;
  beforeAll(async () => {
    t = await testApp(dialect);
    await t.store.workspaces.ensure('acme');
    await t.store.workspaces.ensure('globex');
    acme = await connect(t.ctx, principal('acme'));
    globex = await connect(t.ctx, principal('globex'));
    viewer = await connect(t.ctx, principal('acme', ['read'], 'token#2'));
  });
  afterAll(async () => {
    await Promise.all([acme.close(), globex.close(), viewer.close()]);
    await t.dispose();
  });

  it('pauses, resumes and archives through update_campaign_status, explaining refusals', async () => {
    const { campaign } = await acme.ok('create_campaign', draft('Lifecycle'));
    await t.store.campaigns.transition('acme', campaign.id, 'schedule', 'scheduler');

    const paused = await acme.ok('update_campaign_status', { campaign_id: campaign.id, action: 'pause', reason: 'checking copy' });
    expect(paused).toMatchObject({ previous_status: 'scheduled', status: 'paused', allowed_actions: ['archive', 'resume'] });

    const resumed = await acme.ok('update_campaign_status', { campaign_id: campaign.id, action: 'resume' });
    expect(resumed).toMatchObject({ previous_status: 'paused', status: 'scheduled', allowed_actions: ['pause'] });

    const refused = await acme.fail('update_campaign_status', { campaign_id: campaign.id, action: 'archive' });
    expect(refused).toBe("Cannot archive a campaign that is 'scheduled'. Pause it first (action 'pause'), then archive it");
    expect((await t.store.campaigns.get('acme', campaign.id))!.status).toBe('scheduled');

    const wrongAction = await acme.fail('update_campaign_status', { campaign_id: campaign.id, action: 'delete' });
    expect(wrongAction).toContain('action must be one of: pause, resume, archive');
    const missing = await acme.fail('update_campaign_status', { action: 'pause' });
    expect(missing).toContain('campaign_id is required');
    const unknown = await acme.fail('update_campaign_status', { campaign_id: `cmp_${'f'.repeat(32)}`, action: 'pause' });
    expect(unknown).toContain(`campaign 'cmp_${'f'.repeat(32)}' not found. Call list_campaigns`);

    const audit = await t.store.audit.list('acme', 3);
    expect(audit.map((a) => [a.action, a.result])).toEqual([
      ['update_campaign_status', 'error'],
      ['update_campaign_status', 'error'],
      ['update_campaign_status', 'ok'],
    ]);
  });

  it('lists with filters and pagination', async () => {
    for (let i = 0; i < 7; i++) await acme.ok('create_campaign', draft(`Digest ${i}`, i % 2 ? { channels: ['email', 'push'] } : {}));
    const first = await acme.ok('list_campaigns', { search: 'digest', limit: 4 });
    expect(first.campaigns.map((c: any) => c.name)).toEqual(['Digest 6', 'Digest 5', 'Digest 4', 'Digest 3']);
    const second = await acme.ok('list_campaigns', { search: 'digest', limit: 4, cursor: first.next_cursor });
    expect(second.campaigns.map((c: any) => c.name)).toEqual(['Digest 2', 'Digest 1', 'Digest 0']);
    expect(second.next_cursor).toBeNull();
    const push = await acme.ok('list_campaigns', { channel: 'push', search: 'Digest' });
    expect(push.campaigns).toHaveLength(3);
    expect(push.campaigns[0]).toMatchObject({ status: 'draft', type: 'one_time', variant_count: 1 });
    expect(await acme.fail('list_campaigns', { limit: 500 })).toContain('limit must be at most 100');
    expect(await acme.fail('list_campaigns', { cursor: 'page2' })).toContain('cursor must be the next_cursor value of a previous page');
    expect(await acme.fail('list_campaigns', { status: 'live' })).toContain('status must be one of: draft, scheduled, running, paused, completed, archived');
  });

  it('reads campaign://{id} with definition, allowed actions and counters, and completes ids', async () => {
    const { campaign } = await acme.ok('create_campaign', draft('Resource me'));
    const read = await acme.client.readResource({ uri: `campaign://${campaign.id}` });
    const state = JSON.parse((read.contents[0] as { text: string }).text);
    expect(state.campaign).toMatchObject({ id: campaign.id, name: 'Resource me', status: 'draft' });
    expect(state.allowed_actions).toEqual(['archive']);
    expect(state.counters).toEqual({ targeted: 0, queued: 0, sent: 0, delivered: 0, failed: 0, suppressed: 0, skipped: 0, cancelled: 0 });

    const listed = await acme.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(`campaign://${campaign.id}`);
    const templates = await acme.client.listResourceTemplates();
    expect(templates.resourceTemplates.map((r) => r.uriTemplate)).toContain('campaign://{campaign_id}');

    const completion = await acme.client.complete({
      ref: { type: 'ref/resource', uri: 'campaign://{campaign_id}' },
      argument: { name: 'campaign_id', value: campaign.id.slice(0, 28) },
    });
    expect(completion.completion.values).toContain(campaign.id);

    await expect(acme.client.readResource({ uri: `campaign://cmp_${'0'.repeat(32)}` })).rejects.toThrow(/not found/);
  });

  it('keeps workspaces apart: another workspace can neither read nor change a campaign', async () => {
    const { campaign } = await acme.ok('create_campaign', draft('Acme secret plan'));
    const globexList = await globex.ok('list_campaigns', { limit: 100 });
    expect(globexList.campaigns.map((c: any) => c.id)).not.toContain(campaign.id);
    expect(await globex.fail('update_campaign_status', { campaign_id: campaign.id, action: 'archive' })).toContain('not found');
    expect(await globex.fail('create_campaign', { ...draft('Hijack'), campaign_id: campaign.id })).toContain('not found');
    await expect(globex.client.readResource({ uri: `campaign://${campaign.id}` })).rejects.toThrow(/not found/);
    const completion = await globex.client.complete({
      ref: { type: 'ref/resource', uri: 'campaign://{campaign_id}' },
      argument: { name: 'campaign_id', value: 'cmp_' },
    });
    expect(completion.completion.values).not.toContain(campaign.id);
    const after = await t.store.campaigns.get('acme', campaign.id);
    expect(after).toMatchObject({ name: 'Acme secret plan', status: 'draft', version: 1 });
  });

  it('refuses a tool whose scope the token lacks, naming the scope, and changes nothing', async () => {
    const { campaign } = await acme.ok('create_campaign', draft('Scoped'));
    const before = await t.store.campaigns.list('acme', { limit: 100 });
    const text = await viewer.fail('create_campaign', draft('Viewer attempt'));
    expect(text).toContain("Forbidden: create_campaign needs the 'write' scope, which this token does not have");
    expect(await viewer.fail('update_campaign_status', { campaign_id: campaign.id, action: 'archive' })).toContain("needs the 'write' scope");
    expect(await t.store.campaigns.list('acme', { limit: 100 })).toEqual(before);
    const listed = await viewer.ok('list_campaigns', { limit: 100 });
    expect(listed.campaigns.map((c: any) => c.id)).toContain(campaign.id);
    const [denied] = await t.store.audit.list('acme', 1);
    expect(denied).toMatchObject({ actor: 'token#2', action: 'update_campaign_status', result: 'error', detail: { code: 'forbidden', missing_scope: 'write' } });
  });

  it('serves the plan_campaign prompt with channel completion', async () => {
    const prompts = await acme.client.listPrompts();
    expect(prompts.prompts.map((p) => p.name)).toContain('plan_campaign');
    const got = await acme.client.getPrompt({ name: 'plan_campaign', arguments: { goal: 'win back lapsed users', channel: 'push' } });
    expect((got.messages[0]!.content as { text: string }).text).toContain('win back lapsed users');
    const completion = await acme.client.complete({ ref: { type: 'ref/prompt', name: 'plan_campaign' }, argument: { name: 'channel', value: 'e' } });
    expect(completion.completion.values).toEqual(['email']);
  });
});

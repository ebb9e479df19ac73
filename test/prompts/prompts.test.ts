/** The marketer prompts through a real MCP client: listing, building, completions and refusals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';
import { connect, type Connected } from '../helpers/mcp.js';

const proOrMax = { version: 1, root: { kind: 'subscription', field: 'tier', op: 'in', value: ['pro', 'max'] } };
const draft = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  channels: ['email'],
  variants: [
    { subject: `About ${name}`, body: 'Hello' },
    { subject: `News: ${name}`, body: 'Hello' },
  ],
  ...extra,
});

describe.each(await dialects())('marketer prompts on %s', (dialect) => {
  let t: TestApp;
  let acme: Connected;
  let globex: Connected;
  let sale: { id: string; name: string };
  let scheduled: { id: string };
  let triggered: { id: string };
  beforeAll(async () => {
    t = await testApp(dialect);
    await t.store.workspaces.ensure('acme');
    await t.store.workspaces.ensure('globex');
    acme = await connect(t.ctx, principal('acme'));
    globex = await connect(t.ctx, principal('globex'));
    sale = (await acme.ok('create_campaign', draft('Winter sale'))).campaign;
    scheduled = (await acme.ok('create_campaign', draft('Already going'))).campaign;
    await t.store.campaigns.transition('acme', scheduled.id, 'schedule', 'scheduler');
    triggered = (await acme.ok('create_campaign', draft('Cart nudge', { type: 'triggered', trigger: { event_type: 'cart.abandoned' } }))).campaign;
    for (const name of ['Paying customers', 'paying trialists', 'Lapsed buyers']) await acme.ok('define_segment', { name, rules: proOrMax });
    await globex.ok('define_segment', { name: 'Paying globex', rules: proOrMax });
  });
  afterAll(async () => {
    await Promise.all([acme?.close(), globex?.close()]);
    await t?.dispose();
  });

  const textOf = async (c: Connected, name: string, args: Record<string, string>) => {
    const got = await c.client.getPrompt({ name, arguments: args });
    expect(got.messages).toHaveLength(1);
    return (got.messages[0]!.content as { text: string }).text;
  };
  const complete = async (name: string, arg: string, value: string, c: Connected = acme) =>
    (await c.client.complete({ ref: { type: 'ref/prompt', name }, argument: { name: arg, value } })).completion.values;

  it('lists the four prompts with their arguments and required flags', async () => {
    const { prompts } = await acme.client.listPrompts();
    const args = Object.fromEntries(prompts.map((p) => [p.name, Object.fromEntries((p.arguments ?? []).map((a) => [a.name, a.required ?? false]))]));
    expect(args).toEqual({
      plan_campaign: { goal: true, channel: false, segment: false },
      win_back: { churn_threshold: false, segment: false, offer: false, channel: false },
      review_campaign: { campaign_id: true, focus: false },
      design_ab_test: { campaign_id: true, hypothesis: true, metric: false },
    });
    expect(prompts.every((p) => p.title && p.description && p.arguments!.every((a) => a.description))).toBe(true);
  });

  it('builds win_back from a churn threshold, naming the tools and the confirmation rule', async () => {
    const text = await textOf(acme, 'win_back', { churn_threshold: '0.7', offer: '20% off with COMEBACK20', channel: 'push' });
    expect(text).toContain('churn risk >= 0.7');
    expect(text).toContain('{"kind":"score","score":"churn_risk","op":"gte","value":0.7}');
    for (const tool of ['refresh_scores', 'define_segment', 'define_segment_nl', 'create_journey', '"re_engagement"', 'create_campaign', 'schedule_send', 'optimal: true', 'dry_run: true']) {
      expect(text).toContain(tool);
    }
    expect(text).toContain('20% off with COMEBACK20');
    expect(text).toContain('push channel');
    expect(text).toMatch(/Ask me before anything is sent.*confirm: true/);
    expect(await textOf(acme, 'win_back', {})).toContain('churn risk >= 0.6');
  });

  it('builds win_back from an existing segment found by name', async () => {
    const seg = (await t.store.segments.list('acme', { limit: 10 })).items.find((s) => s.name === 'Lapsed buyers')!;
    for (const name of ['Lapsed buyers', 'lapsed BUYERS']) {
      const text = await textOf(acme, 'win_back', { segment: name });
      expect(text).toContain(`existing segment "Lapsed buyers" (${seg.id}`);
      expect(text).toContain(`{"kind":"segment","segment_id":"${seg.id}"}`);
    }
  });

  it('builds plan_campaign with a target segment, and without one as before', async () => {
    const seg = (await t.store.segments.list('acme', { limit: 10 })).items.find((s) => s.name === 'Paying customers')!;
    const text = await textOf(acme, 'plan_campaign', { goal: 'upsell to max', segment: 'Paying customers' });
    expect(text).toContain('upsell to max');
    expect(text).toContain(`segment_id ${seg.id}`);
    expect(await textOf(acme, 'plan_campaign', { goal: 'upsell to max' })).toContain('Propose who to target');
  });

  it('builds review_campaign with the campaign embedded and the reading steps', async () => {
    const text = await textOf(acme, 'review_campaign', { campaign_id: sale.id, focus: 'send_time' });
    expect(text).toContain(`"Winter sale" (${sale.id}): type one_time, status draft, channels email`);
    expect(text).toContain(`campaign://${sale.id}`);
    expect(text).toContain(`get_metrics with campaign_id ${sale.id}, group_by ["variant"] and trend "day"`);
    expect(text).toContain('get_metrics without campaign_id');
    expect(text).toContain('experiment://');
    expect(text).toContain('optimized send times');
    expect(text).toContain('95% intervals');
    const scheduledText = await textOf(acme, 'review_campaign', { campaign_id: scheduled.id });
    expect(scheduledText).toContain('status scheduled');
    expect(scheduledText).toContain('Cover engagement, conversions and deliverability');
  });

  it('builds design_ab_test for a draft one-time campaign', async () => {
    const text = await textOf(acme, 'design_ab_test', { campaign_id: sale.id, hypothesis: 'naming the discount lifts opens', metric: 'open' });
    expect(text).toContain(`"Winter sale" (${sale.id}`);
    expect(text).toContain('variants now: A ("About Winter sale"), B ("News: Winter sale")');
    expect(text).toContain('Hypothesis: naming the discount lifts opens');
    expect(text).toContain('Metric: open');
    expect(text).toContain('always_valid');
    expect(text).toContain(`run_ab_test with campaign_id ${sale.id} as a dry run`);
    expect(text).toContain('sample size per arm');
    expect(text).toContain('only call run_ab_test with confirm: true');
    expect(await textOf(acme, 'design_ab_test', { campaign_id: sale.id, hypothesis: 'x' })).toContain("Metric: click (the campaign's goal metric)");
  });

  it('completes campaign ids by prefix, within the workspace only', async () => {
    const all = await complete('review_campaign', 'campaign_id', 'cmp_');
    expect([...all].sort()).toEqual([sale.id, scheduled.id, triggered.id].sort());
    expect(await complete('design_ab_test', 'campaign_id', sale.id.slice(0, 30))).toContain(sale.id);
    expect(await complete('design_ab_test', 'campaign_id', sale.id)).toEqual([sale.id]);
    expect(await complete('review_campaign', 'campaign_id', 'cmp_', globex)).toEqual([]);
  });

  it('completes segment names by prefix, case-insensitively, within the workspace only', async () => {
    expect([...(await complete('win_back', 'segment', 'pay'))].sort()).toEqual(['Paying customers', 'paying trialists']);
    expect(await complete('plan_campaign', 'segment', 'LAP')).toEqual(['Lapsed buyers']);
    expect(await complete('win_back', 'segment', 'zzz')).toEqual([]);
    expect(await complete('win_back', 'segment', 'Pay', globex)).toEqual(['Paying globex']);
  });

  it('completes the fixed choices', async () => {
    expect(await complete('review_campaign', 'focus', 'e')).toEqual(['engagement', 'experiment']);
    expect(await complete('design_ab_test', 'metric', 'c')).toEqual(['click', 'conversion']);
    expect(await complete('win_back', 'channel', 's')).toEqual(['sms']);
  });

  it('refuses unknown campaigns and segments, non-draft campaigns and bad choices with clear messages', async () => {
    const missing = `cmp_${'f'.repeat(32)}`;
    const get = (name: string, args: Record<string, string>, c: Connected = acme) => c.client.getPrompt({ name, arguments: args });
    await expect(get('review_campaign', { campaign_id: missing })).rejects.toThrow(`campaign '${missing}' not found. Call list_campaigns`);
    await expect(get('design_ab_test', { campaign_id: missing, hypothesis: 'h' })).rejects.toThrow(`campaign '${missing}' not found`);
    await expect(get('review_campaign', { campaign_id: sale.id }, globex)).rejects.toThrow('not found');
    await expect(get('win_back', { segment: 'Nobody' })).rejects.toThrow("segment 'Nobody' not found in this workspace. Call list_segments");
    await expect(get('plan_campaign', { goal: 'g', segment: 'Paying globex' })).rejects.toThrow("segment 'Paying globex' not found");
    await expect(get('design_ab_test', { campaign_id: scheduled.id, hypothesis: 'h' })).rejects.toThrow(
      `campaign '${scheduled.id}' is a scheduled one_time campaign; run_ab_test needs a draft one_time campaign`,
    );
    await expect(get('design_ab_test', { campaign_id: triggered.id, hypothesis: 'h' })).rejects.toThrow('is a draft triggered campaign; run_ab_test needs a draft one_time campaign');
    await expect(get('design_ab_test', { campaign_id: sale.id, hypothesis: 'h', metric: 'likes' })).rejects.toThrow('metric must be one of: open, click, conversion, revenue');
    await expect(get('review_campaign', { campaign_id: sale.id, focus: 'vibes' })).rejects.toThrow('focus must be one of: engagement');
    await expect(get('win_back', { churn_threshold: 'high' })).rejects.toThrow('churn_threshold must be a number between 0 and 1');
    await expect(get('win_back', { channel: 'fax' })).rejects.toThrow('channel must be one of: email, push');
    await expect(get('review_campaign', {})).rejects.toThrow(/Invalid arguments for prompt review_campaign/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { connect, type Connected } from '../helpers/mcp.js';

const valid = {
  name: 'Winter sale',
  channels: ['email'],
  variants: [{ subject: 'Winter sale, {{first_name}}', body: 'Everything is 20% off this week.' }],
};

const withVariant = (v: Record<string, unknown>) => ({ ...valid, variants: [{ ...valid.variants[0], ...v }] });
const triggered = (t: Record<string, unknown>) => ({ ...valid, type: 'triggered', trigger: { event_type: 'cart.abandoned', ...t } });

/** Each bad input, and a part of the message it must produce: what was wrong and how to fix it. */
const BAD: Array<[string, Record<string, unknown>, string]> = [
  ['campaign_id not an id', { ...valid, campaign_id: 'abc' }, 'campaign_id must look like "cmp_" followed by 32 hex characters; omit it to create a new campaign'],
  ['campaign_id unknown', { ...valid, campaign_id: `cmp_${'0'.repeat(32)}` }, `campaign 'cmp_${'0'.repeat(32)}' not found. Call list_campaigns`],
  ['name missing', { channels: ['email'], variants: valid.variants }, 'name is required (a short human-readable campaign name) at name'],
  ['name blank', { ...valid, name: '   ' }, 'name must not be empty (a short human-readable campaign name)'],
  ['name too long', { ...valid, name: 'x'.repeat(201) }, 'name is longer than 200 characters; shorten it'],
  ['name wrong type', { ...valid, name: 42 }, 'name must be a string'],
  ['description too long', { ...valid, description: 'x'.repeat(2001) }, 'description is longer than 2000 characters; shorten it'],
  ['description wrong type', { ...valid, description: ['x'] }, 'description must be a string'],
  ['type unknown', { ...valid, type: 'blast' }, 'type must be one of: one_time, recurring, triggered, journey'],
  ['type journey', { ...valid, type: 'journey' }, "type 'journey' needs a step graph, which create_campaign does not take"],
  ['segment_id bad characters', { ...valid, segment_id: "seg'; drop table users;--" }, 'segment_id may contain only letters, digits and _ . : -'],
  ['segment_id unknown', { ...valid, segment_id: 'seg_missing' }, "segment 'seg_missing' not found"],
  ['channels missing', { name: 'x', variants: valid.variants }, 'channels must be a list of channels (email, push, sms, in_app, webhook)'],
  ['channels empty', { ...valid, channels: [] }, 'channels must name at least one channel, e.g. ["email"]'],
  ['channels unknown', { ...valid, channels: ['fax'] }, 'channels[] must be one of: email, push, sms, in_app, webhook'],
  ['channels repeated', { ...valid, channels: ['email', 'email'] }, 'channels must not repeat a channel'],
  ['variants missing', { name: 'x', channels: ['email'] }, 'variants must be a list of message variants'],
  ['variants empty', { ...valid, variants: [] }, 'variants must contain at least one variant with a body'],
  ['variants too many', { ...valid, variants: Array.from({ length: 9 }, () => valid.variants[0]) }, 'variants may contain at most 8 variants'],
  ['variant body missing', { ...valid, variants: [{ subject: 'Hi' }] }, 'variants[].body is required: the message text'],
  ['variant body empty', withVariant({ body: '' }), 'variants[].body must not be empty'],
  ['variant body too long', withVariant({ body: 'x'.repeat(100_001) }), 'variants[].body is longer than 100,000 characters'],
  ['variant subject missing for email', { ...valid, variants: [{ body: 'Hello' }] }, 'variants[0] has no subject, which the email channel needs. Add a subject line to every variant'],
  ['variant subject too long', withVariant({ subject: 'x'.repeat(251) }), 'variants[].subject is longer than 250 characters'],
  ['variant key bad', withVariant({ key: 'not a key!' }), 'variants[].key must be 1-20 letters, digits, _ or - (e.g. "A")'],
  ['variant keys repeated', { ...valid, variants: [{ ...valid.variants[0], key: 'A' }, { ...valid.variants[0], key: 'A' }] }, "variants: key 'A' is used twice"],
  ['variant name too long', withVariant({ name: 'x'.repeat(101) }), 'variants[].name is longer than 100 characters'],
  ['variant weight zero', withVariant({ weight: 0 }), 'variants[].weight must be greater than 0'],
  ['variant weight too big', withVariant({ weight: 5000 }), 'variants[].weight must be at most 1000'],
  ['variant weights partial', { ...valid, variants: [{ ...valid.variants[0], weight: 1 }, valid.variants[0]] }, 'variants: give a weight to every variant or to none'],
  ['variant html wrong type', withVariant({ html: 5 }), 'variants[].html must be a string of HTML'],
  ['variant template_vars bad name', withVariant({ template_vars: { 'bad name': 'x' } }), 'variants[].template_vars must map variable names'],
  ['variant unknown field', withVariant({ colour: 'red' }), 'Unrecognized key: "colour"'],
  ['sms body too long', { ...valid, channels: ['sms'], variants: [{ body: 'x'.repeat(1601) }] }, 'variants[0].body is 1601 characters; SMS allows at most 1600'],
  ['push body too long', { ...valid, channels: ['push'], variants: [{ subject: 'Hi', body: 'x'.repeat(1025) }] }, 'push allows at most 1024'],
  ['schedule.at not ISO', { ...valid, schedule: { at: 'next tuesday' } }, 'schedule.at must be an ISO 8601 time with a zone, e.g. 2026-12-24T09:00:00Z'],
  ['schedule.at in the past', { ...valid, schedule: { at: '2020-01-01T00:00:00Z' } }, 'schedule.at 2020-01-01T00:00:00Z is in the past'],
  ['schedule.cron on one_time', { ...valid, schedule: { cron: '0 9 * * *', timezone: 'UTC' } }, "schedule.cron is only for type 'recurring'"],
  ['schedule.cron invalid', { ...valid, type: 'recurring', schedule: { cron: '61 25 * * *', timezone: 'UTC' } }, "schedule.cron '61 25 * * *' is not a valid cron expression"],
  ['schedule.timezone invalid', { ...valid, type: 'recurring', schedule: { cron: '0 9 * * *', timezone: 'Mars/Olympus' } }, "schedule.timezone 'Mars/Olympus' is not an IANA time zone"],
  ['recurring without cron', { ...valid, type: 'recurring' }, "type 'recurring' needs schedule.cron and schedule.timezone"],
  ['schedule unknown field', { ...valid, schedule: { when: 'soon' } }, 'Unrecognized key: "when"'],
  ['send_time_optimization wrong type', { ...valid, send_time_optimization: 'yes' }, 'send_time_optimization must be true or false'],
  ['triggered without trigger', { ...valid, type: 'triggered' }, "type 'triggered' needs a trigger"],
  ['trigger on one_time', { ...valid, trigger: { event_type: 'x' } }, "trigger is only for type 'triggered'"],
  ['trigger.event_type missing', { ...valid, type: 'triggered', trigger: {} }, 'trigger.event_type must be a string at trigger.event_type'],
  ['trigger.event_type bad', triggered({ event_type: 'cart abandoned' }), 'trigger.event_type may contain only letters, digits and _ . : -'],
  ['trigger.conditions op unknown', triggered({ conditions: [{ field: 'amount', op: 'like', value: 1 }] }), 'trigger.conditions[].op must be one of: eq, neq, in, gt, gte, lt, lte, exists, contains'],
  ['trigger.conditions too many', triggered({ conditions: Array.from({ length: 21 }, () => ({ field: 'a', op: 'exists' })) }), 'trigger.conditions has more than 20 conditions'],
  ['trigger.delay_minutes negative', triggered({ delay_minutes: -5 }), 'trigger.delay_minutes must be 0 or more'],
  ['trigger.delay_minutes fraction', triggered({ delay_minutes: 1.5 }), 'trigger.delay_minutes must be a whole number of minutes'],
  ['trigger.cooldown_hours too big', triggered({ cooldown_hours: 10_000 }), 'trigger.cooldown_hours must be at most 8760 (one year)'],
  ['trigger.max_entries_per_user zero', triggered({ max_entries_per_user: 0 }), 'trigger.max_entries_per_user must be at least 1'],
  ['trigger.exit_events wrong type', triggered({ exit_events: 'purchase' }), 'trigger.exit_events must be a list of event types'],
  ['goal.metric unknown', { ...valid, goal: { metric: 'likes' } }, 'goal.metric must be one of: open, click, conversion, revenue'],
  ['goal conversion without event', { ...valid, goal: { metric: 'conversion' } }, "goal.metric 'conversion' needs goal.event_type"],
  ['goal revenue without property', { ...valid, goal: { metric: 'revenue', event_type: 'purchase' } }, "goal.metric 'revenue' needs goal.value_property"],
  ['goal.attribution_window_hours zero', { ...valid, goal: { attribution_window_hours: 0 } }, 'goal.attribution_window_hours must be greater than 0'],
  ['goal.event_type bad', { ...valid, goal: { metric: 'conversion', event_type: 'buy now!' } }, 'goal.event_type may contain only letters'],
  ['goal.value_property bad', { ...valid, goal: { metric: 'revenue', event_type: 'purchase', value_property: '' } }, 'goal.value_property must not be empty'],
  ['budget_credits negative', { ...valid, budget_credits: -1 }, 'budget_credits must be 0 or more'],
  ['budget_credits fraction', { ...valid, budget_credits: 1.5 }, 'budget_credits must be a whole number'],
  ['budget_credits huge', { ...valid, budget_credits: 1e15 }, 'budget_credits must be at most 1,000,000,000,000'],
  ['agent.enabled wrong type', { ...valid, agent: { enabled: 'on' } }, 'agent.enabled must be true or false'],
  ['agent.goal unknown', { ...valid, agent: { goal: 'maximize_profit' } }, 'agent.goal must be one of: maximize_engagement, maximize_conversions, minimize_unsubscribes'],
  ['agent.mode unknown', { ...valid, agent: { mode: 'yolo' } }, 'agent.mode must be one of: propose, autopilot'],
  ['unknown top-level field', { ...valid, send_now: true }, 'Unrecognized key: "send_now"'],
];

describe('create_campaign', () => {
  let t: TestApp;
  let mcp: Connected;
  beforeAll(async () => {
    t = await testApp('sqlite');
    mcp = await connect(t.ctx, principal('default'));
  });
  afterAll(async () => {
    await mcp.close();
    await t.dispose();
  });

  it('creates a draft and returns it as structured content and the same JSON as text', async () => {
    const r = await mcp.call('create_campaign', { ...valid, variants: [valid.variants[0], { subject: 'Last days', body: 'Ends Sunday.' }] });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as any;
    expect(JSON.parse((r.content[0] as { text: string }).text)).toEqual(out);
    expect(out.created).toBe(true);
    expect(out.campaign).toMatchObject({ name: 'Winter sale', status: 'draft', type: 'one_time', channels: ['email'], goal: { metric: 'click', attribution_window_hours: 72 } });
    expect(out.campaign.variants.map((v: any) => [v.key, v.weight])).toEqual([['A', 0.5], ['B', 0.5]]);
  });

  it('edits a draft in place when campaign_id is given', async () => {
    const { campaign } = await mcp.ok('create_campaign', valid);
    const out = await mcp.ok('create_campaign', { ...valid, campaign_id: campaign.id, name: 'Winter sale v2' });
    expect(out).toMatchObject({ created: false, campaign: { id: campaign.id, name: 'Winter sale v2', version: 2 } });
  });

  it('writes an audit row for each mutating call', async () => {
    const { campaign } = await mcp.ok('create_campaign', valid);
    const [last] = await t.store.audit.list('default', 1);
    expect(last).toMatchObject({ action: 'create_campaign', actor: 'test:default', targetType: 'campaign', targetId: campaign.id, result: 'ok' });
    expect(last!.inputDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(BAD)('rejects %s with a message that says what to fix, changing nothing', async (_label, args, expected) => {
    const before = await t.store.campaigns.list('default', { limit: 100 });
    const text = await mcp.fail('create_campaign', args);
    expect(text).toContain(expected);
    const after = await t.store.campaigns.list('default', { limit: 100 });
    expect(after).toEqual(before);
  });

  it('refuses to edit a campaign that is no longer a draft', async () => {
    const { campaign } = await mcp.ok('create_campaign', valid);
    await mcp.ok('update_campaign_status', { campaign_id: campaign.id, action: 'archive' });
    const text = await mcp.fail('create_campaign', { ...valid, campaign_id: campaign.id, name: 'Changed' });
    expect(text).toContain(`Campaign '${campaign.id}' is 'archived'; only drafts can be edited`);
    expect((await t.store.campaigns.get('default', campaign.id))!.name).toBe('Winter sale');
  });
});

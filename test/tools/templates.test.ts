/**
 * create_template, update_template, list_templates and template://{id} through a real MCP client,
 * on each dialect: every refused input says what to fix and changes nothing; updates make versions
 * that the resource lists with their authors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';
import { connect, type Connected } from '../helpers/mcp.js';

const valid = {
  name: 'Welcome email',
  channel: 'email',
  subject: 'Welcome, {{ first_name | default: "there" }}',
  body: 'Hi {{ first_name }},\nuse {{ offer }} before {{ deadline | default: "Sunday" }}.',
  html: '<p>Hi {{ first_name }}</p>',
  template_vars: { offer: '20% off' },
};

const with_ = (over: Record<string, unknown>) => ({ ...valid, ...over });
const without = (key: keyof typeof valid) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key));

/** Each bad create input and a part of the message it must produce. */
const BAD_CREATE: Array<[string, Record<string, unknown>, string]> = [
  ['name missing', without('name'), 'name is required: a short name unique in this workspace'],
  ['name blank', with_({ name: '   ' }), 'name must not be empty'],
  ['name too long', with_({ name: 'x'.repeat(101) }), 'name is longer than 100 characters; shorten it'],
  ['channel missing', without('channel'), 'channel must be one of: email, push, sms, in_app, webhook'],
  ['channel unknown', with_({ channel: 'fax' }), 'channel must be one of: email, push, sms, in_app, webhook'],
  ['body missing', without('body'), 'body is required: the message text'],
  ['body empty', with_({ body: '' }), 'body must not be empty'],
  ['body too long', with_({ body: 'x'.repeat(100_001) }), 'body is longer than 100,000 characters; shorten it'],
  ['html too long', with_({ html: 'x'.repeat(100_001) }), 'html is longer than 100,000 characters; shorten it'],
  ['subject too long', with_({ subject: 'x'.repeat(251) }), 'subject is longer than 250 characters; shorten it'],
  ['description too long', with_({ description: 'x'.repeat(2001) }), 'description is longer than 2000 characters; shorten it'],
  ['template_vars bad name', with_({ template_vars: { 'bad name': 'x' } }), 'template_vars must map variable names (letters, digits, _) to string values'],
  ['template_vars non-string value', with_({ template_vars: { offer: 5 } }), 'template_vars must map variable names'],
  ['unknown field', with_({ colour: 'red' }), 'Unrecognized key: "colour"'],
  ['email without subject', without('subject'), 'an email template needs a subject'],
  ['sms with html', { name: 'S', channel: 'sms', body: 'Hi', html: '<p>Hi</p>' }, 'an sms template cannot have html: SMS carries plain text only. Remove html'],
  ['sms with subject', { name: 'S', channel: 'sms', subject: 'Hi', body: 'Hi' }, 'an sms template cannot have a subject'],
  ['sms too long', { name: 'S', channel: 'sms', body: 'x'.repeat(1601) }, 'body is 1601 characters; SMS allows at most 1600'],
  ['push with html', { name: 'P', channel: 'push', subject: 'Hi', body: 'Hi', html: '<b>Hi</b>' }, 'a push template cannot have html'],
  ['push too long', { name: 'P', channel: 'push', body: 'x'.repeat(1025) }, 'body is 1025 characters; push allows at most 1024'],
  ['syntax error in body', with_({ body: 'Hi {{ first_name }}\n\n  {% if offer %}no end' }), 'body has a template error at line 3, column 3: tag {% if offer %} not closed'],
  ['unclosed output in subject', with_({ subject: 'Hi {{ first_name' }), 'subject has a template error at line 1, column 4'],
  ['unknown filter in html', with_({ html: '<p>{{ first_name | shout }}</p>' }), 'html has a template error at line 1, column 4: undefined filter: shout'],
  ['include refused', with_({ html: '{% include "header" %}' }), '{% include %} is not allowed in message templates'],
  ['unknown variable', with_({ body: 'Use {{ coupon_code }} today' }), 'the template uses a variable nothing provides: {{ coupon_code }} (in body). Known variables: user_id, user_name, first_name'],
  ['unknown variable hint', with_({ body: 'Use {{ coupon_code }} today' }), 'Add it to template_vars with a default value (e.g. "template_vars": {"coupon_code": "..."}), or give a default in the template ({{ coupon_code | default: "..." }})'],
  ['unknown variables in two parts', with_({ subject: '{{ a }}', body: '{{ b }} {{ a }}' }), 'variables nothing provides: {{ a }} (in subject, body), {{ b }} (in body)'],
];

describe.each(await dialects())('template tools on %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  let n = 0;
  beforeAll(async () => {
    t = await testApp(dialect);
    mcp = await connect(t.ctx, principal('default'));
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });

  /** A client on a fresh workspace. */
  async function fresh(scopes?: Array<'read' | 'write' | 'send'>): Promise<{ ws: string; c: Connected }> {
    const ws = `tt${++n}`;
    await t.store.workspaces.ensure(ws);
    return { ws, c: await connect(t.ctx, principal(ws, scopes, `test:${ws}`)) };
  }

  it('creates a template and returns it as structured content and the same JSON as text', async () => {
    const r = await mcp.call('create_template', valid);
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as any;
    expect(JSON.parse((r.content[0] as { text: string }).text)).toEqual(out);
    expect(out.template).toMatchObject({ name: 'Welcome email', channel: 'email', status: 'active', version: 1, description: '', template_vars: { offer: '20% off' }, created_by: 'test:default' });
    expect([...out.template.variables].sort()).toEqual(['deadline', 'first_name', 'offer']);
    const [last] = await t.store.audit.list('default', 1);
    expect(last).toMatchObject({ action: 'create_template', targetType: 'template', targetId: out.template.id, result: 'ok' });
  });

  it.each(BAD_CREATE)('create_template rejects %s with a message that says what to fix, changing nothing', async (_label, args, expected) => {
    const { ws, c } = await fresh();
    try {
      const text = await c.fail('create_template', args);
      expect(text).toContain(expected);
      expect((await t.store.templates.list(ws, { limit: 5 })).items).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it('refuses a second template with the same name', async () => {
    const { c } = await fresh();
    const { template } = await c.ok('create_template', valid);
    expect(await c.fail('create_template', valid)).toContain(`A template named 'Welcome email' already exists (${template.id}). Choose another name`);
    await c.close();
  });

  it('needs the write scope to create or update, and read to list', async () => {
    const { c } = await fresh(['read']);
    expect(await c.fail('create_template', valid)).toContain("Forbidden: create_template needs the 'write' scope");
    await expect(c.ok('list_templates', {})).resolves.toEqual({ templates: [], next_cursor: null });
    await c.close();
  });

  it('create -> update -> update: versions with authors in template://{id}, old content kept', async () => {
    const { ws } = await fresh();
    const alice = await connect(t.ctx, principal(ws, undefined, 'token:alice'));
    const bob = await connect(t.ctx, principal(ws, undefined, 'token:bob'));
    const { template } = await alice.ok('create_template', valid);
    t.clock.advance(60_000);
    const second = await bob.ok('update_template', { template_id: template.id, expected_version: 1, body: 'Hello {{ first_name }}, {{ offer }} is yours.' });
    expect(second).toMatchObject({ previous_version: 1, template: { version: 2, body: 'Hello {{ first_name }}, {{ offer }} is yours.', subject: valid.subject, html: valid.html } });
    t.clock.advance(60_000);
    const third = await alice.ok('update_template', { template_id: template.id, html: '', template_vars: { offer: '25% off' }, name: 'Welcome email v3' });
    expect(third.template).toMatchObject({ version: 3, name: 'Welcome email v3', template_vars: { offer: '25% off' } });
    expect(third.template).not.toHaveProperty('html');

    const read = await alice.client.readResource({ uri: `template://${template.id}` });
    const state = JSON.parse((read.contents[0] as { text: string }).text);
    expect(state.template).toEqual(third.template);
    expect(state.versions_total).toBe(3);
    expect(state.versions).toEqual([
      { version: 3, created_at: t.clock.now().toISOString(), created_by: 'token:alice', changed: ['html', 'template_vars'] },
      { version: 2, created_at: new Date(t.clock.now().getTime() - 60_000).toISOString(), created_by: 'token:bob', changed: ['body'] },
      { version: 1, created_at: template.created_at, created_by: 'token:alice', changed: ['subject', 'body', 'html', 'template_vars'] },
    ]);
    const v1 = await t.store.templates.getVersion(ws, template.id, 1);
    expect(v1).toMatchObject({ body: valid.body, html: valid.html, template_vars: valid.template_vars });

    const listed = await alice.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(`template://${template.id}`);
    const completion = await alice.client.complete({ ref: { type: 'ref/resource', uri: 'template://{template_id}' }, argument: { name: 'template_id', value: template.id.slice(0, 28) } });
    expect(completion.completion.values).toContain(template.id);
    await expect(alice.client.readResource({ uri: `template://tpl_${'0'.repeat(32)}` })).rejects.toThrow(/not found/);
    // Another workspace sees nothing.
    const { c: other } = await fresh();
    await expect(other.client.readResource({ uri: `template://${template.id}` })).rejects.toThrow(/not found/);
    await other.close();
    await alice.close();
    await bob.close();
  });

  it('update_template refuses bad input, a stale expected_version and archived templates, changing nothing', async () => {
    const { ws, c } = await fresh();
    const { template } = await c.ok('create_template', valid);
    const id = template.id;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ template_id: 'nope', body: 'x' }, 'template_id must look like "tpl_" followed by 32 hex characters'],
      [{ template_id: `tpl_${'0'.repeat(32)}`, body: 'x' }, `template 'tpl_${'0'.repeat(32)}' not found. Call list_templates`],
      [{ template_id: id }, 'update_template needs at least one field to change'],
      [{ template_id: id, channel: 'sms' }, 'Unrecognized key: "channel"'],
      [{ template_id: id, expected_version: 0, body: 'x' }, 'expected_version must be 1 or more'],
      [{ template_id: id, body: '{% for x in memories %}' }, 'body has a template error at line 1, column 1'],
      [{ template_id: id, body: 'Hi {{ nickname }}' }, 'nothing provides: {{ nickname }} (in body)'],
      [{ template_id: id, template_vars: {} }, 'nothing provides: {{ offer }} (in body)'],
      [{ template_id: id, subject: '' }, 'an email template needs a subject'],
      [{ template_id: id, body: 'x'.repeat(100_001) }, 'body is longer than 100,000 characters'],
      [{ template_id: id, status: 'deleted' }, 'status must be one of: active, archived'],
      [{ template_id: id, expected_version: 2, body: 'Hi' }, `Template '${id}' is at version 1, not 2 (expected_version). Read template://${id} for the current version`],
    ];
    for (const [args, expected] of cases) expect(await c.fail('update_template', args), JSON.stringify(args).slice(0, 80)).toContain(expected);
    expect(await t.store.templates.get(ws, id)).toEqual(template);
    expect(await t.store.templates.versions(ws, id, 10)).toHaveLength(1);

    const archived = await c.ok('update_template', { template_id: id, status: 'archived', expected_version: 1 });
    expect(archived.template).toMatchObject({ status: 'archived', version: 2 });
    expect(await c.fail('update_template', { template_id: id, body: 'Hi again' })).toContain(`Template '${id}' is archived; archived templates cannot be changed. Create a new template`);
    expect((await t.store.templates.get(ws, id))!.version).toBe(2);
    await c.close();
  });

  it('accepts a channel without a subject where allowed, and a variable with a default', async () => {
    const { c } = await fresh();
    const sms = await c.ok('create_template', { name: 'Code', channel: 'sms', body: 'Code {{ code }}. Tier: {{ tier }}; {{ promo | default: "" }}', template_vars: { code: '0000' } });
    expect(sms.template).toMatchObject({ channel: 'sms', version: 1 });
    expect(sms.template).not.toHaveProperty('subject');
    const inApp = await c.ok('create_template', { name: 'Nudge', channel: 'in_app', body: '{% if scores.churn_risk > 0.5 %}We miss you{% endif %} {{ user.first_name | default: "friend" }}', html: '<b>{{ subscription.tier | default: "free" }}</b>' });
    expect(inApp.template.variables.sort()).toEqual(['scores', 'subscription', 'user']);
    await c.close();
  });

  it('list_templates pages newest first and filters by channel and status', async () => {
    const { c } = await fresh();
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const args = i % 2 ? { name: `Push ${i}`, channel: 'push', subject: 'Hey', body: 'Hi {{ first_name }}' } : { ...valid, name: `Mail ${i}` };
      names.push((await c.ok('create_template', args)).template.name);
    }
    const first = await c.ok('list_templates', { limit: 2 });
    expect(first.templates.map((x: any) => x.name)).toEqual(['Mail 4', 'Push 3']);
    expect(first.templates[0]).toMatchObject({ channel: 'email', status: 'active', version: 1, subject: valid.subject, has_html: true, body_chars: valid.body.length });
    expect(first.templates[0]).not.toHaveProperty('body');
    const second = await c.ok('list_templates', { limit: 2, cursor: first.next_cursor });
    expect(second.templates.map((x: any) => x.name)).toEqual(['Mail 2', 'Push 1']);
    const third = await c.ok('list_templates', { limit: 2, cursor: second.next_cursor });
    expect(third).toMatchObject({ templates: [{ name: 'Mail 0' }], next_cursor: null });

    const push = await c.ok('list_templates', { channel: 'push' });
    expect(push.templates.map((x: any) => x.name)).toEqual(['Push 3', 'Push 1']);
    await c.ok('update_template', { template_id: push.templates[0].id, status: 'archived' });
    expect((await c.ok('list_templates', { status: 'archived' })).templates.map((x: any) => x.name)).toEqual(['Push 3']);
    expect((await c.ok('list_templates', { channel: 'push', status: 'active' })).templates.map((x: any) => x.name)).toEqual(['Push 1']);
    expect((await c.ok('list_templates', { search: 'MAIL' })).templates).toHaveLength(3);

    expect(await c.fail('list_templates', { channel: 'fax' })).toContain('channel must be one of: email, push, sms, in_app, webhook');
    expect(await c.fail('list_templates', { limit: 0 })).toContain('limit must be at least 1');
    expect(await c.fail('list_templates', { cursor: 'cmp_x' })).toContain('cursor must be the next_cursor value of a previous page');
    await c.close();
  });
});

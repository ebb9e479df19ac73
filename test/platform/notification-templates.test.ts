/**
 * The notification_service template client (src/platform/http/notification-templates.ts) and the
 * list_platform_templates / manage_platform_template tools, against a fake notification_service on
 * 127.0.0.1 that follows the contract (../shared/platform-contracts.md section 1, "Templates"),
 * including its 404s, its 500 on a PUT to a missing id, and injected 5xx answers.
 */
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { NotificationTemplates } from '../../src/domain/platform.js';
import { createPlatformClient, PlatformError } from '../../src/platform/http/client.js';
import { httpNotificationTemplates } from '../../src/platform/http/notification-templates.js';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { startFakeNotificationService, type FakeNotificationService } from '../helpers/fake-notification.js';
import { connect, type Connected } from '../helpers/mcp.js';

const SECRET = 'isvc-secret-templates-never-echo';
const BASE = '/api/v1/notifications/templates';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('notification_service templates client', () => {
  let fake: FakeNotificationService;
  let agent: Agent;
  let client: NotificationTemplates;
  beforeAll(() => {
    agent = new Agent({ keepAliveTimeout: 1_000 });
  });
  afterAll(async () => agent?.close());
  beforeEach(async () => {
    fake = await startFakeNotificationService();
    client = httpNotificationTemplates(
      createPlatformClient({ service: 'notification_service', baseUrl: fake.url, secret: SECRET, timeoutMs: 2_000, retries: 1, retryBaseMs: 5, dispatcher: agent }),
    );
  });
  afterEach(async () => fake?.close());

  const welcome = { name: 'Welcome', type: 'email' as const, subject: 'Hi {{first_name}}', content: 'Welcome {{first_name}}, use {{code}}', html_content: '<p>{{first_name}}</p>', variables: ['first_name', 'code'], metadata: { team: 'growth' } };

  it('creates, reads, lists, updates, renders and deletes, with the internal-service headers', async () => {
    const created = await client.create(welcome);
    expect(created).toMatchObject({ name: 'Welcome', type: 'email', status: 'active', version: 1, variables: ['first_name', 'code'], metadata: { team: 'growth' }, description: null });
    expect(created.template_id).toMatch(/^tpl_email_\d+\.\d+$/);
    const [post] = fake.requestsTo('POST', BASE);
    expect(post!.headers['x-internal-service']).toBe('true');
    expect(post!.headers['x-internal-service-secret']).toBe(SECRET);
    expect(post!.body).toEqual(welcome);

    expect(await client.get(created.template_id)).toEqual(created);
    const sms = await client.create({ name: 'Code', type: 'sms', content: 'Code {{code}}', variables: ['code'], metadata: {} });
    expect((await client.list({ limit: 10, offset: 0 })).map((t) => t.name)).toEqual(['Code', 'Welcome']);
    expect((await client.list({ type: 'email', limit: 10, offset: 0 })).map((t) => t.name)).toEqual(['Welcome']);
    expect((await client.list({ limit: 1, offset: 1 })).map((t) => t.name)).toEqual(['Welcome']);
    expect(fake.requests.at(-1)!.query).toEqual({ limit: '1', offset: '1' });

    const updated = await client.update(created.template_id, { content: 'Hello {{first_name}}', status: 'inactive' });
    expect(updated).toMatchObject({ template_id: created.template_id, content: 'Hello {{first_name}}', status: 'inactive', subject: 'Hi {{first_name}}', version: 1 });
    expect(fake.requestsTo('PUT', `${BASE}/${created.template_id}`)[0]!.body).toEqual({ content: 'Hello {{first_name}}', status: 'inactive' });
    expect((await client.list({ status: 'inactive', limit: 10, offset: 0 })).map((t) => t.template_id)).toEqual([created.template_id]);

    expect(await client.render(created.template_id, { first_name: 'Ada' })).toEqual({ template_id: created.template_id, subject: 'Hi Ada', content: 'Hello Ada', html_content: '<p>Ada</p>' });
    expect(await client.render(sms.template_id, { other: 1 })).toEqual({ template_id: sms.template_id, subject: null, content: 'Code {{code}}', html_content: null });

    await client.delete(sms.template_id);
    expect(fake.templates.map((t) => t.template_id)).toEqual([created.template_id]);
  });

  it('turns a 404 into not_found for get, update, delete and render, and never PUTs to a missing id', async () => {
    for (const call of [
      () => client.get('tpl_email_1.0'),
      () => client.update('tpl_email_1.0', { name: 'x' }),
      () => client.delete('tpl_email_1.0'),
      () => client.render('tpl_email_1.0', {}),
    ]) {
      const err = await rejection(call());
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('not_found');
      expect((err as DomainError).toUserText()).toBe("platform template 'tpl_email_1.0' not found. Call list_platform_templates to see the notification service's templates");
    }
    expect(fake.requests.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  it('reports a 5xx as an unavailable PlatformError naming the service and status, never the secret or the raw body', async () => {
    const t = await client.create(welcome);
    fake.inject({ status: 503, detail: `upstream down, secret ${SECRET}`, extra: { trace: 'Traceback: at db.py line 3' } });
    for (const call of [() => client.list({ limit: 5, offset: 0 }), () => client.create(welcome), () => client.render(t.template_id, {}), () => client.delete(t.template_id)]) {
      const err = await rejection(call());
      expect(err).toBeInstanceOf(PlatformError);
      expect(err).toMatchObject({ code: 'unavailable', status: 503, service: 'notification_service' });
      const message = (err as Error).message;
      expect(message).toMatch(/^notification_service (GET|POST|DELETE) \/api\/v1\/notifications\/templates\S*: HTTP 503 \(upstream down, secret \*\*\*\)$/);
      expect(message).not.toContain(SECRET);
      expect(message).not.toContain('Traceback');
    }
    // GETs are retried (retries: 1): the list was asked twice.
    expect(fake.requestsTo('GET', BASE)).toHaveLength(2);
  });

  it("reports the service's 500 on a PUT (its answer for a template deleted after the check) as unavailable", async () => {
    const t = await client.create(welcome);
    fake.inject({ status: 500, detail: 'Failed to update template' }, 1, { method: 'PUT' });
    const err = await rejection(client.update(t.template_id, { name: 'New' }));
    expect(err).toMatchObject({ code: 'unavailable', status: 500 });
    expect((err as Error).message).toBe(`notification_service PUT ${BASE}/${t.template_id}: HTTP 500 (Failed to update template)`);
    // Not retried: one PUT.
    expect(fake.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('refuses an answer of the wrong shape as bad_response', async () => {
    fake.inject({ body: JSON.stringify([{ template_id: 1 }]) }, 1);
    const err = await rejection(client.list({ limit: 5, offset: 0 }));
    expect(err).toMatchObject({ code: 'bad_response' });
    expect((err as Error).message).toContain('unexpected response shape at 0.template_id');
  });
});

describe('platform template tools', () => {
  let fake: FakeNotificationService;
  let t: TestApp;
  let mcp: Connected;
  beforeAll(async () => {
    fake = await startFakeNotificationService();
    t = await testApp('sqlite', { NOTIFICATION_SERVICE_URL: fake.url, PLATFORM_TIMEOUT_MS: '2000' });
    mcp = await connect(t.ctx, principal('default'));
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
    await fake?.close();
  });

  it('creates a template with variables taken from the text and warns about Liquid the platform will not render', async () => {
    const out = await mcp.ok('manage_platform_template', {
      action: 'create',
      name: 'Renewal',
      type: 'email',
      subject: 'Renew, {{first_name}}',
      content: 'Hi {{ first_name }}, your {{plan}} renews {% if soon %}soon{% endif %}.',
    });
    expect(out).toMatchObject({ action: 'create', template: { name: 'Renewal', type: 'email', variables: ['first_name', 'plan'], status: 'active' } });
    expect(out.template_id).toBe(out.template.template_id);
    expect(out.warnings).toEqual(['The platform fills only {{name}} placeholders and will leave these as they are: {{ first_name }}, {% if soon %}, {% endif %}. Write {{first_name}} (no spaces, filters or tags)']);
    expect(fake.templates.at(-1)!.variables).toEqual(['first_name', 'plan']);
    const [last] = await t.store.audit.list('default', 1);
    expect(last).toMatchObject({ action: 'manage_platform_template', targetType: 'platform_template', targetId: out.template_id, result: 'ok' });
  });

  it('lists, gets and renders through list_platform_templates', async () => {
    const { template_id } = await mcp.ok('manage_platform_template', { action: 'create', name: 'Push hi', type: 'push', subject: 'Hi', content: 'Hello {{first_name}} from {{city}}' });
    const page = await mcp.ok('list_platform_templates', { type: 'push', limit: 1 });
    expect(page).toMatchObject({ action: 'list', templates: [{ template_id, name: 'Push hi', type: 'push', content_chars: 'Hello {{first_name}} from {{city}}'.length, has_html: false }], next_offset: 1 });
    expect(page.templates[0]).not.toHaveProperty('content');
    expect(await mcp.ok('list_platform_templates', { type: 'push', limit: 1, offset: 1 })).toMatchObject({ templates: [], next_offset: null });
    expect(fake.requests.at(-1)!.query).toEqual({ type: 'push', limit: '1', offset: '1' });

    expect(await mcp.ok('list_platform_templates', { action: 'get', template_id })).toMatchObject({ action: 'get', template: { template_id, content: 'Hello {{first_name}} from {{city}}' } });
    expect(await mcp.ok('list_platform_templates', { action: 'render', template_id, variables: { first_name: 'Ada' } })).toEqual({
      action: 'render',
      rendered: { template_id, subject: 'Hi', content: 'Hello Ada from {{city}}', html_content: null, unfilled: ['city'] },
    });
  });

  it('updates (recomputing variables from the new text) and deletes through manage_platform_template', async () => {
    const { template_id } = await mcp.ok('manage_platform_template', { action: 'create', name: 'Upd', type: 'in_app', content: 'Hi {{a}}' });
    const up = await mcp.ok('manage_platform_template', { action: 'update', template_id, content: 'Hi {{b}} and {{c}}', status: 'inactive' });
    expect(up).toMatchObject({ action: 'update', template: { content: 'Hi {{b}} and {{c}}', variables: ['b', 'c'], status: 'inactive' }, warnings: [] });
    expect(fake.requestsTo('PUT', `${BASE}/${template_id}`)[0]!.body).toEqual({ content: 'Hi {{b}} and {{c}}', status: 'inactive', variables: ['b', 'c'] });
    const declared = await mcp.ok('manage_platform_template', { action: 'update', template_id, content: 'Hi {{b}}', variables: ['b', 'z'] });
    expect(declared.warnings).toEqual(['variables lists names the text does not use: z']);

    expect(await mcp.ok('manage_platform_template', { action: 'delete', template_id })).toEqual({ action: 'delete', template_id, deleted: true, warnings: [] });
    expect(await mcp.fail('list_platform_templates', { action: 'get', template_id })).toBe(`platform template '${template_id}' not found. Call list_platform_templates to see the notification service's templates`);
    expect(await mcp.fail('manage_platform_template', { action: 'update', template_id, name: 'again' })).toContain('not found');
    expect(await mcp.fail('manage_platform_template', { action: 'delete', template_id })).toContain('not found');
    expect(await mcp.fail('list_platform_templates', { action: 'render', template_id })).toContain('not found');
  });

  it('surfaces a 5xx as a tool error naming the service and status', async () => {
    fake.inject({ status: 502, detail: 'bad gateway' });
    expect(await mcp.fail('list_platform_templates', {})).toBe(`notification_service GET ${BASE}: HTTP 502 (bad gateway)`);
    expect(await mcp.fail('manage_platform_template', { action: 'create', name: 'X', type: 'email', content: 'x' })).toBe(`notification_service POST ${BASE}: HTTP 502 (bad gateway)`);
  });

  it('refuses inconsistent input before calling the service', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['list_platform_templates', { action: 'get' }, "action 'get' needs template_id"],
      ['list_platform_templates', { action: 'get', template_id: 'tpl_x', limit: 5 }, "limit is only for action 'list'"],
      ['list_platform_templates', { template_id: 'tpl_x' }, "template_id is for action 'get' or 'render'"],
      ['list_platform_templates', { action: 'render', template_id: 'bad id!' }, 'template_id must be a notification service template id'],
      ['list_platform_templates', { action: 'render', template_id: 'tpl_x', variables: { 'a b': 'x' } }, 'variables must map placeholder names'],
      ['list_platform_templates', { limit: 500 }, 'limit must be at most 100'],
      ['list_platform_templates', { type: 'fax' }, 'type must be one of: email, sms, in_app, push, webhook'],
      ['manage_platform_template', { name: 'x' }, 'action must be one of: create, update, delete'],
      ['manage_platform_template', { action: 'create', name: 'x', type: 'email' }, "action 'create' needs content"],
      ['manage_platform_template', { action: 'create', template_id: 'tpl_x', name: 'x', type: 'email', content: 'x' }, "template_id is not for action 'create'"],
      ['manage_platform_template', { action: 'update', template_id: 'tpl_x' }, "action 'update' needs at least one field to change"],
      ['manage_platform_template', { action: 'update', template_id: 'tpl_x', type: 'sms' }, "type cannot change"],
      ['manage_platform_template', { action: 'delete' }, "action 'delete' needs template_id"],
      ['manage_platform_template', { action: 'delete', template_id: 'tpl_x', name: 'x' }, "action 'delete' takes only template_id (remove name)"],
      ['manage_platform_template', { action: 'create', name: 'x', type: 'email', content: 'x', variables: ['a-b'] }, 'variables[] must be placeholder names'],
    ];
    for (const [tool, args, expected] of cases) expect(await mcp.fail(tool, args), `${tool} ${JSON.stringify(args)}`).toContain(expected);
    expect(fake.requests).toEqual([]);
  });

  it('says clearly that the service is not configured when NOTIFICATION_SERVICE_URL is unset', async () => {
    const plain = await testApp('sqlite');
    const c = await connect(plain.ctx, principal('default'));
    try {
      const expected = "The platform's notification service is not configured (NOTIFICATION_SERVICE_URL is not set), so its templates cannot be reached. Set NOTIFICATION_SERVICE_URL";
      expect(await c.fail('list_platform_templates', {})).toContain(expected);
      expect(await c.fail('manage_platform_template', { action: 'create', name: 'x', type: 'email', content: 'x' })).toContain(expected);
    } finally {
      await c.close();
      await plain.dispose();
    }
  });
});

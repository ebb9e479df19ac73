/**
 * The template and personalization-cache repositories against a SQLite file and a real
 * PostgreSQL database: versions, optimistic updates, archiving, the checks made on save, and the
 * cache's expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import type { NewTemplate } from '../../src/domain/templates/model.js';
import { testApp, type TestApp } from '../helpers/app.js';
import { dialects } from '../helpers/db.js';

const email = (over: Partial<NewTemplate> = {}): NewTemplate => ({
  name: 'Welcome',
  description: 'First mail',
  channel: 'email',
  subject: 'Welcome, {{ first_name | default: "there" }}',
  body: 'Hi {{ first_name }}, enjoy {{ offer }}.',
  html: '<p>Hi {{ first_name }}</p>',
  template_vars: { offer: '10% off' },
  ...over,
});

async function domainError(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

describe.each(await dialects())('template store on %s', (dialect) => {
  let t: TestApp;
  let n = 0;
  const ws = () => `tpl_ws_${++n}`;
  beforeAll(async () => {
    t = await testApp(dialect);
  });
  afterAll(async () => t?.dispose());

  it('creates version 1, reads it back and keeps the version row', async () => {
    const w = ws();
    const created = await t.store.templates.create(w, email(), 'alice');
    expect(created).toMatchObject({
      workspace_id: w,
      name: 'Welcome',
      channel: 'email',
      status: 'active',
      version: 1,
      template_vars: { offer: '10% off' },
      created_by: 'alice',
      created_at: t.clock.now().toISOString(),
    });
    expect(created.id).toMatch(/^tpl_[0-9a-f]{32}$/);
    expect([...created.variables].sort()).toEqual(['first_name', 'offer']);
    expect(await t.store.templates.get(w, created.id)).toEqual(created);
    expect(await t.store.templates.get('elsewhere', created.id)).toBeNull();
    expect(await t.store.templates.versions(w, created.id, 10)).toEqual([
      {
        template_id: created.id,
        version: 1,
        subject: created.subject,
        body: created.body,
        html: created.html,
        template_vars: { offer: '10% off' },
        created_by: 'alice',
        created_at: created.created_at,
      },
    ]);
  });

  it('round-trips a template without subject or html', async () => {
    const w = ws();
    const sms = await t.store.templates.create(w, { name: 'Code', description: '', channel: 'sms', body: 'Your code: {{ code }}', template_vars: { code: '0000' } }, 'bob');
    const got = await t.store.templates.get(w, sms.id);
    expect(got).toEqual(sms);
    expect(got).not.toHaveProperty('subject');
    expect(got).not.toHaveProperty('html');
  });

  it('refuses a name already used in the workspace, but not in another one', async () => {
    const w = ws();
    await t.store.templates.create(w, email(), 'alice');
    const err = await domainError(t.store.templates.create(w, email({ name: '  Welcome ' }), 'alice'));
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/A template named 'Welcome' already exists \(tpl_/);
    await expect(t.store.templates.create(ws(), email(), 'alice')).resolves.toMatchObject({ name: 'Welcome' });
  });

  it('saves each update as the next version and keeps the old ones readable', async () => {
    const w = ws();
    const v1 = await t.store.templates.create(w, email(), 'alice');
    t.clock.advance(60_000);
    const v2 = await t.store.templates.update(w, v1.id, { body: 'Hello {{ first_name }}! {{ offer }} inside.' }, 'bob', 1);
    t.clock.advance(60_000);
    const v3 = await t.store.templates.update(w, v1.id, { html: null, name: 'Welcome v3', template_vars: { offer: '15% off' } }, 'carol');
    expect(v2).toMatchObject({ version: 2, body: 'Hello {{ first_name }}! {{ offer }} inside.', subject: v1.subject, created_by: 'alice' });
    expect(v3).toMatchObject({ version: 3, name: 'Welcome v3', template_vars: { offer: '15% off' } });
    expect(v3).not.toHaveProperty('html');
    expect(v3.updated_at).toBe(t.clock.now().toISOString());
    const history = await t.store.templates.versions(w, v1.id, 10);
    expect(history.map((h) => [h.version, h.created_by])).toEqual([
      [3, 'carol'],
      [2, 'bob'],
      [1, 'alice'],
    ]);
    const old = await t.store.templates.getVersion(w, v1.id, 1);
    expect(old).toMatchObject({ version: 1, body: v1.body, subject: v1.subject, html: v1.html, template_vars: { offer: '10% off' } });
    expect(await t.store.templates.getVersion(w, v1.id, 4)).toBeNull();
  });

  it('checks the whole template after the patch: an email cannot lose its subject', async () => {
    const w = ws();
    const v1 = await t.store.templates.create(w, email(), 'alice');
    const err = await domainError(t.store.templates.update(w, v1.id, { subject: null }, 'bob'));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toBe('an email template needs a subject');
    expect(await t.store.templates.get(w, v1.id)).toEqual(v1);
  });

  it('refuses an update whose expected_version is not current, changing nothing', async () => {
    const w = ws();
    const v1 = await t.store.templates.create(w, email(), 'alice');
    await t.store.templates.update(w, v1.id, { description: 'second' }, 'bob', 1);
    const err = await domainError(t.store.templates.update(w, v1.id, { description: 'stale' }, 'carol', 1));
    expect(err.code).toBe('conflict');
    expect(err.toUserText()).toContain(`Template '${v1.id}' is at version 2, not 1 (expected_version)`);
    expect(err.toUserText()).toContain(`template://${v1.id}`);
    const now = await t.store.templates.get(w, v1.id);
    expect(now).toMatchObject({ version: 2, description: 'second' });
    expect(await t.store.templates.versions(w, v1.id, 10)).toHaveLength(2);
  });

  it('refuses renaming onto another template of the workspace', async () => {
    const w = ws();
    await t.store.templates.create(w, email({ name: 'A' }), 'alice');
    const b = await t.store.templates.create(w, email({ name: 'B' }), 'alice');
    const err = await domainError(t.store.templates.update(w, b.id, { name: 'A' }, 'alice'));
    expect(err.code).toBe('conflict');
    expect((await t.store.templates.get(w, b.id))!.name).toBe('B');
    // Keeping one's own name is no conflict.
    await expect(t.store.templates.update(w, b.id, { name: 'B', description: 'same name' }, 'alice')).resolves.toMatchObject({ version: 2 });
  });

  it('archives a template, after which it cannot be changed', async () => {
    const w = ws();
    const v1 = await t.store.templates.create(w, email(), 'alice');
    const archived = await t.store.templates.update(w, v1.id, { status: 'archived' }, 'bob');
    expect(archived).toMatchObject({ status: 'archived', version: 2 });
    const err = await domainError(t.store.templates.update(w, v1.id, { body: 'again' }, 'bob'));
    expect(err.code).toBe('invalid_transition');
    expect(err.message).toBe(`Template '${v1.id}' is archived; archived templates cannot be changed`);
    const err2 = await domainError(t.store.templates.update(w, v1.id, { status: 'active' }, 'bob'));
    expect(err2.code).toBe('invalid_transition');
    expect(await t.store.templates.get(w, v1.id)).toEqual(archived);
  });

  it('reports a missing template as not_found', async () => {
    const err = await domainError(t.store.templates.update(ws(), `tpl_${'0'.repeat(32)}`, { body: 'x' }, 'a'));
    expect(err.code).toBe('not_found');
    expect(err.toUserText()).toContain('Call list_templates');
  });

  it('checks syntax (with line and column) and variables on save, writing nothing', async () => {
    const w = ws();
    const syntax = await domainError(t.store.templates.create(w, email({ body: 'Hi\n{% if first_name %}unclosed' }), 'alice'));
    expect(syntax.message).toBe('body has a template error at line 2, column 1: tag {% if first_name %} not closed');
    const unknown = await domainError(t.store.templates.create(w, email({ body: 'Use {{ coupon }} now' }), 'alice'));
    expect(unknown.message).toContain('the template uses a variable nothing provides: {{ coupon }} (in body)');
    expect(unknown.message).toContain('Known variables: user_id, user_name, first_name');
    expect(unknown.hint).toContain('"template_vars": {"coupon": "..."}');
    expect(unknown.hint).toContain('{{ coupon | default: "..." }}');
    expect((await t.store.templates.list(w, { limit: 10 })).items).toEqual([]);
    // A default in the template, or a template var, makes it acceptable.
    await expect(t.store.templates.create(w, email({ name: 'D', body: 'Use {{ coupon | default: "none" }}' }), 'alice')).resolves.toMatchObject({ variables: expect.arrayContaining(['coupon', 'first_name']) });
    await expect(t.store.templates.create(w, email({ name: 'V', body: 'Use {{ coupon }}', template_vars: { coupon: 'X' } }), 'alice')).resolves.toMatchObject({ version: 1 });
  });

  it('lists newest first with filters and a cursor', async () => {
    const w = ws();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const tpl = i % 2 === 0 ? email({ name: `E${i}` }) : { name: `P${i}`, description: '', channel: 'push' as const, subject: 'Hey', body: 'Push {{ first_name }}', template_vars: {} };
      ids.push((await t.store.templates.create(w, tpl, 'alice')).id);
    }
    await t.store.templates.update(w, ids[0]!, { status: 'archived' }, 'alice');
    const first = await t.store.templates.list(w, { limit: 2 });
    expect(first.items.map((x) => x.name)).toEqual(['E4', 'P3']);
    const second = await t.store.templates.list(w, { limit: 2, cursor: first.next_cursor! });
    expect(second.items.map((x) => x.name)).toEqual(['E2', 'P1']);
    const third = await t.store.templates.list(w, { limit: 2, cursor: second.next_cursor! });
    expect(third).toMatchObject({ items: [{ name: 'E0', status: 'archived' }], next_cursor: null });
    expect((await t.store.templates.list(w, { limit: 10, channel: 'push' })).items.map((x) => x.name)).toEqual(['P3', 'P1']);
    expect((await t.store.templates.list(w, { limit: 10, channel: 'email', status: 'active' })).items.map((x) => x.name)).toEqual(['E4', 'E2']);
    expect((await t.store.templates.list(w, { limit: 10, search: 'p' })).items.map((x) => x.name)).toEqual(['P3', 'P1']);
    expect(await t.store.templates.completeIds(w, ids[4]!.slice(0, 30), 5)).toContain(ids[4]);
  });

  describe('personalization cache', () => {
    it('returns an entry until it expires, replaces it under the same key, and forgets a person', async () => {
      const w = ws();
      const now = t.clock.now();
      const later = new Date(now.getTime() + 3_600_000);
      await t.store.personalizationCache.put(w, { cacheKey: 'k1', userId: 'u1', templateId: 'tpl_x', templateVersion: 2, mode: 'render', result: { subject: 'Hi', text: 'Hello' }, expiresAt: later });
      await t.store.personalizationCache.put(w, { cacheKey: 'k2', userId: 'u1', mode: 'adapt', result: ['a', 1], expiresAt: later });
      await t.store.personalizationCache.put(w, { cacheKey: 'k3', userId: 'u2', mode: 'adapt', result: { n: 3 }, expiresAt: later });
      expect(await t.store.personalizationCache.get(w, 'k1', now)).toEqual({ subject: 'Hi', text: 'Hello' });
      expect(await t.store.personalizationCache.get(w, 'k2', now)).toEqual(['a', 1]);
      expect(await t.store.personalizationCache.get('other', 'k1', now)).toBeNull();
      expect(await t.store.personalizationCache.get(w, 'k1', later)).toBeNull();
      expect(await t.store.personalizationCache.get(w, 'missing', now)).toBeNull();

      await t.store.personalizationCache.put(w, { cacheKey: 'k1', userId: 'u1', mode: 'render', result: { subject: 'New' }, expiresAt: later });
      expect(await t.store.personalizationCache.get(w, 'k1', now)).toEqual({ subject: 'New' });

      expect(await t.store.personalizationCache.deleteForUser(w, 'u1')).toBe(2);
      expect(await t.store.personalizationCache.get(w, 'k1', now)).toBeNull();
      expect(await t.store.personalizationCache.get(w, 'k3', now)).toEqual({ n: 3 });
      expect(await t.store.personalizationCache.deleteForUser(w, 'u1')).toBe(0);
    });
  });
});

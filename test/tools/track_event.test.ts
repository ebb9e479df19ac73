/**
 * Event ingestion through track_event (MCP) and POST /events (the http listener in another
 * process): events are stored once per id whatever the retries, bad input is refused naming the
 * event and stores nothing, and the HTTP route needs a token with the write scope.
 */
import { request } from 'node:http';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principal, testApp, type TestApp } from '../helpers/app.js';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { dialects, query, sqliteDatabase } from '../helpers/db.js';
import { connect, type Connected } from '../helpers/mcp.js';

describe.each(await dialects())('track_event on %s', (dialect) => {
  let t: TestApp;
  let mcp: Connected;
  beforeAll(async () => {
    t = await testApp(dialect);
    mcp = await connect(t.ctx, principal('default'));
  });
  afterAll(async () => {
    await mcp?.close();
    await t?.dispose();
  });
  const stored = async (type: string) => (await query<{ id: string }>(t, `SELECT id FROM events WHERE type = ${dialect === 'sqlite' ? '?' : '$1'}`, [type])).map((r) => r.id).sort();

  it('stores events once per id, however often they are sent', async () => {
    const events = [
      { id: 'order-1', user_id: 'u1', type: 'purchase', properties: { amount: 42 }, occurred_at: '2026-12-01T10:00:00Z' },
      { id: 'order-2', user_id: 'u2', type: 'purchase', properties: { amount: 10 } },
      { id: 'order-2', user_id: 'u2', type: 'purchase', properties: { amount: 10 } },
    ];
    expect(await mcp.ok('track_event', { events })).toEqual({ accepted: 2, duplicates: 1, ids: ['order-1', 'order-2', 'order-2'], triggered: { entered: 0, exited: 0, advanced: 0, skipped: 0 } });
    expect(await mcp.ok('track_event', { events })).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(await stored('purchase')).toEqual(['order-1', 'order-2']);
    const anonymous = await mcp.ok('track_event', { events: [{ user_id: 'u3', type: 'page.view' }] });
    expect(anonymous.ids[0]).toMatch(/^evt_/);
    expect(await stored('page.view')).toEqual(anonymous.ids);
  });

  it('refuses bad events with a message naming the event, and stores none of the call', async () => {
    const ok = { user_id: 'u1', type: 'bad.batch' };
    expect(await mcp.fail('track_event', { events: [ok, { ...ok, occurred_at: '2030-01-01T00:00:00Z' }] })).toMatch(/events\[1\]\.occurred_at .* is in the future/);
    expect(await mcp.fail('track_event', { events: [ok, { ...ok, properties: { blob: 'x'.repeat(20_000) } }] })).toMatch(/events\[1\]\.properties is \d+ bytes; at most 16384/);
    expect(await mcp.fail('track_event', { events: [{ ...ok, type: 'has spaces' }] })).toMatch(/type must be 1-100 letters/);
    expect(await mcp.fail('track_event', { events: Array.from({ length: 501 }, () => ok) })).toMatch(/at most 500 events/);
    expect(await mcp.fail('track_event', { events: [{ ...ok, colour: 'red' }] })).toMatch(/colour/);
    expect(await stored('bad.batch')).toEqual([]);
  });
});

function post(url: string, body: string, token?: string, contentType = 'application/json') {
  const u = new URL(url);
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('POST /events on the http listener', () => {
  const db = sqliteDatabase();
  let server: RunningCli;
  let url: string;
  beforeAll(async () => {
    server = startCli(['http'], { DATABASE_URL: db.url, MCP_HTTP_PORT: '0', MCP_HTTP_TOKENS: 'producer=read,write;viewer=read' });
    url = (await server.waitFor(/MCP endpoint: (\S+)/))[1]!.replace(/\/mcp$/, '/events');
  });
  afterAll(async () => {
    await server?.stop();
    await db.drop();
  });
  const count = () => {
    const raw = new Database(db.url, { readonly: true });
    try {
      return (raw.prepare("select count(*) as n from events where type like 'http.%'").get() as { n: number }).n;
    } finally {
      raw.close();
    }
  };

  it('takes one event or a batch, once per id, after the commit', async () => {
    const one = await post(url, JSON.stringify({ id: 'h-1', user_id: 'u1', type: 'http.signup' }), 'producer');
    expect(one).toMatchObject({ status: 200, body: { accepted: 1, duplicates: 0, ids: ['h-1'] } });
    const batch = await post(url, JSON.stringify({ events: [{ id: 'h-1', user_id: 'u1', type: 'http.signup' }, { id: 'h-2', user_id: 'u2', type: 'http.purchase', properties: { amount: 5 } }] }), 'producer');
    expect(batch).toMatchObject({ status: 200, body: { accepted: 1, duplicates: 1, ids: ['h-1', 'h-2'] } });
    expect(count()).toBe(2);
  });

  it('refuses what it cannot take, and stores nothing', async () => {
    expect((await post(url, JSON.stringify({ user_id: 'u1', type: 'http.x' }))).status).toBe(401);
    expect((await post(url, JSON.stringify({ user_id: 'u1', type: 'http.x' }), 'viewer')).status).toBe(403);
    expect(await post(url, JSON.stringify({ type: 'http.x' }), 'producer')).toEqual({ status: 400, body: { error: expect.stringMatching(/^user_id: user_id is required/) } });
    expect(await post(url, JSON.stringify({ events: [{ user_id: 'u1', type: 'http.x', occurred_at: '2031-01-01T00:00:00Z' }] }), 'producer')).toEqual({ status: 400, body: { error: expect.stringMatching(/events\[0\]\.occurred_at .* is in the future/) } });
    expect((await post(url, '{not json', 'producer')).status).toBe(400);
    expect((await post(url, 'user_id=u1', 'producer', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post(url, JSON.stringify({ user_id: 'u1', type: 'http.x', properties: { blob: 'x'.repeat(3 * 1024 * 1024) } }), 'producer')).status).toBe(413);
    expect(count()).toBe(2);
  });
});

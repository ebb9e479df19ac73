/** `agentic-campaign http` in another process: MCP over Streamable HTTP, bearer auth, DNS-rebinding guard. */
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningCli } from '../helpers/cli.js';
import { sqliteDatabase } from '../helpers/db.js';

const TOKENS = 's3cret-admin=read,write,send;viewer-token=read;globex-admin=read,write@globex';
const draft = { name: 'Over HTTP', channels: ['email'], variants: [{ subject: 'Hi', body: 'Hello' }] };

async function connectHttp(url: string, token?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
  });
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** A raw HTTP request (lets a test set Host and Origin freely). */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer }) {
  const u = new URL(url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: opts.method ?? 'POST', headers: opts.headers },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('Streamable HTTP transport with tokens', () => {
  const db = sqliteDatabase();
  let server: RunningCli;
  let url: string;
  let admin: Client;
  beforeAll(async () => {
    server = startCli(['http'], { DATABASE_URL: db.url, MCP_HTTP_PORT: '0', MCP_HTTP_TOKENS: TOKENS });
    url = (await server.waitFor(/MCP endpoint: (\S+)/))[1]!;
    admin = await connectHttp(url, 's3cret-admin');
  });
  afterAll(async () => {
    await admin?.close();
    await server?.stop();
    await db.drop();
  });

  const adminCampaigns = async () => ((await admin.callTool({ name: 'list_campaigns', arguments: { limit: 100 } })).structuredContent as any).campaigns;

  it('serves initialize, tools/list, tools/call and resources/read to a token holder', async () => {
    expect(admin.getServerVersion()).toMatchObject({ name: 'agentic-campaign' });
    expect((await admin.listTools()).tools.map((t) => t.name)).toContain('create_campaign');
    const created = await admin.callTool({ name: 'create_campaign', arguments: draft });
    const id = (created.structuredContent as any).campaign.id;
    const read = await admin.readResource({ uri: `campaign://${id}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text).campaign.status).toBe('draft');
  });

  it('answers 401 to a missing or wrong token, and creates nothing', async () => {
    const before = await adminCampaigns();
    const none = await raw(url, { headers: { ...JSON_HEADERS, host: new URL(url).host }, body: INIT });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await raw(url, { headers: { ...JSON_HEADERS, host: new URL(url).host, authorization: 'Bearer s3cret-admin2' }, body: INIT });
    expect(wrong.status).toBe(401);
    await expect(connectHttp(url, 'not-a-token')).rejects.toThrow();
    expect(await adminCampaigns()).toEqual(before);
  });

  it('refuses a write tool to a read-only token, naming the missing scope', async () => {
    const viewer = await connectHttp(url, 'viewer-token');
    try {
      const r = await viewer.callTool({ name: 'create_campaign', arguments: draft });
      expect(r.isError).toBe(true);
      expect((r.content as any)[0].text).toContain("needs the 'write' scope");
      const listed = await viewer.callTool({ name: 'list_campaigns', arguments: {} });
      expect(listed.isError).toBeFalsy();
    } finally {
      await viewer.close();
    }
  });

  it("binds each token to its workspace: globex cannot see or change the default workspace's campaigns", async () => {
    const created = await admin.callTool({ name: 'create_campaign', arguments: { ...draft, name: 'Default-only' } });
    const id = (created.structuredContent as any).campaign.id;
    const globex = await connectHttp(url, 'globex-admin');
    try {
      const listed = (await globex.callTool({ name: 'list_campaigns', arguments: { limit: 100 } })).structuredContent as any;
      expect(listed.campaigns.map((c: any) => c.id)).not.toContain(id);
      const archive = await globex.callTool({ name: 'update_campaign_status', arguments: { campaign_id: id, action: 'archive' } });
      expect(archive.isError).toBe(true);
      await expect(globex.readResource({ uri: `campaign://${id}` })).rejects.toThrow(/not found/);
    } finally {
      await globex.close();
    }
    const read = await admin.readResource({ uri: `campaign://${id}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text).campaign.status).toBe('draft');
  });

  it("does not let one token use another token's session", async () => {
    const init = await raw(url, { headers: { ...JSON_HEADERS, host: new URL(url).host, authorization: 'Bearer s3cret-admin' }, body: INIT });
    expect(init.status).toBe(200);
    const sessionId = String(init.headers['mcp-session-id']);
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} });
    const stolen = await raw(url, {
      headers: { ...JSON_HEADERS, host: new URL(url).host, authorization: 'Bearer viewer-token', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: list,
    });
    expect(stolen.status).toBe(404);
  });

  it('rejects a foreign Host or Origin (DNS rebinding) and oversized bodies', async () => {
    const auth = { authorization: 'Bearer s3cret-admin' };
    const evilHost = await raw(url, { headers: { ...JSON_HEADERS, ...auth, host: `evil.example:${new URL(url).port}` }, body: INIT });
    expect(evilHost.status).toBe(403);
    const evilOrigin = await raw(url, { headers: { ...JSON_HEADERS, ...auth, host: new URL(url).host, origin: 'https://evil.example' }, body: INIT });
    expect(evilOrigin.status).toBe(403);
    const localOrigin = await raw(url, { headers: { ...JSON_HEADERS, ...auth, host: new URL(url).host, origin: `http://localhost:${new URL(url).port}` }, body: INIT });
    expect(localOrigin.status).toBe(200);
    const big = await raw(url, { headers: { ...JSON_HEADERS, ...auth, host: new URL(url).host }, body: Buffer.alloc(5 * 1024 * 1024, 32) });
    expect(big.status).toBe(413);
  });
});

describe('Streamable HTTP transport without tokens', () => {
  it('serves loopback clients without authentication', async () => {
    const db = sqliteDatabase();
    const server = startCli(['http'], { DATABASE_URL: db.url, MCP_HTTP_PORT: '0' });
    try {
      const url = (await server.waitFor(/MCP endpoint: (\S+)/))[1]!;
      const client = await connectHttp(url);
      const r = await client.callTool({ name: 'create_campaign', arguments: draft });
      expect(r.isError).toBeFalsy();
      await client.close();
    } finally {
      await server.stop();
      await db.drop();
    }
  });

  it('refuses to start on a non-loopback host', async () => {
    const db = sqliteDatabase();
    const r = await runCli(['http'], { DATABASE_URL: db.url, MCP_HTTP_PORT: '0', MCP_HTTP_HOST: '0.0.0.0' });
    await db.drop();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Refusing to serve MCP on 0.0.0.0 without authentication: set MCP_HTTP_TOKENS');
  });
});

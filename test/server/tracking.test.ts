/**
 * `agentic-campaign http` in another process serving the public tracking routes (/t/o, /t/c, /t/u)
 * for emails its own worker sent over the local channel. The test process shares the SQLite file
 * (WAL): it seeds people and a segment, reads what was delivered, ages the messages past the
 * machine-hit windows, and checks every hit (or its absence) in engagement_events.
 */
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { parseTrackingKeys, signToken, type TokenPayload } from '../../src/domain/tracking/token.js';
import { silentLogger } from '../../src/log.js';
import { startCli, type RunningCli } from '../helpers/cli.js';
import { sqliteDatabase } from '../helpers/db.js';
import { addPeople, tierSegment } from '../helpers/people.js';

const NEW_SECRET = 'trk-new-secret-2-'.padEnd(40, 'n');
const OLD_SECRET = 'trk-old-secret-1-'.padEnd(40, 'o');
const SALE = 'https://shop.example/sale?utm=1&x=2';
const FAQ = 'https://shop.example/faq';
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const PROXY = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const PEOPLE = ['p1', 'p2', 'p3', 'p4'];
const variant = {
  subject: 'Sale',
  body: `Hi {{first_name}}, the sale: ${SALE}`,
  html: `<p>Hi {{first_name}}, see <a href="https://shop.example/sale?utm=1&amp;x=2">the sale</a> and <a href='https://shop.example/faq'>FAQ</a></p>`,
};

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Set when the connection failed or was closed before a whole response arrived. */
  error?: string;
}

/** A raw HTTP request; `chunked` streams the body without a content-length. Never rejects. */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; chunked?: boolean } = {}): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let reply: Reply | undefined;
    let done = false;
    const settle = (error?: string) => {
      if (done) return;
      done = true;
      const r = reply ?? { status: 0, headers: {}, body: Buffer.alloc(0) };
      resolve(error ? { ...r, error } : r);
    };
    const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      reply = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) };
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        reply!.body = Buffer.concat(chunks);
        settle();
      });
      res.on('error', (e) => settle(String(e)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => settle(e.code ?? String(e)));
    if (opts.chunked && opts.body) {
      const body = Buffer.from(opts.body);
      for (let i = 0; i < body.length && !req.destroyed; i += 1 << 20) req.write(body.subarray(i, i + (1 << 20)));
      req.end();
    } else req.end(opts.body);
  });
}

async function connectHttp(url: string): Promise<Client> {
  const client = new Client({ name: 'tracking-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

interface Mail {
  messageId: string;
  html: string;
  text: string;
  links: string[];
  headers: Record<string, string>;
  /** The tracked hrefs of the HTML, in order. */
  clicks: string[];
  pixel: string;
  unsubscribe: string;
}

interface Hit {
  kind: string;
  link_index: number | null;
  is_machine: number;
  is_unique: number;
  is_first: number;
  source: string;
  user_agent: string | null;
  campaign_id: string;
}

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tracking routes served by agentic-campaign http', () => {
  const db = sqliteDatabase();
  let server: RunningCli;
  let sql: Database.Database;
  let client: Client;
  let base: string;
  let firstCampaign: string;
  let mail: Record<string, Mail>;

  const all = <T>(text: string, ...params: unknown[]) => sql.prepare(text).all(...params) as T[];
  const engagementCount = () => all<{ n: number }>('SELECT count(*) AS n FROM engagement_events')[0]!.n;
  const suppressionCount = () => all<{ n: number }>('SELECT count(*) AS n FROM suppressions')[0]!.n;
  const hitsOf = (m: Mail) => all<Hit>('SELECT * FROM engagement_events WHERE message_id = ? ORDER BY occurred_at, kind', m.messageId);
  const sign = (secrets: string, p: TokenPayload) => signToken(parseTrackingKeys(secrets), p);

  const tool = async (name: string, args: Record<string, unknown>): Promise<any> => {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
    return r.structuredContent;
  };

  /** Creates an email campaign to the segment, sends it now over MCP and waits until it is completed. */
  const sendCampaign = async (segmentId: string, name: string): Promise<string> => {
    const created = await tool('create_campaign', { name, segment_id: segmentId, channels: ['email'], variants: [variant] });
    const id: string = created.campaign.id;
    await tool('schedule_send', { campaign_id: id, confirm: true, idempotency_key: `tracking-test-${name.replace(/\W/g, '-')}` });
    for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
      const read = await client.readResource({ uri: `campaign://${id}` });
      const status = JSON.parse((read.contents[0] as { text: string }).text).campaign.status;
      if (status === 'completed') return id;
      if (Date.now() > deadline) throw new Error(`campaign ${id} still '${status}' after 30 s; stderr: ${server.stderr()}`);
    }
  };

  /** What each person's inbox received for a campaign, keyed by user id. */
  const mailOf = (campaignId: string): Record<string, Mail> => {
    const rows = all<{ user_id: string; id: string; rendered: string; payload: string }>(
      `SELECT m.user_id, m.id, m.rendered, d.payload FROM messages m
       JOIN local_deliveries d ON d.workspace_id = m.workspace_id AND d.message_id = m.id WHERE m.campaign_id = ?`,
      campaignId,
    );
    return Object.fromEntries(
      rows.map((r) => {
        const rendered = JSON.parse(r.rendered) as { html: string; text: string; links: string[] };
        const headers = (JSON.parse(r.payload) as { headers: Record<string, string> }).headers;
        const clicks = [...rendered.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
        const pixel = /<img src="([^"]+)"/.exec(rendered.html)?.[1] ?? '';
        const unsubscribe = /^<(.+)>$/.exec(headers['List-Unsubscribe'] ?? '')?.[1] ?? '';
        return [r.user_id, { messageId: r.id, html: rendered.html, text: rendered.text, links: rendered.links, headers, clicks, pixel, unsubscribe }];
      }),
    );
  };

  let segmentId: string;
  beforeAll(async () => {
    const app = await buildApp(loadConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' }), { log: silentLogger });
    try {
      await addPeople(app.store, 'default', PEOPLE.map((id) => ({ id, tier: 'trk' })), new Date());
      segmentId = await tierSegment(app.store, 'default', 'trk');
    } finally {
      await app.close();
    }
    server = startCli(['http'], {
      DATABASE_URL: db.url,
      MCP_HTTP_PORT: '0',
      QUIET_HOURS: 'off',
      FREQUENCY_CAP_PER_DAY: '0',
      FREQUENCY_CAP_PER_WEEK: '0',
      TRACKING_SECRETS: `2:${NEW_SECRET},1:${OLD_SECRET}:2020-01-01T00:00:00Z`,
    });
    const url = (await server.waitFor(/MCP endpoint: (\S+)/))[1]!;
    base = (await server.waitFor(/Tracking links: (\S+)/))[1]!;
    client = await connectHttp(url);
    sql = new Database(db.url);
    firstCampaign = await sendCampaign(segmentId, 'Tracked sale');
    // Past the prefetch and scanner windows: hits from here on are a person's unless the agent says otherwise.
    sql.prepare('UPDATE messages SET sent_at = ? WHERE campaign_id = ?').run(Date.now() - 3_600_000, firstCampaign);
    mail = mailOf(firstCampaign);
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    sql?.close();
    await db.drop();
  });

  it('delivers each email with tracked links, an open pixel and one-click List-Unsubscribe headers', () => {
    expect(Object.keys(mail).sort()).toEqual(PEOPLE);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/t\/$/);
    for (const m of Object.values(mail)) {
      expect(m.links).toEqual([SALE, FAQ]);
      expect(m.clicks).toHaveLength(2);
      for (const c of m.clicks) expect(c).toMatch(new RegExp(`^${base}c/[A-Za-z0-9_-]+$`));
      expect(m.html).not.toContain('shop.example');
      expect(m.text).toBe(`Hi Person, the sale: ${m.clicks[0]}`);
      expect(m.pixel).toMatch(new RegExp(`^${base}o/[A-Za-z0-9_-]+$`));
      expect(m.unsubscribe).toMatch(new RegExp(`^${base}u/[A-Za-z0-9_-]+$`));
      expect(m.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    }
    expect(engagementCount()).toBe(0);
  });

  it('answers the pixel with a 43-byte uncacheable GIF and records one open per fetch, only the first unique', async () => {
    const first = await raw(mail.p1!.pixel, { headers: { 'user-agent': BROWSER } });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('image/gif');
    expect(first.headers['cache-control']).toContain('no-store');
    expect(first.body.length).toBe(43);
    expect(first.body.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(hitsOf(mail.p1!)).toMatchObject([
      { kind: 'open', source: 'pixel', is_machine: 0, is_unique: 1, is_first: 1, user_agent: BROWSER, campaign_id: firstCampaign },
    ]);
    expect((await raw(mail.p1!.pixel, { headers: { 'user-agent': BROWSER } })).status).toBe(200);
    expect(hitsOf(mail.p1!)).toMatchObject([
      { kind: 'open', is_unique: 1 },
      { kind: 'open', source: 'pixel', is_machine: 0, is_unique: 0, is_first: 0 },
    ]);
  });

  it('redirects a click to the original, entity-decoded link and implies an open only when the message had no unique open', async () => {
    const before = hitsOf(mail.p1!).length;
    const sale = await raw(mail.p1!.clicks[0]!, { headers: { 'user-agent': BROWSER } });
    expect(sale.status).toBe(302);
    expect(sale.headers.location).toBe(SALE);
    expect(sale.headers['cache-control']).toContain('no-store');
    const p1 = hitsOf(mail.p1!);
    expect(p1).toHaveLength(before + 1);
    expect(p1.filter((h) => h.kind === 'click')).toMatchObject([{ link_index: 0, source: 'redirect', is_machine: 0, is_unique: 1 }]);

    // p2 never loaded the pixel: the click stands for the open.
    const faq = await raw(mail.p2!.clicks[1]!, { headers: { 'user-agent': BROWSER } });
    expect(faq.status).toBe(302);
    expect(faq.headers.location).toBe(FAQ);
    expect(hitsOf(mail.p2!)).toEqual([
      expect.objectContaining({ kind: 'click', link_index: 1, source: 'redirect', is_machine: 0, is_unique: 1 }),
      expect.objectContaining({ kind: 'open', link_index: null, source: 'click', is_machine: 0, is_unique: 1 }),
    ]);
    // A second click is recorded, but implies no second open.
    expect((await raw(mail.p2!.clicks[0]!, { headers: { 'user-agent': BROWSER } })).headers.location).toBe(SALE);
    const p2 = hitsOf(mail.p2!);
    expect(p2.filter((h) => h.kind === 'click').map((h) => [h.link_index, h.is_unique])).toEqual([[1, 1], [0, 0]]);
    expect(p2.filter((h) => h.kind === 'open')).toHaveLength(1);
  });

  it('records an image proxy fetch as a machine open that does not take the unique open', async () => {
    expect((await raw(mail.p3!.pixel, { headers: { 'user-agent': PROXY } })).status).toBe(200);
    expect(hitsOf(mail.p3!)).toMatchObject([{ kind: 'open', source: 'pixel', is_machine: 1, is_unique: 0, is_first: 1, user_agent: PROXY }]);
    await raw(mail.p3!.pixel, { headers: { 'user-agent': BROWSER } });
    expect(hitsOf(mail.p3!).map((h) => [h.is_machine, h.is_unique, h.is_first])).toEqual([[1, 0, 1], [0, 1, 0]]);
  });

  it('rejects forged, retired, misrouted, parameterised, oversized and unknown requests without recording anything', async () => {
    const [hits, suppressions] = [engagementCount(), suppressionCount()];
    const p1 = mail.p1!;
    const open = tokenOf(p1.pixel);
    const mid = Math.floor(open.length / 2);
    const tampered = open.slice(0, mid) + (open[mid] === 'A' ? 'B' : 'A') + open.slice(mid + 1);
    expect((await raw(`${base}o/${tampered}`)).status).toBe(400);

    const payload: TokenPayload = { kind: 'open', workspaceId: 'default', messageId: p1.messageId };
    expect((await raw(`${base}o/${sign(`1:${OLD_SECRET}`, payload)}`, { headers: { 'user-agent': BROWSER } })).status).toBe(400);
    // The same payload under the current key is genuine (a HEAD records nothing): the retirement is what failed it.
    expect((await raw(`${base}o/${sign(`2:${NEW_SECRET}`, payload)}`, { method: 'HEAD' })).status).toBe(200);

    expect((await raw(`${base}c/${open}`, { headers: { 'user-agent': BROWSER } })).status).toBe(400);
    const injected = await raw(`${p1.clicks[0]!}?url=https://evil.example`, { headers: { 'user-agent': BROWSER } });
    expect(injected.status).toBe(400);
    expect(injected.headers.location).toBeUndefined();

    const big = Buffer.alloc(10 * 1024 * 1024, 'a');
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const chunked of [false, true]) {
      const post = await raw(p1.unsubscribe, { method: 'POST', headers: form, body: big, chunked });
      // Either the 413 arrived or the server closed the connection before the upload finished.
      if (post.status !== 0) expect(post.status).toBe(413);
      else expect(post.error).toMatch(/ECONNRESET|EPIPE/);
    }
    const getWithBody = await raw(p1.pixel, { headers: { 'user-agent': BROWSER, 'content-length': String(big.length) }, body: big });
    if (getWithBody.status !== 0) expect(getWithBody.status).toBe(413);
    else expect(getWithBody.error).toMatch(/ECONNRESET|EPIPE/);

    const unknown = { workspaceId: 'default', messageId: `msg_${'0'.repeat(32)}` };
    expect((await raw(`${base}o/${sign(`2:${NEW_SECRET}`, { kind: 'open', ...unknown })}`, { headers: { 'user-agent': BROWSER } })).status).toBe(404);
    const unknownUnsubscribe = `${base}u/${sign(`2:${NEW_SECRET}`, { kind: 'unsubscribe', ...unknown })}`;
    expect((await raw(unknownUnsubscribe, { method: 'POST', headers: form, body: 'List-Unsubscribe=One-Click' })).status).toBe(404);

    expect(engagementCount()).toBe(hits);
    expect(suppressionCount()).toBe(suppressions);
  });

  it('shows a confirmation form on GET of the unsubscribe link and unsubscribes nobody', async () => {
    const hits = engagementCount();
    const page = await raw(mail.p4!.unsubscribe, { headers: { 'user-agent': BROWSER } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body.toString()).toMatch(/<form method="post">[\s\S]*<button type="submit">Unsubscribe<\/button>/);
    expect(engagementCount()).toBe(hits);
    expect(suppressionCount()).toBe(0);
  });

  it('unsubscribes on the RFC 8058 one-click POST, and a later send skips that person only', { timeout: 60_000 }, async () => {
    const p4 = mail.p4!;
    const r = await raw(p4.unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toContain('You are unsubscribed');
    expect(hitsOf(p4)).toMatchObject([{ kind: 'unsubscribe', source: 'one_click', is_machine: 0, campaign_id: firstCampaign }]);
    expect(all('SELECT workspace_id, user_id, channel, reason FROM suppressions')).toEqual([
      { workspace_id: 'default', user_id: 'p4', channel: 'email', reason: 'unsubscribed' },
    ]);

    const second = await sendCampaign(segmentId, 'Tracked sale again');
    const ledger = all<{ user_id: string; status: string }>('SELECT user_id, status FROM messages WHERE campaign_id = ? ORDER BY user_id', second);
    expect(ledger.find((m) => m.user_id === 'p4')?.status).toBe('suppressed');
    expect(ledger.filter((m) => m.user_id !== 'p4').map((m) => m.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(Object.keys(mailOf(second)).sort()).toEqual(['p1', 'p2', 'p3']);
    expect(all('SELECT id FROM local_deliveries WHERE user_id = ?', 'p4')).toHaveLength(1);
  });
});

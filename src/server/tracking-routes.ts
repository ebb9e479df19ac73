/**
 * The public tracking routes, served on the HTTP listener under /t/ without MCP authentication:
 *
 *   GET  /t/o/<token>   open pixel (a 1x1 transparent GIF)
 *   GET  /t/c/<token>   click: 302 to the link the stored message had at that index
 *   GET  /t/u/<token>   unsubscribe page (a confirmation form; a GET never unsubscribes, since
 *                       link scanners follow links)
 *   POST /t/u/<token>   unsubscribe: RFC 8058 one-click (`List-Unsubscribe=One-Click`) or the form
 *
 * Only the token's signature makes a request count. A forged, truncated, retired or misrouted
 * token gets a plain 400; a genuine token for a message that is gone or never went out, a 404;
 * a URL with any query string (such as an injected `url=`), a 400; a body over 8 KB, a 413. None
 * of them records anything. The redirect target comes from the stored message, never from the URL.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../domain/ports.js';
import type { TokenKind } from '../domain/tracking/token.js';
import type { Tracking } from '../services/tracking.js';

const PREFIX = '/t/';
const ROUTE = /^\/t\/([ocu])\/([A-Za-z0-9_-]{1,400})$/;
const KIND_OF: Record<string, TokenKind> = { o: 'open', c: 'click', u: 'unsubscribe' };
const MAX_BODY_BYTES = 8 * 1024;
/** The smallest transparent GIF (43 bytes). */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const NO_STORE = { 'cache-control': 'no-store, max-age=0', 'x-content-type-options': 'nosniff' };

/** True when the request is a tracking request (handled here), false to let the caller route it. */
export function isTrackingRequest(req: IncomingMessage): boolean {
  return (req.url ?? '').startsWith(PREFIX);
}

export async function handleTracking(tracking: Tracking, log: Logger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '';
  if (url.includes('?')) return plain(res, 400, 'Tracking links take no parameters.');
  const m = ROUTE.exec(url);
  if (!m) return plain(res, 404, 'Not found.');
  const method = req.method ?? 'GET';
  const kind = KIND_OF[m[1]!]!;
  const allowed = kind === 'unsubscribe' ? ['GET', 'HEAD', 'POST'] : ['GET', 'HEAD'];
  if (!allowed.includes(method)) {
    res.setHeader('allow', allowed.join(', '));
    return plain(res, 405, 'Method not allowed.');
  }
  const body = await readSmallBody(req, method === 'POST');
  if (body === null) return plain(res, 413, 'Request too large.');
  const token = tracking.verify(m[2]!);
  if (!token || token.kind !== kind) return plain(res, 400, 'This link is not valid.');
  const userAgent = header(req, 'user-agent');

  if (kind === 'unsubscribe' && method !== 'POST') {
    const target = await tracking.target(token);
    if (!target) return plain(res, 404, 'This message is unknown.');
    return html(res, 200, page('Unsubscribe', `<p>Stop receiving these emails?</p>
<form method="post"><input type="hidden" name="confirm" value="yes"><button type="submit">Unsubscribe</button></form>`));
  }
  // A HEAD asks about the link without following it (scanners do): answer, record nothing.
  if (method === 'HEAD') {
    if (kind === 'open') return pixel(res, true);
    const target = await tracking.target(token);
    const to = target?.links[token.link ?? -1];
    if (!to) return plain(res, 404, 'This link is unknown.');
    return redirect(res, to, true);
  }
  const oneClick = /(^|&)List-Unsubscribe=One-Click(&|$)/.test(body);
  const result = await tracking.record({ token, ...(userAgent ? { userAgent } : {}), ...(kind === 'unsubscribe' ? { source: oneClick ? 'one_click' : 'page' } : {}) });
  if (!result.ok) return plain(res, 404, 'This message is unknown.');
  if (result.kind === 'open') return pixel(res, false);
  if (result.kind === 'click') return redirect(res, result.redirect, false);
  log.info({ workspace: token.workspaceId, message: token.messageId, one_click: oneClick }, 'unsubscribed through a tracking link');
  return html(res, 200, page('Unsubscribed', '<p>You are unsubscribed and will not receive these emails any more.</p>'));
}

/** The body as text, at most MAX_BODY_BYTES; null if larger (or any body where none belongs). */
async function readSmallBody(req: IncomingMessage, expectBody: boolean): Promise<string | null> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    return null;
  }
  if (!expectBody && declared === 0 && req.headers['transfer-encoding'] === undefined) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function pixel(res: ServerResponse, head: boolean): void {
  res.writeHead(200, { ...NO_STORE, 'content-type': 'image/gif', 'content-length': PIXEL.length });
  res.end(head ? undefined : PIXEL);
}

function redirect(res: ServerResponse, to: string, head: boolean): void {
  res.writeHead(302, { ...NO_STORE, location: to, 'referrer-policy': 'no-referrer', 'content-length': 0 });
  res.end(head ? undefined : '');
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...NO_STORE, 'content-type': 'text/plain; charset=utf-8', connection: status === 413 ? 'close' : 'keep-alive' });
  res.end(text);
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...NO_STORE, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" });
  res.end(body);
}

function page(title: string, content: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1rem}</style></head>
<body><h1>${title}</h1>${content}</body></html>`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

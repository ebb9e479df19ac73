/**
 * MCP over Streamable HTTP on `/mcp`, one McpServer per session, and event ingestion on `/events`,
 * bound to 127.0.0.1 by default.
 * Every request is checked for Host/Origin (DNS rebinding) and bearer token; a session belongs to
 * the token that opened it and no other token can use it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isLoopbackHost, type TokenGrant } from '../config.js';
import type { AppContext } from '../context.js';
import type { Principal } from '../domain/ports.js';
import { authenticate, checkHostAndOrigin, originPolicy } from './auth.js';
import { createMcpServer, type Registry } from './create.js';
import { handleEvents } from './events-route.js';
import { readJson, sendJson } from './http-io.js';
import { handleTracking, isTrackingRequest } from './tracking-routes.js';

export interface HttpOptions {
  host: string;
  port: number;
  tokens: readonly TokenGrant[];
  allowedHosts?: string;
  allowedOrigins?: string;
  /** Principal for unauthenticated loopback clients when no tokens are configured. */
  anonymous: Principal;
  maxBodyBytes?: number;
  maxSessions?: number;
  sessionIdleMs?: number;
}

export interface RunningHttp {
  url: string;
  port: number;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  actor: string;
  lastSeen: number;
}

export async function startHttp(app: AppContext, registry: Registry, opts: HttpOptions): Promise<RunningHttp> {
  if (opts.tokens.length === 0 && !isLoopbackHost(opts.host)) {
    throw new Error(
      `Refusing to serve MCP on ${opts.host} without authentication: set MCP_HTTP_TOKENS, or bind MCP_HTTP_HOST to 127.0.0.1`,
    );
  }
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxSessions = opts.maxSessions ?? 500;
  const idleMs = opts.sessionIdleMs ?? 30 * 60_000;
  const policy = originPolicy(opts.host, opts.allowedHosts, opts.allowedOrigins);
  const sessions = new Map<string, Session>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Public: mail clients fetch these from anywhere, under the public host name; the token's signature is the only credential.
    if (app.tracking && isTrackingRequest(req)) return handleTracking(app.tracking, app.log, req, res);
    const path = (req.url ?? '/').split('?')[0];
    const bad = checkHostAndOrigin(req.headers.host, req.headers.origin, policy);
    if (bad) return sendJson(res, 403, { error: bad });
    if (path === '/health' && req.method === 'GET') return sendJson(res, 200, { ok: true });
    const auth = authenticate(req.headers.authorization, opts.tokens, opts.tokens.length === 0 ? opts.anonymous : null);
    if (path === '/events') return handleEvents(app, req, res, auth, maxBody);
    if (path !== '/mcp') return sendJson(res, 404, { error: 'Not found: MCP is served on /mcp, event ingestion on /events' });

    if (!auth.ok) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="agentic-campaign"');
      return sendJson(res, auth.status, rpcError(-32001, auth.message));
    }
    const principal = auth.principal;

    let body: unknown;
    if (req.method === 'POST') {
      const read = await readJson(req, maxBody);
      if (!read.ok) return sendJson(res, read.status, rpcError(-32700, read.message));
      body = read.value;
    }

    const sessionId = header(req, 'mcp-session-id');
    if (sessionId) {
      const session = sessions.get(sessionId);
      // A session opened by another token is reported as missing, not as forbidden.
      if (!session || session.actor !== principal.actor) return sendJson(res, 404, rpcError(-32001, 'Session not found'));
      session.lastSeen = Date.now();
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return sendJson(res, 400, rpcError(-32000, 'Bad request: no mcp-session-id header; start with an initialize request'));
    }
    if (sessions.size >= maxSessions) return sendJson(res, 503, rpcError(-32000, 'Too many open sessions; retry later'));

    const server = createMcpServer(app, principal, registry);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, actor: principal.actor, lastSeen: Date.now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      app.log.error({ err, url: req.url }, 'http request failed');
      if (!res.headersSent) sendJson(res, 500, rpcError(-32603, 'Internal error'));
      else res.end();
    });
  });
  const sweeper = setInterval(() => {
    const cutoff = Date.now() - idleMs;
    for (const [id, s] of sessions) {
      if (s.lastSeen < cutoff) {
        sessions.delete(id);
        void s.server.close();
      }
    }
  }, Math.min(idleMs, 60_000));
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  app.tracking?.listeningAt(`http://${shownHost}:${port}`);
  return {
    url: `http://${shownHost}:${port}/mcp`,
    port,
    close: async () => {
      clearInterval(sweeper);
      await Promise.all([...sessions.values()].map((s) => s.server.close().catch(() => undefined)));
      sessions.clear();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function rpcError(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

/**
 * Fake platform services on 127.0.0.1 that follow ../shared/platform-contracts.md: account_service
 * (section 4, auth required), subscription_service (section 5), memory_service (section 3) and the
 * intelligent query (section 11). Same paths, query parameters, response shapes and FastAPI
 * `{"detail": ...}` errors (422 with a pydantic-style array for bad query parameters). Each service
 * logs the requests it receives and can be told to fail: a status, a slow answer, a malformed body.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body?: unknown;
}

export type Fault =
  /** Answer with this status and `{"detail": detail}` (plus `extra` fields, e.g. a stack trace). */
  | { status: number; detail?: unknown; extra?: Record<string, unknown> }
  /** Wait this long before answering normally (or never, if the client gives up first). */
  | { delayMs: number }
  /** Answer 200 with this raw text. */
  | { body: string };

export interface FakeService {
  readonly name: string;
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: FakeRequest[];
  /** Applies `fault` to the next `times` requests (default: all of them until reset). */
  inject(fault: Fault, times?: number): void;
  /** Clears faults and the request log. */
  reset(): void;
}

export interface FakeData {
  /** AccountProfileResponse by user id. */
  accounts: Record<string, Record<string, unknown>>;
  /** UserSubscription by user id; a user missing here has no active subscription. */
  subscriptions: Record<string, Record<string, unknown>>;
  /** Memory records by user id and type. */
  memories: Record<string, { factual?: Record<string, unknown>[]; episodic?: Record<string, unknown>[] }>;
  /** Rows the intelligent query answers with, whatever the question. */
  queryRows: Record<string, unknown>[];
  /** Subscription credit balances by billing user id (credits/reserve, reconcile, release, balance). */
  credits?: Record<string, number>;
}

export interface FakeReservation {
  reservation_id: string;
  user_id: string;
  organization_id?: string;
  reserved: number;
  /** What reconcile charged, or 0 once released. */
  actual: number | null;
  state: 'reserved' | 'reconciled' | 'released';
}

export interface FakePlatform {
  account: FakeService;
  subscription: FakeService;
  memory: FakeService;
  query: FakeService;
  data: FakeData;
  /** The secret account_service expects in X-Internal-Service-Secret. */
  secret: string;
  /** Every credit reservation made, in order. */
  reservations: FakeReservation[];
  /** Keys of the cross-type search's `results`: the service's lowercase, or UPPERCASE like `searched_types`. */
  resultKeys: 'lower' | 'upper';
  reset(): void;
  close(): Promise<void>;
}

type Reply = { status: number; body: unknown };
type Handler = (req: FakeRequest) => Reply;

const detail = (status: number, message: unknown): Reply => ({ status, body: { detail: message } });
const notFound: Reply = detail(404, 'Not Found');

/** FastAPI's 422 for a missing or out-of-range query parameter. */
function invalidQuery(name: string, msg: string): Reply {
  return detail(422, [{ type: 'value_error', loc: ['query', name], msg, input: null }]);
}

function intParam(q: Record<string, string>, name: string, def: number, min: number, max: number): number | Reply {
  if (q[name] === undefined) return def;
  const n = Number(q[name]);
  if (!Number.isInteger(n)) return invalidQuery(name, 'Input should be a valid integer');
  if (n < min || n > max) return invalidQuery(name, `Input should be between ${min} and ${max}`);
  return n;
}

function required(q: Record<string, string>, ...names: string[]): Reply | undefined {
  for (const n of names) if (q[n] === undefined) return invalidQuery(n, 'Field required');
  return undefined;
}

async function startService(name: string, handle: Handler): Promise<FakeService & { close(): Promise<void> }> {
  const requests: FakeRequest[] = [];
  let faults: { fault: Fault; left: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, status: number, text: string) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'application/json' }).end(text);
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const logged: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
      requests.push(logged);

      const head = faults[0];
      if (head && --head.left <= 0) faults.shift();
      const fault = head?.fault;
      const answer = () => {
        const r = handle(logged);
        send(res, r.status, JSON.stringify(r.body));
      };
      if (!fault) return answer();
      if ('status' in fault) return send(res, fault.status, JSON.stringify({ detail: fault.detail ?? 'Internal Server Error', ...fault.extra }));
      if ('body' in fault) return send(res, 200, fault.body);
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, fault.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    name,
    url: `http://127.0.0.1:${port}`,
    requests,
    inject(fault, times = Number.POSITIVE_INFINITY) {
      faults.push({ fault, left: times });
    },
    reset() {
      faults = [];
      requests.length = 0;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const PROFILE = /^\/api\/v1\/accounts\/profile\/([^/]+)$/;
const USER_SUBSCRIPTION = /^\/api\/v1\/subscriptions\/user\/([^/]+)$/;

export async function startFakePlatform(data: FakeData, secret = 'fake-platform-secret'): Promise<FakePlatform> {
  const platform = { data, secret, resultKeys: 'lower', reservations: [] } as unknown as FakePlatform;

  // Section 4: every route requires auth (internal headers here; no Bearer or API key is issued).
  const account = await startService('account_service', (req) => {
    const m = PROFILE.exec(req.path);
    if (!m) return notFound;
    if (req.method !== 'GET') return detail(405, 'Method Not Allowed');
    if (req.headers['x-internal-service'] !== 'true' || req.headers['x-internal-service-secret'] !== platform.secret) {
      return detail(401, 'Authentication required');
    }
    const userId = decodeURIComponent(m[1]!);
    const profile = data.accounts[userId];
    return profile ? { status: 200, body: profile } : detail(404, `Account not found: ${userId}`);
  });

  // Section 5: no auth on user routes; a user without an active subscription gets success=false.
  const subscription = await startService('subscription_service', (req) => {
    if (req.path.startsWith('/api/v1/subscriptions/credits/')) return credits(req);
    const m = USER_SUBSCRIPTION.exec(req.path);
    if (!m) return notFound;
    if (req.method !== 'GET') return detail(405, 'Method Not Allowed');
    const sub = data.subscriptions[decodeURIComponent(m[1]!)];
    return {
      status: 200,
      body: sub ? { success: true, message: 'Subscription found', subscription: sub } : { success: false, message: 'No active subscription found', subscription: null },
    };
  });

  // Section 5, credits: 404 without a subscription (a balance), 402 when it cannot cover the reservation.
  function credits(req: FakeRequest): Reply {
    const balances = (data.credits ??= {});
    const body = (req.body ?? {}) as Record<string, unknown>;
    const op = req.path.slice('/api/v1/subscriptions/credits/'.length);
    if (op === 'balance' && req.method === 'GET') {
      const user = req.query.user_id;
      if (!user || balances[user] === undefined) return detail(404, 'No active subscription found');
      return { status: 200, body: { success: true, message: 'ok', user_id: user, subscription_credits_remaining: balances[user], total_credits_available: balances[user] } };
    }
    if (req.method !== 'POST') return detail(405, 'Method Not Allowed');
    if (op === 'reserve') {
      const user = body.user_id;
      const want = body.estimated_credits;
      if (typeof user !== 'string' || typeof want !== 'number' || !Number.isInteger(want) || want <= 0) {
        return detail(422, [{ type: 'value_error', loc: ['body', 'estimated_credits'], msg: 'Input should be greater than 0', input: want }]);
      }
      if (balances[user] === undefined) return detail(404, 'No active subscription found');
      if (balances[user]! < want) return detail(402, `Insufficient credits: ${balances[user]} available, ${want} requested`);
      balances[user]! -= want;
      const r: FakeReservation = {
        reservation_id: `rsv_${platform.reservations.length + 1}`,
        user_id: user,
        ...(typeof body.organization_id === 'string' ? { organization_id: body.organization_id } : {}),
        reserved: want,
        actual: null,
        state: 'reserved',
      };
      platform.reservations.push(r);
      return { status: 200, body: { success: true, reservation_id: r.reservation_id, credits_reserved: want, credits_remaining: balances[user] } };
    }
    const r = platform.reservations.find((x) => x.reservation_id === body.reservation_id);
    if (!r || r.state !== 'reserved') return detail(404, 'Reservation not found');
    if (op === 'reconcile') {
      const actual = body.actual_credits;
      if (typeof actual !== 'number' || actual < 0) return detail(422, [{ type: 'value_error', loc: ['body', 'actual_credits'], msg: 'Field required', input: actual }]);
      balances[r.user_id]! += r.reserved - actual;
      Object.assign(r, { actual, state: 'reconciled' });
      return { status: 200, body: { success: true, credits_consumed: actual, credits_remaining: balances[r.user_id] } };
    }
    if (op === 'release') {
      balances[r.user_id]! += r.reserved;
      Object.assign(r, { actual: 0, state: 'released' });
      return { status: 200, body: { success: true, credits_remaining: balances[r.user_id] } };
    }
    return notFound;
  }

  // Section 3: the search routes have no auth; an unknown user simply has no memories.
  const memory = await startService('memory_service', (req) => {
    if (req.method !== 'GET') return detail(405, 'Method Not Allowed');
    const q = req.query;
    if (req.path === '/api/v1/memories/search') {
      const missing = required(q, 'user_id', 'query');
      if (missing) return missing;
      const limit = intParam(q, 'limit', 10, 1, 100);
      if (typeof limit !== 'number') return limit;
      const types = (q.memory_types ?? 'factual,episodic,procedural,semantic,working,session').split(',').map((t) => t.trim().toUpperCase());
      const own = data.memories[q.user_id!] ?? {};
      const results: Record<string, unknown[]> = {};
      let total = 0;
      for (const t of types) {
        const lower = t.toLowerCase();
        const rows = (own[lower as 'factual' | 'episodic'] ?? [])
          .filter((r) => q.query === '*' || String(r.content ?? '').toLowerCase().includes(q.query!.toLowerCase()))
          .slice(0, limit)
          .map((r) => ({ ...r, similarity_score: 0.5 }));
        results[platform.resultKeys === 'upper' ? t : lower] = rows;
        total += rows.length;
      }
      return { status: 200, body: { query: q.query, user_id: q.user_id, searched_types: types, results, total_count: total } };
    }
    if (req.path === '/api/v1/memories/factual/search/subject') {
      const missing = required(q, 'user_id', 'subject');
      if (missing) return missing;
      const limit = intParam(q, 'limit', 10, 1, 100);
      if (typeof limit !== 'number') return limit;
      const needle = q.subject!.toLowerCase();
      const memories = (data.memories[q.user_id!]?.factual ?? [])
        .filter((r) => String(r.subject ?? '').toLowerCase().includes(needle))
        .sort((a, b) => Number(b.confidence ?? 0) - Number(a.confidence ?? 0) || String(b.created_at).localeCompare(String(a.created_at)))
        .slice(0, limit);
      return { status: 200, body: { memories, count: memories.length } };
    }
    if (req.path === '/api/v1/memories/episodic/search/event_type') {
      const missing = required(q, 'user_id', 'event_type');
      if (missing) return missing;
      const limit = intParam(q, 'limit', 10, 1, 100);
      if (typeof limit !== 'number') return limit;
      // An exact match on event_type, ordered by episode_date descending (contracts section 3).
      const memories = (data.memories[q.user_id!]?.episodic ?? [])
        .filter((r) => r.event_type === q.event_type)
        .sort((a, b) => String(b.episode_date).localeCompare(String(a.episode_date)))
        .slice(0, limit);
      return { status: 200, body: { memories, count: memories.length } };
    }
    return notFound;
  });

  // Section 11: POST /query {query, user_id, max_rows} -> {data: [{user_id, ...}]}.
  const query = await startService('intelligent_query', (req) => {
    if (req.path !== '/query') return notFound;
    if (req.method !== 'POST') return detail(405, 'Method Not Allowed');
    const body = (req.body ?? {}) as { query?: unknown; user_id?: unknown; max_rows?: unknown };
    if (typeof body.query !== 'string' || typeof body.user_id !== 'string') return detail(422, [{ type: 'missing', loc: ['body', 'query'], msg: 'Field required' }]);
    const max = typeof body.max_rows === 'number' ? body.max_rows : 10_000;
    const rows = data.queryRows.slice(0, max);
    return { status: 200, body: { data: rows, row_count: rows.length, query: body.query } };
  });

  const services = [account, subscription, memory, query];
  return Object.assign(platform, {
    account,
    subscription,
    memory,
    query,
    reset: () => {
      for (const s of services) s.reset();
      platform.reservations.length = 0;
      platform.resultKeys = 'lower';
    },
    close: async () => {
      await Promise.all(services.map((s) => s.close()));
    },
  });
}

/** Closes a port and returns it: something to point a client at that refuses connections. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * One small HTTP client per platform service (undici, keep-alive dispatcher), following the
 * conventions of ../shared/platform-contracts.md section 0: the internal-service headers on every
 * call, FastAPI `{"detail": ...}` errors. Responses are parsed with zod; every failure becomes a
 * PlatformError whose message names the service, method, path and status, and at most the
 * upstream's `detail` string (truncated), never the raw body nor the secret.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';

export type PlatformErrorCode = 'not_found' | 'unavailable' | 'bad_response' | 'rejected';

export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  /** The message names the service and status only, so clients may see it. */
  readonly exposeMessage = true;
  constructor(
    readonly service: string,
    /** The HTTP status, or 0 when no response arrived (timeout, connection error). */
    readonly status: number,
    readonly code: PlatformErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface PlatformClientOptions {
  /** The service's name as in the contracts, e.g. `account_service`; used in error messages. */
  service: string;
  baseUrl: string;
  /** INTERNAL_SERVICE_SECRET, sent as `X-Internal-Service-Secret` when set. */
  secret?: string;
  /** Applies to headers and to each gap between body chunks, per attempt (undici's timers may fire up to ~1 s late). */
  timeoutMs: number;
  /** Share one keep-alive Agent across clients; a private one is made otherwise. */
  dispatcher?: Dispatcher;
  /** Extra attempts for GETs that failed with 5xx, a timeout or a connection error; default 2. */
  retries?: number;
  /** First backoff step; doubled per retry, with full jitter, capped at 2 s. Default 200 ms. */
  retryBaseMs?: number;
}

export interface PlatformClient {
  readonly service: string;
  get<T>(path: string, query: Query, schema: z.ZodType<T>): Promise<T>;
  /** Not retried: a POST is not assumed idempotent. */
  post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T>;
  /** Not retried (like POST): the caller decides whether repeating the change is safe. */
  put<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T>;
  /** Not retried: a retry after a lost answer would report the deletion as a 404. */
  delete<T>(path: string, schema: z.ZodType<T>): Promise<T>;
}

const DETAIL_MAX = 200;
const BACKOFF_CAP_MS = 2_000;

/** A keep-alive Agent suitable for sharing across every platform client of the process. */
export function createPlatformDispatcher(): Agent {
  return new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 64 });
}

export function createPlatformClient(opts: PlatformClientOptions): PlatformClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const dispatcher = opts.dispatcher ?? createPlatformDispatcher();
  const retries = Math.max(0, opts.retries ?? 2);
  const retryBaseMs = opts.retryBaseMs ?? 200;
  const headers: Record<string, string> = { accept: 'application/json', 'x-internal-service': 'true' };
  if (opts.secret) headers['x-internal-service-secret'] = opts.secret;

  const fail = (status: number, code: PlatformErrorCode, what: string, why: string) =>
    new PlatformError(opts.service, status, code, redact(`${opts.service} ${what}: ${why}`, opts.secret));

  async function once<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, url: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    const what = `${method} ${path}`;
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      res = await request(url, {
        method,
        dispatcher,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      text = await res.body.text();
    } catch (err) {
      throw fail(0, 'unavailable', what, transportReason(err, opts.timeoutMs));
    }
    const status = res.statusCode;
    if (status < 200 || status >= 300) {
      const detail = detailOf(text, opts.secret);
      const code: PlatformErrorCode = status === 404 ? 'not_found' : status >= 500 || status === 429 ? 'unavailable' : 'rejected';
      throw fail(status, code, what, `HTTP ${status}${detail ? ` (${detail})` : ''}`);
    }
    let json: unknown;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      throw fail(status, 'bad_response', what, 'the response is not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
      throw fail(status, 'bad_response', what, `unexpected response shape${at}: ${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  return {
    service: opts.service,
    async get(path, query, schema) {
      const url = `${base}${path}${queryString(query)}`;
      for (let attempt = 0; ; attempt++) {
        try {
          return await once('GET', path, url, undefined, schema);
        } catch (err) {
          if (attempt >= retries || !retryable(err)) throw err;
          await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, retryBaseMs * 2 ** attempt));
        }
      }
    },
    post: (path, body, schema) => once('POST', path, `${base}${path}`, body ?? {}, schema),
    put: (path, body, schema) => once('PUT', path, `${base}${path}`, body ?? {}, schema),
    delete: (path, schema) => once('DELETE', path, `${base}${path}`, undefined, schema),
  };
}

function retryable(err: unknown): boolean {
  return err instanceof PlatformError && err.code === 'unavailable' && (err.status === 0 || err.status >= 500);
}

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    params.append(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** FastAPI's `detail` when it is a string (422's pydantic array is summarised); nothing else of the body. */
function detailOf(text: string, secret: string | undefined): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const detail = body && typeof body === 'object' ? (body as { detail?: unknown }).detail : undefined;
    if (typeof detail === 'string') return truncate(redact(detail, secret).replace(/\s+/g, ' ').trim());
    if (Array.isArray(detail)) return `${detail.length} validation error${detail.length === 1 ? '' : 's'}`;
  } catch {
    // not JSON: say nothing about it
  }
  return undefined;
}

function transportReason(err: unknown, timeoutMs: number): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `no response within ${timeoutMs} ms`;
  }
  return `connection failed${typeof code === 'string' ? ` (${code})` : ''}`;
}

function truncate(s: string): string {
  return s.length > DETAIL_MAX ? `${s.slice(0, DETAIL_MAX - 1)}…` : s;
}

function redact(s: string, secret: string | undefined): string {
  return secret ? s.split(secret).join('***') : s;
}

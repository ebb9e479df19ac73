/**
 * `POST /events`: event ingestion over HTTP, for producers that are not MCP clients (a shop's
 * backend, the platform's event service). The body is one event or `{"events": [...]}` (the
 * track_event shape); it needs a bearer token with the write scope (or loopback without tokens,
 * as for /mcp). It answers 200 only after the events are committed; an event id already stored
 * counts as a duplicate, so a producer retries a failed or timed-out call as it is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { DomainError } from '../domain/errors.js';
import { eventInput, MAX_EVENTS_PER_CALL } from '../domain/events-input.js';
import type { Principal } from '../domain/ports.js';
import { ingestEvents } from '../services/events.js';
import { readJson, sendJson } from './http-io.js';

const batch = z.strictObject({ events: z.array(eventInput).min(1, { error: 'events must contain at least one event' }).max(MAX_EVENTS_PER_CALL, { error: `at most ${MAX_EVENTS_PER_CALL} events per request` }) });
/** A body is either one event or a batch; events are smaller than MCP messages. */
const MAX_BODY = 2 * 1024 * 1024;

type Auth = { ok: true; principal: Principal } | { ok: false; status: number; message: string };

export async function handleEvents(app: AppContext, req: IncomingMessage, res: ServerResponse, auth: Auth, maxBody: number): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendJson(res, 405, { error: 'POST events to /events' });
  }
  if (!auth.ok) {
    res.setHeader('WWW-Authenticate', 'Bearer realm="agentic-campaign"');
    return sendJson(res, auth.status, { error: auth.message });
  }
  if (!auth.principal.scopes.has('write')) return sendJson(res, 403, { error: "Forbidden: recording events needs the 'write' scope" });
  const read = await readJson(req, Math.min(maxBody, MAX_BODY));
  if (!read.ok) return sendJson(res, read.status, { error: read.message });
  const body = read.value as Record<string, unknown> | null;
  const parsed = body && typeof body === 'object' && 'events' in body ? batch.safeParse(body) : eventInput.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    return sendJson(res, 400, { error: `${where}${issue.message}` });
  }
  const events = 'events' in parsed.data ? (parsed.data as z.output<typeof batch>).events : [parsed.data as z.output<typeof eventInput>];
  try {
    return sendJson(res, 200, await ingestEvents(app, auth.principal.workspaceId, events, 'http'));
  } catch (err) {
    if (err instanceof DomainError) return sendJson(res, 400, { error: err.toUserText() });
    throw err;
  }
}

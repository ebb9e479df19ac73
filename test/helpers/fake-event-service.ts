/**
 * A fake event_service on 127.0.0.1 following ../shared/platform-contracts.md section 2, as far as
 * the NATS consumer needs it: `POST /api/v1/events/create` (EventCreateRequest -> EventResponse,
 * then `onStored` gets the `event.stored` envelope the service would publish, with its naive UTC
 * timestamps) and `GET /api/v1/events/{event_id}` (EventResponse, or 404 `{"detail":"Event not
 * found"}`). No auth, as in the contract. Faults are injected per event id: a status answered the
 * next `times` GETs of that event. Every GET is counted per event id.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredEvent {
  event_id: string;
  event_type: string;
  event_source: string;
  event_category: string;
  user_id: string | null;
  data: Record<string, unknown>;
  status: string;
  timestamp: string;
  created_at: string;
}

export interface FakeEventService {
  url: string;
  events: Map<string, StoredEvent>;
  /** GETs per event id. */
  gets: Map<string, number>;
  /** Answers the next `times` GETs of `eventId` with `status` and a FastAPI detail. */
  fail(eventId: string, status: number, times?: number): void;
  close(): Promise<void>;
}

export interface FakeEventServiceOptions {
  /** Called with each `event.stored` envelope after a create (e.g. to publish it to JetStream). */
  onStored?: (envelope: Record<string, unknown>) => Promise<void>;
}

/** Python's `datetime.utcnow().isoformat()`: naive UTC with microseconds, no zone. */
export function naiveUtc(d: Date): string {
  return d.toISOString().replace('Z', '000');
}

export async function startFakeEventService(opts: FakeEventServiceOptions = {}): Promise<FakeEventService> {
  const events = new Map<string, StoredEvent>();
  const gets = new Map<string, number>();
  const faults = new Map<string, { status: number; times: number }>();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'POST' && path === '/api/v1/events/create') {
      let body: Record<string, unknown>;
      try {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(res, 422, { detail: [{ loc: ['body'], msg: 'invalid JSON', type: 'value_error' }] });
      }
      if (typeof body.event_type !== 'string') return send(res, 422, { detail: [{ loc: ['body', 'event_type'], msg: 'field required', type: 'value_error.missing' }] });
      const now = naiveUtc(new Date());
      const e: StoredEvent = {
        event_id: randomUUID(),
        event_type: body.event_type,
        event_source: typeof body.event_source === 'string' ? body.event_source : 'backend',
        event_category: typeof body.event_category === 'string' ? body.event_category : 'user_action',
        user_id: typeof body.user_id === 'string' ? body.user_id : null,
        data: (body.data as Record<string, unknown>) ?? {},
        status: 'pending',
        timestamp: typeof body.timestamp === 'string' ? body.timestamp : now,
        created_at: now,
      };
      events.set(e.event_id, e);
      await opts.onStored?.({
        id: randomUUID(),
        type: 'event.stored',
        source: 'event_service',
        subject: null,
        timestamp: now,
        data: { event_id: e.event_id, event_type: e.event_type, event_source: e.event_source, event_category: e.event_category, user_id: e.user_id, timestamp: e.timestamp },
        metadata: {},
        version: '1.0.0',
      });
      return send(res, 200, e);
    }
    const m = /^\/api\/v1\/events\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      const id = decodeURIComponent(m[1]!);
      gets.set(id, (gets.get(id) ?? 0) + 1);
      const fault = faults.get(id);
      if (fault && fault.times > 0) {
        fault.times--;
        return send(res, fault.status, { detail: 'Event service not initialized' });
      }
      const e = events.get(id);
      return e ? send(res, 200, e) : send(res, 404, { detail: 'Event not found' });
    }
    send(res, 404, { detail: 'Not Found' });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { detail: 'fake event service failed' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    gets,
    fail: (eventId, status, times = 1) => void faults.set(eventId, { status, times }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

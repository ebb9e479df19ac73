/**
 * event_service (contracts section 2): `GET /api/v1/events/{event_id}`, the only way to read the
 * payload of an event whose `event.stored` envelope arrived over NATS (the envelope has no `data`).
 *
 * The service needs no auth; the internal-service headers are sent anyway (contracts 0.3). A 404
 * (`{"detail": "Event not found"}`) is null; 5xx, timeouts and connection errors are retried by the
 * shared client (a GET is idempotent) and then thrown as PlatformError `unavailable`, which the NATS
 * consumer answers with a delayed redelivery rather than a dead letter.
 */
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { PlatformError, createPlatformClient } from './client.js';

/**
 * EventResponse `{event_id, event_type, event_source, event_category, user_id, data, status,
 * timestamp, created_at}`. Lenient: extra fields are dropped, and only the id, the type and the data
 * object are required (a missing or null `data` reads as `{}`), so a service that adds or loosens a
 * field does not stop ingestion.
 */
export const eventResponse = z.object({
  event_id: z.string().min(1),
  event_type: z.string(),
  event_source: z.string().nullish(),
  event_category: z.string().nullish(),
  user_id: z.string().nullish(),
  data: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((d) => d ?? {}),
  status: z.string().nullish(),
  /** Naive UTC (`datetime.isoformat()` without a zone), as everywhere on the platform. */
  timestamp: z.string().nullish(),
  created_at: z.string().nullish(),
});
export type EventResponse = z.output<typeof eventResponse>;

export interface EventServiceClientOptions {
  baseUrl: string;
  timeoutMs: number;
  dispatcher?: Dispatcher;
  /** INTERNAL_SERVICE_SECRET (not checked by event_service, sent like everywhere else). */
  secret?: string;
  /** Extra attempts for a GET that failed with 5xx, a timeout or a connection error (default 2). */
  retries?: number;
  retryBaseMs?: number;
}

export interface EventServiceClient {
  /** The stored event, or null when the service does not know it (404). Throws PlatformError otherwise. */
  getEvent(eventId: string): Promise<EventResponse | null>;
}

export function createEventServiceClient(opts: EventServiceClientOptions): EventServiceClient {
  const client = createPlatformClient({
    service: 'event_service',
    baseUrl: opts.baseUrl,
    timeoutMs: opts.timeoutMs,
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    ...(opts.secret ? { secret: opts.secret } : {}),
    ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
    ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}),
  });
  return {
    async getEvent(eventId) {
      const path = `/api/v1/events/${encodeURIComponent(eventId)}`;
      let r: EventResponse;
      try {
        r = await client.get(path, {}, eventResponse);
      } catch (err) {
        if (err instanceof PlatformError && err.code === 'not_found') return null;
        throw err;
      }
      // A proxy or a routing slip answering for another event must not be stored under this id.
      if (r.event_id !== eventId) throw new PlatformError('event_service', 200, 'bad_response', `event_service GET ${path}: answered with another event`);
      return r;
    },
  };
}

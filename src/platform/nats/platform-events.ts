/**
 * The platform's user events, from NATS JetStream (contracts 0.4 and 2), into our event ingestion:
 * what makes triggers, segments and journeys react to what users do on the platform.
 *
 * event_service publishes `event.stored` to `event_service.event.stored` (stream
 * `event_service-stream`) once it has stored an event; the envelope has no payload, so each one is
 * completed with `GET /api/v1/events/{event_id}` (fetchEvent). Deployments whose producers publish
 * full events on NATS list those subjects in `subjects` (e.g. `app.events.>`); they are read from
 * whatever stream captures them, else from a stream of ours, `agentic-campaign-events`.
 *
 * One durable pull consumer (explicit acks, deliver all by default) per source: `event_service.event.*`
 * on the event_service stream, and one per extra subject (`<durable>-<subject slug>`). The server
 * here is 2.9, which has no multi-filter consumers (`filter_subjects`, 2.10), so one consumer per
 * filter works on every server. Messages are handled in batches (platform-events-batch.ts) and acked
 * only once the batch is committed; a failed commit naks the batch with a growing delay. Streams
 * and consumers are ensured as for notification events (platform-events-streams.ts): created when
 * missing, others' never altered, recreated when deleted under us, restarted with a backoff. stop()
 * acks what it has taken; messages the server had already sent but the client had not taken yet
 * come back after ack_wait (30 s), to this process or the next.
 */
import { connect, type ConsumerMessages } from 'nats';
import type { TrackedEvent } from '../../domain/events.js';
import type { Clock, Logger } from '../../domain/ports.js';
import type { EventResponse } from '../http/event-service.js';
import { EVENT_SERVICE_PREFIX } from './platform-event-envelope.js';
import { batchHandler, consumeInBatches, errorText, type DeadLetterEntry, type PlatformEventsStats } from './platform-events-batch.js';
import { ensureConsumer, ensureEventsStream, ensureStream, laneDurable, validSubject, type Deliver, type LaneSpec } from './platform-events-streams.js';
import { redact, watchConnection, watchConsumer } from './connection.js';

export { parsePlatformEvent, eventFromStored, type ParsedPlatformEvent, type StoredEventRef } from './platform-event-envelope.js';
export type { DeadLetterEntry, PlatformEventsStats } from './platform-events-batch.js';
export { ensureEventsStream, ensureStream, laneDurable } from './platform-events-streams.js';

export const DEFAULT_PLATFORM_EVENTS_DURABLE = 'agentic-campaign-platform-events';
/** Our stream for extra subjects that no stream captures yet. */
export const PLATFORM_EVENTS_STREAM = 'agentic-campaign-events';

const DEFAULT_BATCH = 256;
const MAX_BATCH = 500;
const DEFAULT_LINGER_MS = 3;
const DEFAULT_FETCH_CONCURRENCY = 16;
const DEFAULT_RETRY_BASE_MS = 1_000;
const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;

export interface PlatformEventsOptions {
  /** nats://host:port (credentials in the URL are never logged). */
  url: string;
  log: Logger;
  clock: Clock;
  /** Durable consumer name (default agentic-campaign-platform-events); extra subjects get `<durable>-<slug>`. */
  durable?: string;
  /** Messages per ingest call (default 256, at most 500). */
  batch?: number;
  /** Where a newly created consumer starts (default `all`). An existing durable keeps its position. */
  deliver?: Deliver;
  /** Extra subjects that carry full events (e.g. 'app.events.>'); a stream `eventsStream` is made for those no stream captures. */
  subjects?: string[];
  /** Fetches the full event for an event.stored envelope; when absent, the envelope's own fields are used with empty properties plus {event_source, event_category}. */
  fetchEvent?: (eventId: string) => Promise<EventResponse | null>;
  /** Commits the events (deduped on id by the callee); throws on a database error. */
  ingest: (events: TrackedEvent[]) => Promise<unknown>;
  /** Stores rejected messages; throws on a database error. */
  deadLetter: (entries: DeadLetterEntry[]) => Promise<unknown>;
  /** The event_service stream (default `<prefix>-stream`, i.e. event_service-stream). */
  stream?: string;
  /** The first subject token of event_service envelopes (default event_service); tests use their own. */
  prefix?: string;
  /** The stream made for extra subjects (default agentic-campaign-events). */
  eventsStream?: string;
  /** fetchEvent calls at once (default 16). */
  fetchConcurrency?: number;
  /** Batches handled at once (default 1); more when the database commits in parallel (PostgreSQL). */
  concurrency?: number;
  /** How long a batch may wait to fill (default 3 ms). */
  lingerMs?: number;
  /** First nak delay after a failed commit or fetch, doubled per redelivery up to 60 s (default 1 s). */
  retryBaseMs?: number;
}

export interface PlatformEvents {
  /** Stops pulling, finishes (acks) the batches in hand, and closes the connection. */
  stop(): Promise<void>;
  /** A snapshot of the counters since start. */
  stats(): PlatformEventsStats;
}

interface Lane extends LaneSpec {
  ensureStream(): Promise<string>;
}

export async function startPlatformEvents(opts: PlatformEventsOptions): Promise<PlatformEvents> {
  const { clock, log } = opts;
  const durable = opts.durable ?? DEFAULT_PLATFORM_EVENTS_DURABLE;
  if (!/^[A-Za-z0-9_-]{1,120}$/.test(durable)) throw new Error(`invalid NATS durable consumer name: ${JSON.stringify(durable)}`);
  const prefix = opts.prefix ?? EVENT_SERVICE_PREFIX;
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(prefix)) throw new Error(`invalid event_service subject prefix: ${JSON.stringify(prefix)}`);
  const subjects = [...new Set(opts.subjects ?? [])];
  for (const s of subjects) if (!validSubject(s)) throw new Error(`invalid NATS subject for platform events: ${JSON.stringify(s)}`);
  const batch = Math.max(1, Math.min(MAX_BATCH, Math.floor(opts.batch ?? DEFAULT_BATCH)));
  const concurrency = Math.max(1, Math.min(8, Math.floor(opts.concurrency ?? 1)));
  const streamName = opts.stream ?? `${prefix}-stream`;
  const eventsStream = opts.eventsStream ?? PLATFORM_EVENTS_STREAM;
  const deliver = opts.deliver ?? 'all';
  const server = redact(opts.url);
  const stats: PlatformEventsStats = { received: 0, ingested: 0, deadLettered: 0, ignored: 0, naks: 0, batches: 0 };

  const nc = await connect({ servers: opts.url, name: 'agentic-campaign', maxReconnectAttempts: -1, reconnectTimeWait: 2_000 });
  let stopping = false;
  const current = new Set<ConsumerMessages>();
  const wakes = new Set<() => void>();
  try {
    const jsm = await nc.jetstreamManager();
    const lanes: Lane[] = [
      {
        durable,
        filter: `${prefix}.event.*`,
        description: 'agentic-campaign: event_service events -> event ingestion',
        ensureStream: () => ensureStream(jsm, log, streamName, `${prefix}.>`, `${prefix}.event.stored`),
      },
      ...subjects.map((s) => ({
        durable: laneDurable(durable, s),
        filter: s,
        description: `agentic-campaign: events on ${s} -> event ingestion`,
        ensureStream: () => ensureEventsStream(jsm, log, eventsStream, s),
      })),
    ];
    const streams: string[] = [];
    for (const lane of lanes) {
      const stream = await lane.ensureStream();
      await ensureConsumer(jsm, stream, lane, deliver, batch, log);
      streams.push(stream);
    }
    log.info({ server, consumers: lanes.map((l, i) => ({ stream: streams[i], durable: l.durable, filter: l.filter })) }, 'consuming platform events from NATS');

    void watchConnection(nc, log, server);
    const js = nc.jetstream();
    const handle = batchHandler({
      clock,
      log,
      eventServicePrefix: prefix,
      ...(opts.fetchEvent ? { fetchEvent: opts.fetchEvent } : {}),
      ingest: opts.ingest,
      deadLetter: opts.deadLetter,
      fetchConcurrency: Math.max(1, Math.floor(opts.fetchConcurrency ?? DEFAULT_FETCH_CONCURRENCY)),
      retryBaseMs: Math.max(1, opts.retryBaseMs ?? DEFAULT_RETRY_BASE_MS),
      stats,
    });
    const lingerMs = Math.max(0, opts.lingerMs ?? DEFAULT_LINGER_MS);

    const runLane = async (lane: Lane, first: string): Promise<void> => {
      let failures = 0;
      let stream = first;
      while (!stopping && !nc.isClosed()) {
        let messages: ConsumerMessages | null = null;
        try {
          if (failures > 0) {
            // On a restart: the consumer (or the whole stream) may have been deleted.
            stream = await lane.ensureStream();
            await ensureConsumer(jsm, stream, lane, deliver, batch, log);
          }
          const consumer = await js.consumers.get(stream, lane.durable);
          messages = await consumer.consume({ max_messages: batch * 2 });
          current.add(messages);
          // Stopped while subscribing: the batches below still finish what was pulled, then end.
          if (stopping) messages.stop();
          else void watchConsumer(messages, log, lane.durable, 'platform events');
          await consumeInBatches(messages, { batch, lingerMs, stopping: () => stopping, concurrency }, async (msgs) => {
            await handle(msgs);
            failures = 0;
          });
          if (!stopping) log.warn({ durable: lane.durable }, 'platform events: consumer stopped; restarting');
        } catch (err) {
          if (stopping || nc.isClosed()) break;
          log.warn({ durable: lane.durable, err: errorText(err) }, 'platform events: consumer failed; restarting');
        } finally {
          if (messages) {
            current.delete(messages);
            messages.stop();
          }
        }
        if (stopping || nc.isClosed()) break;
        failures++;
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            wakes.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.min(failures - 1, 10)));
          wakes.add(wake);
        });
      }
    };
    const loops = Promise.all(lanes.map((lane, i) => runLane(lane, streams[i]!)));

    let stopped: Promise<void> | null = null;
    return {
      stats: () => ({ ...stats }),
      stop: () =>
        (stopped ??= (async () => {
          stopping = true;
          for (const wake of [...wakes]) wake();
          // Each lane handles (and acks) what was already pulled, then ends.
          for (const messages of current) messages.stop();
          await loops;
          // Drain flushes the acks still in the outbound buffer before the connection closes.
          if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
          log.info({ durable, ...stats }, 'platform events stopped');
        })()),
    };
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}




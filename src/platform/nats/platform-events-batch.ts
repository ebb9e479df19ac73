/**
 * The batch half of the platform events consumer (platform-events.ts): turns what a JetStream
 * consumer delivers into batches, and settles each batch with one ingest and one dead-letter call.
 *
 * Why batches: one database commit per message caps ingestion at a few thousand events a second;
 * one commit per few hundred messages reaches the target (>= 10,000/s end to end). Batches are
 * what is already buffered (up to `batch`): the consumer waits at most `lingerMs` for a batch to
 * fill, so a lone event is not held back.
 *
 * How a batch settles (at-least-once; the store's dedupe on id makes it exactly-once in effect):
 * - parse every message; `ignored` types are acked at once; `malformed` ones become dead letters;
 * - `event.stored` refs are completed through fetchEvent, at most `fetchConcurrency` at once, one
 *   fetch per event id: null (404) is a dead letter, a permanent error (4xx, a bad answer) too; a
 *   failure that may pass (unavailable, timeout, anything unknown) naks that message with a
 *   growing delay, so the event service being down never dead-letters anything;
 * - then `ingest` once (events deduped on id within the batch) and `deadLetter` once, together;
 *   only when both resolve is every message of the batch acked. If either throws, every message of
 *   the batch is nakked with a growing delay (the redelivery count of each message) and the
 *   consumer goes on.
 */
import type { JsMsg } from 'nats';
import type { TrackedEvent } from '../../domain/events.js';
import type { Clock, Logger } from '../../domain/ports.js';
import type { EventResponse } from '../http/event-service.js';
import { eventFromStored, originOf, parsePlatformEvent, type ParsedPlatformEvent } from './platform-event-envelope.js';

/** A message that can never become an event, kept so that it can be inspected or replayed. */
export interface DeadLetterEntry {
  /** `nats:<first subject token>`, as the events' source. */
  source: string;
  subject: string;
  streamSeq: number;
  reason: string;
  /** The raw body as UTF-8 text, truncated to 64 KB. */
  payload: string;
  receivedAt: Date;
}

/** Counters since start, for logs and benchmarks. */
export interface PlatformEventsStats {
  /** Messages taken from JetStream (redeliveries count again). */
  received: number;
  /** Events handed to a successful ingest call (the callee skips ids it already has). */
  ingested: number;
  deadLettered: number;
  ignored: number;
  naks: number;
  batches: number;
}

export const NOT_FOUND_REASON = 'event not found in the event service';
const PAYLOAD_MAX_BYTES = 64 * 1024;
const NAK_MAX_MS = 60_000;

export interface BatchDeps {
  clock: Clock;
  log: Logger;
  eventServicePrefix: string;
  fetchEvent?: (eventId: string) => Promise<EventResponse | null>;
  ingest: (events: TrackedEvent[]) => Promise<unknown>;
  deadLetter: (entries: DeadLetterEntry[]) => Promise<unknown>;
  fetchConcurrency: number;
  /** First nak delay; doubled per redelivery, capped at 60 s. */
  retryBaseMs: number;
  stats: PlatformEventsStats;
}

type Outcome = { event: TrackedEvent } | { dead: string } | { nak: true } | { ack: true };

/** Handles one batch: acks or naks every message. Never throws. */
export function batchHandler(deps: BatchDeps): (msgs: JsMsg[]) => Promise<void> {
  const { clock, log, stats } = deps;
  const limit = limiter(deps.fetchConcurrency);
  const delay = (m: JsMsg) => Math.min(NAK_MAX_MS, deps.retryBaseMs * 2 ** Math.min(Math.max(0, m.info.redeliveryCount - 1), 10));
  const nak = (m: JsMsg) => {
    stats.naks++;
    m.nak(delay(m));
  };

  return async (msgs) => {
    stats.received += msgs.length;
    stats.batches++;
    const now = clock.now();
    const fetches = new Map<string, Promise<Outcome>>();
    let fetchFailure: string | undefined;
    const outcomes = await Promise.all(
      msgs.map(async (m): Promise<Outcome> => {
        const parsed = parse(m, now, deps.eventServicePrefix);
        switch (parsed.kind) {
          case 'ignored':
            log.debug({ subject: m.subject, seq: m.seq, type: parsed.type }, 'platform event ignored: type not handled');
            return { ack: true };
          case 'malformed':
            return { dead: parsed.problem };
          case 'event':
            return { event: parsed.event };
          case 'stored': {
            const { ref } = parsed;
            if (!deps.fetchEvent) return settle(eventFromStored(ref, null, originOf(m.subject), now));
            let pending = fetches.get(ref.eventId);
            if (!pending) {
              const fetchEvent = deps.fetchEvent;
              pending = limit(() => fetchEvent(ref.eventId)).then(
                (detail) => (detail ? settle(eventFromStored(ref, detail, originOf(m.subject), now)) : { dead: NOT_FOUND_REASON }),
                (err: unknown): Outcome => {
                  if (isPermanent(err)) return { dead: isNotFound(err) ? NOT_FOUND_REASON : `the event service could not give the event: ${errorText(err)}` };
                  fetchFailure ??= errorText(err);
                  return { nak: true };
                },
              );
              fetches.set(ref.eventId, pending);
            }
            return pending;
          }
        }
      }),
    );

    const events: TrackedEvent[] = [];
    const dead: DeadLetterEntry[] = [];
    const settleMsgs: JsMsg[] = [];
    const seen = new Set<string>();
    let naks = 0;
    outcomes.forEach((o, i) => {
      const m = msgs[i]!;
      if ('ack' in o) {
        stats.ignored++;
        m.ack();
      } else if ('nak' in o) {
        naks++;
        nak(m);
      } else if ('dead' in o) {
        dead.push({ source: originOf(m.subject), subject: m.subject, streamSeq: m.seq, reason: o.dead, payload: payloadText(m.data), receivedAt: now });
        settleMsgs.push(m);
      } else {
        // A republished envelope in the same batch: one event (the store dedupes across batches).
        if (!seen.has(o.event.id)) {
          seen.add(o.event.id);
          events.push(o.event);
        }
        settleMsgs.push(m);
      }
    });
    if (naks > 0) log.warn({ messages: naks, err: fetchFailure }, 'platform events not fetched (event service unavailable): redelivering them');
    if (dead.length > 0) {
      // One line per batch, with a few examples: a flood of bad messages must not flood the log.
      const examples = dead.slice(0, 3).map((d) => ({ subject: d.subject, seq: d.streamSeq, reason: d.reason }));
      log.warn({ count: dead.length, examples }, 'platform events dead-lettered');
    }
    if (settleMsgs.length === 0) return;

    const [ingested, lettered] = await Promise.allSettled([
      events.length ? deps.ingest(events) : undefined,
      dead.length ? deps.deadLetter(dead) : undefined,
    ]);
    if (ingested.status === 'rejected' || lettered.status === 'rejected') {
      const err = ingested.status === 'rejected' ? ingested.reason : (lettered as PromiseRejectedResult).reason;
      log.warn(
        { messages: settleMsgs.length, events: events.length, deadLetters: dead.length, deliveries: settleMsgs[0]!.info.redeliveryCount, err: errorText(err) },
        `platform events not committed (${ingested.status === 'rejected' ? 'ingest' : 'dead letter'} failed): redelivering the batch`,
      );
      for (const m of settleMsgs) nak(m);
      return;
    }
    for (const m of settleMsgs) m.ack();
    stats.ingested += events.length;
    stats.deadLettered += dead.length;
  };
}

/**
 * Feeds `handle` with batches of what `messages` has buffered: up to `batch` at once, waiting at
 * most `lingerMs` for a batch to fill. A reader keeps taking messages while a batch is handled (so
 * the consumer's next pull is already in flight), up to two batches ahead. When the iteration ends
 * (stop), everything it delivered is still handled; with `concurrency` > 1, that many batches are
 * handled at once; an iteration error is thrown after that. Should
 * `handle` throw (it should not), that is thrown at once: the caller then stops the consumer.
 */
export async function consumeInBatches(
  messages: AsyncIterable<JsMsg>,
  opts: { batch: number; lingerMs: number; stopping: () => boolean; concurrency?: number },
  handle: (msgs: JsMsg[]) => Promise<void>,
): Promise<void> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
  const inFlight = new Set<Promise<void>>();
  const queue: JsMsg[] = [];
  let ended = false;
  let failure: { err: unknown } | null = null;
  /** The processor waiting for messages, and the reader waiting for room. */
  const waiting: { push: (() => void) | null; space: (() => void) | null } = { push: null, space: null };
  let abandoned = false;
  const reader = (async () => {
    try {
      for await (const m of messages) {
        queue.push(m);
        waiting.push?.();
        while (queue.length >= opts.batch * (concurrency + 1) && !abandoned) await new Promise<void>((resolve) => (waiting.space = resolve));
        // Leaving the loop stops the consumer; what it held is redelivered after ack_wait.
        if (abandoned) break;
      }
    } catch (err) {
      failure = { err };
    } finally {
      ended = true;
      waiting.push?.();
    }
  })();
  const until = (ready: () => boolean, ms?: number) =>
    new Promise<void>((resolve) => {
      if (ready()) return resolve();
      const done = () => {
        clearTimeout(timer);
        waiting.push = null;
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      waiting.push = () => {
        if (ready()) done();
      };
    });

  const release = () => {
    const space = waiting.space;
    waiting.space = null;
    space?.();
  };
  try {
    for (;;) {
      await until(() => queue.length > 0 || ended);
      if (queue.length === 0) break;
      if (queue.length < opts.batch && !ended && !opts.stopping() && opts.lingerMs > 0) {
        await until(() => queue.length >= opts.batch || ended, opts.lingerMs);
      }
      const taken = queue.splice(0, opts.batch);
      release();
      if (concurrency === 1) {
        await handle(taken);
        continue;
      }
      // Several batches at once (PostgreSQL commits them in parallel); a failure stops the loop.
      const running: Promise<void> = handle(taken).finally(() => inFlight.delete(running));
      inFlight.add(running);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } catch (err) {
    // Not awaited: the reader may be waiting for a message; the caller stops the consumer.
    abandoned = true;
    release();
    throw err;
  }
  await reader;
  if (failure) throw (failure as { err: unknown }).err;
}

function parse(m: JsMsg, now: Date, prefix: string): ParsedPlatformEvent {
  try {
    return parsePlatformEvent(m.subject, m.data, now, prefix);
  } catch (err) {
    // The parser never throws; should a bug make it, one message must not stop the consumer.
    return { kind: 'malformed', problem: `could not be read: ${errorText(err)}` };
  }
}

function settle(p: ParsedPlatformEvent): Outcome {
  return p.kind === 'event' ? { event: p.event } : { dead: p.kind === 'malformed' ? p.problem : `unexpected ${p.kind}` };
}

/** At most `n` calls running at once. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    // A finished call hands its slot to the next waiting one, so no newcomer slips in between.
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** PlatformError codes (http/client.ts) that a redelivery cannot change; duck-typed so this module never loads undici. */
function isPermanent(err: unknown): boolean {
  const code = platformCode(err);
  return code === 'not_found' || code === 'rejected' || code === 'bad_response';
}

function isNotFound(err: unknown): boolean {
  return platformCode(err) === 'not_found';
}

function platformCode(err: unknown): unknown {
  return err instanceof Error && err.name === 'PlatformError' ? (err as { code?: unknown }).code : undefined;
}

function payloadText(body: Uint8Array): string {
  return new TextDecoder('utf-8').decode(body.subarray(0, PAYLOAD_MAX_BYTES));
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

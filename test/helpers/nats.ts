/**
 * Helpers for end-to-end tests against a real NATS JetStream server: whether it is reachable
 * (suites skip loudly, unless REQUIRE_SERVICES=1), a run id for unique subjects, streams and
 * durables, the `event.stored` envelope event_service publishes (contracts 0.4 and 2), polling
 * with a deadline, and "this consumer has acked everything up to here".
 */
import { randomUUID } from 'node:crypto';
import { connect, type JetStreamManager } from 'nats';
import { requireServices } from './db.js';
import { naiveUtc } from './fake-event-service.js';

export const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Unique per test file run: subjects, streams and durables built from it never collide. */
export function runId(): string {
  return `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

export async function natsAvailable(what: string): Promise<boolean> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 3_000, maxReconnectAttempts: 0 });
    try {
      await nc.jetstreamManager();
    } finally {
      await nc.close();
    }
    return true;
  } catch (err) {
    if (requireServices) throw new Error(`NATS JetStream is required (REQUIRE_SERVICES=1) but unreachable at ${NATS_URL}: ${String(err)}`);
    console.warn(`\n!!! NATS JetStream unreachable at ${NATS_URL}: ${what} SKIPPED (${String(err)})\n`);
    return false;
  }
}

/** Polls until `fn` gives something truthy; fails after `ms` with what it waited for (and the last value seen, when `describe` is given). */
export async function until<T>(
  what: string,
  fn: () => T | false | null | undefined | 0 | Promise<T | false | null | undefined | 0>,
  ms = 10_000,
  describe?: () => unknown | Promise<unknown>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      const state = describe ? `; last state: ${JSON.stringify(await describe())}` : '';
      throw new Error(`timed out after ${ms} ms waiting for ${what}${state}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The fields of an event the event service holds that its `event.stored` envelope repeats. */
export interface StoredRef {
  event_id: string;
  event_type: string;
  user_id: string | null;
  event_source?: string;
  event_category?: string;
  /** Naive UTC, as the platform writes it. */
  timestamp: string;
}

/** event_service's `event.stored` envelope (contracts 0.4 / 2): a fresh envelope id each call, so a republish is "another envelope for the same event". */
export function storedEnvelope(e: StoredRef, publishedAt: Date, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomUUID(),
    type: 'event.stored',
    source: 'event_service',
    subject: null,
    timestamp: naiveUtc(publishedAt),
    data: {
      event_id: e.event_id,
      event_type: e.event_type,
      event_source: e.event_source ?? 'backend',
      event_category: e.event_category ?? 'user_action',
      user_id: e.user_id,
      timestamp: e.timestamp,
    },
    metadata: {},
    version: '1.0.0',
    ...over,
  };
}

/** What a durable consumer has done: all of its stream up to `seq` delivered and acked, nothing pending. */
export async function consumerState(jsm: JetStreamManager, stream: string, durable: string) {
  const info = await jsm.consumers.info(stream, durable);
  return { ackFloor: info.ack_floor.stream_seq, delivered: info.delivered.stream_seq, ackPending: info.num_ack_pending, pending: info.num_pending, redelivered: info.num_redelivered };
}

/** Waits until `durable` has acked everything up to `seq` and holds nothing unacked. */
export async function caughtUp(jsm: JetStreamManager, stream: string, durable: string, seq: number, ms = 10_000): Promise<void> {
  await until(
    `consumer ${durable} to ack ${stream} up to #${seq}`,
    async () => {
      const s = await consumerState(jsm, stream, durable);
      return s.ackFloor >= seq && s.ackPending === 0 && s.pending === 0;
    },
    ms,
    () => consumerState(jsm, stream, durable),
  );
}

/**
 * The JetStream streams and consumers the platform events consumer (platform-events.ts) reads,
 * ensured the way notification-events.ts ensures its own: an existing stream is used as it is
 * (found by subject when it is not the expected one), a missing one is created with the settings
 * its owner would give it (only our own agentic-campaign-events gains subjects as they are
 * configured), and a durable is created only when missing; the NATS API error codes
 * tell the cases apart (10059 stream not found, 10058 stream exists, 10065 subjects overlap,
 * 10014 consumer not found, 10148/10013 consumer exists).
 */
import { AckPolicy, DeliverPolicy, NatsError, nanos, type ConsumerConfig, type JetStreamManager } from 'nats';
import type { Logger } from '../../domain/ports.js';
import { errorText } from './platform-events-batch.js';
import { isApiError } from './connection.js';

/** One durable consumer: its name, its filter, what it is for. */
export interface LaneSpec {
  durable: string;
  filter: string;
  description: string;
}

export type Deliver = 'all' | 'new' | { startSequence: number };

/** What isa_common creates on demand for `<prefix>-stream`; used only when that stream is missing. */
const SERVICE_STREAM_MAX_MSGS = 100_000;
/** Ours holds producers' events until we read them: a week, up to 1 GiB (oldest dropped first). */
const OWN_STREAM_MAX_AGE_MS = 7 * 24 * 3_600_000;
const OWN_STREAM_MAX_BYTES = 1024 ** 3;
const ACK_WAIT_MS = 30_000;

/** Creates `<prefix>-stream` as the platform would (contracts 0.4) when it is missing; an existing stream is never altered. */
export async function ensureStream(jsm: JetStreamManager, log: Logger, name: string, subject: string, probe: string): Promise<string> {
  try {
    await jsm.streams.info(name);
    return name;
  } catch (err) {
    if (!isApiError(err, 10059)) throw err;
  }
  try {
    await jsm.streams.add({ name, subjects: [subject], max_msgs: SERVICE_STREAM_MAX_MSGS });
    log.info({ stream: name }, 'created the NATS stream for platform events');
    return name;
  } catch (err) {
    // Created meanwhile by someone else (the service itself, another of our processes).
    if (isApiError(err, 10058)) return name;
    // Another stream already captures these subjects: read from that one.
    if (isApiError(err, 10065)) {
      const other = await jsm.streams.find(probe);
      log.warn({ stream: other }, `platform events are stored in stream ${other}, not ${name}`);
      return other;
    }
    throw err;
  }
}

/**
 * The stream that captures `subject`; when none does, `name` (ours) is created with it, or, when
 * it exists, the subject is added to it. Other streams are never altered.
 */
export async function ensureEventsStream(jsm: JetStreamManager, log: Logger, name: string, subject: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await jsm.streams.find(subject);
    } catch (err) {
      if (err instanceof NatsError || !/no stream matches/i.test(errorText(err))) throw err;
    }
    try {
      let exists = true;
      const info = await jsm.streams.info(name).catch((err: unknown) => {
        if (!isApiError(err, 10059)) throw err;
        exists = false;
        return null;
      });
      if (exists && info) {
        await jsm.streams.update(name, { subjects: [...(info.config.subjects ?? []), subject] });
        log.info({ stream: name, subject }, 'added a subject to the NATS stream for platform events');
      } else {
        await jsm.streams.add({ name, subjects: [subject], max_age: nanos(OWN_STREAM_MAX_AGE_MS), max_bytes: OWN_STREAM_MAX_BYTES });
        log.info({ stream: name, subject }, 'created the NATS stream for platform events');
      }
      return name;
    } catch (err) {
      // Raced with another of our processes (10058 exists, 10065 overlap): look again, once.
      if (attempt >= 2 || !(isApiError(err, 10058) || isApiError(err, 10065))) throw err;
    }
  }
}

/** Binds the durable, or creates it: explicit acks, redelivered until acked, starting at `deliver`. */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, lane: LaneSpec, deliver: Deliver, batch: number, log: Logger): Promise<void> {
  const { durable, filter } = lane;
  const check = (config: ConsumerConfig) => {
    if (config.ack_policy !== AckPolicy.Explicit || (config.filter_subject ?? '') !== filter) {
      log.warn(
        { durable, ackPolicy: config.ack_policy, filter: config.filter_subject ?? null, expected: filter },
        'the existing NATS consumer differs from what platform events expect (explicit acks, this filter); using it as it is',
      );
    }
  };
  try {
    check((await jsm.consumers.info(stream, durable)).config);
    return;
  } catch (err) {
    if (!isApiError(err, 10014)) throw err;
  }
  const start: Partial<ConsumerConfig> =
    deliver === 'all'
      ? { deliver_policy: DeliverPolicy.All }
      : deliver === 'new'
        ? { deliver_policy: DeliverPolicy.New }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: deliver.startSequence };
  try {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      description: lane.description,
      filter_subject: filter,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ACK_WAIT_MS),
      max_deliver: -1,
      // Room for the batch in hand, the one buffered behind it and the pull in flight.
      max_ack_pending: Math.max(1_000, batch * 8),
      ...start,
    });
    log.info({ stream, durable, filter }, 'created the NATS consumer for platform events');
  } catch (err) {
    // Created meanwhile by another of our processes (with its own settings): bind to it.
    if (!isApiError(err, 10148) && !isApiError(err, 10013)) throw err;
    check((await jsm.consumers.info(stream, durable)).config);
  }
}

/** `<durable>-<subject slug>-<hash>`: stable across restarts, distinct for subjects that slug alike. */
export function laneDurable(durable: string, subject: string): string {
  const slug = subject.replace(/>/g, 'all').replace(/\*/g, 'any').replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 60);
  let h = 0x811c9dc5;
  for (let i = 0; i < subject.length; i++) h = Math.imul(h ^ subject.charCodeAt(i), 0x01000193) >>> 0;
  return `${durable}-${slug}-${h.toString(36)}`;
}

/** Dot-separated non-empty tokens without spaces; `*` only as a whole token, `>` only as the last. */
export function validSubject(s: string): boolean {
  const tokens = s.split('.');
  return s.length <= 255 && !/\s/.test(s) && tokens.every((t, i) => t !== '' && (t === '>' ? i === tokens.length - 1 : t === '*' || !/[*>]/.test(t)));
}


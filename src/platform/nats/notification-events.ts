/**
 * The notification service's delivery events, from NATS JetStream (contracts 0.4 and 1), applied
 * to the send ledger.
 *
 * The service publishes envelopes `{id, type, source, subject, timestamp, data, metadata, version}`
 * to `notification_service.<type>` in the stream `notification_service-stream`. We read them with
 * a durable pull consumer of our own (explicit acks, deliver all) and map:
 *
 * | type                                              | ledger                     | also                               |
 * |---------------------------------------------------|----------------------------|------------------------------------|
 * | notification.delivered                            | -> delivered               |                                    |
 * | notification.failed                               | -> failed                  | bounce + suppression if a bounce   |
 * | notification.bounced                              | -> failed                  | bounce hit, suppression `bounced`  |
 * | notification.complained, notification.spam_reported | unchanged                | complaint hit, suppression `complained` |
 * | notification.sent                                 | unchanged (we record sends) | recorded for dedupe only          |
 *
 * Only `notification.sent` is emitted by the service today; the rest follow its (unused)
 * publishers (`error_message`, `delivered_at`) and the usual ESP vocabulary.
 *
 * Every event id is recorded with its ledger change in one transaction (deliveryEventsRepo), so a
 * redelivery or a republished envelope changes nothing. A message is acked only once that commit
 * is done; a database error naks it with a growing delay. Malformed messages are acked and
 * skipped (a warning says why): redelivering them could never help.
 *
 * The suppression and the engagement hit follow the commit (their repositories run their own
 * transactions): they are retried in place a few times, and a redelivery does not repeat them.
 */
import {
  AckPolicy,
  DeliverPolicy,
  connect,
  nanos,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
} from 'nats';
import type { Channel } from '../../domain/campaign.js';
import type { SuppressionReason } from '../../domain/delivery/suppressions.js';
import type { Clock, Logger, Store } from '../../domain/ports.js';
import type { Executor } from '../../store/executor.js';
import { deliveryEventsRepo, type AppliedDeliveryEvent, type DeliveryEventsRepo } from '../../store/repos/delivery-events.js';
import { parseNotificationEvent, type Action, type NotificationEvent } from './notification-envelope.js';
import { isApiError, redact, watchConnection, watchConsumer } from './connection.js';

export { parseNotificationEvent, parseTimestamp, type NotificationEvent, type ParsedNotificationEvent } from './notification-envelope.js';

export const NOTIFICATION_STREAM = 'notification_service-stream';
export const NOTIFICATION_STREAM_SUBJECTS = 'notification_service.>';
export const NOTIFICATION_EVENTS_FILTER = 'notification_service.notification.*';
export const DEFAULT_NOTIFICATION_DURABLE = 'agentic-campaign-notification-events';
/** The inbox_events source of these events: envelope ids are unique per publisher. */
export const NOTIFICATION_EVENTS_SOURCE = 'nats:notification_service';

/** What the platform's isa_common creates on demand; used only when the stream does not exist. */
const STREAM_MAX_MSGS = 100_000;
const ACK_WAIT_MS = 30_000;
const DEFAULT_BATCH = 64;
const NAK_BASE_MS = 1_000;
const NAK_MAX_MS = 60_000;
const SIDE_EFFECT_ATTEMPTS = 3;
const RESTART_BASE_MS = 500;
const RESTART_MAX_MS = 30_000;

export interface NotificationEventsOptions {
  /** nats://host:port (credentials in the URL are never logged). */
  url: string;
  store: Store & { readonly executor: Executor };
  clock: Clock;
  log: Logger;
  /** Durable consumer name (default agentic-campaign-notification-events). */
  durable?: string;
  /** Messages pulled per request (default 64). */
  batch?: number;
  /**
   * Where a newly created consumer starts (default `all`, the whole stream). An existing durable
   * keeps its position whatever this says.
   */
  deliver?: 'all' | 'new' | { startSequence: number };
}

export interface NotificationEvents {
  /** Stops pulling, finishes the messages in hand (acking them), and closes the connection. */
  stop(): Promise<void>;
}

export async function startNotificationEvents(opts: NotificationEventsOptions): Promise<NotificationEvents> {
  const { store, clock, log } = opts;
  const durable = opts.durable ?? DEFAULT_NOTIFICATION_DURABLE;
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(durable)) throw new Error(`invalid NATS durable consumer name: ${JSON.stringify(durable)}`);
  const batch = Math.max(1, Math.min(1_000, Math.floor(opts.batch ?? DEFAULT_BATCH)));
  const repo = deliveryEventsRepo(store.executor);
  const server = redact(opts.url);

  const nc = await connect({ servers: opts.url, name: 'agentic-campaign', maxReconnectAttempts: -1, reconnectTimeWait: 2_000 });
  let stopping = false;
  let current: ConsumerMessages | null = null;
  let wake: (() => void) | null = null;
  try {
    const jsm = await nc.jetstreamManager();
    const stream = await ensureNotificationStream(jsm, log);
    await ensureConsumer(jsm, stream, durable, opts.deliver ?? 'all', log);
    log.info({ server, stream, durable, filter: NOTIFICATION_EVENTS_FILTER }, 'consuming notification events from NATS');

    void watchConnection(nc, log, server);
    const js = nc.jetstream();
    const handle = messageHandler({ repo, store, clock, log });

    const loop = (async () => {
      let failures = 0;
      let name = stream;
      while (!stopping && !nc.isClosed()) {
        try {
          if (failures > 0) {
            // On a restart: the consumer (or the whole stream) may have been deleted.
            name = await ensureNotificationStream(jsm, log);
            await ensureConsumer(jsm, name, durable, opts.deliver ?? 'all', log);
          }
          const consumer = await js.consumers.get(name, durable);
          const messages = await consumer.consume({ max_messages: batch });
          current = messages;
          // Stopped while subscribing: the iteration below still finishes what was pulled, then ends.
          if (stopping) messages.stop();
          else void watchConsumer(messages, log, durable, 'notification events');
          for await (const m of messages) {
            await handle(m);
            failures = 0;
          }
          if (!stopping) log.warn({ durable }, 'notification events: consumer stopped; restarting');
        } catch (err) {
          if (stopping || nc.isClosed()) break;
          log.warn({ durable, err: errorText(err) }, 'notification events: consumer failed; restarting');
        } finally {
          current = null;
        }
        if (stopping || nc.isClosed()) break;
        failures++;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.min(failures - 1, 10)));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    })();

    let stopped: Promise<void> | null = null;
    return {
      stop: () =>
        (stopped ??= (async () => {
          stopping = true;
          wake?.();
          // The loop handles (and acks) what was already pulled, then ends.
          (current as ConsumerMessages | null)?.stop();
          await loop;
          // Drain flushes the acks still in the outbound buffer before the connection closes.
          if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
          log.info({ durable }, 'notification events stopped');
        })()),
    };
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}

/** Creates the stream the platform would create, when it is missing; an existing stream is never altered. */
export async function ensureNotificationStream(jsm: JetStreamManager, log: Logger): Promise<string> {
  try {
    await jsm.streams.info(NOTIFICATION_STREAM);
    return NOTIFICATION_STREAM;
  } catch (err) {
    if (!isApiError(err, 10059)) throw err;
  }
  try {
    await jsm.streams.add({ name: NOTIFICATION_STREAM, subjects: [NOTIFICATION_STREAM_SUBJECTS], max_msgs: STREAM_MAX_MSGS });
    log.info({ stream: NOTIFICATION_STREAM }, 'created the NATS stream for notification events');
    return NOTIFICATION_STREAM;
  } catch (err) {
    // Created meanwhile by someone else (the service itself, another of our processes).
    if (isApiError(err, 10058)) return NOTIFICATION_STREAM;
    // Another stream already captures these subjects: read from that one.
    if (isApiError(err, 10065)) {
      const other = await jsm.streams.find('notification_service.notification.sent');
      log.warn({ stream: other }, `notification events are stored in stream ${other}, not ${NOTIFICATION_STREAM}`);
      return other;
    }
    throw err;
  }
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  deliver: NonNullable<NotificationEventsOptions['deliver']>,
  log: Logger,
): Promise<void> {
  const check = (config: ConsumerConfig) => {
    if (config.ack_policy !== AckPolicy.Explicit || (config.filter_subject ?? '') !== NOTIFICATION_EVENTS_FILTER) {
      log.warn(
        { durable, ackPolicy: config.ack_policy, filter: config.filter_subject ?? null },
        'the existing NATS consumer differs from what notification events expect (explicit acks, notification_service.notification.*); using it as it is',
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
      description: 'agentic-campaign: notification delivery events -> send ledger',
      filter_subject: NOTIFICATION_EVENTS_FILTER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ACK_WAIT_MS),
      max_deliver: -1,
      ...start,
    });
    log.info({ stream, durable }, 'created the NATS consumer for notification events');
  } catch (err) {
    // Created meanwhile by another of our processes (with its own settings): bind to it.
    if (!isApiError(err, 10148) && !isApiError(err, 10013)) throw err;
    check((await jsm.consumers.info(stream, durable)).config);
  }
}

// ---------------------------------------------------------------------------------------------
// Handling one message

interface HandlerDeps {
  repo: DeliveryEventsRepo;
  store: Store;
  clock: Clock;
  log: Logger;
}



/** Exported for tests: handles one message and acks or naks it. Never throws. */
export function messageHandler(deps: HandlerDeps): (m: JsMsg) => Promise<void> {
  const { repo, store, clock, log } = deps;
  return async (m) => {
    const parsed = parseNotificationEvent(m.subject, m.data, clock.now());
    if (parsed.kind === 'malformed') {
      log.warn({ subject: m.subject, seq: m.seq, problem: parsed.problem }, 'notification event skipped: malformed');
      m.ack();
      return;
    }
    if (parsed.kind === 'ignored') {
      log.debug({ subject: m.subject, seq: m.seq, type: parsed.type }, 'notification event ignored: type not handled');
      m.ack();
      return;
    }
    const { event, action } = parsed;
    let result: AppliedDeliveryEvent;
    try {
      result = await repo.apply({
        source: NOTIFICATION_EVENTS_SOURCE,
        eventId: event.id,
        providerMessageId: event.notificationId,
        status: action.status,
        ...(event.reason ? { reason: event.reason } : {}),
        at: event.at,
        receivedAt: clock.now(),
      });
    } catch (err) {
      const deliveries = m.info.redeliveryCount;
      const delayMs = Math.min(NAK_MAX_MS, NAK_BASE_MS * 2 ** Math.min(Math.max(0, deliveries - 1), 10));
      log.warn({ type: event.type, eventId: event.id, deliveries, delayMs, err: errorText(err) }, 'notification event not applied (database error): redelivering');
      m.nak(delayMs);
      return;
    }
    const msg = result.message;
    const base = { type: event.type, eventId: event.id, notificationId: event.notificationId };
    if (!result.applied) {
      log.debug(base, 'notification event already applied: skipped');
    } else if (!msg) {
      log.debug(base, 'notification event for a notification not in the ledger: ignored');
    } else {
      if (action.bounce || action.complaint) await sideEffects(store, log, msg, action, event);
      const line = { ...base, workspaceId: msg.workspaceId, messageId: msg.id, status: msg.status, changed: result.changed, bounce: action.bounce, complaint: action.complaint };
      if (event.type === 'notification.sent') log.debug(line, 'notification event applied');
      else log.info(line, 'notification event applied');
    }
    m.ack();
  };
}

async function sideEffects(store: Store, log: Logger, msg: NonNullable<AppliedDeliveryEvent['message']>, action: Action, event: NotificationEvent): Promise<void> {
  const reason: SuppressionReason = action.complaint ? 'complained' : 'bounced';
  const kind = action.complaint ? 'complaint' : 'bounce';
  for (let attempt = 1; ; attempt++) {
    try {
      // The suppression first: it must hold for later sends even if recording the hit fails.
      await store.suppressions.add(msg.workspaceId, { userId: msg.userId, channel: msg.channel as Channel, reason, source: 'notification_service' }, event.at);
      const target = (await store.engagement.targets(msg.workspaceId, [msg.id])).get(msg.id);
      if (target) await store.engagement.record([{ target, kind, isMachine: false, occurredAt: event.at, source: 'nats' }]);
      return;
    } catch (err) {
      if (attempt >= SIDE_EFFECT_ATTEMPTS) {
        // A redelivery would find the event applied and skip this: say exactly what is missing.
        log.error(
          { eventId: event.id, workspaceId: msg.workspaceId, messageId: msg.id, userId: msg.userId, suppression: reason, hit: kind, err: errorText(err) },
          'notification event applied, but its suppression or engagement hit could not be recorded',
        );
        return;
      }
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
}



function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}




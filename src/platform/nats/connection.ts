/** What every JetStream consumer of ours shares: log-safe addresses, connection and consumer watchers, API error codes. */
import { ConsumerEvents, NatsError, type ConsumerMessages, type NatsConnection } from 'nats';
import type { Logger } from '../../domain/ports.js';

/** The server address without credentials, for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '(unparsable NATS URL)';
  }
}

/** Logs disconnects and reconnects until the connection closes. */
export async function watchConnection(nc: NatsConnection, log: Logger, server: string): Promise<void> {
  try {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') log.warn({ server }, 'NATS disconnected; reconnecting');
      else if (s.type === 'reconnect') log.info({ server }, 'NATS reconnected');
      else if (s.type === 'error') log.warn({ server, err: String(s.data) }, 'NATS connection error');
    }
  } catch {
    // The connection closed.
  }
}

/** A deleted consumer is not recreated by `consume`: stop, and the caller's loop creates it again. */
export async function watchConsumer(messages: ConsumerMessages, log: Logger, durable: string, what: string): Promise<void> {
  try {
    for await (const s of await messages.status()) {
      if (s.type === ConsumerEvents.ConsumerDeleted || s.type === ConsumerEvents.ConsumerNotFound || s.type === ConsumerEvents.StreamNotFound) {
        log.warn({ durable, status: s.type }, `${what}: consumer lost; recreating`);
        messages.stop();
        return;
      }
    }
  } catch {
    // The iterator ended.
  }
}

/** A JetStream API error with this code (10059 stream not found, 10014 consumer not found, ...). */
export function isApiError(err: unknown, code: number): boolean {
  return err instanceof NatsError && err.api_error?.err_code === code;
}

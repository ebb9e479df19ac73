/**
 * Delivery events from the notification service (contracts section 1, consumed over NATS): each
 * one moves the ledger row of the notification it names forward, once.
 *
 * `apply` runs in one transaction: the event's id goes into inbox_events first, and an id that is
 * already there (a redelivery, a republished envelope) changes nothing. The row is then found by
 * the service's notification id (the partial index on provider_message_id: the query repeats the
 * index's own terms so both planners use it) and moved forward only:
 *
 *   sent -> delivered | failed, delivered -> failed (a late bounce).
 *
 * A row in any other status (failed, cancelled...) keeps it. An event for a notification we do not
 * know is still recorded, so it is never retried. `status: null` records the event and finds the
 * row without changing it (a complaint, a `sent` echo of a send we recorded ourselves).
 */
import type { Channel } from '../../domain/campaign.js';
import type { LedgerStatus } from '../../domain/delivery/ledger.js';
import type { Executor } from '../executor.js';

export const NOTIFICATION_PROVIDER = 'notification_service';

export interface DeliveryEvent {
  /** Where the event id is unique, e.g. `nats:notification_service`. */
  source: string;
  eventId: string;
  /** The service's notification_id (the ledger's provider_message_id). */
  providerMessageId: string;
  /** The status the event reports; null records the event without moving the row. */
  status: 'delivered' | 'failed' | null;
  reason?: string;
  /** When it happened (the history entry's time, and delivered_at for a delivery). */
  at: Date;
  /** When it was received (inbox_events.received_at, messages.updated_at); default `at`. */
  receivedAt?: Date;
}

export interface DeliveryEventMessage {
  workspaceId: string;
  id: string;
  userId: string;
  channel: Channel;
  /** The row's status after the event. */
  status: LedgerStatus;
}

export interface AppliedDeliveryEvent {
  /** False when the event id was recorded already: nothing was changed. */
  applied: boolean;
  /** True when the row moved to the event's status. */
  changed: boolean;
  /** The ledger row the event names; null for a duplicate or an unknown notification. */
  message: DeliveryEventMessage | null;
}

export interface DeliveryEventsRepo {
  apply(e: DeliveryEvent): Promise<AppliedDeliveryEvent>;
  seen(source: string, eventId: string): Promise<boolean>;
}

const BY = 'notification_service';
const MAX_REASON = 500;

interface MessageRow {
  workspace_id: string;
  id: string;
  user_id: string;
  channel: string;
  status: string;
}

// The partial index is `provider_message_id IS NOT NULL AND provider <> 'local'`. The lookups carry
// that term verbatim, with literals: SQLite matches index predicates term by term, and a
// PostgreSQL generic plan cannot prove it from a parameter.

export function deliveryEventsRepo(x: Executor): DeliveryEventsRepo {
  const raw = x.raw;
  const entryOf = (e: DeliveryEvent, status: 'delivered' | 'failed') =>
    JSON.stringify({ status, at: e.at.toISOString(), by: BY, ...(e.reason ? { reason: clip(e.reason) } : {}) });
  const toMessage = (r: MessageRow): DeliveryEventMessage => ({
    workspaceId: r.workspace_id,
    id: r.id,
    userId: r.user_id,
    channel: r.channel as Channel,
    status: r.status as LedgerStatus,
  });

  if (raw.dialect === 'sqlite') {
    const db = raw.db;
    const remember = db.prepare(`INSERT INTO inbox_events (source, id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`);
    const seen = db.prepare(`SELECT 1 AS x FROM inbox_events WHERE source = ? AND id = ?`);
    const find = db.prepare(
      `SELECT workspace_id, id, user_id, channel, status FROM messages
       WHERE provider_message_id = ? AND provider = '${NOTIFICATION_PROVIDER}' AND provider <> 'local'
       ORDER BY created_at DESC LIMIT 1`,
    );
    const move = db.prepare(`
      UPDATE messages SET status = @status,
             delivered_at = CASE WHEN @status = 'delivered' THEN @at ELSE delivered_at END,
             error = CASE WHEN @status = 'failed' THEN coalesce(@reason, error) ELSE error END,
             status_history = json_insert(status_history, '$[#]', json(@entry)), updated_at = @now
      WHERE workspace_id = @ws AND id = @id AND (status = 'sent' OR (@status = 'failed' AND status = 'delivered'))`);
    return {
      apply: (e) =>
        x.tx(async (): Promise<AppliedDeliveryEvent> => {
          const received = e.receivedAt ?? e.at;
          if (remember.run(e.source, e.eventId, received.getTime()).changes === 0) return { applied: false, changed: false, message: null };
          const row = find.get(e.providerMessageId) as MessageRow | undefined;
          if (!row) return { applied: true, changed: false, message: null };
          if (e.status === null) return { applied: true, changed: false, message: toMessage(row) };
          const r = move.run({
            status: e.status, at: e.at.getTime(), reason: e.reason ? clip(e.reason) : null, entry: entryOf(e, e.status), now: received.getTime(),
            ws: row.workspace_id, id: row.id,
          });
          const changed = r.changes > 0;
          return { applied: true, changed, message: toMessage(changed ? { ...row, status: e.status } : row) };
        }),
      seen: (source, eventId) => x.run(async () => seen.get(source, eventId) !== undefined),
    };
  }

  const sql = raw.sql;
  return {
    apply: (e) =>
      sql.begin(async (tx): Promise<AppliedDeliveryEvent> => {
        const received = (e.receivedAt ?? e.at).toISOString();
        const inserted = await tx`
          INSERT INTO inbox_events (source, id, received_at) VALUES (${e.source}, ${e.eventId}, ${received}::timestamptz)
          ON CONFLICT DO NOTHING RETURNING id`;
        if (inserted.length === 0) return { applied: false, changed: false, message: null };
        // FOR UPDATE: a concurrent event for the same row waits, then sees this one's status.
        const [row] = await tx<MessageRow[]>`
          SELECT workspace_id, id, user_id, channel, status FROM messages
          WHERE provider_message_id = ${e.providerMessageId} AND provider = 'notification_service' AND provider <> 'local'
          ORDER BY created_at DESC LIMIT 1 FOR UPDATE`;
        if (!row) return { applied: true, changed: false, message: null };
        if (e.status === null) return { applied: true, changed: false, message: toMessage(row) };
        const at = e.at.toISOString();
        const moved = await tx`
          UPDATE messages SET status = ${e.status}::text,
                 delivered_at = CASE WHEN ${e.status}::text = 'delivered' THEN ${at}::timestamptz ELSE delivered_at END,
                 error = CASE WHEN ${e.status}::text = 'failed' THEN coalesce(${e.reason ? clip(e.reason) : null}::text, error) ELSE error END,
                 status_history = status_history || jsonb_build_array(${entryOf(e, e.status)}::jsonb), updated_at = ${received}::timestamptz
          WHERE workspace_id = ${row.workspace_id} AND id = ${row.id}
            AND (status = 'sent' OR (${e.status}::text = 'failed' AND status = 'delivered'))
          RETURNING id`;
        const changed = moved.length > 0;
        return { applied: true, changed, message: toMessage(changed ? { ...row, status: e.status } : row) };
      }) as Promise<AppliedDeliveryEvent>,
    seen: async (source, eventId) => {
      const rows = await sql`SELECT 1 FROM inbox_events WHERE source = ${source} AND id = ${eventId}`;
      return rows.length > 0;
    },
  };
}

function clip(s: string): string {
  return s.length > MAX_REASON ? s.slice(0, MAX_REASON) : s;
}

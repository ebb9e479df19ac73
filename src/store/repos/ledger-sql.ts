/**
 * Shared pieces of the two ledger implementations: row decoding and the status each outcome
 * moves a row to. The hot path uses prepared statements (SQLite) and array-parameter statements
 * (PostgreSQL) rather than the query builder: see ../../DESIGN notes on ledger write rates.
 */
import type { Channel } from '../../domain/campaign.js';
import type { DueMessage, LedgerOutcome } from '../../domain/delivery/ports.js';
import type { LedgerStatus } from '../../domain/delivery/ledger.js';
import { toRecipient, type RecipientRow } from './recipient-row.js';

/** The columns `due` reads, joined with the recipient's user row and suppressions. */
export const DUE_COLUMNS = `m.id, m.idempotency_key, m.campaign_id, m.user_id, m.channel, m.variant_id, m.status, m.attempts, m.credits, m.planned_for,
  u.id AS uid, u.name, u.email, u.phone, u.status AS ustatus, u.timezone, u.locale, u.tier, u.country,
  u.consent_email, u.consent_push, u.consent_sms, u.consent_in_app, u.consent_webhook`;

export const OPEN_SQL = `('queued', 'deferred', 'sending')`;
/** Sorts after every user id (ids are ASCII), standing for "no upper bound". */
export const MAX_ID = '\u{10FFFF}';

export interface DueRow extends RecipientRow {
  id: string;
  idempotency_key: string;
  campaign_id: string;
  user_id: string;
  channel: string;
  variant_id: string | null;
  status: string;
  attempts: number;
  credits: number;
  planned_for: number | Date;
}

export function toDue(r: DueRow): DueMessage {
  return {
    id: r.id,
    idempotencyKey: r.idempotency_key,
    campaignId: r.campaign_id,
    userId: r.user_id,
    channel: r.channel as Channel,
    variantId: r.variant_id,
    status: r.status as LedgerStatus,
    attempts: Number(r.attempts),
    credits: Number(r.credits),
    plannedFor: new Date(r.planned_for),
    user: toRecipient(r),
  };
}

/** The status an outcome moves a row to, and the history entry it appends. */
export function historyEntry(o: LedgerOutcome, now: Date, actor: string): { status: LedgerStatus; entry: string } {
  const { status, item } = historyItem(o, now, actor);
  return { status, entry: JSON.stringify(item) };
}

export interface HistoryItem {
  status: LedgerStatus;
  at: string;
  by: string;
  reason?: string;
}

export function historyItem(o: LedgerOutcome, now: Date, actor: string): { status: LedgerStatus; item: HistoryItem } {
  const status: LedgerStatus =
    o.kind === 'sent'
      ? o.delivered
        ? 'delivered'
        : 'sent'
      : o.kind === 'retry'
        ? 'queued'
        : o.kind === 'recheck'
          ? 'sending'
          : o.kind === 'defer'
            ? 'deferred'
            : o.kind === 'hold'
              ? 'queued'
              : o.kind;
  const reason = outcomeReason(o);
  return { status, item: { status, at: now.toISOString(), by: actor, ...(reason ? { reason } : {}) } };
}

/** The reason or error an outcome records, if any. */
export function outcomeReason(o: LedgerOutcome): string | undefined {
  return 'reason' in o ? o.reason : 'error' in o ? o.error : undefined;
}

/** When a row an outcome writes is next due: a retry's or hold's time, else its planned time. */
export function nextDueAt(o: LedgerOutcome, planned: Date): Date {
  return o.kind === 'retry' || o.kind === 'recheck' ? o.retryAt : o.kind === 'defer' || o.kind === 'hold' ? o.until : planned;
}

/** Splits items into those for existing rows and those that write a new row. */
export function byStored<T extends { row?: unknown }>(items: readonly T[]): { stored: T[]; fresh: Array<T & { row: NonNullable<T['row']> }> } {
  const stored: T[] = [];
  const fresh: Array<T & { row: NonNullable<T['row']> }> = [];
  for (const i of items) {
    if (i.row) fresh.push(i as T & { row: NonNullable<T['row']> });
    else stored.push(i);
  }
  return { stored, fresh };
}

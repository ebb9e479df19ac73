/** PostgreSQL COPY text format for seeded rows (columns in the order of rows.ts's *_COLUMNS). */
import type { EventRow, SummaryRow, UserRow } from './rows.js';

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY text format: backslash, tab, newline and carriage return escaped; null is \N. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]!) : value;
}

const bool = (x: boolean): string => (x ? 't' : 'f');

const DAY = 86_400_000;
const pad2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const pad3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const dayPrefixes = new Map<number, string>();

/** `Date#toISOString` at a fraction of its cost (it dominated encoding): days are few and cached. */
export function iso(ms: number): string {
  const day = Math.floor(ms / DAY);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size > 10_000) dayPrefixes.clear();
    prefix = new Date(day * DAY).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  if (prefix.length !== 11) return new Date(ms).toISOString(); // years outside 0000-9999
  let rest = ms - day * DAY;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  return `${prefix}${pad2[h]}:${pad2[m]}:${pad2[sec]}.${pad3[rest - sec * 1000]}Z`;
}
const isoOrNull = (ms: number | null): string => (ms === null ? '\\N' : iso(ms));

// Lines are built with Array#join, not template literals: joins produce flat strings, while
// chained concatenation builds rope trees whose flattening cost several times the formatting.

export function userLine(u: UserRow): string {
  return [
    copyField(u.workspace_id), copyField(u.id), copyField(u.email), copyField(u.phone), copyField(u.name),
    copyField(u.status), copyField(u.country), copyField(u.timezone), copyField(u.locale), copyField(u.tier),
    copyField(u.subscription_status), bool(u.is_trial), String(u.credits_remaining), bool(u.consent_email),
    bool(u.consent_push), bool(u.consent_sms), bool(u.consent_in_app), bool(u.consent_webhook),
    copyField(JSON.stringify(u.traits)), iso(u.created_at), iso(u.updated_at), isoOrNull(u.last_event_at),
  ].join('\t');
}

export function eventLine(e: EventRow): string {
  const occurred = iso(e.occurred_at);
  return [
    copyField(e.workspace_id), copyField(e.id), copyField(e.user_id), copyField(e.type),
    copyField(JSON.stringify(e.properties)), e.value === null ? '\\N' : String(e.value), copyField(e.source),
    occurred, e.received_at === e.occurred_at ? occurred : iso(e.received_at),
  ].join('\t');
}

export function summaryLine(s: SummaryRow): string {
  return [
    copyField(s.workspace_id), copyField(s.user_id), copyField(s.event_type), String(s.count), String(s.value_sum),
    iso(s.first_at), iso(s.last_at),
  ].join('\t');
}

/** Rows as COPY text: one line each, newline-terminated. */
export function copyText<T>(rows: readonly T[], line: (row: T) => string): string {
  if (rows.length === 0) return '';
  const lines = rows.map(line);
  lines.push('');
  return lines.join('\n');
}

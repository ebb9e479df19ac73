/** PostgreSQL COPY text format for seeded rows (columns in USER_COLUMNS / EVENT_COLUMNS order). */
import type { EventRow, UserRow } from './generate.js';

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY text format: backslash, tab, newline and carriage return escaped; null is \N. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(SPECIALS, (c) => ESCAPES[c]!) : value;
}

const bool = (x: boolean): string => (x ? 't' : 'f');
const iso = (ms: number): string => new Date(ms).toISOString();

export function userLine(u: UserRow): string {
  return (
    `${copyField(u.workspace_id)}\t${copyField(u.id)}\t${copyField(u.email)}\t${copyField(u.phone)}\t${copyField(u.name)}\t` +
    `${copyField(u.status)}\t${copyField(u.country)}\t${copyField(u.timezone)}\t${copyField(u.locale)}\t${copyField(u.tier)}\t` +
    `${copyField(u.subscription_status)}\t${bool(u.is_trial)}\t${u.credits_remaining}\t${bool(u.consent_email)}\t` +
    `${bool(u.consent_push)}\t${bool(u.consent_sms)}\t${bool(u.consent_in_app)}\t${bool(u.consent_webhook)}\t` +
    `${copyField(JSON.stringify(u.traits))}\t${iso(u.created_at)}\t${iso(u.updated_at)}\n`
  );
}

export function eventLine(e: EventRow): string {
  const occurred = iso(e.occurred_at);
  const received = e.received_at === e.occurred_at ? occurred : iso(e.received_at);
  return (
    `${copyField(e.workspace_id)}\t${copyField(e.id)}\t${copyField(e.user_id)}\t${copyField(e.type)}\t` +
    `${copyField(JSON.stringify(e.properties))}\t${e.value === null ? '\\N' : e.value}\t${copyField(e.source)}\t` +
    `${occurred}\t${received}\n`
  );
}

export function usersCopyText(users: readonly UserRow[]): string {
  let text = '';
  for (const u of users) text += userLine(u);
  return text;
}

export function eventsCopyText(events: readonly EventRow[]): string {
  let text = '';
  for (const e of events) text += eventLine(e);
  return text;
}

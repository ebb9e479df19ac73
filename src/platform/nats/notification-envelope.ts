/**
 * The notification service's event envelopes (contracts 0.4) read into what the consumer acts on:
 * pure, so every quirk of the envelope is tested without a bus.
 */

/** What an event type does to the ledger; null for types we do not act on (clicked, batch...). */
export interface Action {
  status: 'delivered' | 'failed' | null;
  bounce: boolean;
  complaint: boolean;
}

export interface NotificationEvent {
  id: string;
  type: string;
  notificationId: string;
  reason?: string;
  at: Date;
}

export type ParsedNotificationEvent =
  | { kind: 'event'; event: NotificationEvent; action: Action }
  | { kind: 'ignored'; type: string }
  | { kind: 'malformed'; problem: string };

/** Reads an envelope (contracts 0.4); the type comes from `type`, else from the NATS subject. */
export function parseNotificationEvent(subject: string, body: Uint8Array, now: Date): ParsedNotificationEvent {
  let envelope: unknown;
  try {
    envelope = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { kind: 'malformed', problem: 'not JSON' };
  }
  if (!isRecord(envelope)) return { kind: 'malformed', problem: 'not a JSON object' };
  const id = envelope['id'];
  if (typeof id !== 'string' || id.trim() === '' || id.length > 200) return { kind: 'malformed', problem: 'no envelope id' };
  const data = envelope['data'];
  if (!isRecord(data)) return { kind: 'malformed', problem: 'no data object' };
  const declared = envelope['type'];
  // Publishers that send `event_type` end up with type "unknown" (contracts 0.4, quirk).
  const type =
    typeof declared === 'string' && declared.startsWith('notification.') ? declared : subject.split('.').slice(1).join('.');
  const action = ACTIONS[type];
  if (!action) return { kind: 'ignored', type };
  const notificationId = data['notification_id'];
  if (typeof notificationId !== 'string' || notificationId === '') return { kind: 'malformed', problem: 'no data.notification_id' };
  const reason = firstText(data['reason'], data['error'], data['error_message']);
  const bounce = action.bounce || (type === 'notification.failed' && (data['status'] === 'bounced' || isHardBounce(reason)));
  const at =
    parseTimestamp(data['delivered_at']) ?? parseTimestamp(data['timestamp']) ?? parseTimestamp(envelope['timestamp']) ?? now;
  return {
    kind: 'event',
    event: { id, type, notificationId, ...(reason ? { reason } : {}), at },
    action: { ...action, bounce },
  };
}

const ACTIONS: Record<string, Action | undefined> = {
  'notification.sent': { status: null, bounce: false, complaint: false },
  'notification.delivered': { status: 'delivered', bounce: false, complaint: false },
  'notification.failed': { status: 'failed', bounce: false, complaint: false },
  'notification.bounced': { status: 'failed', bounce: true, complaint: false },
  'notification.complained': { status: null, bounce: false, complaint: true },
  'notification.spam_reported': { status: null, bounce: false, complaint: true },
};

/** A failure that names a bounce; a soft (temporary) bounce is a failure, not a reason to suppress. */
function isHardBounce(reason: string | undefined): boolean {
  if (!reason || !/bounce/i.test(reason)) return false;
  return !/soft[\s_-]*bounce/i.test(reason) || /hard[\s_-]*bounce/i.test(reason);
}

/** Python's `datetime.utcnow().isoformat()`: naive UTC, 0 or 6 fractional digits. Offsets are honoured. */
export function parseTimestamp(v: unknown): Date | null {
  if (typeof v !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(v.trim());
  if (!m) return null;
  const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '';
  const zone = !m[4] || m[4].toUpperCase() === 'Z' ? 'Z' : m[4].includes(':') ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
  const d = new Date(`${m[1]}T${m[2]}${fraction}${zone}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

function firstText(...vs: unknown[]): string | undefined {
  for (const v of vs) if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

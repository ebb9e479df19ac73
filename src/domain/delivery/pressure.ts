/**
 * Contact-pressure rules, applied to each message at the moment it would go out (and, with the
 * same function, by the preview). Pure: the caller passes the recipient's facts, the sends they
 * already received and the time.
 *
 * Order, and why:
 *  1. the person: a deleted or inactive account, or a global ('all') suppression, gets nothing;
 *     and a message later than its deadline (workers were down, sends were off) is dropped;
 *  2. the channel: the first of the campaign's channels the person consented to, is not
 *     suppressed on and has an address for (push not subscribed -> email if allowed);
 *  3. quiet hours, in the person's own IANA zone: the message waits for the window to end
 *     (deferred, not dropped) unless that is past the schedule's deadline;
 *  4. frequency caps across all campaigns, counted in the person's local calendar days, so a
 *     daily 09:00 newsletter with a cap of 1 per day is never blocked by yesterday's issue.
 * Caps are checked last because they depend on the moment of sending, which quiet hours move.
 */
import { DateTime } from 'luxon';
import type { Channel } from '../campaign.js';

export interface QuietHours {
  /** Local wall-clock start, `HH:MM` (e.g. 21:00). */
  start: string;
  /** Local wall-clock end, `HH:MM` (e.g. 08:00); before `start` means the window crosses midnight. */
  end: string;
  /** Channels the window applies to (an email waiting in an inbox wakes nobody). */
  channels: readonly Channel[];
}

export interface PressurePolicy {
  /** Marketing messages per person per local calendar day, across campaigns; null: no cap. */
  capPerDay: number | null;
  /** Per the last 7 local calendar days (today included); null: no cap. */
  capPerWeek: number | null;
  quietHours: QuietHours | null;
}

export interface RecipientFacts {
  exists: boolean;
  /** Account status; anything but `active` receives nothing. */
  status: string;
  timezone: string;
  consents: Record<Channel, boolean>;
  /** Channels the person is suppressed on (`all` for every channel). */
  suppressed: ReadonlyArray<Channel | 'all'>;
  email: string | null;
  phone: string | null;
  webhookUrl: string | null;
}

export interface SendContext {
  /** The campaign's channels in order of preference. */
  channels: readonly Channel[];
  /** When the message was meant to go out; the quiet-hours deadline counts from here. */
  plannedFor: Date;
  respectQuietHours: boolean;
  /** How long past `plannedFor` the message may still go out (a quiet-hours deferral included). */
  deadlineMs: number;
  /** When this person was sent marketing messages recently (any campaign, at least the last 8 days). */
  recentSends: readonly Date[];
}

/** Why a message is not sent; `suppressed` rules are about consent, `skipped` ones about timing or reach. */
export const DROP_RULES = ['inactive_user', 'suppressed', 'no_consent', 'no_address', 'frequency_cap', 'quiet_hours_deadline', 'expired'] as const;
export type DropRule = (typeof DROP_RULES)[number];

export type Decision =
  | { kind: 'send'; channel: Channel }
  | { kind: 'defer'; channel: Channel; until: Date; reason: 'quiet_hours' }
  | { kind: 'drop'; rule: DropRule; status: 'suppressed' | 'skipped'; reason: string };

export function decide(r: RecipientFacts, s: SendContext, policy: PressurePolicy, now: Date): Decision {
  if (!r.exists || r.status !== 'active') return drop('inactive_user', `account is ${r.exists ? r.status : 'deleted'}`);
  if (r.suppressed.includes('all')) return drop('suppressed', 'on the suppression list for every channel');
  // Workers down, sends switched off, retries: a message never goes out later than its deadline.
  const lateMs = now.getTime() - s.plannedFor.getTime();
  if (lateMs > s.deadlineMs) return drop('expired', `planned for ${s.plannedFor.toISOString()}, ${Math.round(lateMs / 3_600_000)} h ago, past its deadline`);

  const channel = s.channels.find((c) => r.consents[c] && !r.suppressed.includes(c) && hasAddress(r, c));
  if (!channel) {
    if (s.channels.some((c) => r.suppressed.includes(c))) return drop('suppressed', `suppressed on ${s.channels.filter((c) => r.suppressed.includes(c)).join(', ')}`);
    if (!s.channels.some((c) => r.consents[c])) return drop('no_consent', `no consent for ${s.channels.join(' or ')}`);
    return drop('no_address', `no address for ${s.channels.filter((c) => r.consents[c]).join(' or ')}`);
  }

  if (s.respectQuietHours && policy.quietHours && policy.quietHours.channels.includes(channel)) {
    const end = quietWindowEnd(now, r.timezone, policy.quietHours);
    if (end) {
      if (end.getTime() > s.plannedFor.getTime() + s.deadlineMs) {
        return drop('quiet_hours_deadline', `quiet hours in ${r.timezone} last past the send deadline`);
      }
      return { kind: 'defer', channel, until: end, reason: 'quiet_hours' };
    }
  }

  const cap = capReached(now, r.timezone, s.recentSends, policy);
  if (cap) return drop('frequency_cap', cap);
  return { kind: 'send', channel };
}

function drop(rule: DropRule, reason: string): Decision {
  const status = rule === 'inactive_user' || rule === 'suppressed' || rule === 'no_consent' ? 'suppressed' : 'skipped';
  return { kind: 'drop', rule, status, reason };
}

export function hasAddress(r: Pick<RecipientFacts, 'email' | 'phone' | 'webhookUrl'>, c: Channel): boolean {
  if (c === 'email') return Boolean(r.email);
  if (c === 'sms') return Boolean(r.phone);
  if (c === 'webhook') return Boolean(r.webhookUrl);
  return true; // push and in-app are addressed by user id
}

/**
 * If `now` falls inside the quiet window in `zone`, the instant the window ends; otherwise null.
 * Wall-clock times that a DST change skips resolve forward (luxon), so a window ending at a
 * skipped 02:30 ends at 03:30; one the clocks repeat ends at its first occurrence after `now`.
 */
export function quietWindowEnd(now: Date, zone: string, q: Pick<QuietHours, 'start' | 'end'>): Date | null {
  const local = DateTime.fromJSDate(now, { zone: validZone(zone) });
  const minutes = local.hour * 60 + local.minute;
  const start = hhmm(q.start);
  const end = hhmm(q.end);
  if (start === end) return null;
  const at = (day: DateTime, m: number) => {
    const dt = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: Math.floor(m / 60), minute: m % 60 }, { zone: local.zone });
    // A wall time the clocks repeat (DST ends) has two instants, and luxon picks one from the offset
    // in effect at the real current date; take the first one still ahead of `now`.
    const ahead = dt.getPossibleOffsets().map((d) => d.toMillis()).filter((t) => t > now.getTime());
    return new Date(ahead.length ? Math.min(...ahead) : dt.toMillis());
  };
  if (start < end) return minutes >= start && minutes < end ? at(local, end) : null;
  if (minutes >= start) return at(local.plus({ days: 1 }), end);
  if (minutes < end) return at(local, end);
  return null;
}

/** A reason if another marketing message now would pass a cap, else null. */
export function capReached(now: Date, zone: string, sends: readonly Date[], p: Pick<PressurePolicy, 'capPerDay' | 'capPerWeek'>): string | null {
  if (p.capPerDay === null && p.capPerWeek === null) return null;
  const today = DateTime.fromJSDate(now, { zone: validZone(zone) }).startOf('day');
  const dayStart = today.toMillis();
  const weekStart = today.minus({ days: 6 }).toMillis();
  let day = 0;
  let week = 0;
  for (const s of sends) {
    const t = s.getTime();
    if (t > now.getTime()) continue;
    if (t >= dayStart) day++;
    if (t >= weekStart) week++;
  }
  if (p.capPerDay !== null && day >= p.capPerDay) return `already ${day} marketing message${day === 1 ? '' : 's'} today (cap ${p.capPerDay} per day)`;
  if (p.capPerWeek !== null && week >= p.capPerWeek) return `already ${week} marketing message${week === 1 ? '' : 's'} in 7 days (cap ${p.capPerWeek} per week)`;
  return null;
}

/** How far back callers must look for `recentSends`: the start of the 7-day window in any zone. */
export const CAP_LOOKBACK_MS = 8 * 86_400_000;

function hhmm(s: string): number {
  const [h, m] = s.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

const zoneOk = new Map<string, boolean>();
/** An unknown zone (bad data) falls back to UTC rather than failing the whole batch. */
export function validZone(zone: string): string {
  let ok = zoneOk.get(zone);
  if (ok === undefined) {
    ok = DateTime.now().setZone(zone).isValid;
    zoneOk.set(zone, ok);
  }
  return ok ? zone : 'UTC';
}

/** Parses `HH:MM-HH:MM` (or `off`) into a window; null for off. Throws with the problem otherwise. */
export function parseQuietHours(spec: string, channels: readonly Channel[]): QuietHours | null {
  const s = spec.trim().toLowerCase();
  if (s === 'off' || s === 'none' || s === '') return null;
  const m = /^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)$/.exec(s);
  if (!m) throw new Error(`expected HH:MM-HH:MM (e.g. 21:00-08:00) or off`);
  return { start: `${m[1]}:${m[2]}`, end: `${m[3]}:${m[4]}`, channels };
}

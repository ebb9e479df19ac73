/**
 * Where an instant falls on a person's own wall clock: the local hour of the day (0-23) and of
 * the week (0-167, Monday 00:00 = 0), in their IANA zone, DST and half-hour offsets included; and
 * the instants at which each local hour starts within a window (the candidate send times).
 */
import { DateTime } from 'luxon';
import { validZone } from '../delivery/pressure.js';

export const HOURS_PER_DAY = 24;
export const HOURS_PER_WEEK = 168;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 900_000;
/** Since 1980 every zone's offset, and so every transition, falls on a quarter hour. */
const CACHE_FROM = Date.UTC(1980, 0, 1);
const offsets = new Map<string, number>();

export interface LocalSlot {
  /** Local hour of the day, 0-23. */
  hour: number;
  /** Local hour of the week, 0-167 (Monday 00:00-00:59 is 0). */
  week: number;
}

/** An unknown zone (bad data) counts as UTC rather than failing a whole batch (the send-time rules' own check). */
export const knownZone = validZone;

/** The zone's offset from UTC in milliseconds at `ms` (cached per zone and UTC quarter hour). */
export function offsetMs(ms: number, zone: string): number {
  const key = ms >= CACHE_FROM ? `${zone}\u0000${Math.floor(ms / QUARTER_HOUR_MS)}` : null;
  const known = key === null ? undefined : offsets.get(key);
  if (known !== undefined) return known;
  const off = DateTime.fromMillis(ms, { zone: knownZone(zone) }).offset * 60_000;
  if (key !== null) {
    if (offsets.size >= 100_000) offsets.clear();
    offsets.set(key, off);
  }
  return off;
}

/** The local hour of the day and of the week at `at` in `zone`. */
export function localSlot(at: Date | number, zone: string): LocalSlot {
  const ms = typeof at === 'number' ? at : at.getTime();
  const local = ms + offsetMs(ms, zone);
  const hour = ((Math.floor(local / HOUR_MS) % 24) + 24) % 24;
  // 1970-01-01 was a Thursday: day 0 + 3 is Monday-based day 3.
  const dow = (((Math.floor(local / DAY_MS) + 3) % 7) + 7) % 7;
  return { hour, week: dow * 24 + hour };
}

export interface Candidate extends LocalSlot {
  /** The instant this local hour starts. */
  at: Date;
}

/**
 * The instants at which a local hour starts in `zone`, from `from` (inclusive) to `until`
 * (exclusive), in order: every UTC quarter hour whose wall-clock time in the zone is hh:00.
 * Offsets have been whole quarter hours everywhere since 1980, so this finds each one whatever
 * the zone does: a DST change that skips a local hour has no instant for it, one that repeats an
 * hour has two, and half-hour shifts (Australia/Lord_Howe) never yield an hh:30.
 */
export function localHourStarts(from: Date, until: Date, zone: string): Candidate[] {
  const z = knownZone(zone);
  const out: Candidate[] = [];
  const first = Math.ceil(from.getTime() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
  for (let ms = first; ms < until.getTime(); ms += QUARTER_HOUR_MS) {
    const local = ms + offsetMs(ms, z);
    if (((local % HOUR_MS) + HOUR_MS) % HOUR_MS === 0) out.push({ at: new Date(ms), ...localSlot(ms, z) });
  }
  return out;
}

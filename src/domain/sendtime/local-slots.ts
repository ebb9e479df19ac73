/**
 * Where an instant falls on a person's own wall clock: the local hour of the day (0-23) and of
 * the week (0-167, Monday 00:00 = 0), in their IANA zone, DST and half-hour offsets included; and
 * the instants at which each local hour starts within a window (the candidate send times).
 */
import { DateTime } from 'luxon';

export const HOURS_PER_DAY = 24;
export const HOURS_PER_WEEK = 168;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 900_000;
/** Since 1980 every zone's offset, and so every transition, falls on a quarter hour. */
const CACHE_FROM = Date.UTC(1980, 0, 1);
const offsets = new Map<string, number>();
const zoneOk = new Map<string, boolean>();

export interface LocalSlot {
  /** Local hour of the day, 0-23. */
  hour: number;
  /** Local hour of the week, 0-167 (Monday 00:00-00:59 is 0). */
  week: number;
}

/** An unknown zone (bad data) counts as UTC rather than failing a whole batch. */
export function knownZone(zone: string): string {
  let ok = zoneOk.get(zone);
  if (ok === undefined) {
    ok = DateTime.now().setZone(zone).isValid;
    zoneOk.set(zone, ok);
  }
  return ok ? zone : 'UTC';
}

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
 * (exclusive), in order. Stepping in absolute hours from a local hour start keeps every later one
 * on a local hour start too: a DST change skips a local hour or shows one twice, as the clocks do.
 */
export function localHourStarts(from: Date, until: Date, zone: string): Candidate[] {
  const z = knownZone(zone);
  let t = DateTime.fromMillis(from.getTime(), { zone: z }).startOf('hour');
  if (t.toMillis() < from.getTime()) t = t.plus({ hours: 1 });
  const out: Candidate[] = [];
  for (let ms = t.toMillis(); ms < until.getTime(); ms += HOUR_MS) {
    // Past a DST change of half an hour (Australia/Lord_Howe) the absolute step lands mid-hour on
    // the wall clock: realign to that local hour's start.
    const local = ms + offsetMs(ms, z);
    ms -= ((local % HOUR_MS) + HOUR_MS) % HOUR_MS;
    if (ms < from.getTime() || (out.length > 0 && ms <= out[out.length - 1]!.at.getTime())) continue;
    out.push({ at: new Date(ms), ...localSlot(ms, z) });
  }
  return out;
}

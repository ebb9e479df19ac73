/** A person's local wall-clock hour at an instant, in their own IANA zone (DST and half-hour offsets included). */
import { DateTime } from 'luxon';

const QUARTER_HOUR = 900_000;
/** Since 1980 every zone's offset, and so every transition, falls on a quarter hour (older ones did not, e.g. Liberia until 1972). */
const CACHE_FROM = Date.UTC(1980, 0, 1);
const cache = new Map<string, number>();

/** The hour (0-23) on the wall clock of `timeZone` at `at`, e.g. 05 for 00:00Z in Asia/Kolkata (05:30). */
export function localHour(at: Date, timeZone: string): number {
  const ms = at.getTime();
  // The local hour is the same throughout a UTC quarter hour, so a campaign's messages (delivered
  // within minutes of each other, to a few dozen zones) need only a few zone computations.
  const key = ms >= CACHE_FROM ? `${timeZone}\u0000${Math.floor(ms / QUARTER_HOUR)}` : null;
  const known = key === null ? undefined : cache.get(key);
  if (known !== undefined) return known;
  const local = DateTime.fromMillis(ms, { zone: timeZone });
  if (!local.isValid) throw new RangeError(`unknown time zone '${timeZone}' (${local.invalidExplanation ?? local.invalidReason})`);
  if (key !== null) {
    if (cache.size >= 50_000) cache.clear();
    cache.set(key, local.hour);
  }
  return local.hour;
}

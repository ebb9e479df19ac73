/** A person's local wall-clock hour at an instant, in their own IANA zone (DST and half-hour offsets included). */
import { DateTime } from 'luxon';
import { validZone } from '../domain/delivery/pressure.js';
import { localSlot } from '../domain/sendtime/local-slots.js';

/**
 * The hour (0-23) on the wall clock of `timeZone` at `at`, e.g. 05 for 00:00Z in Asia/Kolkata
 * (05:30), from the send-time code's cached zone offsets. Unlike the server, which treats bad
 * zone data as UTC, the simulator refuses a zone it does not know: its population is its own.
 */
export function localHour(at: Date, timeZone: string): number {
  if (validZone(timeZone) !== timeZone) {
    const local = DateTime.fromMillis(at.getTime(), { zone: timeZone });
    throw new RangeError(`unknown time zone '${timeZone}' (${local.invalidExplanation ?? local.invalidReason})`);
  }
  return localSlot(at, timeZone).hour;
}

/**
 * Local slots, checked against luxon as an independent oracle, zone by zone (table-driven):
 * localSlot's hour of the day and Monday-based hour of the week, and localHourStarts' candidate
 * send instants over a window around each zone's 2026 DST change (or an ordinary day): exactly
 * the instants at which the wall clock shows minute 0, in order, inside [from, until), a skipped
 * hour absent on a spring-forward day and a repeated hour present twice on a fall-back day.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { knownZone, localHourStarts, localSlot, offsetMs } from '../../src/domain/sendtime/local-slots.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

interface Case {
  zone: string;
  /** The local date (in the oracle's zone) the window is centred on. */
  date: string;
  /** The zone luxon should read it as (an invalid zone counts as UTC). */
  oracle?: string;
  /** Spring forward: the local hour that has no minute 0 that day. */
  skipped?: number;
  /** Fall back: the local hour that starts twice that day. */
  repeated?: number;
}

const CASES: Case[] = [
  { zone: 'UTC', date: '2026-03-08' },
  { zone: 'Asia/Kolkata', date: '2026-03-29' },
  { zone: 'Asia/Kathmandu', date: '2026-10-25' },
  { zone: 'Pacific/Chatham', date: '2026-09-27', skipped: 3 }, // 02:45 +12:45 -> 03:45 +13:45
  { zone: 'Pacific/Chatham', date: '2026-04-05', repeated: 3 }, // 03:45 +13:45 -> 02:45 +12:45
  { zone: 'Australia/Adelaide', date: '2026-10-04', skipped: 2 },
  { zone: 'Australia/Adelaide', date: '2026-04-05', repeated: 2 },
  { zone: 'America/St_Johns', date: '2026-03-08', skipped: 2 },
  { zone: 'America/St_Johns', date: '2026-11-01', repeated: 1 },
  { zone: 'America/New_York', date: '2026-03-08', skipped: 2 },
  { zone: 'America/New_York', date: '2026-11-01', repeated: 1 },
  { zone: 'Europe/London', date: '2026-03-29', skipped: 1 },
  { zone: 'Europe/London', date: '2026-10-25', repeated: 1 },
  { zone: 'Pacific/Kiritimati', date: '2026-03-02' }, // +14: a Monday, the week wraps inside the window
  { zone: 'Pacific/Pago_Pago', date: '2026-03-01' }, // -11: a Sunday
  { zone: 'Mars/Olympus_Mons', date: '2026-03-08', oracle: 'UTC' },
];
/** Lord Howe's DST shift is 30 minutes: only the minute-0 and ordering properties apply. */
const LORD_HOWE: Case[] = [
  { zone: 'Australia/Lord_Howe', date: '2026-10-04' }, // 02:00 +10:30 -> 02:30 +11
  { zone: 'Australia/Lord_Howe', date: '2026-04-05' }, // 02:00 +11 -> 01:30 +10:30
];
const ALL_ZONES = [...new Set([...CASES, ...LORD_HOWE].map((c) => c.zone))];

const oracleOf = (c: Case) => c.oracle ?? c.zone;
const lux = (ms: number, zone: string) => DateTime.fromMillis(ms, { zone });
const weekOf = (dt: DateTime) => (dt.weekday - 1) * 24 + dt.hour;

/** The local day ± 6 h, starting 17 minutes past a UTC hour so that `from` is never itself a local hour start. */
function windowOf(c: Case): { from: Date; until: Date } {
  const day = DateTime.fromISO(c.date, { zone: oracleOf(c) }).startOf('day');
  return { from: new Date(day.minus({ hours: 6 }).toMillis() + 17 * MIN), until: new Date(day.plus({ days: 1, hours: 6 }).toMillis()) };
}

/** Every instant in [from, until) at which the wall clock shows hh:00:00, found by scanning every minute. */
function wallClockHourStarts(from: Date, until: Date, zone: string): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(from.getTime() / MIN) * MIN; t < until.getTime(); t += MIN) {
    const dt = lux(t, zone);
    if (dt.minute === 0 && dt.second === 0) out.push(t);
  }
  return out;
}

function expectOrderedHourStarts(at: number[], from: Date, until: Date, zone: string): void {
  expect(at.length).toBeGreaterThan(20);
  for (const t of at) {
    const dt = lux(t, zone);
    expect({ t: new Date(t).toISOString(), minute: dt.minute, second: dt.second }).toEqual({ t: new Date(t).toISOString(), minute: 0, second: 0 });
    expect(t).toBeGreaterThanOrEqual(from.getTime());
    expect(t).toBeLessThan(until.getTime());
  }
  for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(30 * MIN);
}

describe('knownZone and offsetMs', () => {
  it('keep a valid zone, map an invalid one to UTC, and agree with luxon on the offset', () => {
    expect(knownZone('Asia/Kathmandu')).toBe('Asia/Kathmandu');
    expect(knownZone('Mars/Olympus_Mons')).toBe('UTC');
    expect(knownZone('')).toBe('UTC');
    const t = Date.UTC(2026, 6, 1, 12);
    expect(offsetMs(t, 'Asia/Kathmandu')).toBe(345 * MIN);
    expect(offsetMs(t, 'Pacific/Chatham')).toBe((12 * 60 + 45) * MIN); // July: NZ winter
    expect(offsetMs(t, 'America/St_Johns')).toBe(-150 * MIN);
    expect(offsetMs(t, 'Mars/Olympus_Mons')).toBe(0);
  });
});

describe.each(CASES)('$zone around $date', (c) => {
  const zone = oracleOf(c);
  const { from, until } = windowOf(c);

  it('localSlot gives luxon\'s wall-clock hour and Monday-based hour of the week', () => {
    for (let t = from.getTime(); t < until.getTime(); t += 7 * MIN) {
      const dt = lux(t, zone);
      expect(localSlot(t, c.zone), dt.toISO()!).toEqual({ hour: dt.hour, week: weekOf(dt) });
      expect(localSlot(new Date(t), c.zone)).toEqual(localSlot(t, c.zone));
    }
  });

  it('localHourStarts are exactly the wall clock\'s hour starts in [from, until), in order', () => {
    const got = localHourStarts(from, until, c.zone);
    const at = got.map((x) => x.at.getTime());
    expectOrderedHourStarts(at, from, until, zone);
    expect(at.map((t) => new Date(t).toISOString())).toEqual(wallClockHourStarts(from, until, zone).map((t) => new Date(t).toISOString()));
    for (const x of got) {
      const dt = lux(x.at.getTime(), zone);
      expect({ hour: x.hour, week: x.week }).toEqual({ hour: dt.hour, week: weekOf(dt) });
    }
  });

  it('covers each hour of the local day once, but a skipped hour never and a repeated one twice', () => {
    const hours = localHourStarts(from, until, c.zone)
      .filter((x) => lux(x.at.getTime(), zone).toISODate() === c.date)
      .map((x) => x.hour);
    for (let h = 0; h < 24; h++) {
      const expected = h === c.skipped ? 0 : h === c.repeated ? 2 : 1;
      expect(hours.filter((x) => x === h).length, `local hour ${h}`).toBe(expected);
    }
    // The two starts of a repeated hour are an absolute hour apart, on either side of the change.
    if (c.repeated !== undefined) {
      const starts = localHourStarts(from, until, c.zone).filter((x) => x.hour === c.repeated && lux(x.at.getTime(), zone).toISODate() === c.date);
      expect(starts[1]!.at.getTime() - starts[0]!.at.getTime()).toBe(HOUR);
      expect(lux(starts[0]!.at.getTime(), zone).offset).toBeGreaterThan(lux(starts[1]!.at.getTime(), zone).offset);
    }
  });
});

describe.each(LORD_HOWE)('$zone around $date (30-minute DST shift)', (c) => {
  const { from, until } = windowOf(c);

  it('localSlot agrees with luxon', () => {
    for (let t = from.getTime(); t < until.getTime(); t += 5 * MIN) {
      const dt = lux(t, c.zone);
      expect(localSlot(t, c.zone), dt.toISO()!).toEqual({ hour: dt.hour, week: weekOf(dt) });
    }
  });

  // Caught a bug: after Lord Howe's 30-minute shifts, 01:30 local was returned as an hour start.
  it('localHourStarts are at minute 0 of a local hour, in order, inside the window', () => {
    const at = localHourStarts(from, until, c.zone).map((x) => x.at.getTime());
    expectOrderedHourStarts(at, from, until, c.zone);
  });

  it('every candidate carries the hour luxon reads at its instant, increasing and inside the window', () => {
    const got = localHourStarts(from, until, c.zone);
    for (const x of got) expect(x.hour).toBe(lux(x.at.getTime(), c.zone).hour);
    for (let i = 1; i < got.length; i++) expect(got[i]!.at.getTime()).toBeGreaterThan(got[i - 1]!.at.getTime());
    expect(got[0]!.at.getTime()).toBeGreaterThanOrEqual(from.getTime());
    expect(got[got.length - 1]!.at.getTime()).toBeLessThan(until.getTime());
    // Every real wall-clock hour start is offered.
    const offered = new Set(got.map((x) => x.at.getTime()));
    for (const t of wallClockHourStarts(from, until, c.zone)) expect(offered.has(t), new Date(t).toISOString()).toBe(true);
  });
});

describe('localSlot, property', () => {
  it('matches luxon for random instants in 2025-2027 and random zones', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) - 1 }), fc.constantFrom(...ALL_ZONES), (t, z) => {
        const dt = lux(t, knownZone(z));
        const slot = localSlot(t, z);
        expect(slot.hour).toBe(dt.hour);
        expect(slot.week).toBe((dt.weekday - 1) * 24 + dt.hour);
      }),
      { numRuns: 3000 },
    );
  });
});

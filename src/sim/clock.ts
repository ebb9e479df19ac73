/** A clock the simulator (or a test, a benchmark, the demo) moves by hand. */
import type { Clock } from '../domain/ports.js';

/** What the simulator needs of a clock: to read it and to move it forward (never back). */
export interface SettableClock extends Clock {
  /** Moves forward to `at`; an `at` not after now changes nothing. */
  set(at: Date): void;
}

export const DEFAULT_SIM_START = new Date('2026-12-01T12:00:00Z');

export class SimClock implements SettableClock {
  private t: number;

  constructor(start: Date | number = DEFAULT_SIM_START) {
    this.t = typeof start === 'number' ? start : start.getTime();
    if (!Number.isFinite(this.t)) throw new RangeError('SimClock needs a valid start time');
  }

  now(): Date {
    return new Date(this.t);
  }

  /** Moves forward by `ms` (which must not be negative: the clock never goes back). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`SimClock.advance needs ms >= 0 (got ${ms})`);
    this.t += ms;
  }

  set(at: Date): void {
    if (at.getTime() > this.t) this.t = at.getTime();
  }

  /** Starts over at `at`, before anything has happened (the one way back, for a fresh run). */
  reset(at: Date): void {
    if (Number.isNaN(at.getTime())) throw new RangeError('SimClock.reset needs a valid date');
    this.t = at.getTime();
  }
}

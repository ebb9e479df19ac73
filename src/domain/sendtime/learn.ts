/**
 * What one sent email and one first open add to the send-time counts (pure). The learner feeds
 * each exactly once (see src/engine/sendtime-learner.ts): a send adds to its person's send count
 * at the local hour it went out; an open within the horizon adds to the open count at the local
 * hour it happened, and to the population's opens by send hour and delay.
 */
import { HOURS_PER_DAY } from './local-slots.js';
import { localSlot } from './local-slots.js';
import { emptyCounts, emptyPopulation, HORIZON_HOURS, type HourCounts, type PopulationCounts } from './model.js';
import type { SendTimeArm } from './policy.js';
import type { PendingFact } from './repo.js';

export interface SentFact {
  userId: string;
  sentAt: Date;
  timezone: string;
}

export interface OpenFact {
  userId: string;
  sentAt: Date;
  openedAt: Date;
  timezone: string;
  arm: SendTimeArm | null;
}

/** Count increments from a batch: per person, and for the population. */
export interface CountDeltas {
  people: Map<string, HourCounts>;
  population: PopulationCounts;
  /** Opens later than the horizon (or before the send), not counted. */
  late: number;
}

export function emptyDeltas(): CountDeltas {
  return { people: new Map(), population: emptyPopulation(), late: 0 };
}

function person(d: CountDeltas, userId: string): HourCounts {
  let c = d.people.get(userId);
  if (!c) d.people.set(userId, (c = emptyCounts()));
  return c;
}

export function addSent(d: CountDeltas, f: SentFact): void {
  const slot = localSlot(f.sentAt, f.timezone);
  person(d, f.userId).sends[slot.hour]! += 1;
  d.population.sends[slot.week]! += 1;
}

export function addOpen(d: CountDeltas, f: OpenFact): void {
  const delay = f.openedAt.getTime() - f.sentAt.getTime();
  const bin = Math.floor(delay / 3_600_000);
  if (!(delay >= 0) || bin >= HORIZON_HOURS) {
    d.late++;
    return;
  }
  const slot = localSlot(f.openedAt, f.timezone);
  person(d, f.userId).opens[slot.hour]! += 1;
  d.population.opens[slot.week]! += 1;
  d.population.lagOpens[localSlot(f.sentAt, f.timezone).hour * HORIZON_HOURS + bin]! += 1;
}

/** Whether a person's counts hold anything. */
export function hasCounts(c: HourCounts): boolean {
  for (let h = 0; h < HOURS_PER_DAY; h++) if (c.sends[h] !== 0 || c.opens[h] !== 0) return true;
  return false;
}

/** Folds a batch of queued facts into count increments per workspace. */
export function foldFacts(facts: readonly PendingFact[]): Map<string, CountDeltas> {
  const out = new Map<string, CountDeltas>();
  for (const f of facts) {
    let d = out.get(f.workspaceId);
    if (!d) out.set(f.workspaceId, (d = emptyDeltas()));
    if (f.kind === 'sent') addSent(d, { userId: f.userId, sentAt: f.sentAt, timezone: f.timezone });
    else addOpen(d, { userId: f.userId, sentAt: f.sentAt, openedAt: f.occurredAt, timezone: f.timezone, arm: f.arm });
  }
  return out;
}

/**
 * Who is in which part of an experiment, from stable hashes of (experiment, user): the same
 * person always lands in the same place, whichever worker reads them and however often, so a
 * resumed send assigns exactly as the first attempt did and nothing needs storing per person.
 *
 *   holdout    u_h < holdout share                 (no message; measured for incrementality)
 *   test       otherwise, u_t < test share         (an arm, by the split in force)
 *   remainder  otherwise                           (the winner, once it is decided)
 *
 * Bandit tests send their test group in waves (u_w picks the wave); a wave's split is fixed
 * before the wave goes out. Independent hashes keep the parts independent of each other.
 */
import { createHash } from 'node:crypto';

export type Part = 'holdout' | 'test' | 'remainder';

/** What a send's schedule carries about the experiment it serves (everything assignment needs). */
export interface ScheduleExperiment {
  id: string;
  phase: 'test' | 'rollout';
  holdout_share: number;
  test_share: number;
  /** Variant id -> share of this send's test group (test phase); the winner alone (roll-out). */
  split: Record<string, number>;
  /** Bandits: the wave this send is, out of `waves`. */
  wave?: number;
  waves?: number;
  /** A bandit's roll-out also covers the waves not sent when it was decided: from this one on. */
  from_wave?: number;
}

/** A uniform number in [0, 1) from the hash of (experiment, user, purpose). */
export function unit(experimentId: string, userId: string, purpose: string): number {
  return createHash('sha1').update(`${experimentId}:${purpose}:${userId}`).digest().readUInt32BE(0) / 0x1_0000_0000;
}

export function partOf(e: Pick<ScheduleExperiment, 'id' | 'holdout_share' | 'test_share'>, userId: string): Part {
  if (e.holdout_share > 0 && unit(e.id, userId, 'holdout') < e.holdout_share) return 'holdout';
  return e.test_share >= 1 || unit(e.id, userId, 'test') < e.test_share ? 'test' : 'remainder';
}

export function waveOf(e: Pick<ScheduleExperiment, 'id' | 'waves'>, userId: string): number {
  const waves = e.waves ?? 1;
  return waves <= 1 ? 0 : Math.min(waves - 1, Math.floor(unit(e.id, userId, 'wave') * waves));
}

/** The variant id a split gives this person (weights need not be normalised). */
export function armOf(e: Pick<ScheduleExperiment, 'id' | 'split' | 'wave'>, userId: string): string {
  const entries = Object.entries(e.split).filter(([, w]) => w > 0);
  if (entries.length === 0) throw new Error(`experiment ${e.id} has an empty split`);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  const u = unit(e.id, userId, `arm:${e.wave ?? 0}`);
  let acc = 0;
  for (const [variantId, w] of entries) {
    acc += w / total;
    if (u < acc) return variantId;
  }
  return entries[entries.length - 1]![0];
}

/**
 * Whether this send writes a row for the person at all: the test phase covers the holdout and
 * the test group (of its wave), the roll-out covers the remainder (and a bandit's unsent waves).
 */
export function coveredBy(e: ScheduleExperiment, userId: string): boolean {
  const part = partOf(e, userId);
  if (e.phase === 'rollout') return part === 'remainder' || (e.from_wave !== undefined && waveOf(e, userId) >= e.from_wave);
  if (part === 'remainder') return false;
  return e.waves === undefined || waveOf(e, userId) === (e.wave ?? 0);
}

/** The ledger reason of a holdout member's row (skipped: eligible, but deliberately not sent). */
export const HOLDOUT_REASON = 'experiment_holdout';

/** The ledger reason prefix of a message not sent because a guardrail stopped its variant. */
export const ARM_STOPPED_REASON = 'experiment_variant_stopped';

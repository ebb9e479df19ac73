/**
 * Which moment each person of an optimized send gets (pure). Three arms, from stable hashes:
 *
 *   control    a permanent share of the workspace's people (default 5%): a uniformly random
 *              allowed hour of the window, every time, so the lift of optimizing is measured
 *              against what sending at random would do, on the same sends;
 *   explore    a share of the others per send (default 10%): the best hour moved 1-2 hours
 *              earlier or later, so the model keeps learning about the hours around it;
 *   optimized  the allowed hour with the most expected opens.
 *
 * Allowed: within the window, outside quiet hours when they apply to the campaign's channels,
 * and on a local day the person has not already reached the daily cap on. When nothing is
 * allowed every hour of the window is (the send-time rules defer or skip as for any send).
 */
import { createHash } from 'node:crypto';
import type { Candidate } from './local-slots.js';

export const SEND_TIME_ARMS = ['optimized', 'explore', 'control'] as const;
export type SendTimeArm = (typeof SEND_TIME_ARMS)[number];

export interface ArmShares {
  /** Share of the workspace's people in the permanent control group. */
  control: number;
  /** Share of the other people whose optimized hour is jittered, per send. */
  explore: number;
}

export const DEFAULT_ARM_SHARES: ArmShares = { control: 0.05, explore: 0.1 };

/** A uniform number in [0, 1) from the hash of its parts. */
export function hashUnit(...parts: string[]): number {
  return createHash('sha1').update(parts.join('\u0000')).digest().readUInt32BE(0) / 0x1_0000_0000;
}

/** The control group is per workspace and permanent: the same people, send after send. */
export function armOf(workspaceId: string, scheduleId: string, userId: string, shares: ArmShares): SendTimeArm {
  if (hashUnit('sto-control', workspaceId, userId) < shares.control) return 'control';
  return hashUnit('sto-explore', scheduleId, userId) < shares.explore ? 'explore' : 'optimized';
}

export interface Choice {
  at: Date;
  arm: SendTimeArm;
  /** The candidate's local hour of the day (0-23). */
  hour: number;
  /** Expected opens at the chosen hour relative to the person's average over the allowed hours (1 = no gain). */
  gain: number;
}

/**
 * Picks the moment for one person. `scores[i]` is the expected opens at `candidates[i]`;
 * `allowed(i)` says whether the candidate may be used (quiet hours, caps); `draw` is a uniform
 * number in [0, 1) fixed per (send, person) so a resumed send chooses the same.
 */
export function chooseTime(candidates: readonly Candidate[], scores: readonly number[], allowed: (i: number) => boolean, arm: SendTimeArm, draw: number): Choice {
  if (candidates.length === 0) throw new Error('chooseTime needs at least one candidate hour');
  let usable = candidates.map((_, i) => i).filter(allowed);
  if (usable.length === 0) usable = candidates.map((_, i) => i);
  let best = usable[0]!;
  for (const i of usable) if (scores[i]! > scores[best]!) best = i;
  let pick = best;
  if (arm === 'control') {
    pick = usable[Math.min(usable.length - 1, Math.floor(draw * usable.length))]!;
  } else if (arm === 'explore') {
    // ±1 or ±2 hours from the best: the usable hour nearest that target, or, at the edge of the
    // window where nothing lies within 2 hours of it, nearest the same shift the other way.
    const offsets = [-2, -1, 1, 2];
    const shift = offsets[Math.min(3, Math.floor(draw * 4))]!;
    const nearestTo = (hours: number) => {
      const target = candidates[best]!.at.getTime() + hours * 3_600_000;
      let nearest = -1;
      let distance = Infinity;
      for (const i of usable) {
        if (i === best) continue;
        const d = Math.abs(candidates[i]!.at.getTime() - target);
        if (d < distance) [nearest, distance] = [i, d];
      }
      return distance <= 2 * 3_600_000 ? nearest : -1;
    };
    const found = nearestTo(shift);
    const other = found === -1 ? nearestTo(-shift) : found;
    if (other !== -1) pick = other;
  }
  const mean = usable.reduce((s, i) => s + scores[i]!, 0) / usable.length;
  const c = candidates[pick]!;
  return { at: c.at, arm, hour: c.hour, gain: mean > 0 ? scores[pick]! / mean : 1 };
}

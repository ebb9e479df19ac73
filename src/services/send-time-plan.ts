/**
 * An optimized send's plan: the model snapshot it decides with (population, the campaign's
 * segment, and the prior strengths from a sample of people), fixed when the send fires so every
 * range of it decides alike, and the window its hours are chosen in.
 */
import type { Campaign } from '../domain/campaign.js';
import type { PressurePolicy } from '../domain/delivery/pressure.js';
import type { Clock, Store } from '../domain/ports.js';
import { audienceRules } from '../domain/segments/audience.js';
import { buildSnapshot, type ModelSnapshot } from '../domain/sendtime/model.js';
import type { ArmShares } from '../domain/sendtime/policy.js';
import { learnSendTimes } from '../engine/sendtime-learner.js';

/** People whose counts estimate the prior strengths. */
const STRENGTH_SAMPLE = 5_000;

export interface SendTimePlan {
  snapshot: ModelSnapshot;
  /** The window's start and end (ISO). */
  from: string;
  until: string;
  shares: ArmShares;
  /** Whether quiet hours rule out hours of the window (they apply to the campaign's first channel). */
  quiet: boolean;
}

export async function planSendTimes(
  deps: { store: Store; clock: Clock; policy: PressurePolicy },
  workspaceId: string,
  campaign: Campaign,
  o: { from: Date; windowHours: number; shares: ArmShares; respectQuietHours: boolean },
): Promise<SendTimePlan> {
  const { store } = deps;
  // Decide on what was recorded up to now (a backlog beyond this is left to the background learner).
  await learnSendTimes(store, deps.clock, { maxBatches: 100 });
  const segment = campaign.segment_id ? await store.segments.get(workspaceId, campaign.segment_id) : null;
  const [population, totals, sample] = await Promise.all([
    store.sendTime.population(workspaceId),
    segment ? store.segments.sendTimeTotals(workspaceId, audienceRules(segment), { now: o.from }) : Promise.resolve(null),
    store.sendTime.sample(workspaceId, STRENGTH_SAMPLE, ''),
  ]);
  const q = deps.policy.quietHours;
  return {
    snapshot: buildSnapshot(population, totals, sample),
    from: o.from.toISOString(),
    until: new Date(o.from.getTime() + o.windowHours * 3_600_000).toISOString(),
    shares: o.shares,
    quiet: o.respectQuietHours && q !== null && campaign.channels[0] !== undefined && q.channels.includes(campaign.channels[0]),
  };
}

/**
 * What the send-time model tells a marketer: the measured lift of optimized sends over the
 * randomized control (get_metrics), a segment's or the population's best hours (get_metrics'
 * best_send_times), and one person's best hours with their evidence (the user 360).
 */
import type { Clock, Store } from '../domain/ports.js';
import { learnSendTimes } from '../engine/sendtime-learner.js';
import { audienceRules } from '../domain/segments/audience.js';
import { groupBestHours, personBestHours, type GroupBestHours, type PersonBestHours } from '../domain/sendtime/explain.js';
import { liftOver, type Lift } from '../domain/sendtime/lift.js';
import { buildSnapshot, emptyCounts } from '../domain/sendtime/model.js';
import type { SendTimeArm } from '../domain/sendtime/policy.js';

export interface SendTimeLift {
  /** Optimized and explored sends (the policy as run) over the control group. */
  policy: Lift;
  /** Optimized sends alone over the control group. */
  optimized: Lift;
  by_arm: Record<SendTimeArm, { people: number; sends: number; opens: number }>;
  note: string;
}

const LIFT_NOTE =
  'Lift of the unique-open rate of optimized-time emails over the permanent control group, which is sent at a random hour of the same windows; 95% interval clustered by person (people get several emails).';

/** The measured lift of optimized send times (one campaign, or the workspace); null when none was sent. */
export async function sendTimeLift(store: Store, workspaceId: string, campaignId?: string): Promise<SendTimeLift | null> {
  const s = await store.sendTime.armSums(workspaceId, campaignId);
  if (s.treated.sends + s.control.sends === 0) return null;
  const brief = (a: (typeof s)['control']) => ({ people: a.people, sends: a.sends, opens: a.opens });
  return {
    policy: liftOver(s.treated, s.control),
    optimized: liftOver(s.optimized, s.control),
    by_arm: { optimized: brief(s.optimized), explore: brief(s.explore), control: brief(s.control) },
    note: LIFT_NOTE,
  };
}

export type BestSendTimes = GroupBestHours & { group: 'segment' | 'population'; segment_id?: string; segment_name?: string };

/** A segment's best local hours to send (its members' history over the population's), or the population's. */
export async function bestSendTimes(store: Store, clock: Clock, workspaceId: string, segmentId?: string | null): Promise<BestSendTimes | null> {
  await learnSendTimes(store, clock, { maxBatches: 10 });
  const now = clock.now();
  const population = await store.sendTime.population(workspaceId);
  if (population.sends.every((n) => n === 0)) return null;
  const segment = segmentId ? await store.segments.get(workspaceId, segmentId) : null;
  if (!segment) return { group: 'population', ...groupBestHours(population, null) };
  const totals = await store.segments.sendTimeTotals(workspaceId, audienceRules(segment), { now });
  return { group: 'segment', segment_id: segment.id, segment_name: segment.name, ...groupBestHours(population, totals) };
}

/** One person's best hours, with how much rests on their own history. */
export async function personSendTimes(store: Store, clock: Clock, workspaceId: string, userId: string): Promise<PersonBestHours | null> {
  await learnSendTimes(store, clock, { maxBatches: 10 });
  const population = await store.sendTime.population(workspaceId);
  if (population.sends.every((n) => n === 0)) return null;
  const [profiles, sample] = await Promise.all([store.sendTime.profiles(workspaceId, [userId]), store.sendTime.sample(workspaceId, 2_000, '')]);
  return personBestHours(profiles.get(userId) ?? emptyCounts(), buildSnapshot(population, null, sample));
}

/** Short lines for the text of get_metrics. */
export function sendTimeLines(lift: SendTimeLift | null, best: BestSendTimes | null): string[] {
  const lines: string[] = [];
  const pct = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`;
  if (lift) {
    const l = lift.policy;
    const ci = l.ci95 ? ` (95% CI ${pct(l.ci95[0])} to ${pct(l.ci95[1])})` : '';
    lines.push('', `Send-time optimization: open rate ${l.lift === null ? 'not measurable yet' : `${pct(l.lift)}${ci}`} over the random-time control`);
    lines.push(`  optimized ${lift.by_arm.optimized.sends} sent / ${lift.by_arm.optimized.opens} opened, explore ${lift.by_arm.explore.sends} / ${lift.by_arm.explore.opens}, control ${lift.by_arm.control.sends} / ${lift.by_arm.control.opens}`);
  }
  if (best) {
    const who = best.group === 'segment' ? `segment "${best.segment_name}"` : 'all people';
    lines.push('', `Best local send hours for ${who}: ${best.best.map((h) => `${String(h.local_hour).padStart(2, '0')}:00 (x${h.index.toFixed(2)})`).join(', ')}; worst ${String(best.worst.local_hour).padStart(2, '0')}:00 (x${best.worst.index.toFixed(2)})`);
  }
  return lines;
}

/**
 * Send-time answers people read (pure): a group's best local hours (get_metrics' best_send_times)
 * and one person's, each hour with the evidence behind it.
 */
import { HOURS_PER_DAY } from './local-slots.js';
import { byHourOfDay, expectedOpens, fitPopulation, groupProfile, ownShare, personRates, sum, type HourCounts, type ModelSnapshot, type PopulationCounts } from './model.js';

export interface HourScore {
  /** Local hour of the day the email would go out. */
  local_hour: number;
  /** Expected opens of an email sent then, over the mean of all 24 hours (1.2 = 20% more). */
  index: number;
}

export interface GroupBestHours {
  best: Array<HourScore & { opens_in_hour: number }>;
  worst: HourScore;
  evidence: { sends: number; opens: number; kernel_source: ModelSnapshot['kernelSource'] };
}

/** Hours ranked by expected opens for a flat week (the day-of-week modulation left out). */
function rank(rates: readonly number[], kernel: readonly number[]): HourScore[] {
  const flat: ModelSnapshot = { kernel: [...kernel], kernelSource: 'prior', theta: [], groupRate: 0, weekly: new Array(168).fill(1), beta: 0, betaLevel: 0 };
  const scores = Array.from({ length: HOURS_PER_DAY }, (_, h) => expectedOpens(rates, flat, h));
  const mean = sum(scores) / HOURS_PER_DAY;
  return scores.map((s, h) => ({ local_hour: h, index: mean > 0 ? Math.round((s / mean) * 1000) / 1000 : 1 })).sort((a, b) => b.index - a.index || a.local_hour - b.local_hour);
}

/** The best hours of a group (a segment's members' counts summed, or the population when null). */
export function groupBestHours(p: PopulationCounts, group: HourCounts | null, top = 3): GroupBestHours {
  const population = fitPopulation(p);
  const { kernel, source } = population;
  const counts = group ?? { sends: byHourOfDay(p.sends), opens: byHourOfDay(p.opens) };
  const profile = group ? groupProfile(group, kernel, population.theta) : population;
  const ranked = rank(profile.theta, kernel);
  return {
    best: ranked.slice(0, top).map((h) => ({ ...h, opens_in_hour: counts.opens[h.local_hour]! })),
    worst: ranked[ranked.length - 1]!,
    evidence: { sends: sum(counts.sends), opens: sum(counts.opens), kernel_source: source },
  };
}

export interface PersonBestHours {
  best: Array<HourScore & { own_evidence: number; opens_in_hour: number; sends_in_hour: number }>;
  evidence: { sends: number; opens: number };
  /** How the estimate is made up, in words. */
  basis: string;
}

/** One person's best hours with how much of each estimate is their own history (own_evidence, 0-1). */
export function personBestHours(c: HourCounts, m: ModelSnapshot, top = 3): PersonBestHours {
  const ranked = rank(personRates(c, m), m.kernel);
  const own = ownShare(c, m);
  const sends = sum(c.sends);
  const opens = sum(c.opens);
  const mean = sum(own) / HOURS_PER_DAY;
  const basis =
    sends === 0
      ? 'No email history yet: the population\'s (or segment\'s) hours.'
      : mean < 0.2
        ? `Mostly the group's hours: ${sends} emails and ${opens} opens of their own so far.`
        : `Largely their own history: ${sends} emails and ${opens} opens, shrunk toward the group's hours where thin.`;
  return {
    best: ranked.slice(0, top).map((h) => ({ ...h, own_evidence: Math.round(own[h.local_hour]! * 100) / 100, opens_in_hour: c.opens[h.local_hour]!, sends_in_hour: c.sends[h.local_hour]! })),
    evidence: { sends, opens },
    basis,
  };
}

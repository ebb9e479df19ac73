/**
 * Send-time explanations: a group's best hours follow a known activity (an evening peak puts the
 * best send hours in the evening and the worst at night; a morning segment moves them to the
 * morning), and a person's basis says where the estimate comes from.
 */
import { describe, expect, it } from 'vitest';
import { groupBestHours, personBestHours } from '../../src/domain/sendtime/explain.js';
import { emptyCounts, emptyPopulation, exposure, HORIZON_HOURS, priorKernel, type HourCounts, type ModelSnapshot, type PopulationCounts } from '../../src/domain/sendtime/model.js';

const D = 24;
const H = HORIZON_HOURS;
const KERNEL = priorKernel(2);
/** Asleep 0-6, ordinary by day, a clear peak 19-22. */
const EVENING = Array.from({ length: D }, (_, h) => (h <= 6 ? 0.05 : h >= 19 && h <= 22 ? 3 : 1));
/** Awake early, a clear peak 7-9, quiet in the evening. */
const MORNING = Array.from({ length: D }, (_, h) => (h <= 4 ? 0.05 : h >= 7 && h <= 9 ? 3 : h >= 18 ? 0.3 : 1));

/** Expected counts of sends at every hour of every day, opened at `rate` × kernel × activity. */
function population(activity: number[], sendsPerHour = 3_000, rate = 0.2): PopulationCounts {
  const p = emptyPopulation();
  for (let d = 0; d < 7; d++) for (let s = 0; s < D; s++) {
    p.sends[d * D + s]! += sendsPerHour;
    for (let j = 0; j < H; j++) {
      const o = sendsPerHour * rate * KERNEL[j]! * activity[(s + j) % D]!;
      p.opens[(d * D + s + j) % 168]! += o;
      p.lagOpens[s * H + j]! += o;
    }
  }
  return p;
}

function segment(activity: number[], sendsPerHour = 500, rate = 0.2): HourCounts {
  const sends = new Array<number>(D).fill(sendsPerHour);
  return { sends, opens: exposure(sends, KERNEL).map((e, h) => e * rate * activity[h]!) };
}

describe('groupBestHours', () => {
  const p = population(EVENING);

  it('puts the best send hours in the evening and the worst at night for an evening-active population', () => {
    const g = groupBestHours(p, null);
    expect(g.best).toHaveLength(3);
    for (const b of g.best) {
      expect(b.local_hour).toBeGreaterThanOrEqual(17);
      expect(b.local_hour).toBeLessThanOrEqual(21);
      expect(b.index).toBeGreaterThan(1.3);
    }
    expect(g.best[0]!.index).toBeGreaterThanOrEqual(g.best[1]!.index);
    expect(g.best[1]!.index).toBeGreaterThanOrEqual(g.best[2]!.index);
    expect(g.worst.local_hour).toBeGreaterThanOrEqual(0);
    expect(g.worst.local_hour).toBeLessThanOrEqual(5);
    expect(g.worst.index).toBeLessThan(0.7);
    expect(g.evidence.kernel_source).toBe('fitted');
    expect(g.evidence.sends).toBe(7 * D * 3_000);
    // opens_in_hour is the population's opens at that local hour, all days together.
    const h = g.best[0]!.local_hour;
    const inHour = [0, 1, 2, 3, 4, 5, 6].reduce((s, d) => s + p.opens[d * D + h]!, 0);
    expect(g.best[0]!.opens_in_hour).toBeCloseTo(inHour, 6);
  });

  it('moves the best hours to the morning for a segment active in the morning', () => {
    const seg = segment(MORNING);
    const g = groupBestHours(p, seg);
    for (const b of g.best) {
      expect(b.local_hour).toBeGreaterThanOrEqual(5);
      expect(b.local_hour).toBeLessThanOrEqual(9);
    }
    expect(g.best[0]!.opens_in_hour).toBe(seg.opens[g.best[0]!.local_hour]);
    expect(g.evidence.sends).toBe(D * 500);
    // Without the segment the same population's best hours stay in the evening.
    expect(groupBestHours(p, null).best[0]!.local_hour).toBeGreaterThanOrEqual(17);
  });

  it('honours `top`', () => {
    expect(groupBestHours(p, null, 5).best).toHaveLength(5);
  });
});

describe('personBestHours', () => {
  const m: ModelSnapshot = {
    kernel: KERNEL, kernelSource: 'fitted', theta: EVENING.map((x) => (x * D) / EVENING.reduce((s, y) => s + y, 0)), groupRate: 0.2,
    weekly: new Array<number>(168).fill(1), beta: 5, betaLevel: 10,
  };

  it('says "No email history" for an empty person, whose best hours are the group\'s, with no own evidence', () => {
    const r = personBestHours(emptyCounts(), m);
    expect(r.basis).toContain('No email history');
    expect(r.evidence).toEqual({ sends: 0, opens: 0 });
    for (const b of r.best) {
      expect(b.own_evidence).toBe(0);
      expect(b.local_hour).toBeGreaterThanOrEqual(17);
      expect(b.local_hour).toBeLessThanOrEqual(21);
    }
  });

  it('says the estimate is largely their own for a heavy history, and follows it', () => {
    const c = segment(MORNING, 200);
    const r = personBestHours(c, m);
    expect(r.basis).not.toContain('No email history');
    expect(r.basis).toContain('Largely their own history');
    expect(r.evidence.sends).toBe(D * 200);
    for (const b of r.best) {
      expect(b.local_hour).toBeLessThanOrEqual(9);
      expect(b.own_evidence).toBeGreaterThan(0.9);
      expect(b.sends_in_hour).toBe(200);
    }
  });

  it('says "Mostly the group\'s hours" for a thin history', () => {
    const c = emptyCounts();
    c.sends[10] = 1;
    c.opens[11] = 1;
    expect(personBestHours(c, m).basis).toContain("Mostly the group's hours: 1 emails and 1 opens");
  });
});

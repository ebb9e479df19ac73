/**
 * The send-time model against known truths: the joint fit recovers a known attention kernel and
 * hourly activity from expected counts (and stays sane on one-hour or no data); exposure by hand;
 * person rates shrink between the group prior and their own history; a segment pulls the group
 * profile; the day-of-week modulation is flat without extra variation; expected opens peak where
 * the kernel's mass meets the person's active hours.
 */
import { describe, expect, it } from 'vitest';
import {
  buildSnapshot, emptyCounts, emptyPopulation, expectedOpens, exposure, fitPopulation, HORIZON_HOURS, ownShare, personRates, priorKernel,
  smooth, sum, weeklyModulation, zeros, type HourCounts, type ModelSnapshot, type PopulationCounts,
} from '../../src/domain/sendtime/model.js';

const D = 24;
const H = HORIZON_HOURS;
const meanOne = (xs: number[]) => xs.map((x) => (x * xs.length) / sum(xs));
/** Discretised exponential attention with the given mean, normalised over the horizon. */
const expKernel = (mean: number) => meanOne(Array.from({ length: H }, (_, j) => Math.exp(-j / mean))).map((x) => x / H);
/** Evening-peaked, smooth daily activity, mean 1. */
const ACTIVITY = meanOne(Array.from({ length: D }, (_, h) => 1 + 0.6 * Math.cos((2 * Math.PI * (h - 20)) / D)));
const TRUE_KERNEL = expKernel(2); // not the prior's 3-hour mean: the fit must find it in the data

/**
 * Expected population counts: sends at each hour of the day (spread evenly over the week's days),
 * opens[s][j] = sends_s · rate · k_j · λ((s + j) mod 24). `dayFactor(d, h)` scales the opens of a
 * day-hour of the week (1 = no day-of-week effect).
 */
function population(sendsByHour: number[], kernel: number[], lambda: number[], rate = 0.2, dayFactor = (_d: number, _h: number) => 1): PopulationCounts {
  const p = emptyPopulation();
  for (let d = 0; d < 7; d++) for (let s = 0; s < D; s++) {
    const n = sendsByHour[s]! / 7;
    p.sends[d * D + s]! += n;
    for (let j = 0; j < H; j++) {
      const w = (d * D + s + j) % 168;
      const o = n * rate * kernel[j]! * lambda[(s + j) % D]! * dayFactor(Math.floor(w / D), w % D);
      p.opens[w]! += o;
      p.lagOpens[s * H + j]! += o;
    }
  }
  return p;
}

const snapshot = (over: Partial<ModelSnapshot> = {}): ModelSnapshot => ({
  kernel: priorKernel(), kernelSource: 'prior', theta: ACTIVITY, groupRate: 0.2, weekly: zeros(168).map(() => 1), beta: 5, betaLevel: 10, ...over,
});

describe('fitPopulation', () => {
  it('recovers a known kernel and hourly activity from sends at every hour', () => {
    const sends = Array.from({ length: D }, (_, s) => 100_000 * (1 + (s % 5)));
    const fit = fitPopulation(population(sends, TRUE_KERNEL, ACTIVITY));
    expect(fit.source).toBe('fitted');
    expect(sum(fit.kernel)).toBeCloseTo(1, 9);
    fit.kernel.forEach((k, j) => expect(Math.abs(k / TRUE_KERNEL[j]! - 1), `lag ${j}`).toBeLessThan(0.03));
    // theta is the activity smoothed over neighbouring hours, mean 1.
    const truth = meanOne(smooth(ACTIVITY));
    fit.theta.forEach((t, h) => expect(Math.abs(t / truth[h]! - 1), `hour ${h}`).toBeLessThan(0.03));
    expect(fit.rate).toBeGreaterThan(0.19);
    expect(fit.rate).toBeLessThan(0.21);
    // And the prior's kernel would not have matched: the first lag differs by far more than the tolerance.
    expect(Math.abs(priorKernel()[0]! / TRUE_KERNEL[0]! - 1)).toBeGreaterThan(0.1);
  });

  it('does not blow up on sends at one hour only, and reports the prior below 500 opens', () => {
    for (const scale of [50_000, 1_000]) {
      const sends = zeros(D);
      sends[10] = scale;
      const p = population(sends, TRUE_KERNEL, ACTIVITY);
      const fit = fitPopulation(p);
      expect(sum(fit.kernel)).toBeCloseTo(1, 9);
      for (const k of fit.kernel) expect(k).toBeGreaterThan(0);
      for (const t of fit.theta) expect(Number.isFinite(t) && t > 0).toBe(true);
      expect(sum(fit.theta) / D).toBeCloseTo(1, 9);
      expect(fit.source).toBe(sum(p.lagOpens) >= 500 ? 'fitted' : 'prior');
    }
    expect(sum(population([...zeros(10), 50_000, ...zeros(13)], TRUE_KERNEL, ACTIVITY).lagOpens)).toBeGreaterThan(500);
    expect(sum(population([...zeros(10), 1_000, ...zeros(13)], TRUE_KERNEL, ACTIVITY).lagOpens)).toBeLessThan(500);
  });

  it('with no data at all is the prior kernel and flat activity', () => {
    const fit = fitPopulation(emptyPopulation());
    expect(fit.source).toBe('prior');
    fit.kernel.forEach((k, j) => expect(Math.abs(k - priorKernel()[j]!)).toBeLessThan(1e-9));
    for (const t of fit.theta) expect(Math.abs(t - 1)).toBeLessThan(1e-9);
  });
});

describe('exposure', () => {
  it('spreads each send over the following hours by the kernel, wrapping past 23', () => {
    const sends = zeros(D);
    sends[22] = 2;
    sends[5] = 1;
    const e = exposure(sends, [0.5, 0.3, 0.2]);
    const expected = zeros(D);
    expected[22] = 1.0;
    expected[23] = 0.6;
    expected[0] = 0.4;
    expected[5] = 0.5;
    expected[6] = 0.3;
    expected[7] = 0.2;
    e.forEach((x, h) => expect(x, `hour ${h}`).toBeCloseTo(expected[h]!, 12));
  });
});

describe('personRates and ownShare', () => {
  it('give a person without history exactly the group prior, level × theta (smoothed like every rate)', () => {
    const m = snapshot();
    const prior = smooth(m.theta.map((t) => m.groupRate * t));
    personRates(emptyCounts(), m).forEach((r, h) => expect(r, `hour ${h}`).toBeCloseTo(prior[h]!, 12));
    // Only the level moves with the group rate: the shape is the group's.
    const half = personRates(emptyCounts(), snapshot({ groupRate: 0.1 }));
    half.forEach((r, h) => expect(r).toBeCloseTo(prior[h]! / 2, 12));
  });

  it('converge to a heavy person\'s own rate where they have exposure, keeping the group\'s shape elsewhere', () => {
    const m = snapshot();
    const own = 0.05; // far below the group's 0.2
    const c: HourCounts = emptyCounts();
    c.sends[10] = 100_000;
    c.opens = exposure(c.sends, m.kernel).map((e) => e * own);
    const rates = personRates(c, m);
    const share = ownShare(c, m);
    // Hours 10-21 have exposure; away from the edges (where smoothing reaches a hour without) the
    // estimate is their own.
    for (let h = 11; h <= 20; h++) {
      expect(Math.abs(rates[h]! / own - 1), `hour ${h}`).toBeLessThan(0.01);
      expect(share[h]!).toBeGreaterThan(0.99);
    }
    for (const h of [10, 21]) expect(share[h]!).toBeGreaterThan(0.7);
    // Far from any exposure: the group's shape at the person's own (learned) level, not the group's.
    expect(share[3]).toBe(0);
    const shape = smooth(m.theta);
    for (const h of [2, 3, 4, 5, 6]) expect(rates[h]! / (own * shape[h]!), `hour ${h}`).toBeCloseTo(1, 3);
  });

  it('ownShare grows with more sends', () => {
    const m = snapshot();
    const few = emptyCounts();
    few.sends[10] = 3;
    const many = emptyCounts();
    many.sends[10] = 30;
    const a = ownShare(few, m);
    const b = ownShare(many, m);
    for (let h = 9; h < 9 + H + 2; h++) expect(b[h % D]!).toBeGreaterThan(a[h % D]!);
    expect(ownShare(emptyCounts(), m).every((x) => x === 0)).toBe(true);
  });
});

describe('buildSnapshot', () => {
  it('moves the group profile toward a segment whose hours differ from the population', () => {
    const flat = zeros(D).map(() => 1);
    const sends = zeros(D).map(() => 50_000);
    const p = population(sends, TRUE_KERNEL, flat);
    const morning = meanOne(Array.from({ length: D }, (_, h) => 1 + 0.8 * Math.cos((2 * Math.PI * (h - 9)) / D)));
    const segSends = zeros(D).map(() => 2_000);
    const segment: HourCounts = { sends: segSends, opens: exposure(segSends, TRUE_KERNEL).map((e, h) => e * 0.2 * morning[h]!) };
    const whole = buildSnapshot(p, null, []);
    const seg = buildSnapshot(p, segment, []);
    const argmax = (xs: number[]) => xs.indexOf(Math.max(...xs));
    expect(Math.max(...whole.theta) - Math.min(...whole.theta)).toBeLessThan(0.05);
    expect(argmax(seg.theta)).toBeGreaterThanOrEqual(8);
    expect(argmax(seg.theta)).toBeLessThanOrEqual(10);
    for (let h = 0; h < D; h++) expect(Math.abs(seg.theta[h]! - morning[h]!), `hour ${h}`).toBeLessThan(Math.abs(whole.theta[h]! - morning[h]!) + 1e-9);
    expect(seg.theta[9]!).toBeGreaterThan(1.5);
    expect(seg.theta[21]!).toBeLessThan(0.5);
  });
});

describe('weeklyModulation', () => {
  const sends = Array.from({ length: D }, (_, s) => 7_000 * (1 + (s % 3)));

  it('is exactly 1 when every day has the same expected counts', () => {
    const w = weeklyModulation(population(sends, TRUE_KERNEL, ACTIVITY), TRUE_KERNEL);
    expect(w).toHaveLength(168);
    expect(w.every((x) => x === 1)).toBe(true);
  });

  it('is above 1 on a day with clearly more opens per exposure, below 1 on one with fewer', () => {
    const SATURDAY = 5 * D;
    const SUNDAY = 6 * D;
    const factor = (d: number) => (d === 5 ? 1.4 : d === 6 ? 0.7 : 1);
    const w = weeklyModulation(population(sends, TRUE_KERNEL, ACTIVITY, 0.2, factor), TRUE_KERNEL);
    const mean = (1 * 5 + 1.4 + 0.7) / 7; // the hour's rate over the week, relative to a weekday
    // Shrunk toward 1, never past the truth: Saturday 1.38, Sunday 0.69, weekdays 0.986.
    for (let h = 0; h < D; h++) {
      expect(w[SATURDAY + h]!, `Saturday ${h}`).toBeGreaterThan(1.3);
      expect(w[SATURDAY + h]!, `Saturday ${h}`).toBeLessThanOrEqual(1.4 / mean + 1e-9);
      expect(w[SUNDAY + h]!, `Sunday ${h}`).toBeLessThan(0.75);
      expect(w[SUNDAY + h]!, `Sunday ${h}`).toBeGreaterThanOrEqual(0.7 / mean - 1e-9);
      for (let d = 0; d < 5; d++) expect(Math.abs(w[d * D + h]! - 1 / mean), `day ${d} hour ${h}`).toBeLessThan(0.01);
    }
  });
});

describe('expectedOpens', () => {
  const rates = zeros(D).map((_, h) => (h >= 20 && h <= 22 ? 0.2 : 0.01));

  it('is the kernel-weighted rate over the following hours, wrapping the week', () => {
    const m = snapshot();
    const at = (week: number) => m.kernel.reduce((s, k, j) => s + k * rates[(week + j) % D]!, 0);
    expect(expectedOpens(rates, m, 19)).toBeCloseTo(at(19), 12);
    expect(expectedOpens(rates, m, 166)).toBeCloseTo(at(166), 12);
  });

  it('is highest at the send hour that puts the kernel\'s mass over the active hours', () => {
    const m = snapshot();
    const scores = Array.from({ length: D }, (_, h) => expectedOpens(rates, m, h));
    expect(scores.indexOf(Math.max(...scores))).toBe(20);
    // One active hour (21): a decaying attention sends right then; one that peaks two hours after
    // the send sends two hours earlier.
    const one = zeros(D).map((_, h) => (h === 21 ? 0.2 : 0.01));
    const best = (m: ModelSnapshot) => {
      const xs = Array.from({ length: D }, (_, h) => expectedOpens(one, m, h));
      return xs.indexOf(Math.max(...xs));
    };
    expect(best(m)).toBe(21);
    expect(best(snapshot({ kernel: meanOne([0.2, 1, 4, 1, 0.5, 0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05]).map((x) => x / H) }))).toBe(19);
  });

  it('applies the day-of-week modulation of the hours it covers', () => {
    const weekly = zeros(168).map(() => 1);
    for (let w = 24 + 20; w <= 24 + 22; w++) weekly[w] = 2; // Tuesday 20-22
    const m = snapshot({ weekly });
    expect(expectedOpens(rates, m, 24 + 20)).toBeGreaterThan(1.5 * expectedOpens(rates, m, 20));
  });
});

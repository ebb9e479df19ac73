/**
 * Seeded trials of send-time optimization against ground truth (pure, deterministic for a seed):
 * a simulated population whose opens follow the attention model of ./engagement.ts, a history of
 * sends at 10:00 local time, then a series of optimized sends decided by the shipped model and
 * policy (src/domain/sendtime), each person's counts updated by the shipped learner functions
 * after every send. Used by the acceptance tests and bench/sto.ts.
 *
 * Truth is evaluated in expectation: for every send and policy, the mean of each person's true
 * open probability at the hour the policy picks. Policies compared on the same sends:
 *   model            ours, as run: optimized, explored (±1-2 h) and the random-time control group
 *   random           a uniformly random hour of the window (the lift's baseline)
 *   population_best  everyone at the single local hour that is best for the population (truth)
 *   histogram        each person's most frequent open hour so far (Braze-style, no correction
 *                    for when mail was sent), the population's most frequent one for those without
 *   oracle           each person's truly best hour (the ceiling)
 * and the lift the control group measures (with its interval) against the true lift.
 *
 * Speed: a person's true factor for a send at the start of each local hour is precomputed
 * (hourly attention masses over 72 hours, exact for sends on the hour without a DST change in
 * the next three days), and opens are drawn from the same masses.
 */
import { DateTime } from 'luxon';
import { addOpen, addSent, emptyDeltas, type CountDeltas } from '../domain/sendtime/learn.js';
import { liftOver, addPerson, emptyArm, type Lift } from '../domain/sendtime/lift.js';
import { localHourStarts, localSlot, type Candidate } from '../domain/sendtime/local-slots.js';
import { buildSnapshot, emptyCounts, emptyPopulation, expectedOpens, personRates, type HourCounts, type PopulationCounts } from '../domain/sendtime/model.js';
import { armOf, chooseTime, hashUnit, type ArmShares, type SendTimeArm } from '../domain/sendtime/policy.js';
import { generatePopulation, type SimUser } from './population.js';
import { streamOf } from './random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LAGS = 72;
const FLAT_DAY: readonly number[] = new Array<number>(24).fill(1);

export interface SendTimeTrialOptions {
  seed: number;
  users: number;
  /** Past sends, all at 10:00 local time, a week apart (default 12). */
  legacySends?: number;
  /** Optimized sends after them, a week apart (default 8). */
  optimizedSends?: number;
  /** Share of people with a preferred hour (default 0.6). */
  preferredShare?: number;
  /** Mean open propensity (default 0.2). */
  openRate?: number;
  /** Mean of the true attention decay in hours (default 3). */
  attentionMeanHours?: number;
  /**
   * How sending time matters in truth (see ./engagement.ts): attention (default), or send_hour,
   * where only the hour of delivery matters and opens follow after a delay unrelated to the day.
   */
  timing?: 'attention' | 'send_hour';
  shares?: ArmShares;
  windowHours?: number;
  /** First legacy send day (UTC date, default 2026-03-02, so DST changes fall inside the run). */
  start?: string;
  /** People whose counts estimate the prior strengths (as the server samples them). */
  strengthSample?: number;
}

export interface PolicyRates {
  model: number;
  random: number;
  population_best: number;
  histogram: number;
  oracle: number;
}

export interface SendResult {
  index: number;
  /** Expected open rate of each policy over the people the model treated (not the control group). */
  treated: PolicyRates;
  /** The same over people without a preferred hour. */
  flat: { model: number; random: number };
  /** Lift of each policy over random, on the treated people. */
  lift: Omit<PolicyRates, 'random'>;
  flatLift: number;
  /** Chosen local hours of the model's optimized arm. */
  byHour: number[];
}

export interface SendTimeTrialResult {
  seed: number;
  sends: SendResult[];
  /** Over all optimized sends: the lift the control group measured, and the true lift of the policy as run. */
  measured: Lift;
  trueLift: number;
  covered: boolean;
  /** Mean lift over all optimized sends, per policy. */
  meanLift: Omit<PolicyRates, 'random'>;
  meanFlatLift: number;
  populationBestHour: number;
}

interface Person {
  user: SimUser;
  /** True open probability for a send at the start of each local hour. */
  p: Float64Array;
  /** Cumulative attention × activity per lag, for each local send hour (open-time draws). */
  counts: HourCounts;
  /** Open counts by local hour with no exposure correction (the histogram policy). */
  openHours: Float64Array;
  control: boolean;
}

function hourlyMasses(meanHours: number): Float64Array {
  const total = 1 - Math.exp(-LAGS / meanHours);
  return Float64Array.from({ length: LAGS }, (_, j) => (Math.exp(-j / meanHours) - Math.exp(-(j + 1) / meanHours)) / total);
}

/** F for a send at the start of local hour h: Σ_j activity(h + j)·mass_j. */
function trueFactors(weights: readonly number[], masses: Float64Array): Float64Array {
  const f = new Float64Array(24);
  for (let h = 0; h < 24; h++) {
    let acc = 0;
    for (let j = 0; j < LAGS; j++) acc += weights[(h + j) % 24]! * masses[j]!;
    f[h] = acc;
  }
  return f;
}

export function runSendTimeTrial(o: SendTimeTrialOptions): SendTimeTrialResult {
  const legacy = o.legacySends ?? 12;
  const optimized = o.optimizedSends ?? 8;
  const shares = o.shares ?? { control: 0.05, explore: 0.1 };
  const windowMs = (o.windowHours ?? 24) * HOUR;
  const masses = hourlyMasses(o.attentionMeanHours ?? 3);
  const pop = generatePopulation({ seed: o.seed, size: o.users, variants: { A: { open: o.openRate ?? 0.2, click: 0.1 } }, preferredShare: o.preferredShare ?? 0.6 });
  const ws = `trial-${o.seed}`;
  const sendHour = o.timing === 'send_hour';
  const people: Person[] = pop.users.map((user) => {
    const f = sendHour ? Float64Array.from(user.truth.hourWeights) : trueFactors(user.truth.hourWeights, masses);
    const base = user.truth.open['A']!;
    return { user, p: f.map((x) => Math.min(1, base * x)), counts: emptyCounts(), openHours: new Float64Array(24), control: armOf(ws, 'any', user.id, shares) === 'control' };
  });
  let population: PopulationCounts = emptyPopulation();
  const rng = streamOf(o.seed, 'send-time-trial');
  const start = Date.parse(`${o.start ?? '2026-03-02'}T06:00:00Z`);

  /** Sends to everyone at the chosen instants; draws opens; feeds the learner's functions. */
  const send = (at: (p: Person) => { at: Date; hour: number }, armOfPerson: (p: Person) => SendTimeArm | null, tally?: (p: Person, opened: boolean) => void) => {
    const d: CountDeltas = emptyDeltas();
    for (const person of people) {
      const { at: t, hour } = at(person);
      addSent(d, { userId: person.user.id, sentAt: t, timezone: person.user.timezone });
      const opened = rng.float() < person.p[hour]!;
      const u = rng.float();
      if (opened) {
        // The lag by activity × attention, then a uniform moment within that hour.
        // send_hour: the delay is the decay alone (activity plays no part once it has arrived).
        const w = sendHour ? FLAT_DAY : person.user.truth.hourWeights;
        let total = 0;
        for (let j = 0; j < LAGS; j++) total += w[(hour + j) % 24]! * masses[j]!;
        let target = u * total;
        let lag = 0;
        for (; lag < LAGS - 1; lag++) {
          target -= w[(hour + lag) % 24]! * masses[lag]!;
          if (target <= 0) break;
        }
        const openedAt = new Date(t.getTime() + lag * HOUR + Math.floor(rng.float() * HOUR));
        addOpen(d, { userId: person.user.id, sentAt: t, openedAt, timezone: person.user.timezone, arm: armOfPerson(person) });
        person.openHours[localSlot(openedAt, person.user.timezone).hour]! += 1;
      }
      tally?.(person, opened);
    }
    for (const [id, c] of d.people) {
      const person = byId.get(id)!;
      for (let h = 0; h < 24; h++) {
        person.counts.sends[h]! += c.sends[h]!;
        person.counts.opens[h]! += c.opens[h]!;
      }
    }
    const add = (a: number[], b: readonly number[]) => a.map((x, i) => x + b[i]!);
    population = { sends: add(population.sends, d.population.sends), opens: add(population.opens, d.population.opens), lagOpens: add(population.lagOpens, d.population.lagOpens) };
  };
  const byId = new Map(people.map((p) => [p.user.id, p]));

  // History: 10:00 local, weekly.
  const tenOClock = new Map<string, Date>();
  for (let l = 0; l < legacy; l++) {
    const day = DateTime.fromMillis(start + l * 7 * DAY, { zone: 'UTC' }).toISODate()!;
    tenOClock.clear();
    send((p) => {
      let t = tenOClock.get(p.user.timezone);
      if (!t) tenOClock.set(p.user.timezone, (t = DateTime.fromISO(`${day}T10:00`, { zone: p.user.timezone }).toJSDate()));
      return { at: t, hour: 10 };
    }, () => null);
  }

  // The population's truly best local hour (for everyone at once).
  const popScore = Array.from({ length: 24 }, (_, h) => people.reduce((s, p) => s + p.p[h]!, 0));
  const populationBestHour = popScore.indexOf(Math.max(...popScore));

  const sends: SendResult[] = [];
  const treatedArm = emptyArm();
  const controlArm = emptyArm();
  const perPerson = new Map<string, { n: number; y: number }>();
  let trueNum = 0;
  let trueDen = 0;
  for (let i = 0; i < optimized; i++) {
    const from = new Date(start + (legacy + i) * 7 * DAY);
    const until = new Date(from.getTime() + windowMs);
    const scheduleId = `send-${i}`;
    const sample = people.slice(0, o.strengthSample ?? 5_000).map((p) => p.counts);
    const snapshot = buildSnapshot(population, null, sample);
    if (process.env.STO_DEBUG) console.error(i, "theta", snapshot.theta.map((x) => x.toFixed(2)).join(" "), "\nweekly(mon)", snapshot.weekly.slice(0, 48).map((x) => x.toFixed(2)).join(" "), "\nkernel", snapshot.kernel.map((x) => x.toFixed(3)).join(" "), snapshot.kernelSource, "beta", snapshot.beta.toFixed(1), snapshot.betaLevel.toFixed(1), "rate", snapshot.groupRate.toFixed(4));
    const zones = new Map<string, Candidate[]>();
    const candidatesIn = (zone: string) => {
      let c = zones.get(zone);
      if (!c) zones.set(zone, (c = localHourStarts(from, until, zone)));
      return c;
    };
    // The histogram policy's fallback: the population's most frequent open hour.
    const popOpenHours = new Float64Array(24);
    for (const p of people) for (let h = 0; h < 24; h++) popOpenHours[h]! += p.openHours[h]!;
    const popMostOpened = popOpenHours.indexOf(Math.max(...popOpenHours));

    const sum: PolicyRates = { model: 0, random: 0, population_best: 0, histogram: 0, oracle: 0 };
    const flat = { model: 0, random: 0 };
    let treatedN = 0;
    let flatN = 0;
    const byHour = new Array<number>(24).fill(0);
    const choice = new Map<string, { at: Date; hour: number; arm: SendTimeArm }>();
    for (const person of people) {
      const cands = candidatesIn(person.user.timezone);
      const rates = personRates(person.counts, snapshot);
      const scores = cands.map((c) => expectedOpens(rates, snapshot, c.week));
      const arm = armOf(ws, scheduleId, person.user.id, shares);
      const picked = chooseTime(cands, scores, () => true, arm, hashUnit('sto-draw', scheduleId, person.user.id));
      choice.set(person.user.id, { at: picked.at, hour: picked.hour, arm });
      if (arm === 'control') continue;
      const pr = person.p;
      const random = cands.reduce((s, c) => s + pr[c.hour]!, 0) / cands.length;
      const hist = person.openHours.some((x) => x > 0) ? person.openHours.indexOf(Math.max(...person.openHours)) : popMostOpened;
      const at = (h: number) => pr[cands.some((c) => c.hour === h) ? h : cands[0]!.hour]!;
      sum.model += pr[picked.hour]!;
      sum.random += random;
      sum.population_best += at(populationBestHour);
      sum.histogram += at(hist);
      sum.oracle += Math.max(...cands.map((c) => pr[c.hour]!));
      treatedN++;
      trueNum += pr[picked.hour]!;
      trueDen += random;
      if (arm === 'optimized') byHour[picked.hour]!++;
      if (person.user.truth.preferredHour === null) {
        flat.model += pr[picked.hour]!;
        flat.random += random;
        flatN++;
      }
    }
    send(
      (p) => choice.get(p.user.id)!,
      (p) => choice.get(p.user.id)!.arm,
      (p, opened) => {
        const k = perPerson.get(p.user.id) ?? { n: 0, y: 0 };
        k.n++;
        if (opened) k.y++;
        perPerson.set(p.user.id, k);
      },
    );
    const rate = (x: number) => x / Math.max(1, treatedN);
    const treated: PolicyRates = { model: rate(sum.model), random: rate(sum.random), population_best: rate(sum.population_best), histogram: rate(sum.histogram), oracle: rate(sum.oracle) };
    const over = (x: number) => x / treated.random - 1;
    sends.push({
      index: i,
      treated,
      flat: { model: flat.model / Math.max(1, flatN), random: flat.random / Math.max(1, flatN) },
      lift: { model: over(treated.model), population_best: over(treated.population_best), histogram: over(treated.histogram), oracle: over(treated.oracle) },
      flatLift: flatN > 0 ? flat.model / flat.random - 1 : 0,
      byHour,
    });
  }
  for (const person of people) {
    const k = perPerson.get(person.user.id);
    if (k) addPerson(person.control ? controlArm : treatedArm, k.n, k.y);
  }
  const measured = liftOver(treatedArm, controlArm);
  const trueLift = trueNum / trueDen - 1;
  const mean = (f: (s: SendResult) => number) => sends.reduce((a, s) => a + f(s), 0) / Math.max(1, sends.length);
  return {
    seed: o.seed,
    sends,
    measured,
    trueLift,
    covered: measured.ci95 !== null && measured.ci95[0] <= trueLift && trueLift <= measured.ci95[1],
    meanLift: { model: mean((s) => s.lift.model), population_best: mean((s) => s.lift.population_best), histogram: mean((s) => s.lift.histogram), oracle: mean((s) => s.lift.oracle) },
    meanFlatLift: mean((s) => s.flatLift),
    populationBestHour,
  };
}

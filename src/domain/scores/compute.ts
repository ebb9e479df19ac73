/**
 * Per-customer scores from purchase histories: RFM quintiles and segment, churn risk and expected
 * purchases from a BG/NBD fit, predicted lifetime value from BG/NBD + Gamma-Gamma. Pure: the
 * caller reads histories from the store and writes the rows back (the refresh job and the
 * on-demand path call this with the same inputs and get the same output).
 *
 * Conventions:
 * - Purchases after `now` are ignored. frequency = number of purchases, monetary = their total,
 *   recencyDays = whole days since the last one (these three are what RFM ranks).
 * - The models work on "transactions" = purchase days (UTC calendar days, amounts summed within a
 *   day), as in the BTYD literature and lifetimes' `summary_data_from_transaction_data`: several
 *   purchases in one session are one buying occasion, not a burst of Poisson events. The time unit
 *   is the day: x = purchase days − 1, t_x = days from the first to the last purchase day,
 *   T = days from the first purchase day to the day of `now`. α is therefore per day.
 * - Gamma-Gamma uses m̄ = the average of the repeat purchase days' totals (the first is left out,
 *   as in Fader & Hardie's CDNOW analyses); it is fitted on customers with x ≥ 1 and m̄ > 0.
 * - Customers with no purchase get null RFM scores, a null segment and null model fields (the
 *   models start a customer's clock at the first purchase). `firstSeen` is therefore not used by
 *   the scores; it is kept in the input so callers pass the whole history.
 * - Fits use every purchaser, or a deterministic sample of `maxFitCustomers` (default 50,000) of
 *   them when there are more: those with the smallest FNV-1a hash of the user id (ties by id), so
 *   the sample does not depend on input order and changes little as customers are added. Scores
 *   are then computed for everyone from the sample's parameters.
 * - A model is not fitted with fewer than `minRepeatCustomers` (default 50) customers with a
 *   repeat purchase; its fields are then null and `notes` says why.
 */
import { expectedPurchases, fitBgNbd, pAlive, type BgNbdFit, type RfCustomer } from './bgnbd.js';
import { clv, fitGammaGamma, type GammaGammaFit, type SpendCustomer } from './gamma-gamma.js';
import { rfmScores, type RfmLabel } from './rfm.js';

export interface CustomerHistory {
  userId: string;
  /** Account creation or first event (not used by the scores; see the module note). */
  firstSeen: Date;
  purchases: { at: Date; amount: number }[];
}

export interface ScoreRow {
  userId: string;
  recencyDays: number | null;
  frequency: number;
  monetary: number;
  rfmR: number | null;
  rfmF: number | null;
  rfmM: number | null;
  rfmSegment: RfmLabel | null;
  /**
   * 1 − P(alive) under the BG/NBD fit. BG/NBD lets customers drop out only after a repeat
   * purchase, so a one-time buyer's churn risk is 0 however long ago they bought; their
   * expectedPurchases90d does fall with time since that purchase.
   */
  churnRisk: number | null;
  /** Expected purchase days in the next 90 days (BG/NBD eq. 10). */
  expectedPurchases90d: number | null;
  /** Expected revenue over `horizonDays`, discounted monthly (BG/NBD + Gamma-Gamma). */
  predictedLtv: number | null;
}

export interface ComputeOptions {
  /** LTV horizon in days (default 365). */
  horizonDays?: number;
  /** Discount rate per 30-day month for LTV (default 0: plain expected revenue). */
  monthlyDiscountRate?: number;
  /** Largest number of purchasers the models are fitted on (default 50,000). */
  maxFitCustomers?: number;
  /** Fewest customers with a repeat purchase needed to fit either model (default 50). */
  minRepeatCustomers?: number;
}

export interface ScoreParams {
  timeUnit: 'day';
  /** Purchasers the models were fitted on. */
  fittedOn: number;
  bgnbd: BgNbdFit | null;
  gammaGamma: GammaGammaFit | null;
}

export interface ScoreResult {
  rows: ScoreRow[];
  params: ScoreParams;
  notes: string[];
}

const DAY_MS = 86_400_000;
const EXPECTED_PURCHASES_DAYS = 90;

interface Summary {
  userId: string;
  recencyDays: number;
  frequency: number;
  monetary: number;
  rf: RfCustomer;
  mbar: number;
}

/** Reduces one history to RFM values and the (x, t_x, T, m̄) the models need; null without purchases. */
function summarise(h: CustomerHistory, nowMs: number): Summary | null {
  const nowDay = Math.floor(nowMs / DAY_MS);
  const byDay = new Map<number, number>();
  let frequency = 0;
  let monetary = 0;
  let last = Number.NEGATIVE_INFINITY;
  for (const p of h.purchases) {
    const t = p.at.getTime();
    if (!(t <= nowMs)) continue;
    frequency++;
    monetary += p.amount;
    last = Math.max(last, t);
    const day = Math.floor(t / DAY_MS);
    byDay.set(day, (byDay.get(day) ?? 0) + p.amount);
  }
  if (frequency === 0) return null;
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const first = days[0]!;
  const x = days.length - 1;
  let repeatTotal = 0;
  for (const d of days.slice(1)) repeatTotal += byDay.get(d)!;
  return {
    userId: h.userId,
    recencyDays: Math.floor((nowMs - last) / DAY_MS),
    frequency,
    monetary,
    rf: { x, tx: days[days.length - 1]! - first, T: nowDay - first },
    mbar: x > 0 ? repeatTotal / x : 0,
  };
}

/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function fitSample(summaries: readonly Summary[], max: number): Summary[] {
  if (summaries.length <= max) return [...summaries];
  return summaries
    .map((s) => ({ s, h: fnv1a(s.userId) }))
    .sort((a, b) => a.h - b.h || (a.s.userId < b.s.userId ? -1 : a.s.userId > b.s.userId ? 1 : 0))
    .slice(0, max)
    .map((e) => e.s);
}

function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/** Scores every customer in `customers` as of `now`; see the module note for the definitions. */
export function computeScores(customers: readonly CustomerHistory[], now: Date, opts: ComputeOptions = {}): ScoreResult {
  const horizonDays = opts.horizonDays ?? 365;
  const discount = opts.monthlyDiscountRate ?? 0;
  const maxFit = opts.maxFitCustomers ?? 50_000;
  const minRepeat = opts.minRepeatCustomers ?? 50;
  const nowMs = now.getTime();
  const notes: string[] = [];

  const summaries = customers.map((c) => summarise(c, nowMs));
  const purchasers = summaries.filter((s): s is Summary => s !== null);
  const rfm = rfmScores(purchasers);
  const rfmIndex: number[] = [];
  let next = 0;
  for (const s of summaries) rfmIndex.push(s ? next++ : -1);

  const sample = fitSample(purchasers, maxFit);
  if (sample.length < purchasers.length) notes.push(`models fitted on a deterministic sample of ${sample.length} of ${purchasers.length} purchasers`);
  const repeaters = sample.filter((s) => s.rf.x > 0).length;

  let bgnbd: BgNbdFit | null = null;
  if (repeaters < minRepeat) {
    notes.push(`BG/NBD not fitted: ${repeaters} customers with a repeat purchase, at least ${minRepeat} needed; churn risk, expected purchases and LTV are null`);
  } else {
    const fit = fitBgNbd(sample.map((s) => s.rf));
    if (![fit.r, fit.alpha, fit.a, fit.b, fit.logLikelihood].every(Number.isFinite)) {
      notes.push('BG/NBD fit failed (non-finite estimate); churn risk, expected purchases and LTV are null');
    } else {
      bgnbd = fit;
      if (!fit.converged) notes.push(`BG/NBD fit stopped at the iteration cap (${fit.iterations}) before converging; estimates may be imprecise`);
    }
  }

  let gammaGamma: GammaGammaFit | null = null;
  if (bgnbd) {
    const spenders: SpendCustomer[] = sample.filter((s) => s.rf.x > 0 && s.mbar > 0).map((s) => ({ x: s.rf.x, mbar: s.mbar }));
    if (spenders.length < minRepeat) {
      notes.push(`Gamma-Gamma not fitted: ${spenders.length} repeat customers with positive spend, at least ${minRepeat} needed; LTV is null`);
    } else {
      const fit = fitGammaGamma(spenders);
      if (!(fit.q > 1) || ![fit.p, fit.q, fit.v].every(Number.isFinite)) {
        notes.push(`Gamma-Gamma fit has q = ${fit.q.toFixed(3)} ≤ 1 (mean spend undefined); LTV is null`);
      } else {
        gammaGamma = fit;
        const rho = pearson(
          spenders.map((s) => s.x),
          spenders.map((s) => s.mbar),
        );
        if (Math.abs(rho) > 0.3) {
          notes.push(`Gamma-Gamma assumes spend is independent of frequency, but their correlation is ${rho.toFixed(2)}; LTV may be biased`);
        }
      }
    }
  }

  const rows = customers.map((c, i): ScoreRow => {
    const s = summaries[i];
    if (!s) {
      return {
        userId: c.userId,
        recencyDays: null,
        frequency: 0,
        monetary: 0,
        rfmR: null,
        rfmF: null,
        rfmM: null,
        rfmSegment: null,
        churnRisk: null,
        expectedPurchases90d: null,
        predictedLtv: null,
      };
    }
    const score = rfm[rfmIndex[i]!]!;
    return {
      userId: s.userId,
      recencyDays: s.recencyDays,
      frequency: s.frequency,
      monetary: s.monetary,
      rfmR: score.r,
      rfmF: score.f,
      rfmM: score.m,
      rfmSegment: score.segment,
      churnRisk: bgnbd ? 1 - pAlive(bgnbd, s.rf) : null,
      expectedPurchases90d: bgnbd ? expectedPurchases(bgnbd, s.rf, EXPECTED_PURCHASES_DAYS) : null,
      predictedLtv:
        bgnbd && gammaGamma
          ? clv({ bgnbd, gammaGamma }, { ...s.rf, mbar: Math.max(s.mbar, 0) }, horizonDays, { periodLength: 30, discountRate: discount })
          : null,
    };
  });

  return { rows, params: { timeUnit: 'day', fittedOn: sample.length, bgnbd, gammaGamma }, notes };
}

/**
 * RFM scoring: recency, frequency and monetary value scored 1-5 by quintile over a population,
 * and the customer-segment label the rest of the system uses (RFM_SEGMENTS in segments/ast.ts).
 *
 * Who is scored: customers with at least one purchase. Someone who never bought has no recency,
 * frequency or monetary value to rank; callers give them null scores and a null label (see
 * compute.ts), rather than a label such as 'lost' that would claim they once bought.
 */
import { invalidInput } from '../errors.js';
import type { RFM_SEGMENTS } from '../segments/ast.js';

export type RfmLabel = (typeof RFM_SEGMENTS)[number];

/**
 * Quintile scores 1-5 for `values`, higher value → higher score.
 *
 * Tie rule: equal values get equal scores. Each value is scored by the share of the population
 * strictly below it ("min" / competition rank, as pandas `rank(method='min')`):
 *
 *   score(v) = 1 + ⌊5 · #{u : u < v} / n⌋
 *
 * So the lowest value always scores 1; scores are monotone in the value; with n distinct values
 * and n a multiple of 5 each score holds exactly n/5 customers; with ties a quintile can be
 * larger or empty (e.g. if 60% bought exactly once, they all get F = 1 and the next frequency gets
 * F = 4). The result depends only on the multiset of values, never on input order or ids.
 */
export function quintileScores(values: readonly number[]): number[] {
  const n = values.length;
  for (const v of values) if (!Number.isFinite(v)) throw invalidInput(`RFM values must be finite numbers, got ${v}`);
  const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
  const scores = new Array<number>(n);
  let below = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (k > 0 && values[i]! !== values[order[k - 1]!]!) below = k;
    scores[i] = 1 + Math.floor((5 * below) / n);
  }
  return scores;
}

export interface RfmInput {
  /** Whole days since the last purchase (smaller is better). */
  recencyDays: number;
  /** Number of purchases. */
  frequency: number;
  /** Total spend. */
  monetary: number;
}

export interface RfmScore {
  r: number;
  f: number;
  m: number;
  segment: RfmLabel;
}

/** R, F, M quintile scores (R: more recent = higher) and the segment label, for a population of purchasers. */
export function rfmScores(customers: readonly RfmInput[]): RfmScore[] {
  const r = quintileScores(customers.map((c) => -c.recencyDays));
  const f = quintileScores(customers.map((c) => c.frequency));
  const m = quintileScores(customers.map((c) => c.monetary));
  return customers.map((_, i) => ({ r: r[i]!, f: f[i]!, m: m[i]!, segment: rfmSegment(r[i]!, f[i]!, m[i]!) }));
}

/**
 * The 11-segment map on R and FM = (F + M) / 2, from the widely used table published by Putler
 * ("RFM Analysis For Successful Customer Segmentation") and reproduced in the R package `rfm`
 * (rsquaredacademy, `rfm_segment` documentation) and many CRM tools:
 *
 *   segment               R      FM
 *   champions             4-5    4-5
 *   loyal_customers       2-5    3-5
 *   potential_loyalists   3-5    1-3
 *   new_customers         4-5    0-1
 *   promising             3-4    0-1
 *   need_attention        2-3    2-3
 *   about_to_sleep        2-3    0-2
 *   at_risk               0-2    2-5
 *   cannot_lose_them      0-1    4-5
 *   hibernating           1-2    1-2
 *   lost                  0-2    0-2
 *
 * The published ranges overlap (and applied first-match in that order they leave new_customers,
 * promising and cannot_lose_them unreachable), so this is the explicit grid used here. Every cell
 * lies inside the published range of its label; where ranges overlap the more specific label wins,
 * and low-value customers go lost → hibernating → about_to_sleep as recency rises:
 *
 *   FM band \ R           1                 2                 3                 4                     5
 *   FM ≥ 4                cannot_lose_them  at_risk           loyal_customers   champions             champions
 *   3 ≤ FM < 4            at_risk           at_risk           loyal_customers   loyal_customers       loyal_customers
 *   2 < FM < 3            at_risk           need_attention    need_attention    potential_loyalists   potential_loyalists
 *   1 < FM ≤ 2            lost              hibernating       about_to_sleep    potential_loyalists   potential_loyalists
 *   FM = 1                lost              hibernating       promising         promising             new_customers
 */
export function rfmSegment(r: number, f: number, m: number): RfmLabel {
  for (const s of [r, f, m]) if (!Number.isInteger(s) || s < 1 || s > 5) throw invalidInput(`RFM scores must be integers 1-5, got ${r}, ${f}, ${m}`);
  const fm = (f + m) / 2;
  const band = fm >= 4 ? 0 : fm >= 3 ? 1 : fm > 2 ? 2 : fm > 1 ? 3 : 4;
  return GRID[band]![r - 1]!;
}

const GRID: readonly (readonly RfmLabel[])[] = [
  ['cannot_lose_them', 'at_risk', 'loyal_customers', 'champions', 'champions'],
  ['at_risk', 'at_risk', 'loyal_customers', 'loyal_customers', 'loyal_customers'],
  ['at_risk', 'need_attention', 'need_attention', 'potential_loyalists', 'potential_loyalists'],
  ['lost', 'hibernating', 'about_to_sleep', 'potential_loyalists', 'potential_loyalists'],
  ['lost', 'hibernating', 'promising', 'promising', 'new_customers'],
];

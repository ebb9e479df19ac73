/**
 * Predictive scores: churn risk ("churn risk > 0.7", "above 70%", "high churn risk" = above 0.7,
 * "low churn risk" = below 0.3), predicted LTV, expected purchases, RFM score and RFM segments.
 */
import { RFM_SEGMENTS } from '../../ast.js';
import { HIGH_CHURN, LOW_CHURN, RFM_SOURCE, rfmLabel, type RfmLabel } from '../lexicon.js';
import { anchored, checkAmount, cmpNum, DOLLAR, readCmpNum } from '../phrases.js';
import { pattern, type Pattern, type Recognized } from '../types.js';
import { listItems } from './values.js';

type Groups = Record<string, string | undefined>;

function churn(g: Groups): Recognized {
  const c = readCmpNum(g, 'c');
  const value = c.percent ? c.value / 100 : c.value;
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    return { problem: `churn risk is a probability between 0 and 1: write 0.7 or 70%, not ${c.literal}` };
  }
  return { node: { kind: 'score', score: 'churn_risk', op: c.op, value } };
}

const high = { node: { kind: 'score', score: 'churn_risk', op: 'gt', value: HIGH_CHURN } } as const satisfies Recognized;
const low = { node: { kind: 'score', score: 'churn_risk', op: 'lt', value: LOW_CHURN } } as const satisfies Recognized;

function score(score: 'predicted_ltv' | 'expected_purchases_90d' | 'rfm_score', g: Groups, what: string): Recognized {
  const c = readCmpNum(g, 'c');
  return checkAmount(c, what) ?? { node: { kind: 'score', score, op: c.op, value: c.value } };
}

function rfm(text: string, strict: boolean): Recognized | null {
  const labels: RfmLabel[] = [];
  const unknown: string[] = [];
  for (const item of listItems(text)) {
    const label = rfmLabel(item);
    if (label) labels.push(label);
    else unknown.push(item);
  }
  if (unknown.length) {
    return strict ? { problem: `unknown RFM segment ${unknown.map((u) => `'${u}'`).join(', ')}; the RFM segments are ${RFM_SEGMENTS.join(', ')}` } : null;
  }
  return { node: { kind: 'rfm_segment', op: 'in', value: [...new Set(labels)] } };
}

const SEP = '(?:, (?:or |and )?| or | and )';
const RFM_LIST = `(?<labels>(?:${RFM_SOURCE})(?:${SEP}(?:${RFM_SOURCE})){0,10})`;
const ANY_LIST = `(?<labels>[a-z][a-z' -]{0,40}(?:${SEP}[a-z][a-z' -]{0,40}){0,10})`;
const PEOPLE = '(?: (?:users?|customers?|people|accounts|subscribers))?';
const CHURN = '(?:an? |their |the )?(?:predicted )?churn(?:[ _](?:risk|probability|likelihood|score))*';

export const scorePatterns: Pattern[] = [
  pattern(anchored(CHURN, '(?: is| of)? ', cmpNum('c', { pct: true, bare: false })), churn),
  pattern(anchored('(?:an? )?(?:high|higher|elevated)[ -]churn(?:[ -](?:risk|probability))?(?: scores?)?', PEOPLE), () => high),
  pattern(anchored('(?:an? )?(?:low|lower)[ -]churn(?:[ -](?:risk|probability))?(?: scores?)?', PEOPLE), () => low),
  pattern(anchored('(?:an? )?(?:high|elevated) (?:risk|chance|likelihood) of churn(?:ing)?|(?:likely|probably going) to churn|at (?:high )?risk of churn(?:ing)?'), () => high),
  pattern(anchored('(?:an? )?low (?:risk|chance|likelihood) of churn(?:ing)?|unlikely to churn'), () => low),

  pattern(
    anchored('(?:an? |their |the )?(?:predicted |expected |projected |estimated )?(?:customer )?(?:ltv|clv|lifetime value|predicted_ltv)(?: scores?)?(?: is| of)? ', cmpNum('c', { ...DOLLAR, bare: false })),
    (g) => score('predicted_ltv', g, 'a lifetime value'),
  ),
  pattern(
    anchored('(?:(?:expected|predicted) (?:number of )?purchases|expected_purchases(?:_90d)?)(?: in (?:the )?next (?<nd>\\d+) days)?(?: is| of)? ', cmpNum('c', { bare: false })),
    (g) => (g.nd !== undefined && g.nd !== '90' ? { problem: 'purchases are predicted for the next 90 days only' } : score('expected_purchases_90d', g, 'expected purchases')),
  ),
  pattern(anchored('(?:expected|predicted|likely) to (?:purchase|buy|order) ', cmpNum('c', { bare: true }), ' times?(?: in (?:the )?next (?<nd>\\d+) days)?'), (g) =>
    g.nd !== undefined && g.nd !== '90' ? { problem: 'purchases are predicted for the next 90 days only' } : score('expected_purchases_90d', g, 'expected purchases'),
  ),
  pattern(anchored('(?:an? |their |the )?rfm[ _]scores?(?: is| of)? ', cmpNum('c', { bare: false })), (g) => score('rfm_score', g, 'an RFM score')),

  pattern(anchored('(?:(?:in|are in|belong to|belonging to|part of) )?(?:the |an? )?rfm[ _](?:segments?|labels?|groups?|class(?:es)?)(?: is| =| of| in)?(?: one of)? ', ANY_LIST), (g) => rfm(g.labels!, true)),
  pattern(anchored('(?:(?:in|are in|belong to|part of) )?(?:the )?', RFM_LIST, '(?: rfm)?(?: (?:segments?|customers?|users?|group))?'), (g) => rfm(g.labels!, false)),
];

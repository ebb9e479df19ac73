/**
 * Labels people use for an audience that have no fixed meaning in the rules ("new users", "top
 * customers by RFM", "engaged users"). They are reported with a reason saying what to write
 * instead, never guessed at; a definition in parentheses ("new users (signed up in the last 14
 * days)") is used in their place (see gloss.ts).
 */
import { anchored } from '../phrases.js';
import { pattern, type Pattern } from '../types.js';

const PEOPLE = '(?: (?:users?|customers?|people|members|subscribers|accounts|shoppers|buyers|clients|spenders|sign-?ups|signups|registrations))?';
const BY = '(?: by (?:rfm(?: scores?| segments?)?|spend(?:ing)?|revenue|value|ltv|lifetime value|engagement|activity|purchases))?';

const LABELS: ReadonlyArray<{ source: string; reason: string }> = [
  {
    source: `(?:brand[- ])?(?:new|newer|newest|recent|recently joined|fresh)${PEOPLE}`,
    reason: "'new' needs a time window: say e.g. 'signed up in the last 14 days'",
  },
  {
    source: `(?:our )?(?:top|best|most valuable|(?:high|highest)[- ]value|valuable|vip|key|power|whales?|big[- ]spending|high[- ]spending|big)${PEOPLE}${BY}`,
    reason: "this label has no fixed definition: name the RFM segments (e.g. 'RFM segment champions'), or give a threshold such as 'spent at least $1,000' or 'predicted LTV over $500'",
  },
  {
    source: `(?:highly |most |very |recently |currently )?(?:active|engaged)${PEOPLE}${BY}`,
    reason: "'active' and 'engaged' need a time window: say e.g. 'active in the last 30 days' or 'opened an email in the last 30 days'",
  },
  {
    source: `(?:inactive|dormant|lapsed|churned|idle)${PEOPLE}`,
    reason: "this needs a time window: say e.g. 'inactive for 30 days' or 'no purchase in the last 90 days'",
  },
];

const LABEL_RES = LABELS.map((l) => anchored(l.source));

/** Whether the (normalised) text is one of the labels, which a definition in parentheses may define. */
export function isLabel(text: string): boolean {
  return LABEL_RES.some((re) => re.test(text));
}

export const labelPatterns: Pattern[] = LABELS.map((l, i) => pattern(LABEL_RES[i]!, () => ({ problem: l.reason })));

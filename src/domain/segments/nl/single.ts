/**
 * One clause, one condition: normalise, drop fillers ("who", "have been"), try every pattern on
 * the whole clause, and if none matches, peel one negation ("not", "never", "no", "without",
 * "excluding") and try again, negating what the rest means.
 */
import { negate } from './negate.js';
import { normalizeClause } from './normalize.js';
import { PATTERNS } from './patterns/index.js';
import { NUM } from './phrases.js';
import type { Recognized } from './types.js';

/** No single condition is written in more words than this; longer text is not one clause. */
export const MAX_CLAUSE_CHARS = 400;

const FILLERS =
  /^(?:(?:and|or|also|plus|then|either|both|but|as well as|who|that|which|whose|where|with|they|those|ones?|users?|people|customers?|persons?|anyone|everyone|someone)\b[\s,:]*)+/i;
const AUX = /^(?:(?:have|has|had|are|is|am|was|were|been|be|being|do|does|did|must|currently|still|ever|already)\s+)+/i;
const NEGATION =
  /^(?:(?:not|never|no longer|without|excluding|except(?: for)?|none of|neither)\s+|non(?:-|\s)|no\s+(?!(?:more|less|fewer|longer|later|earlier)\b))/i;

const BETWEEN = new RegExp(`\\bbetween (\\$?${NUM}%?) and (\\$?${NUM}%?)`, 'i');

/** "between 3 and 5" is read as "at least 3" and "at most 5", each by the same pattern. */
function match(clause: string): Recognized | null {
  const between = BETWEEN.exec(clause);
  if (between) {
    const low = matchOne(clause.replace(between[0], `at least ${between[1]}`));
    const high = matchOne(clause.replace(between[0], `at most ${between[2]}`));
    if (low && 'problem' in low) return low;
    if (high && 'problem' in high) return high;
    return low && high ? { node: { kind: 'and', children: [low.node, high.node] } } : null;
  }
  return matchOne(clause);
}

function matchOne(clause: string): Recognized | null {
  for (const p of PATTERNS) {
    const m = p.re.exec(clause);
    if (!m) continue;
    const r = p.build(m.groups ?? {}, clause);
    if (r) return r;
  }
  return null;
}

/** The clause as the patterns see it: normalised, without leading fillers and auxiliaries. */
export function clauseCore(text: string): string {
  return normalizeClause(text).replace(FILLERS, '').replace(AUX, '');
}

/** The one condition a clause states, a reason it cannot be one, or null when it is not understood. */
export function recognizeOne(text: string): Recognized | null {
  let s = normalizeClause(text).replace(FILLERS, '');
  if (!s) return null;
  if (s.length > MAX_CLAUSE_CHARS) return { problem: `this part is too long (over ${MAX_CLAUSE_CHARS} characters) to be one condition` };
  let negated = false;
  for (let round = 0; round < 3; round += 1) {
    s = s.replace(AUX, '');
    const r = match(s);
    if (r) return negated && 'node' in r ? { node: negate(r.node) } : r;
    const m = NEGATION.exec(s);
    if (!m) return null;
    negated = !negated;
    s = s.slice(m[0].length).replace(FILLERS, '');
  }
  return null;
}

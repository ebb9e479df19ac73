/**
 * Turns the text of one clause into a condition (or several written side by side): a definition
 * in parentheses (gloss.ts), one condition (single.ts), conditions side by side (juxtapose.ts),
 * and, when nothing reads, whether a calendar period is the reason (calendar.ts).
 */
import { calendarProblem } from './calendar.js';
import { gloss } from './gloss.js';
import { juxtapose } from './juxtapose.js';
import { recognizeOne } from './single.js';
import type { Recognized } from './types.js';

export { MAX_CLAUSE_CHARS } from './single.js';

/** At most this many conditions are read side by side in one clause (after the first). */
const MAX_SIDE_BY_SIDE = 3;

/** Readings of texts already seen within one description (keyed by depth and text). */
export type Memo = Map<string, Recognized | null>;

function cached(memo: Memo, key: string, compute: () => Recognized | null): Recognized | null {
  if (memo.has(key)) return memo.get(key)!;
  const r = compute();
  memo.set(key, r);
  return r;
}

const one = (text: string, memo: Memo) => cached(memo, `1\u0000${text}`, () => recognizeOne(text));

function compound(text: string, depth: number, memo: Memo): Recognized | null {
  return cached(memo, `${depth + 2}\u0000${text}`, () => {
    const r = one(text, memo);
    if (r && 'node' in r) return r;
    const side = depth > 0 ? juxtapose(text, (s) => one(s, memo), (s) => compound(s, depth - 1, memo)) : null;
    if (side && 'node' in side) return side;
    return r ?? side ?? calendarProblem(text, recognizeOne);
  });
}

/** The condition a clause states, a reason it cannot be one, or null when it is not understood. */
export function recognize(text: string, memo: Memo = new Map()): Recognized | null {
  const glossed = gloss(text, (s) => compound(s, MAX_SIDE_BY_SIDE, memo));
  return glossed !== undefined ? glossed : compound(text, MAX_SIDE_BY_SIDE, memo);
}

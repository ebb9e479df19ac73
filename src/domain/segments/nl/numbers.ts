/**
 * Numbers in descriptions: English number words rewritten as digits ("ninety-nine thousand" ->
 * "99000", "a dozen" -> "12", "twice" -> "2 times", "a week" -> "1 week"), literals read back as
 * numbers (digits, decimals, 1e6, 10^40) and time units turned into days (30-day months,
 * 365-day years).
 */

const SMALL: Readonly<Record<string, number>> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Readonly<Record<string, number>> = {
  twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};
const SCALES: Readonly<Record<string, number>> = { thousand: 1e3, million: 1e6, billion: 1e9 };
const TIMES: Readonly<Record<string, string>> = { once: '1 time', twice: '2 times', thrice: '3 times' };
const UNIT_AFTER_A = /^(?:days?|weeks?|months?|years?|fortnights?|hours?)$/;

type Kind = 'small' | 'ten' | 'hundred' | 'scale' | 'dozen';

function kindOf(word: string): Kind | undefined {
  if (word in SMALL) return 'small';
  if (word in TENS) return 'ten';
  if (word === 'hundred') return 'hundred';
  if (word in SCALES) return 'scale';
  if (word === 'dozen') return 'dozen';
  return undefined;
}

/** Which word kinds may follow which, so that "two three" is two numbers, not one. */
const FOLLOWS: Readonly<Record<Kind | 'start', readonly Kind[]>> = {
  start: ['small', 'ten', 'hundred', 'scale', 'dozen'],
  small: ['hundred', 'scale', 'dozen'],
  ten: ['small', 'scale', 'hundred'],
  hundred: ['small', 'ten', 'scale'],
  scale: ['small', 'ten', 'hundred'],
  dozen: ['scale'],
};

interface Word {
  text: string;
  lower: string;
  trail: string;
}

function splitWord(token: string): Word {
  const m = /^(.*?)([,.;:!?)]*)$/s.exec(token)!;
  return { text: m[1]!, lower: m[1]!.toLowerCase(), trail: m[2]! };
}

/** Splits "ninety-nine" into its parts when every part is a number word. */
function parts(lower: string): string[] | undefined {
  const ps = lower.split('-');
  return ps.length > 1 && ps.every((p) => kindOf(p) !== undefined) ? ps : kindOf(lower) ? [lower] : undefined;
}

/**
 * Reads a run of number words starting at `words[i]`. Returns the value and how many tokens were
 * used, or undefined when no number starts there.
 */
function readWords(words: Word[], i: number, initial = 0): { value: number; used: number } | undefined {
  let total = 0;
  let current = initial;
  let last: Kind | 'start' = initial ? 'small' : 'start';
  let used = 0;
  let j = i;
  while (j < words.length) {
    const w = words[j]!;
    // "one hundred and five": "and" only continues a number after hundred/thousand.
    if (w.lower === 'and' && (last === 'hundred' || last === 'scale') && j + 1 < words.length && !words[j]!.trail) {
      const next = parts(words[j + 1]!.lower);
      if (next && (kindOf(next[0]!) === 'small' || kindOf(next[0]!) === 'ten')) {
        j += 1;
        continue;
      }
    }
    const ps = parts(w.lower);
    if (!ps) break;
    let ok = true;
    let k: Kind | 'start' = last;
    let cur = current;
    let tot = total;
    for (const p of ps) {
      const kind = kindOf(p)!;
      if (!FOLLOWS[k].includes(kind)) {
        ok = false;
        break;
      }
      if (kind === 'small') cur += SMALL[p]!;
      else if (kind === 'ten') cur += TENS[p]!;
      else if (kind === 'hundred') cur = (cur || 1) * 100;
      else if (kind === 'dozen') cur = (cur || 1) * 12;
      else {
        tot += (cur || 1) * SCALES[p]!;
        cur = 0;
      }
      k = kind;
    }
    if (!ok) break;
    current = cur;
    total = tot;
    last = k;
    j += 1;
    used = j - i;
    if (w.trail) break;
  }
  return used > 0 ? { value: total + current, used } : undefined;
}

/** Rewrites number words in a whitespace-normalised clause as digits. */
export function numbersToDigits(text: string): string {
  const words = text.split(' ').map(splitWord);
  const out: string[] = [];
  for (let i = 0; i < words.length; ) {
    const w = words[i]!;
    const next = words[i + 1];
    if ((w.lower === 'a' || w.lower === 'an') && !w.trail && next) {
      if (UNIT_AFTER_A.test(next.lower)) {
        out.push('1');
        i += 1;
        continue;
      }
      if (kindOf(next.lower) === 'hundred' || kindOf(next.lower) === 'scale' || kindOf(next.lower) === 'dozen') {
        const r = readWords(words, i + 1, 1);
        if (r) {
          out.push(String(r.value) + words[i + r.used]!.trail);
          i += 1 + r.used;
          continue;
        }
      }
    }
    if (w.lower in TIMES) {
      out.push(TIMES[w.lower]! + w.trail);
      i += 1;
      continue;
    }
    // "one of pro, max": a list, not a number.
    if (w.lower === 'one' && next?.lower === 'of') {
      out.push(w.text + w.trail);
      i += 1;
      continue;
    }
    // "3 thousand", "2.5 million"
    if (/^\d+(?:\.\d+)?$/.test(w.text) && !w.trail && next && next.lower in SCALES) {
      out.push(String(Number(w.text) * SCALES[next.lower]!) + next.trail);
      i += 2;
      continue;
    }
    const r = readWords(words, i);
    if (r) {
      out.push(String(r.value) + words[i + r.used - 1]!.trail);
      i += r.used;
      continue;
    }
    out.push(w.text + w.trail);
    i += 1;
  }
  return out.join(' ');
}

/** The regex source of a number literal as the normaliser leaves it: 3, 0.7, 1e6, 10^40. */
export const NUMBER_SOURCE = String.raw`\d+\^\d+|\d+(?:\.\d+)?(?:e\+?\d+)?`;

/** Reads a literal matched by NUMBER_SOURCE; may return Infinity for absurdly long digit strings. */
export function readNumber(literal: string): number {
  const pow = /^(\d+)\^(\d+)$/.exec(literal);
  if (pow) return Math.pow(Number(pow[1]), Number(pow[2]));
  return Number(literal);
}

export const DAYS_PER_UNIT: Readonly<Record<string, number>> = {
  day: 1,
  week: 7,
  fortnight: 14,
  month: 30,
  year: 365,
};

/** The largest number the grammar accepts anywhere; beyond it numbers lose precision. */
export const MAX_LITERAL = 1e15;

/**
 * Shared pieces of the patterns: comparisons ("more than 3", "3 or more"), windows ("in the last
 * 2 weeks"), money, and the readers that turn what they matched into values, or into a reason the
 * clause cannot be used (a number out of range is reported, never clamped).
 */
import { DAYS_PER_UNIT, MAX_LITERAL, NUMBER_SOURCE, readNumber } from './numbers.js';
import type { Problem } from './types.js';

export type NumberOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte';

const OPS: ReadonlyArray<[RegExp, NumberOp]> = [
  [/^(?:at least|no less than|no fewer than|not less than|not fewer than|a minimum of|minimum of|greater than or equal to|more than or equal to|equal to or (?:more|greater) than|>=)$/, 'gte'],
  [/^(?:at most|no more than|not more than|up to|a maximum of|maximum of|less than or equal to|fewer than or equal to|equal to or (?:less|fewer) than|<=)$/, 'lte'],
  [/^(?:more than|greater than|higher than|bigger than|larger than|over|above|exceeding|in excess of|>)$/, 'gt'],
  [/^(?:less than|fewer than|lower than|smaller than|under|below|<)$/, 'lt'],
  [/^(?:exactly|of exactly|precisely|equal to|equals|=|==)$/, 'eq'],
  [/^(?:not equal to|other than|!=)$/, 'neq'],
];

/** Regex source of a comparison word, longest alternatives first. */
export const CMP = String.raw`(?:at least|no less than|no fewer than|not less than|not fewer than|a minimum of|minimum of|greater than or equal to|more than or equal to|equal to or (?:more|greater) than|at most|no more than|not more than|up to|a maximum of|maximum of|less than or equal to|fewer than or equal to|equal to or (?:less|fewer) than|more than|greater than|higher than|bigger than|larger than|over|above|exceeding|in excess of|less than|fewer than|lower than|smaller than|under|below|exactly|of exactly|precisely|equal to|equals|not equal to|other than|>=|<=|!=|==|>|<|=)`;

export const NUM = `(?:${NUMBER_SOURCE})`;

export function opOf(words: string): NumberOp {
  const w = words.toLowerCase();
  for (const [re, op] of OPS) if (re.test(w)) return op;
  throw new Error(`not a comparison: ${words}`);
}

/**
 * A comparison with a number, with groups named after `p`: "more than 3" ({p}cmp, {p}n),
 * "3 or more" / "3+" ({p}m, {p}sfx), or, unless `bare` is false, a lone number ({p}b, read as
 * "exactly"). `pre`/`post` wrap the number (a currency sign, a unit); `pct` allows "70%".
 */
export function cmpNum(p: string, o: { pre?: string; post?: string; pct?: boolean; bare?: boolean } = {}): string {
  const n = `${NUM}${o.pct ? '%?' : ''}`;
  const pre = o.pre ?? '';
  const post = o.post ?? '';
  const alts = [
    `(?<${p}cmp>${CMP}) ${pre}(?<${p}n>${n})${post}`,
    `${pre}(?<${p}m>${n})${post}(?<${p}sfx>\\+| or (?:more|above|higher|greater|over|fewer|less|below|lower|under))`,
  ];
  if (o.bare !== false) alts.push(`${pre}(?<${p}b>${n})${post}`);
  return `(?:${alts.join('|')})`;
}

export interface Comparison {
  op: NumberOp;
  value: number;
  /** The number as written, for messages. */
  literal: string;
  percent: boolean;
}

type Groups = Record<string, string | undefined>;

function literalValue(literal: string): { value: number; percent: boolean } {
  const percent = literal.endsWith('%');
  return { value: readNumber(percent ? literal.slice(0, -1) : literal), percent };
}

export function readCmpNum(g: Groups, p: string): Comparison {
  if (g[`${p}cmp`] !== undefined) return { op: opOf(g[`${p}cmp`]!), literal: g[`${p}n`]!, ...literalValue(g[`${p}n`]!) };
  if (g[`${p}m`] !== undefined) {
    const op: NumberOp = /\+|more|above|higher|greater|over/.test(g[`${p}sfx`]!) ? 'gte' : 'lte';
    return { op, literal: g[`${p}m`]!, ...literalValue(g[`${p}m`]!) };
  }
  return { op: 'eq', literal: g[`${p}b`]!, ...literalValue(g[`${p}b`]!) };
}

/** A whole count (of events): 0 to 1e9. */
export function checkCount(c: Comparison, what: string): Problem | undefined {
  if (!Number.isFinite(c.value) || c.value > 1e9) return { problem: `${c.literal} ${what} is more than the largest count allowed (1000000000)` };
  if (!Number.isInteger(c.value)) return { problem: `${c.literal} ${what} is not a whole number` };
  return undefined;
}

/** Any other number: finite and at most MAX_LITERAL in size. */
export function checkAmount(c: Comparison, what: string): Problem | undefined {
  if (!Number.isFinite(c.value) || Math.abs(c.value) > MAX_LITERAL) return { problem: `${c.literal} is too large for ${what} (at most ${MAX_LITERAL})` };
  return undefined;
}

const UNIT = String.raw`(?:days?|weeks?|fortnights?|months?|years?|hours?)`;

/** Regex source of a window such as "in the last 30 days", "over the past month", "in 14 days". */
export const WINDOW = `(?:(?:in|within|during|over|for|from) (?:the )?(?:last|past|previous|prior|recent|preceding) (?:${NUM} )?${UNIT}|(?:in|within|over|for|during) ${NUM} ${UNIT}|(?:the )?(?:last|past) (?:${NUM} )?${UNIT})`;

/** Regex source of a duration such as "30 days" or "1 year". */
export const DURATION = `(?:${NUM} ${UNIT})`;

/** Reads a window or a duration as a number of days (1 to 3650). */
export function readDays(text: string): { days: number } | Problem {
  const m = new RegExp(`(?:(${NUMBER_SOURCE}) )?(day|week|fortnight|month|year|hour)s?$`, 'i').exec(text.trim());
  if (!m) return { problem: `cannot read the time window '${text}'` };
  const n = m[1] === undefined ? 1 : readNumber(m[1]);
  const unit = m[2]!.toLowerCase();
  const days = unit === 'hour' ? n / 24 : n * DAYS_PER_UNIT[unit]!;
  if (!Number.isFinite(days) || days > 3650) return { problem: `the window '${text}' is longer than the 3650 days (10 years) allowed` };
  if (days < 1) return { problem: `the window '${text}' is shorter than the 1 day allowed` };
  if (!Number.isInteger(days)) return { problem: `the window '${text}' is not a whole number of days` };
  return { days };
}

/** Around a number that is money: "$500", "500 dollars", "500 USD". */
export const DOLLAR = { pre: '\\$?', post: '(?: ?(?:dollars|usd|bucks))?' } as const;

/** Compiles an anchored, case-insensitive pattern from parts joined by nothing. */
export function anchored(...parts: string[]): RegExp {
  return new RegExp(`^(?:${parts.join('')})$`, 'i');
}

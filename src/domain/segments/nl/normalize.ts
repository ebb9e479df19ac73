/**
 * Puts one clause into the canonical form the patterns match: plain ASCII punctuation, single
 * spaces, contractions expanded, numbers as digits, comparison symbols spaced. Case is kept (ids
 * and time zones need it); patterns match case-insensitively.
 */
import { numbersToDigits } from './numbers.js';

const CONTRACTIONS: ReadonlyArray<[RegExp, string]> = [
  [/\b(have|has|had|do|does|did|is|are|was|were|would|should|could)n't\b/gi, '$1 not'],
  [/\bwon't\b/gi, 'will not'],
  [/\bhasnt\b/gi, 'has not'],
  [/\bhavent\b/gi, 'have not'],
  [/\bdidnt\b/gi, 'did not'],
  [/\bdont\b/gi, 'do not'],
  [/\bdoesnt\b/gi, 'does not'],
  [/\barent\b/gi, 'are not'],
  [/\bisnt\b/gi, 'is not'],
];

/** Typographic characters to their ASCII forms. */
function asciiPunctuation(s: string): string {
  return s
    .normalize('NFKC')
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, '')
    .replace(/[\u2018\u2019\u201B\u2032`]/g, "'")
    .replace(/[\u201C\u201D\u201E\u2033]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\u2265/g, '>=')
    .replace(/\u2264/g, '<=')
    .replace(/\u2260/g, '!=');
}

/** Whitespace, typography and contractions only: used to compare and to strip fillers. */
export function tidy(raw: string): string {
  let s = asciiPunctuation(raw).replace(/\s+/g, ' ').trim();
  for (const [re, to] of CONTRACTIONS) s = s.replace(re, to);
  return s;
}

export function normalizeClause(raw: string): string {
  let s = tidy(raw);
  s = s.replace(/[\s.!?:]+$/, '');
  // 1,000,000 -> 1000000 (commas between digit groups are not separators).
  s = s.replace(/(\d),(?=\d{3}(?!\d))/g, '$1');
  s = s.replace(/\$\s+(?=\d)/g, '$');
  s = s.replace(/\b(\d+(?:\.\d+)?)k\b/gi, (_m, n: string) => String(Number(n) * 1000));
  s = s.replace(/\b(\d+)\s?-?d\b/g, '$1 days');
  s = s.replace(/\b(\d+)-(day|week|month|year)s?\b/gi, '$1 $2s');
  s = s.replace(/(\d)\s*(?:%|\bper ?cent\b|\bpct\b)/gi, '$1%');
  s = s.replace(/\s*(>=|<=|!=|==|=>|=<|>|<|=)\s*/g, ' $1 ');
  s = s.replace(/ => /g, ' >= ').replace(/ =< /g, ' <= ');
  s = s.replace(/\s+/g, ' ').trim();
  return numbersToDigits(s);
}

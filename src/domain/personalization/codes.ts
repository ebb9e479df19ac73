/**
 * Discount and coupon codes in marketing copy. A code is a 4-20 character token that either
 * - is upper-case letters and digits with at least one of each (WINTER10, SAVE90, 2FOR1X), or
 * - follows a code keyword (code, coupon, promo, voucher, Gutschein, Rabattcode, code promo, ...)
 *   and is all capitals or contains a digit ("code FREESHIP", "Code: winter10", "code 4711",
 *   though not a year: "promo 2025").
 * So "NEW", "SALE", "FREE" alone are not codes, nor is "2024" (no letter), nor "promo ends"
 * (lower-case word after the keyword). Links are blanked first: "/p/AB12CD" is a path, not a code.
 */
import { withoutUrls } from './urls.js';

export interface Code {
  /** Upper-cased, for comparison. */
  key: string;
  raw: string;
}

const KEYWORD =
  /(?<![\p{L}\p{N}])(?:promo\s*code|discount\s*code|coupon\s*code|voucher\s*code|code\s+promo|code\s+de\s+r[ée]duction|gutscheincode|rabattcode|gutschein|kortingscode|c[óo]digo(?:\s+(?:de\s+)?(?:descuento|desconto|promocional|promo))?|codice(?:\s+(?:sconto|promo))?|cup[óo]n|code|coupon|promo|voucher)[\s:="'“”„«»‚‘’–-]*(?<token>[\p{L}\p{N}]{4,20})(?![\p{L}\p{N}])/giu;
const SHOUTED = /(?<![\p{L}\p{N}])(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{4,20}(?![\p{L}\p{N}])/gu;

/**
 * Capitals-and-digits tokens that are not codes: times (10AM), ordinals (21ST), sizes and units
 * (128GB, 1080P, 500ML), resolutions (4K is too short anyway).
 */
const NOT_A_CODE = /^(?:\d{1,2}(?:AM|PM|H)|\d+(?:ST|ND|RD|TH)|\d+(?:KB|MB|GB|TB|MP|MM|CM|KM|KG|ML|HZ|KHZ|MHZ|GHZ|FPS|P|K|X|W|V|MAH))$/;

/** After a keyword: capitals or a digit; digits alone count too, but not a year ("promo 2025"). */
function isKeywordCode(token: string): boolean {
  if (NOT_A_CODE.test(token.toUpperCase())) return false;
  if (/^\p{N}+$/u.test(token)) return !/^(?:19|20)\d\d$/.test(token);
  return token === token.toUpperCase() || /\p{N}/u.test(token);
}

export function findCodes(input: string): Code[] {
  const text = withoutUrls(input);
  const found = new Map<string, Code>();
  for (const m of text.matchAll(KEYWORD)) {
    const token = m.groups!['token']!;
    if (isKeywordCode(token)) {
      found.set(token.toUpperCase(), { key: token.toUpperCase(), raw: token });
    }
  }
  for (const m of text.matchAll(SHOUTED)) {
    if (!NOT_A_CODE.test(m[0]) && !found.has(m[0])) found.set(m[0], { key: m[0], raw: m[0] });
  }
  return [...found.values()];
}

/**
 * Every word-like token of the trusted copy, links included ("?code=WINTER10" backs WINTER10).
 * A candidate code is backed when it occurs as a token of the trusted copy: exactly, or in any
 * case when it has a digit (shops treat codes case-insensitively; a digit-free word like "SAVE"
 * must be written the same, so "Save 20%" does not back "promo code SAVE").
 */
export function trustedTokens(texts: string[]): { exact: Set<string>; upper: Set<string> } {
  const exact = new Set<string>();
  const upper = new Set<string>();
  for (const t of texts) {
    for (const m of t.matchAll(/[\p{L}\p{N}]+/gu)) {
      exact.add(m[0]);
      upper.add(m[0].toUpperCase());
    }
  }
  return { exact, upper };
}

export function isBackedCode(code: Code, tokens: { exact: Set<string>; upper: Set<string> }): boolean {
  if (tokens.exact.has(code.raw)) return true;
  return /\p{N}/u.test(code.key) && tokens.upper.has(code.key);
}

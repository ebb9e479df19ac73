/**
 * no_new_prices: money amounts, percentages and offers in marketing copy, each reduced to a key
 * (number + unit) so that "€5", "5 €", "5,00 EUR" and "5 euros" are one amount and "20% off"
 * survives being reworded as "save 20 percent". "x off" needs no rule of its own: its x is an
 * amount or a percentage. Besides those: "half off/price" (50%), "N for M" and BOGO deals,
 * amounts in words ("ninety percent", keyed by the word, so they match only the same words), and
 * "free" offers (see isBacked). Links are blanked first (see withoutUrls): "%20" in a query
 * string is not a percentage.
 *
 * Every amount, percentage and offer of the candidate must occur in the original or the allowed
 * facts. The free-offer rule is a word-neighbourhood heuristic; where it is unsure it fails, as a
 * failure only costs a retry or the plain render, while a pass could promise what nobody offers.
 */
import { withoutUrls } from './urls.js';

export interface Offer {
  /** Comparison key, e.g. "EUR 5", "% 20", "deal 2 for 1", "free shipping". */
  key: string;
  /** As written, for messages. */
  raw: string;
  /** Free offers: the content words next to "free" ("shipping" in "free shipping"). */
  subjects?: string[];
}

// Thousands and decimal separators as Europe and the US write them: 1,299.00 / 1.299,00 / 9,99 / 1'000.
const NUM = String.raw`\d+(?:[.,'\u00a0\u202f]\d+)*`;
const CODES = 'EUR|USD|GBP|CHF|JPY|CAD|AUD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|INR|BRL|MXN';
const PREFIX_CURRENCY = String.raw`US\$|CA\$|C\$|AU\$|A\$|NZ\$|\$|€|£|¥|₹|(?:${CODES})(?![\p{L}\p{N}])`;
const SUFFIX_CURRENCY = String.raw`€|\$|£|¥|₹|(?:${CODES}|euros?|dollars?|pounds?|francs?|franken|yen|reais|kr)(?![\p{L}\p{N}])`;
const PERCENT = String.raw`%|(?:percent|per\s?cent|prozent|pour\s?cent|por\s?ciento|per\s?cento|procent|por\s?cento|pct)(?![\p{L}\p{N}])`;
const NOT_AFTER = String.raw`(?<![\p{L}\p{N}.,])`;

const AMOUNT = new RegExp(
  [
    String.raw`(?<pre>${PREFIX_CURRENCY})\s?(?<preNum>${NUM})`,
    String.raw`${NOT_AFTER}(?<sufNum>${NUM})\s?(?<suf>${SUFFIX_CURRENCY})`,
    String.raw`${NOT_AFTER}(?<pctNum>${NUM})\s?(?:${PERCENT})`,
    String.raw`(?<![\p{L}\p{N}])(?<half>half)[\s-](?:off|price)(?![\p{L}\p{N}])`,
    String.raw`${NOT_AFTER}(?<forA>\d)\s?-?\s?for\s?-?\s?(?<forB>\d)(?![\p{L}\p{N}])`,
    String.raw`(?<![\p{L}\p{N}])(?<bogo>bogo|buy\s+one,?\s+get\s+one)(?![\p{L}\p{N}])`,
    // A number in words: "ninety percent", "zwanzig Prozent", "five dollars".
    String.raw`(?<![\p{L}\p{N}])(?<word>\p{L}+)[\s-]+(?<wordUnit>${PERCENT}|(?:euros?|dollars?|pounds?)(?![\p{L}\p{N}]))`,
  ].join('|'),
  'giu',
);

const CURRENCY_OF: Record<string, string> = {
  '$': 'USD', 'us$': 'USD', dollar: 'USD', dollars: 'USD',
  'ca$': 'CAD', 'c$': 'CAD', 'au$': 'AUD', 'a$': 'AUD', 'nz$': 'NZD',
  '€': 'EUR', euro: 'EUR', euros: 'EUR',
  '£': 'GBP', pound: 'GBP', pounds: 'GBP',
  '¥': 'JPY', yen: 'JPY', '₹': 'INR',
  // "kr" is also NOK/DKK; one key for all three only merges amounts, it invents none.
  franc: 'CHF', francs: 'CHF', franken: 'CHF', reais: 'BRL', kr: 'SEK',
};

function currency(symbol: string): string {
  const s = symbol.toLowerCase();
  return CURRENCY_OF[s] ?? s.toUpperCase();
}

/**
 * "1.299,00", "1,299.00", "9,99", "1'000" → canonical decimal ("1299", "9.99", "1000"). With both
 * separators the last is the decimal one; with one kind, it groups thousands when it repeats or is
 * followed by exactly three digits ("1.000" is a thousand, as in German), else it is decimal.
 */
export function parseAmount(written: string): string {
  const s = written.replace(/[\u00a0\u202f']/g, '');
  const dot = s.lastIndexOf('.');
  const comma = s.lastIndexOf(',');
  let digits: string;
  if (dot >= 0 && comma >= 0) {
    const dec = Math.max(dot, comma);
    digits = s.slice(0, dec).replace(/[.,]/g, '') + '.' + s.slice(dec + 1);
  } else if (dot >= 0 || comma >= 0) {
    const sep = dot >= 0 ? '.' : ',';
    const parts = s.split(sep);
    const grouping = parts.length > 2 || parts[1]!.length === 3;
    digits = grouping ? parts.join('') : `${parts[0]}.${parts[1]}`;
  } else digits = s;
  return String(Number(digits));
}

/** Words "free" sits next to that say nothing about what is free. */
const STOP_WORDS = new Set(
  (
    'a an the your our my this that these those is are was be it its it\'s for to of on in at with and or get gets got enjoy claim grab receive ' +
    'now today just all any every some plus also you we us totally completely absolutely over under above from orders order ' +
    'der die das den dem des ein eine einen einem einer ist sind für mit und oder jetzt heute dein deine ihr ihre unser unsere auf zu von im am ab ' +
    'le la les un une des de du est sont pour avec et ou votre vos notre nos ton ta tes à au aux en dès ' +
    'el los las una es son para con y o tu tus su sus nuestro nuestra del ahora hoy al desde ' +
    'il lo i gli è per e tuo tua tuoi nostro nostra di della ora oggi da ' +
    'het een zijn voor met en je jouw uw ons onze van op nu vandaag vanaf ' +
    'os as um uma é são com seu sua seus teu nosso nossa do da em agora hoje ao'
  ).split(' '),
);
const FREE = /(?<![\p{L}\p{N}-])(?:free|gratis|grátis|kostenlos\p{L}*|gratuit\p{L}*|umsonst|omaggio)(?![\p{L}\p{N}])/giu;
/** "feel free to reply" is no offer; "gluten-free" is excluded by the hyphen before it. */
const NOT_AN_OFFER = /feel\s+$/iu;
const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu;
const CLAUSE_MARKS = [...'.!?;:\n|'];

function contentWord(word: string): string | null {
  const w = word.toLowerCase().replace(/['’]s$/, '');
  if (STOP_WORDS.has(w) || /^\d/.test(w)) return null;
  return w.length > 3 ? w.replace(/s$/, '') : w;
}

/** How far from "free" (in words, within its clause) the thing that is free may stand. */
const NEIGHBOURHOOD = 3;

/** The nearest content word on each side of "free", and the words from one to the other as written. */
function freeSubjects(text: string, start: number, end: number): { subjects: string[]; phrase: string } {
  const before = text.slice(0, start);
  const clauseStart = Math.max(...CLAUSE_MARKS.map((c) => before.lastIndexOf(c))) + 1;
  const after = text.slice(end);
  const clauseEnd = Math.min(...CLAUSE_MARKS.map((c) => after.indexOf(c)).filter((i) => i >= 0), after.length);
  const leftWords = [...before.slice(clauseStart).matchAll(WORD)].slice(-NEIGHBOURHOOD).reverse();
  const rightWords = [...after.slice(0, clauseEnd).matchAll(WORD)].slice(0, NEIGHBOURHOOD);
  const left = leftWords.find((m) => contentWord(m[0]));
  const right = rightWords.find((m) => contentWord(m[0]));
  const from = left ? clauseStart + left.index : start;
  const to = right ? end + right.index + right[0].length : end;
  return {
    subjects: [left, right].filter((m) => m !== undefined).map((m) => contentWord(m[0])!),
    phrase: text.slice(from, to).replace(/\s+/g, ' '),
  };
}

export function findOffers(input: string): Offer[] {
  const text = withoutUrls(input);
  const offers: Offer[] = [];
  for (const m of text.matchAll(AMOUNT)) {
    const g = m.groups!;
    const raw = m[0].trim();
    if (g['pre']) offers.push({ key: `${currency(g['pre'])} ${parseAmount(g['preNum']!)}`, raw });
    else if (g['suf']) offers.push({ key: `${currency(g['suf'])} ${parseAmount(g['sufNum']!)}`, raw });
    else if (g['pctNum']) offers.push({ key: `% ${parseAmount(g['pctNum'])}`, raw });
    else if (g['half']) offers.push({ key: '% 50', raw });
    else if (g['forA']) offers.push({ key: `deal ${g['forA']} for ${g['forB']}`, raw });
    else if (g['bogo']) offers.push({ key: 'deal 2 for 1', raw });
    else if (g['word'] && !STOP_WORDS.has(g['word'].toLowerCase())) {
      const unit = /^[%pP]/.test(g['wordUnit']!) ? '%' : currency(g['wordUnit']!);
      offers.push({ key: `${unit} ${g['word'].toLowerCase()}`, raw });
    }
  }
  for (const m of text.matchAll(FREE)) {
    const end = m.index + m[0].length;
    if (NOT_AN_OFFER.test(text.slice(Math.max(0, m.index - 10), m.index))) continue;
    const { subjects, phrase } = freeSubjects(text, m.index, end);
    offers.push({ key: `free ${subjects.join(' ')}`.trim(), raw: phrase, subjects });
  }
  return offers;
}

/** The content words of the trusted copy, reduced as free-offer subjects are. */
export function vocabulary(texts: string[]): Set<string> {
  const words = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(WORD)) {
    const w = contentWord(m[0]);
    if (w) words.add(w);
  }
  return words;
}

/**
 * Whether an offer of the candidate is backed by the trusted copy. Amounts must match by key.
 * A free offer names what is free by its neighbouring words: it passes when it shares one with a
 * trusted free offer ("free shipping" backs "shipping is free") and its other neighbour is a word
 * of the trusted copy too ("Ada, shipping is free" passes; "free gift here" does not, when only
 * "click here for free shipping" is trusted). One that names nothing ("It's free!") passes when
 * the trusted copy offers something free.
 */
export function isBacked(offer: Offer, trusted: Offer[], words: Set<string>): boolean {
  if (!offer.subjects) return trusted.some((t) => t.key === offer.key);
  const free = trusted.filter((t) => t.subjects);
  if (offer.subjects.length === 0) return free.length > 0;
  const shares = free.some((t) => t.subjects!.some((w) => offer.subjects!.includes(w)));
  return shares && offer.subjects.every((w) => words.has(w));
}

/**
 * Profile: account fields (country, time zone, locale, status) and when the account signed up.
 */
import { AMBIGUOUS_DEMONYMS, COUNTRY_NAMES, DEMONYMS, LANGUAGES, canonicalLocale, isCountryCode } from '../lexicon.js';
import { anchored, DURATION, readDays, WINDOW } from '../phrases.js';
import { pattern, type Pattern, type Problem, type Recognized } from '../types.js';
import { canonicalTimeZone } from './timezones.js';
import { listItems } from './values.js';

const SEP = '(?:, (?:or |and )?| or | and )';
const listOf = (item: string, max = 19) => `${item}(?:${SEP}${item}){0,${max}}`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const NAMES = Object.keys(COUNTRY_NAMES).sort((a, b) => b.length - a.length).map(escape).join('|');
const COUNTRY = `(?:the )?(?:${NAMES}|[a-z]{2})`;
const DEMONYM = `(?:${Object.keys({ ...DEMONYMS, ...AMBIGUOUS_DEMONYMS }).sort((a, b) => b.length - a.length).join('|')})`;
const NATIONALS = '(?:users?|customers?|people|persons|members|subscribers|accounts|shoppers|buyers|clients|nationals|citizens|residents)';
const PLACE = '(?:from|in|based in|located in|living in|lives? in|residing in|resident in|live in)';
const FIRM_PLACE = '(?:from|based in|located in|living in|lives? in|residing in|resident in|live in)';

function eqOrIn<T extends string>(field: 'country' | 'timezone' | 'locale' | 'status', values: readonly T[]): Recognized {
  const unique = [...new Set(values)];
  return { node: unique.length === 1 ? { kind: 'account', field, op: 'eq', value: unique[0]! } : { kind: 'account', field, op: 'in', value: unique } };
}

/**
 * Country names or codes to codes. `anyCaseCodes`: after the word "country" a two-letter word is
 * a code whatever its case; elsewhere only upper case ("from DE"), since "in", "no" and "it" are words.
 */
function countries(text: string, anyCaseCodes: boolean): { codes: string[] } | { unknown: string[] } {
  const codes: string[] = [];
  const unknown: string[] = [];
  for (const item of listItems(text)) {
    const name = item.toLowerCase().replace(/^the /, '');
    const code = COUNTRY_NAMES[name] ?? (/^[a-z]{2}$/i.test(item) && (anyCaseCodes || item === item.toUpperCase()) && isCountryCode(item) ? item.toUpperCase() : undefined);
    if (code) codes.push(code);
    else unknown.push(item);
  }
  return unknown.length ? { unknown } : { codes };
}

/** "German", "French or Belgian": the country; "English" is refused (the language, or England?). */
function demonyms(text: string): Recognized {
  const items = listItems(text).map((d) => d.toLowerCase());
  const ambiguous = items.find((d) => AMBIGUOUS_DEMONYMS[d]);
  if (ambiguous) return { problem: `'${listItems(text).find((d) => d.toLowerCase() === ambiguous)}' may mean a language or a country; say ${AMBIGUOUS_DEMONYMS[ambiguous]}` };
  return eqOrIn('country', items.map((d) => DEMONYMS[d]!));
}

const unknownCountry = (unknown: string[]): Problem => ({
  problem: `unknown country ${unknown.map((u) => `'${u}'`).join(', ')}; use an English country name or an ISO code such as DE`,
});

function languages(text: string): Recognized {
  const codes: string[] = [];
  for (const item of listItems(text)) {
    const lang = LANGUAGES[item.toLowerCase()];
    const code = lang ?? canonicalLocale(item);
    if (!code || (!lang && !/^[a-z]{2}(?:[-_][a-z]{2})?$/i.test(item))) return { problem: `unknown language or locale '${item}'` };
    codes.push(...(typeof code === 'string' ? [code] : code));
  }
  return eqOrIn('locale', codes);
}

const TZ = '(?:[a-z]+(?:/[a-z0-9_+-]+){1,2}|utc|gmt)';

function timezones(text: string): Recognized {
  const zones: string[] = [];
  for (const item of listItems(text, false)) {
    const tz = canonicalTimeZone(item);
    if (!tz) return { problem: `unknown time zone '${item}'; use an IANA name such as Europe/Paris` };
    zones.push(tz);
  }
  return eqOrIn('timezone', zones);
}

const MONTHS = 'january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec';
const DATE = `(?:\\d{4}-\\d{2}-\\d{2}(?:[t ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,3})?)?(?: ?(?:z|utc|[+-]\\d{2}:?\\d{2}))?)?|(?:${MONTHS}) \\d{1,2}(?:st|nd|rd|th)?,? \\d{4}|\\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:${MONTHS}),? \\d{4}|(?:${MONTHS}),? \\d{4})`;

/** A date as written to an ISO instant (UTC midnight unless a time is given). */
export function readDate(text: string): { at: string } | Problem {
  const t = text.toLowerCase().replace(/,/g, '');
  let y: number;
  let mo: number;
  let d = 1;
  let rest = 'T00:00:00Z';
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(?: ?(z|utc|[+-]\d{2}:?\d{2}))?)?$/.exec(t);
  if (iso) {
    [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    if (iso[4]) {
      const time = iso[4].length === 5 ? `${iso[4]}:00` : iso[4];
      const zone = !iso[5] || iso[5] === 'z' || iso[5] === 'utc' ? 'Z' : iso[5].includes(':') ? iso[5] : `${iso[5].slice(0, 3)}:${iso[5].slice(3)}`;
      rest = `T${time}${zone}`;
    }
  } else {
    const words = t.split(' ').filter((w) => w !== 'of');
    const month = words.findIndex((w) => new RegExp(`^(?:${MONTHS})$`).test(w));
    mo = MONTHS.split('|').indexOf(words[month]!);
    mo = (mo < 12 ? mo : [0, 1, 2, 3, 5, 6, 7, 8, 8, 9, 10, 11][mo - 12]!) + 1;
    y = Number(words[words.length - 1]);
    const day = words.find((w, i) => i !== words.length - 1 && /^\d/.test(w));
    if (day) d = parseInt(day, 10);
  }
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || y < 1970 || y > 2100) {
    return { problem: `'${text}' is not a valid date between 1970 and 2100` };
  }
  const at = `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}${rest}`;
  if (Number.isNaN(Date.parse(at))) return { problem: `'${text}' is not a valid date` };
  return { at };
}

const SIGNED_UP =
  '(?:signed up|sign(?:s|ed)? up|signup|registered|registers?|joined|joins?|created (?:an |their |the )?accounts?|accounts? (?:was |were )?created|became (?:an? )?(?:users?|customers?)|first seen)';

function signupDays(op: 'within_last' | 'before_last', text: string): Recognized {
  const d = readDays(text);
  return 'problem' in d ? d : { node: { kind: 'signup', op, days: d.days } };
}

export const profilePatterns: Pattern[] = [
  pattern(anchored(`${PLACE} (?<cl>${listOf(COUNTRY)})`), (g, s) => {
    const r = countries(g.cl!, false);
    if ('codes' in r) return eqOrIn('country', r.codes);
    return new RegExp(`^${FIRM_PLACE} `, 'i').test(s) ? unknownCountry(r.unknown) : null;
  }),
  pattern(anchored(`${FIRM_PLACE} (?:the )?(?<cl>${listOf("[a-z][a-z.'-]{0,40}(?: [a-z][a-z.'-]{0,40}){0,3}", 9)})`), (g) => {
    const r = countries(g.cl!, false);
    return 'codes' in r ? eqOrIn('country', r.codes) : unknownCountry(r.unknown);
  }),
  pattern(anchored(`(?:their |the )?country(?: code)?(?: is| =| of| in)?(?: one of)? (?<cl>${listOf("[a-z][a-z.'-]{0,40}(?: [a-z][a-z.'-]{0,40}){0,3}", 19)})`), (g) => {
    const r = countries(g.cl!, true);
    return 'codes' in r ? eqOrIn('country', r.codes) : unknownCountry(r.unknown);
  }),

  pattern(anchored(`(?:in|on|using|within) (?:the )?(?<tz>${listOf(TZ, 9)})(?: time ?zones?| tz)`), (g) => timezones(g.tz!)),
  pattern(anchored(`(?:(?:in|on) (?:the )?)?(?:their )?(?:time ?zone|tz)(?: is| =| of| in)?(?: one of)? (?<tz>${listOf(TZ, 9)})`), (g) => timezones(g.tz!)),

  pattern(anchored(`(?:speaks?|speaking|who speak) (?<langs>${listOf('[a-z]{2,20}', 9)})`), (g) => languages(g.langs!)),
  pattern(anchored(`(?<langs>${listOf('[a-z]{2,20}', 9)})[- ]speak(?:ers|ing)(?: (?:users?|customers?|people))?`), (g) =>
    listItems(g.langs!).every((l) => LANGUAGES[l.toLowerCase()]) ? languages(g.langs!) : null,
  ),
  pattern(anchored(`(?:their |the )?(?:locale|language)(?: code)?(?: is| =| of| in)?(?: one of)? (?<langs>${listOf('[a-z][a-z_-]{1,19}', 9)})`), (g) => languages(g.langs!)),

  pattern(anchored('(?:their |the )?account(?: status)?(?: is| =)? (?<st>active|suspended|banned|deleted)'), (g) => eqOrIn('status', [g.st!.toLowerCase()])),
  pattern(anchored('(?:account )?status(?: is| =)? (?<st>suspended|banned|deleted)'), (g) => eqOrIn('status', [g.st!.toLowerCase()])),
  pattern(anchored('(?:(?:with|have|has) )?(?:an? |their )?(?<st>suspended|banned|deleted)(?: accounts?| users?| customers?)?'), (g) => eqOrIn('status', [g.st!.toLowerCase()])),

  pattern(anchored(`${SIGNED_UP} (?<win>${WINDOW})`), (g) => signupDays('within_last', g.win!)),
  pattern(anchored(`new (?:users?|customers?|accounts?|sign-?ups?|registrations?) (?<win>${WINDOW})`), (g) => signupDays('within_last', g.win!)),
  pattern(anchored(`${SIGNED_UP} (?<cmp>more than|over|at least|less than|fewer than|under|within|no more than|in the (?:last|past)) (?<dur>${DURATION}) ago`), (g) =>
    signupDays(/^(?:more than|over|at least)$/i.test(g.cmp!) ? 'before_last' : 'within_last', g.dur!),
  ),
  pattern(anchored(`(?:their |the )?accounts? (?:is |are )?(?<cmp>older|younger|newer) than (?<dur>${DURATION})`), (g) =>
    signupDays(/^older$/i.test(g.cmp!) ? 'before_last' : 'within_last', g.dur!),
  ),
  pattern(anchored(`${SIGNED_UP} (?<dir>before|after|since|prior to|on or after|on or before|earlier than|later than) (?<date>${DATE})`), (g) => {
    const r = readDate(g.date!);
    if ('problem' in r) return r;
    const before = /^(?:before|prior to|on or before|earlier than)$/i.test(g.dir!);
    return { node: { kind: 'signup', op: before ? 'before' : 'after', at: r.at } };
  }),

  // Nationality adjectives: "German users", "French or Belgian customers" ("and" means either).
  pattern(anchored(`(?:the )?(?<dems>${listOf(DEMONYM, 9)})(?: ${NATIONALS})?`), (g) => demonyms(g.dems!)),
];


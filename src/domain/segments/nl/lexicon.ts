/**
 * Words the grammar knows: countries, languages, channels, RFM labels and the phrases for the
 * seed's event types. Lookups take lower-case text.
 */
import type { Channel } from '../../campaign.js';
import { RFM_SEGMENTS } from '../ast.js';

/** What "high" and "low" churn risk mean (stated in restatements). */
export const HIGH_CHURN = 0.7;
export const LOW_CHURN = 0.3;

/** The tiers "paying users" means (stated in restatements). */
export const PAYING_TIERS = ['pro', 'max', 'team', 'enterprise'] as const;

/** Country names (and common short forms) to ISO 3166-1 alpha-2. */
export const COUNTRY_NAMES: Readonly<Record<string, string>> = {
  'united states': 'US', 'united states of america': 'US', usa: 'US', 'u.s.': 'US', 'u.s': 'US', 'u.s.a.': 'US', 'u.s.a': 'US', us: 'US', america: 'US', 'the states': 'US',
  'united kingdom': 'GB', uk: 'GB', 'u.k.': 'GB', 'great britain': 'GB', britain: 'GB', england: 'GB',
  germany: 'DE', france: 'FR', spain: 'ES', italy: 'IT', netherlands: 'NL', holland: 'NL', belgium: 'BE',
  switzerland: 'CH', austria: 'AT', sweden: 'SE', norway: 'NO', denmark: 'DK', finland: 'FI', ireland: 'IE',
  portugal: 'PT', poland: 'PL', czechia: 'CZ', 'czech republic': 'CZ', greece: 'GR', hungary: 'HU', romania: 'RO',
  ukraine: 'UA', turkey: 'TR', 'türkiye': 'TR', turkiye: 'TR', russia: 'RU', canada: 'CA', mexico: 'MX', brazil: 'BR',
  argentina: 'AR', colombia: 'CO', chile: 'CL', peru: 'PE', india: 'IN', china: 'CN', japan: 'JP',
  'south korea': 'KR', korea: 'KR', singapore: 'SG', indonesia: 'ID', philippines: 'PH', 'the philippines': 'PH',
  vietnam: 'VN', thailand: 'TH', malaysia: 'MY', australia: 'AU', 'new zealand': 'NZ', 'south africa': 'ZA',
  nigeria: 'NG', egypt: 'EG', kenya: 'KE', morocco: 'MA', 'united arab emirates': 'AE', uae: 'AE',
  'saudi arabia': 'SA', israel: 'IL', pakistan: 'PK', bangladesh: 'BD', 'hong kong': 'HK', taiwan: 'TW',
  luxembourg: 'LU', iceland: 'IS', estonia: 'EE', latvia: 'LV', lithuania: 'LT', croatia: 'HR', slovenia: 'SI',
  slovakia: 'SK', bulgaria: 'BG', serbia: 'RS',
};

/**
 * Nationality adjectives ("German users") to codes. "English" is left out: it names a language
 * as often as a nationality (see AMBIGUOUS_DEMONYMS).
 */
export const DEMONYMS: Readonly<Record<string, string>> = {
  american: 'US', british: 'GB', german: 'DE', french: 'FR', spanish: 'ES', italian: 'IT', dutch: 'NL', belgian: 'BE',
  swiss: 'CH', austrian: 'AT', swedish: 'SE', norwegian: 'NO', danish: 'DK', finnish: 'FI', irish: 'IE', portuguese: 'PT',
  polish: 'PL', czech: 'CZ', greek: 'GR', hungarian: 'HU', romanian: 'RO', ukrainian: 'UA', turkish: 'TR', russian: 'RU',
  canadian: 'CA', mexican: 'MX', brazilian: 'BR', argentine: 'AR', argentinian: 'AR', argentinean: 'AR', colombian: 'CO',
  chilean: 'CL', peruvian: 'PE', indian: 'IN', chinese: 'CN', japanese: 'JP', korean: 'KR', 'south korean': 'KR',
  singaporean: 'SG', indonesian: 'ID', filipino: 'PH', vietnamese: 'VN', thai: 'TH', malaysian: 'MY', australian: 'AU',
  'new zealand': 'NZ', 'south african': 'ZA', nigerian: 'NG', egyptian: 'EG', kenyan: 'KE', moroccan: 'MA', emirati: 'AE',
  saudi: 'SA', israeli: 'IL', pakistani: 'PK', bangladeshi: 'BD', taiwanese: 'TW', luxembourgish: 'LU', icelandic: 'IS',
  estonian: 'EE', latvian: 'LV', lithuanian: 'LT', croatian: 'HR', slovenian: 'SI', slovak: 'SK', bulgarian: 'BG', serbian: 'RS',
};

/** Adjectives that could be a nationality or a language, with what to write instead. */
export const AMBIGUOUS_DEMONYMS: Readonly<Record<string, string>> = {
  english: "'English speakers' (locale) or 'from the UK' (country)",
};

/** ISO 3166-1 alpha-2 codes that are assigned. */
const ISO_CODES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO ' +
    'JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR ' +
    'MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO ' +
    'RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV ' +
    'TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

export function isCountryCode(code: string): boolean {
  return ISO_CODES.has(code.toUpperCase());
}

/** An English name for a code, for restatements (the first name listed above). */
export function countryName(code: string): string | undefined {
  for (const [name, c] of Object.entries(COUNTRY_NAMES)) {
    if (c === code) return name.replace(/\b[a-z]/g, (ch) => ch.toUpperCase()).replace(/\bOf\b/, 'of');
  }
  return undefined;
}

/** Language names to locale codes. Portuguese covers the regional variants the data uses. */
export const LANGUAGES: Readonly<Record<string, string | readonly string[]>> = {
  english: 'en', french: 'fr', german: 'de', spanish: 'es', portuguese: ['pt', 'pt-BR', 'pt-PT'], italian: 'it',
  dutch: 'nl', polish: 'pl', arabic: 'ar', indonesian: 'id', chinese: 'zh', mandarin: 'zh', korean: 'ko',
  japanese: 'ja', russian: 'ru', turkish: 'tr', swedish: 'sv', hindi: 'hi', ukrainian: 'uk', czech: 'cs',
  greek: 'el', hebrew: 'he', vietnamese: 'vi', thai: 'th', danish: 'da', norwegian: 'no', finnish: 'fi',
};

/** A locale code as written ("pt-br") in canonical case ("pt-BR"), or undefined if malformed. */
export function canonicalLocale(code: string): string | undefined {
  const m = /^([a-z]{2,3})(?:[-_]([a-z]{2}|\d{3}))?$/i.exec(code);
  if (!m) return undefined;
  return m[2] ? `${m[1]!.toLowerCase()}-${m[2].toUpperCase()}` : m[1]!.toLowerCase();
}

/** Channel words to channels. */
export function channelOf(word: string): Channel | undefined {
  const w = word.toLowerCase().replace(/\s+/g, ' ');
  if (/^(?:e-?mails?|mail)$/.test(w)) return 'email';
  if (/^(?:push(?:es)?|push notifications?|push messages?|mobile push)$/.test(w)) return 'push';
  if (/^(?:sms(?:es)?|texts?|text messages?|sms messages?)$/.test(w)) return 'sms';
  if (/^(?:in-?app|in app)(?: messages?)?$/.test(w)) return 'in_app';
  if (/^webhooks?$/.test(w)) return 'webhook';
  return undefined;
}

/** Regex source of a channel word (see channelOf). */
export const CHANNEL_SOURCE =
  String.raw`e-?mails?|mail|push notifications?|push messages?|mobile push|push(?:es)?|text messages?|sms messages?|sms(?:es)?|texts?|in-?app(?: messages?)?|in app(?: messages?)?|webhooks?`;

export type RfmLabel = (typeof RFM_SEGMENTS)[number];

/** An RFM label as written ("at-risk", "Loyal Customers", "can't lose them") to its value. */
export function rfmLabel(text: string): RfmLabel | undefined {
  let w = text.toLowerCase().replace(/[\s-]+/g, '_').replace(/^the_/, '');
  w = w.replace(/^(?:can't|cant|can_not)_lose/, 'cannot_lose');
  const aliases: Record<string, RfmLabel> = {
    champion: 'champions',
    loyal: 'loyal_customers',
    loyalists: 'loyal_customers',
    potential_loyalist: 'potential_loyalists',
    new: 'new_customers',
    needs_attention: 'need_attention',
    needing_attention: 'need_attention',
    at_risk_customers: 'at_risk',
    lost_customers: 'lost',
    hibernating_customers: 'hibernating',
    promising_customers: 'promising',
  };
  if (aliases[w]) return aliases[w];
  return (RFM_SEGMENTS as readonly string[]).includes(w) ? (w as RfmLabel) : undefined;
}

/** Regex source of one RFM label as people write it. */
export const RFM_SOURCE = String.raw`champions?|loyal(?: customers)?|potential loyalists?|new customers|promising|needs? attention|needing attention|about[- ]to[- ]sleep|at[- ]risk|(?:cannot|can't|cant|can not)[- ]lose[- ]them|hibernating|lost`;

/**
 * Verb phrases for the seed's event types, in past, present and base form ("bought", "buys",
 * "buy"), so that "did not buy" and "bought" both read.
 */
export const EVENT_VERBS: ReadonlyArray<{ source: string; type: string }> = [
  {
    type: 'purchase',
    source: String.raw`(?:made|make|makes|completed|complete|placed|place) (?:a |an |any )?(?:purchases?|orders?)|(?:purchased|purchases?|bought|buys?|ordered|orders?)(?: (?:something|anything|an? (?:item|product)|items|products))?`,
  },
  { type: 'app.open', source: String.raw`(?:opened|opens?|used|uses?|launched|launch(?:es)?) (?:the |our |their )?(?:mobile )?app` },
  {
    type: 'cart.add',
    source: String.raw`(?:added|adds?) (?:an? |any |some )?(?:items? |products? |something |anything )?to (?:the |their |a )?(?:shopping )?cart`,
  },
  { type: 'cart.abandoned', source: String.raw`(?:abandoned|abandons?|left) (?:a |an |the |their |any )?(?:shopping )?carts?` },
  {
    type: 'page_view',
    source: String.raw`(?:viewed|views?|visited|visits?) (?:a |an |any |the |our )?(?:pages?|site|website|web site)|visited|visits?`,
  },
];

/** Noun phrases for counting events ("3 purchases", "5 app opens"). */
export const EVENT_NOUNS: ReadonlyArray<{ source: string; type: string }> = [
  { type: 'purchase', source: String.raw`purchases?|orders?` },
  { type: 'app.open', source: String.raw`app opens?|app sessions?|app launch(?:es)?` },
  { type: 'cart.add', source: String.raw`cart adds?|add[- ]to[- ]carts?|add to cart events?` },
  { type: 'cart.abandoned', source: String.raw`abandoned carts?|cart abandonments?` },
  { type: 'page_view', source: String.raw`page ?views?|pages? viewed|pages? visited|visits?` },
];

/** An explicit, dotted event name such as "app.open" or "checkout.started". */
export const EVENT_NAME_SOURCE = String.raw`[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+`;

/**
 * Custom traits: "trait plan_interest is enterprise", "whose company_size is greater than 50",
 * "with a trait vip". Without the word "trait", only a name that looks like a key (snake_case, as
 * company_size and plan_interest are) is read as one, so that "whose favourite colour is blue" is
 * reported as not understood rather than guessed at.
 */
import type { Condition } from '../../ast.js';
import { CMP, NUM, opOf } from '../phrases.js';
import { readNumber } from '../numbers.js';
import { pattern, type Pattern, type Recognized } from '../types.js';
import { listItems, readValue, VALUE } from './values.js';

type Trait = Extract<Condition, { kind: 'trait' }>;
type Groups = Record<string, string | undefined>;

const KEY = '[a-z_][a-z0-9_]{0,63}';
/** Names that are fields of the profile or scores, never traits unless the word "trait" says so. */
const RESERVED = new Set([
  'tier', 'plan', 'status', 'country', 'timezone', 'time_zone', 'locale', 'language', 'churn', 'churn_risk', 'predicted_ltv',
  'ltv', 'rfm', 'rfm_score', 'rfm_segment', 'credits', 'credits_remaining', 'is_trial', 'trial', 'subscription',
  'subscription_status', 'subscription_tier', 'signup', 'signup_date', 'signed_up_at', 'created_at', 'updated_at', 'email', 'phone',
  'consent', 'segment', 'name', 'id', 'user_id',
]);

const SEP = '(?:, (?:or |and )?| or | and )';
const REST =
  `(?:(?:is )?(?<cmp>${CMP}) (?<n>${NUM})` +
  `|(?<ex>exists|is set|is present|is not empty|is defined)` +
  `|(?:is )?(?:one of|in|any of) (?<list>(?:${VALUE})(?:${SEP}(?:${VALUE})){0,20})` +
  `|(?<is>is not|is|equals|is equal to|does not equal|contains|includes|of|=|!=|==) (?<v>${VALUE}))`;

function build(key: string, g: Groups): Recognized {
  const k = key.toLowerCase();
  if (g.ex !== undefined) return trait({ kind: 'trait', key: k, op: 'exists' });
  if (g.cmp !== undefined) {
    const value = readNumber(g.n!);
    if (!Number.isFinite(value) || Math.abs(value) > 1e15) return { problem: `${g.n} is too large for a trait comparison (at most 1e15)` };
    return trait({ kind: 'trait', key: k, op: opOf(g.cmp), value });
  }
  if (g.list !== undefined) {
    const values = listItems(g.list).map((v) => {
      const r = readValue(v);
      return typeof r === 'boolean' ? String(r) : r;
    });
    return trait({ kind: 'trait', key: k, op: 'in', value: values });
  }
  const value = readValue(g.v!);
  const is = g.is!.toLowerCase();
  if (is === 'contains' || is === 'includes') {
    return typeof value === 'string' ? trait({ kind: 'trait', key: k, op: 'contains', value }) : { problem: `'${is} ${g.v}' needs text` };
  }
  const neq = is === 'is not' || is === 'does not equal' || is === '!=';
  return trait({ kind: 'trait', key: k, op: neq ? 'neq' : 'eq', value });
}

const trait = (node: Trait): Recognized => ({ node });

export const traitPatterns: Pattern[] = [
  pattern(new RegExp(`^(?:the |a |an |their )?(?:custom )?(?:trait|attribute|property|field) (?<key>${KEY})(?: trait)? ${REST}$`, 'i'), (g) => build(g.key!, g)),
  pattern(new RegExp(`^(?:the |their )?(?<key>${KEY}) (?:trait|attribute) ${REST}$`, 'i'), (g) => build(g.key!, g)),
  pattern(new RegExp(`^(?:an? |the |any )?(?:custom )?(?:trait|attribute) (?<key>${KEY})$|^(?:an? |the |any )?(?<key2>${KEY}) (?:trait|attribute)$`, 'i'), (g) =>
    trait({ kind: 'trait', key: (g.key ?? g.key2)!.toLowerCase(), op: 'exists' }),
  ),
  pattern(new RegExp(`^(?:their |the )?(?<key>${KEY}) ${REST}$`, 'i'), (g) => {
    const key = g.key!.toLowerCase();
    return key.includes('_') && !RESERVED.has(key) ? build(key, g) : null;
  }),
];

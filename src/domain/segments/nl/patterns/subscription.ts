/**
 * Subscription: tier ("on pro or max", "paying users" = pro, max, team, enterprise), status
 * ("subscription canceled"), trial ("on a trial") and credits ("fewer than 1000 credits left").
 */
import { SUBSCRIPTION_STATUSES, TIERS } from '../../ast.js';
import { PAYING_TIERS } from '../lexicon.js';
import { anchored, checkAmount, cmpNum, readCmpNum } from '../phrases.js';
import { pattern, type Pattern, type Recognized } from '../types.js';
import { listItems } from './values.js';

const WORD = '[a-z][a-z0-9-]{0,30}';
const LIST = `(?<tiers>${WORD}(?:(?:, (?:or |and )?| or | and | ?/ ?)${WORD}){0,9})`;
const TIER_WORDS = '(?:subscription |paid )?(?:tiers?|plans?|subscriptions?|subscription (?:tiers?|plans?)|(?:tier|plan) subscriptions?)';
const PEOPLE = '(?:users?|customers?|members?|subscribers?|accounts?|people)';

function tiers(text: string, strict: boolean): Recognized | null {
  const items = listItems(text).map((t) => t.toLowerCase());
  const unknown = items.filter((t) => !(TIERS as readonly string[]).includes(t));
  if (unknown.length) {
    // Without the word "tier" or "plan", unknown words mean this is not a tier clause at all.
    return strict ? { problem: `unknown subscription tier ${unknown.map((u) => `'${u}'`).join(', ')}; the tiers are ${TIERS.join(', ')}` } : null;
  }
  const unique = [...new Set(items)];
  return { node: unique.length === 1 ? { kind: 'subscription', field: 'tier', op: 'eq', value: unique[0]! } : { kind: 'subscription', field: 'tier', op: 'in', value: unique } };
}

const STATUS = '(?:active|trialing|trialling|past[ _-]due|overdue|canceled|cancelled|paused|expired|incomplete)';

function status(text: string): Recognized {
  const items = listItems(text).map((s) => {
    const w = s.toLowerCase().replace(/[ -]/g, '_');
    return w === 'cancelled' ? 'canceled' : w === 'overdue' ? 'past_due' : w === 'trialling' ? 'trialing' : w;
  });
  const unique = [...new Set(items)].filter((s) => (SUBSCRIPTION_STATUSES as readonly string[]).includes(s));
  return { node: unique.length === 1 ? { kind: 'subscription', field: 'status', op: 'eq', value: unique[0]! } : { kind: 'subscription', field: 'status', op: 'in', value: unique } };
}

function credits(g: Record<string, string | undefined>): Recognized {
  const c = readCmpNum(g, 'c');
  return checkAmount(c, 'credits') ?? { node: { kind: 'subscription', field: 'credits_remaining', op: c.op, value: c.value } };
}

const STATUS_LIST = `(?<st>${STATUS}(?:(?:, (?:or |and )?| or | and )${STATUS}){0,6})`;

export const subscriptionPatterns: Pattern[] = [
  pattern(
    anchored(`(?:(?:on|in|at|with|have|has) )?(?:an? |any |the )?(?:trials?|trialing|trialling|trialists?|(?:free )?trial (?:period|plan|subscription|users?|accounts?|customers?)s?|free trials?|in trial)`),
    () => ({ node: { kind: 'subscription', field: 'is_trial', op: 'eq', value: true } }),
  ),
  pattern(anchored('(?:their |the |a )?(?:free )?trial (?:is |was )?(?:still )?(?:active|ongoing|running|live|current|in progress)'), () => ({
    node: { kind: 'subscription', field: 'is_trial', op: 'eq', value: true },
  })),
  pattern(
    anchored(`(?:paying|paid)(?: ${PEOPLE})?|(?:(?:on|with|have|has) )?(?:an? |any |the )?(?:paid|paying) (?:plans?|tiers?|subscriptions?)`),
    () => ({ node: { kind: 'subscription', field: 'tier', op: 'in', value: [...PAYING_TIERS] } }),
  ),
  // Statuses before tiers: "canceled subscription" is a status, not an unknown tier.
  pattern(anchored(`(?:(?:with|have|has) )?(?:an? |the |their )?${STATUS_LIST} subscriptions?`), (g) => status(g.st!)),
  pattern(anchored(`(?:their |the )?subscription(?: status)?(?: is| =| was| of)?(?: one of)? ${STATUS_LIST}`), (g) => status(g.st!)),
  pattern(anchored(`(?:canceled|cancelled) (?:their |a |the )?subscriptions?`), () => status('canceled')),
  pattern(anchored(`(?:paused) (?:their |a |the )?subscriptions?`), () => status('paused')),

  pattern(anchored(`(?:(?:on|in|at|with|using|have|has|subscribed to|paying for) )?(?:an? |the )?${LIST} ${TIER_WORDS}(?: ${PEOPLE})?`), (g) => tiers(g.tiers!, true)!),
  pattern(anchored(`(?:subscription |plan |pricing )?(?:tier|plan)(?: is| =| of| in)?(?: one of)? ${LIST}`), (g) => tiers(g.tiers!, true)!),
  // Only known tiers, since nothing else says these words are tiers.
  pattern(anchored(`(?:(?:on|in) )?(?:the )?${LIST}(?: (?<people>${PEOPLE}))?`), (g) =>
    /^team$/i.test(g.tiers!) && /^members?$/i.test(g.people ?? '')
      ? { problem: "'team members' may mean people on the team tier or members of a team; say 'on the team plan'" }
      : tiers(g.tiers!, false),
  ),

  pattern(anchored('(?:no|0) credits?(?: left| remaining)?|(?:out of|ran out of|run out of|running out of|exhausted(?: their)?|used up(?: their| all)?|used all(?: of)?(?: their)?) credits'), () => ({
    node: { kind: 'subscription', field: 'credits_remaining', op: 'eq', value: 0 },
  })),
  pattern(anchored(cmpNum('c', { bare: false }), ' credits?(?: left| remaining| balance| available)?'), credits),
  pattern(anchored('(?:an? |their |the )?(?:remaining )?credits?(?:[ _]remaining|[ _]left|[ _]balance)?(?: is| of| are)? ', cmpNum('c', { bare: false })), credits),
];

/**
 * Behaviour: when an event last happened ("active in the last 30 days", "no app.open for 14
 * days"), how many times ("purchased more than 3 times in 90 days") and sums of a property
 * ("spent more than $500 in the last 90 days").
 */
import type { Condition, PropertyFilter } from '../../ast.js';
import { anchored, checkAmount, checkCount, cmpNum, DOLLAR, DURATION, readCmpNum, readDays, WINDOW } from '../phrases.js';
import { pattern, type Pattern, type Problem, type Recognized } from '../types.js';
import { EVENT_NOUN, EVENT_VERB, eventOf, FILTER, readFilter } from './events.js';

type Groups = Record<string, string | undefined>;
type EventCount = Extract<Condition, { kind: 'event_count' }>;
type EventSum = Extract<Condition, { kind: 'event_sum' }>;

const win = (name = 'win') => `(?<${name}>${WINDOW})`;
const isProblem = (x: object): x is Problem => 'problem' in x;

function lastEvent(event_type: string, op: 'within_last' | 'not_within_last', windowText: string): Recognized {
  const d = readDays(windowText);
  if (isProblem(d)) return d;
  return { node: { kind: 'last_event', event_type, op, days: d.days } };
}

const ALL_TIME = '(?: (?:ever|of all time|all time|in total|overall|to date))?';

/** The event_count node for a matched count, with its optional filter and window. */
function eventCount(g: Groups, event_type: string, count: { op: 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte'; value: number }): Recognized {
  const where: PropertyFilter[] = [];
  if (g.fkey !== undefined) {
    const f = readFilter(g);
    if (isProblem(f)) return f;
    where.push(f);
  }
  const node: EventCount = { kind: 'event_count', event_type, where, op: count.op, value: count.value };
  if (g.win !== undefined) {
    const d = readDays(g.win);
    if (isProblem(d)) return d;
    node.window_days = d.days;
  }
  return { node };
}

function counted(g: Groups): Recognized {
  const c = readCmpNum(g, 'c');
  const bad = checkCount(c, 'times');
  return bad ?? eventCount(g, eventOf(g), c);
}

const FILTER_OPT = `(?: ${FILTER})?`;
const WINDOW_OPT = `(?: ${win()})?`;

export const behaviourPatterns: Pattern[] = [
  // Activity of any kind.
  pattern(anchored(`(?:been )?(?:active|engaged)(?: users?)? ${win()}`), (g) => lastEvent('*', 'within_last', g.win!)),
  pattern(anchored(`(?:inactive|dormant|idle|lapsed|not active)(?: users?)? (?:${win()}|for (?:more than |over |at least )?(?<dur>${DURATION}))`), (g) =>
    lastEvent('*', 'not_within_last', (g.win ?? g.dur)!),
  ),
  pattern(anchored(`(?:any )?(?:activity|engagement|events?)(?: of any (?:kind|type))? ${win()}`), (g) => lastEvent('*', 'within_last', g.win!)),
  pattern(anchored(`last (?:seen|active|activity|event)(?: date)?(?: is| was)? ${win()}`), (g) => lastEvent('*', 'within_last', g.win!)),
  pattern(anchored(`last (?:seen|active|activity|event)(?: date)?(?: is| was)? (?:more than|over|at least) (?<dur>${DURATION}) ago`), (g) =>
    lastEvent('*', 'not_within_last', g.dur!),
  ),

  // Counts: "purchased more than 3 times in 90 days", "made at least 2 purchases", "3+ app opens".
  pattern(anchored(EVENT_VERB, ' ', cmpNum('c', { bare: true }), ' times?', FILTER_OPT, WINDOW_OPT), counted),
  pattern(
    anchored(`(?:(?:made|make|makes|placed|place|completed|complete|had|has|have|did|do|does|triggered|logged|recorded) )?`, cmpNum('c', { bare: true }), ' ', EVENT_NOUN, FILTER_OPT, WINDOW_OPT),
    counted,
  ),
  pattern(anchored('(?:viewed|visited|views?|visits?) ', cmpNum('c'), ' (?:pages?|page ?views?|times)', WINDOW_OPT), (g) => {
    const c = readCmpNum(g, 'c');
    return checkCount(c, 'pages') ?? eventCount(g, 'page_view', c);
  }),
  pattern(anchored('(?:abandoned|abandons?|left) ', cmpNum('c'), ' (?:shopping )?carts?', WINDOW_OPT), (g) => {
    const c = readCmpNum(g, 'c');
    return checkCount(c, 'carts') ?? eventCount(g, 'cart.abandoned', c);
  }),
  // "viewed the /pricing page in the last 7 days"
  pattern(anchored(`(?:viewed|visited|views?|visits?) (?:the )?(?<path>/[\\w/.-]{0,200})(?: page)?(?: ${cmpNum('c')} times?)?${WINDOW_OPT}`), (g) => {
    const c = g.cn !== undefined || g.cm !== undefined || g.cb !== undefined ? readCmpNum(g, 'c') : { op: 'gte' as const, value: 1, literal: '1', percent: false };
    const bad = checkCount(c, 'times');
    if (bad) return bad;
    const r = eventCount(g, 'page_view', c);
    if ('node' in r && r.node.kind === 'event_count') r.node.where.push({ key: 'path', op: 'eq', value: g.path! });
    return r;
  }),

  // Last time: "purchased in the last 30 days", "no app.open for 14 days" (read after "no").
  pattern(anchored(EVENT_VERB, ' ', win()), (g) => lastEvent(eventOf(g), 'within_last', g.win!)),
  pattern(anchored(EVENT_NOUN, ' ', win()), (g) => lastEvent(eventOf(g), 'within_last', g.win!)),

  // Ever: "has purchased", "made a purchase", "triggered checkout.started".
  pattern(anchored(EVENT_VERB, FILTER_OPT, ALL_TIME), (g) => eventCount(g, eventOf(g), { op: 'gte', value: 1 })),
  pattern(anchored(EVENT_VERB, ' ', FILTER, ' ', win()), (g) => eventCount(g, eventOf(g), { op: 'gte', value: 1 })),

  // Sums: "spent more than $500 in the last 90 days", "total revenue over $1000".
  pattern(anchored('spent ', cmpNum('s', { ...DOLLAR, bare: false }), '(?: in total| total| overall)?(?: on (?:purchases|orders))?', WINDOW_OPT), (g) => sum(g, 'purchase', 'amount')),
  pattern(
    anchored(
      '(?:an? |their |the )?(?:total |lifetime |overall |cumulative )?(?:spend|spending|amount spent|revenue|purchase (?:amount|total|value|volume)s?|order (?:value|total)s?|sales)(?: total)?',
      `(?: ${win()})?`,
      '(?: is| of)? ',
      cmpNum('s', DOLLAR),
      `(?: ${win('win2')})?`,
    ),
    (g) => sum(g, 'purchase', 'amount'),
  ),
  pattern(
    anchored(
      '(?:the )?(?:sum|total) of (?:the )?(?<key>[a-z_][a-z0-9_]{0,63})(?: property)? (?:of|in|on|for|across|over) (?:their |all |the )?',
      EVENT_NOUN,
      '(?: is)? ',
      cmpNum('s'),
      WINDOW_OPT,
    ),
    (g) => sum(g, eventOf(g), g.key!.toLowerCase()),
  ),
];

function sum(g: Groups, event_type: string, property: string): Recognized {
  const c = readCmpNum(g, 's');
  const bad = checkAmount(c, 'a sum');
  if (bad) return bad;
  const node: EventSum = { kind: 'event_sum', event_type, property, op: c.op, value: c.value };
  const w = g.win ?? g.win2;
  if (w !== undefined) {
    const d = readDays(w);
    if (isProblem(d)) return d;
    node.window_days = d.days;
  }
  return { node };
}

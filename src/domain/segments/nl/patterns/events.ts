/**
 * Event phrases shared by the behaviour patterns: which event a verb or noun names, and property
 * filters such as "with amount over 50".
 */
import type { PropertyFilter } from '../../ast.js';
import { EVENT_NAME_SOURCE, EVENT_NOUNS, EVENT_VERBS } from '../lexicon.js';
import { CMP, opOf } from '../phrases.js';
import type { Problem } from '../types.js';
import { readValue, VALUE } from './values.js';

const alt = (table: ReadonlyArray<{ source: string }>) => table.map((t) => t.source).join('|');
const compiled = (table: ReadonlyArray<{ source: string; type: string }>) =>
  table.map((t) => ({ re: new RegExp(`^(?:${t.source})$`, 'i'), type: t.type }));

const VERBS = compiled(EVENT_VERBS);
const NOUNS = compiled(EVENT_NOUNS);

/** Explicit event names: "app.open", "event checkout", "checkout_started events". */
const NAMED = `(?:(?:an? |the |any )?(?:event )?(?<ename>${EVENT_NAME_SOURCE})(?: events?)?|(?:an? |the |any )?event (?:type |named |called )?(?<ename2>[a-z][a-z0-9_]*)|(?:an? |the |any )?(?<ename3>[a-z][a-z0-9]*_[a-z0-9_]+) events?)`;

/** A verb phrase naming an event: "bought", "opened the app", "triggered app.open". */
export const EVENT_VERB = `(?:(?<ev>${alt(EVENT_VERBS)})|(?:(?:had|has|have|did|do|does|triggered|trigger|fired|fire|performed|perform|tracked|logged) )?${NAMED})`;

/** A noun phrase naming events: "purchases", "app opens", "app.open events". */
export const EVENT_NOUN = `(?:(?:an? |any )?(?<evn>${alt(EVENT_NOUNS)})(?: events?)?|${NAMED})`;

type Groups = Record<string, string | undefined>;

export function eventOf(g: Groups): string {
  const named = g.ename ?? g.ename2 ?? g.ename3;
  if (named) return named.toLowerCase();
  const table = g.ev !== undefined ? VERBS : NOUNS;
  const phrase = (g.ev ?? g.evn)!;
  for (const { re, type } of table) if (re.test(phrase)) return type;
  throw new Error(`unknown event phrase: ${phrase}`);
}

const KEY = '[a-z_][a-z0-9_]{0,63}';

/** One property filter: "with amount over 50", "where path is /pricing", "with platform ios". */
export const FILTER = `(?:with|where) (?:the )?(?:property )?(?<fkey>${KEY}) (?:(?<fcmp>${CMP}) |(?<fis>is not|is|equals|contains|includes|of) |)(?<fval>${VALUE})`;

export function readFilter(g: Groups): PropertyFilter | Problem {
  const key = g.fkey!.toLowerCase();
  const value = readValue(g.fval!);
  if (g.fcmp !== undefined) {
    const op = opOf(g.fcmp);
    if (op === 'eq' || op === 'neq') return { key, op, value };
    if (typeof value !== 'number') return { problem: `'${g.fcmp} ${g.fval}' needs a number` };
    return { key, op, value };
  }
  const is = g.fis?.toLowerCase();
  if (is === 'is not') return { key, op: 'neq', value };
  if (is === 'contains' || is === 'includes') {
    return typeof value === 'string' ? { key, op: 'contains', value } : { problem: `'${is} ${g.fval}' needs text` };
  }
  return { key, op: 'eq', value };
}

/**
 * Conditions written side by side without "and": "pro or max users active in the last 30 days",
 * "a high churn risk on the team or enterprise plan", "German pro users". The clause is cut at
 * every space into a first condition and the rest (which may itself be side by side), and read
 * only if every way of cutting it that reads as conditions means the same thing. Cuts next to a
 * connector ("and", "or", "who", "with", a comma) are the splitter's, never made here; a rest
 * that starts with a number ("max 3 purchases") is not cut off, and two conditions on the same
 * field ("pro max users") are refused rather than AND-ed into something that matches nobody.
 * A reason is given only for text without connectors; merged text falls back to its parts.
 */
import type { RuleNode } from '../ast.js';
import { normalizeClause, tidy } from './normalize.js';
import type { Problem, Recognized } from './types.js';

/** Longer clauses are not searched for conditions side by side. */
const MAX_WORDS = 16;
const CONNECTOR = /^(?:and|or|but|nor|who|that|which|whose|where|with|without|excluding|except|plus|&|\+|-+)$/i;

type Read = (text: string) => Recognized | null;

/** Deep equality of two nodes, whatever the order of their keys. */
export function sameNode(a: RuleNode, b: RuleNode): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, x]) => [k, canon(x)])) : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/** The single-valued fields a condition constrains, named for messages. */
function fields(n: RuleNode): string[] {
  switch (n.kind) {
    case 'and':
    case 'or':
      return n.children.flatMap(fields);
    case 'not':
      return fields(n.child);
    case 'account':
      return [{ status: 'account status', country: 'country', timezone: 'time zone', locale: 'locale' }[n.field]];
    case 'subscription':
      return [{ tier: 'subscription tier', status: 'subscription status', is_trial: 'trial', credits_remaining: 'credits' }[n.field]];
    case 'score':
      return [n.score.replace(/_/g, ' ')];
    case 'rfm_segment':
      return ['RFM segment'];
    case 'signup':
      return ['signup date'];
    default:
      return [];
  }
}

const flatAnd = (a: RuleNode, b: RuleNode): RuleNode => ({
  kind: 'and',
  children: [a, b].flatMap((n) => (n.kind === 'and' ? n.children : [n])),
});

/**
 * The conditions a clause states side by side, a reason they cannot be read, or null. `one` reads
 * a single condition; `rest` reads what follows it (which may again be several).
 */
export function juxtapose(text: string, one: Read, rest: Read): Recognized | null {
  const words = tidy(text).split(' ');
  if (words.length < 2 || words.length > MAX_WORDS) return null;
  const found: RuleNode[] = [];
  let problem: Problem | undefined;
  for (let k = 1; k < words.length; k += 1) {
    const last = words[k - 1]!;
    const first = words[k]!;
    if (/[,;:(]$/.test(last) || /^[,;:)]/.test(first) || CONNECTOR.test(last) || CONNECTOR.test(first)) continue;
    if (/^[\d$]/.test(normalizeClause(first))) continue;
    const a = one(words.slice(0, k).join(' '));
    if (!a) continue;
    const b = rest(words.slice(k).join(' '));
    if (!b) continue;
    if ('problem' in a || 'problem' in b) {
      if (!('problem' in a && 'problem' in b)) problem ??= 'problem' in a ? a : (b as Problem);
      continue;
    }
    const shared = fields(a.node).find((f) => fields(b.node).includes(f));
    if (shared) {
      problem ??= { problem: `two ${shared} conditions are written side by side; join them with 'or' (either) or 'and' (both)` };
      continue;
    }
    found.push(flatAnd(a.node, b.node));
  }
  // With a connector inside, this text was merged from parts; its parts are then reported one by one.
  const merged = words.some((w) => CONNECTOR.test(w) || /,$/.test(w));
  if (found.length === 0) return merged ? null : (problem ?? null);
  if (found.some((n) => !sameNode(n, found[0]!))) {
    return merged ? null : { problem: "this reads as conditions side by side in more than one way; separate them with 'and'" };
  }
  return { node: found[0]! };
}

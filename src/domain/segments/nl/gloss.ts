/**
 * A definition in parentheses after a label: "new users (signed up in the last 14 days)", "top
 * customers by RFM (champions)". The parentheses are read as the condition when the words before
 * them are only a label (or nothing, "users (from Germany)"); when those words are a condition
 * too, both must mean the same ("paying users (on a paid plan)"), else the clause is refused
 * rather than one reading picked. Parentheses that are not a condition on their own qualify the
 * words before them: "spent at least $1,000 (in the last year)".
 */
import { sameNode } from './juxtapose.js';
import { negate } from './negate.js';
import { isLabel } from './patterns/labels.js';
import { clauseCore } from './single.js';
import type { Recognized } from './types.js';

const PARENS = /^([^()]*?)\s*\(\s*(?:(?:i\.?e\.?|that is|meaning|defined as|=)[,:]?\s+)?([^()]*?)\s*\)([^()]*?)[\s.]*$/i;

/** How a clause with parentheses reads; undefined when it has none (or more than one pair). */
export function gloss(text: string, read: (text: string) => Recognized | null): Recognized | null | undefined {
  const m = PARENS.exec(text);
  if (!m || !m[2]) return undefined;
  const [, head = '', inner = '', tail = ''] = m;
  const r = defined(head, inner, read);
  if (!tail.trim() || !r || 'problem' in r) return tail.trim() ? (r && 'problem' in r ? r : null) : r;
  // "new users (signed up in the last 14 days) from Germany": the words after are a condition too.
  const t = read(tail);
  if (!t || 'problem' in t) return t;
  return { node: { kind: 'and', children: [r.node, t.node].flatMap((n) => (n.kind === 'and' ? n.children : [n])) } };
}

function defined(head: string, inner: string, read: (text: string) => Recognized | null): Recognized | null {
  const g = read(inner);
  if (!g || 'problem' in g) {
    const joined = head ? read(`${head} ${inner}`) : null;
    if (joined && 'node' in joined) return joined;
    if (!g && /,|\b(?:and|or)\b/i.test(inner)) {
      return { problem: 'write one condition in the parentheses, or the conditions without parentheses' };
    }
    return g ?? joined;
  }
  const core = clauseCore(head);
  if (!core || isLabel(core)) return g;
  // "excluding new users (signed up in the last 14 days)"
  const negated = /^(?:not|never|excluding|except(?: for)?|without|no)\s+(?<rest>.*)$/i.exec(core);
  if (negated && isLabel(clauseCore(negated.groups!.rest!))) return { node: negate(g.node) };
  const h = read(head);
  if (!h || 'problem' in h) return h;
  if (sameNode(h.node, g.node)) return h;
  return {
    problem: `'${head.trim()}' and '${inner}' are different conditions; if both apply, write them without parentheses joined by 'and', and if the parentheses define the words before them, write only the definition`,
  };
}

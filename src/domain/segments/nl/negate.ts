/**
 * Negation: a condition's own negative form where the rules have one (not_within_last,
 * happened=false, subscribed=false, has=false, member=false, neq, not_in), else a NOT group.
 */
import type { RuleNode } from '../ast.js';

const FLIP = { eq: 'neq', neq: 'eq', in: 'not_in', not_in: 'in' } as const;
const isSetOp = (op: string): op is keyof typeof FLIP => op in FLIP;

export function negate(node: RuleNode): RuleNode {
  switch (node.kind) {
    case 'not':
      return node.child;
    case 'last_event':
      return { ...node, op: node.op === 'within_last' ? 'not_within_last' : 'within_last' };
    case 'messaging':
      return { ...node, happened: !node.happened };
    case 'consent':
      return { ...node, subscribed: !node.subscribed };
    case 'memory':
      return { ...node, has: !node.has };
    case 'segment':
      return { ...node, member: !node.member };
    case 'rfm_segment':
      return { ...node, op: node.op === 'in' ? 'not_in' : 'in' };
    case 'account':
      return { ...node, op: FLIP[node.op] };
    case 'subscription':
      return isSetOp(node.op) ? { ...node, op: FLIP[node.op] } : { kind: 'not', child: node };
    case 'trait':
      return node.op === 'eq' || node.op === 'neq' ? { ...node, op: FLIP[node.op] } : { kind: 'not', child: node };
    default:
      return { kind: 'not', child: node };
  }
}

/** Combining the conditions of a description: AND binds tighter than OR. */
import type { RuleNode } from '../ast.js';
import type { JoinKind } from './clauses.js';

export interface Item {
  node?: RuleNode;
  /** How this item is joined to the next. */
  join?: JoinKind;
}

function group(kind: 'and' | 'or', nodes: RuleNode[]): RuleNode | undefined {
  const flat = nodes.flatMap((n) => (n.kind === kind ? n.children : [n]));
  if (flat.length === 0) return undefined;
  return flat.length === 1 ? flat[0] : { kind, children: flat };
}

/** (a and b) or (c) ...: AND binds tighter than OR; a comma takes the next explicit join's kind. */
export function combine(items: Item[]): RuleNode | undefined {
  const joins = items.map((it, k) => {
    if (it.join !== ',') return it.join;
    const next = items.slice(k + 1).find((x) => x.join === 'and' || x.join === 'or');
    return next?.join ?? 'and';
  });
  const runs: RuleNode[][] = [[]];
  items.forEach((it, k) => {
    if (it.node) runs[runs.length - 1]!.push(it.node);
    if (joins[k] === 'or') runs.push([]);
  });
  return group('or', runs.map((r) => group('and', r)).filter((n): n is RuleNode => n !== undefined));
}

/**
 * The conditions just before the next item, which "but not in the last 3 weeks" points back at:
 * the last item and those joined to it by anything but "and". Empty if one of them failed.
 */
export function previousRun(items: Item[]): RuleNode[] {
  const run: RuleNode[] = [];
  for (let k = items.length - 1; k >= 0; k -= 1) {
    if (k < items.length - 1 && items[k]!.join === 'and') break;
    const node = items[k]!.node;
    if (!node) return [];
    run.push(node);
  }
  return run.reverse();
}

export const leaves = (n: RuleNode): number =>
  n.kind === 'and' || n.kind === 'or' ? n.children.reduce((s, c) => s + leaves(c), 0) : n.kind === 'not' ? leaves(n.child) : 1;

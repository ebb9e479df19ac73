/**
 * Clauses that point back at the one before them. "but not in the last 3 weeks" after "bought at
 * least twice in the last 2 months" means no purchase in the last 21 days; it is read only when
 * what came before names exactly one event (or one kind of message), else refused. "have not
 * purchased since" (since that earlier event) has no equivalent in the rules: it is refused with
 * a rolling window to write instead.
 */
import type { RuleNode } from '../ast.js';
import { normalizeClause, tidy } from './normalize.js';
import { readDays, WINDOW } from './phrases.js';
import { recognize } from './recognize.js';
import type { Recognized } from './types.js';

const LEAD = /^(?:(?:but|and|yet|or|though|although|however)[\s,]+)+/i;
const ELLIPSIS = new RegExp(`^(?<neg>(?:not|never|none|nothing|no more|no longer)(?: at all)? )?(?<win>${WINDOW})$`, 'i');
const SINCE = /^(?<head>.+?)\s+since(?: then| that(?: time| event)?)?$/i;

type Messaging = Extract<RuleNode, { kind: 'messaging' }>;
type Ref = { kind: 'event'; type: string } | { kind: 'message'; action: Messaging['action']; channel?: Messaging['channel']; campaign_id?: string };

/** The events (or kinds of message) a node is about, once each. */
function refsOf(nodes: RuleNode[]): Ref[] {
  const out = new Map<string, Ref>();
  const walk = (n: RuleNode): void => {
    if (n.kind === 'and' || n.kind === 'or') n.children.forEach(walk);
    else if (n.kind === 'not') walk(n.child);
    else if (n.kind === 'last_event' || n.kind === 'event_count' || n.kind === 'event_sum') out.set(`e:${n.event_type}`, { kind: 'event', type: n.event_type });
    else if (n.kind === 'messaging') {
      const ref: Ref = { kind: 'message', action: n.action, ...(n.channel ? { channel: n.channel } : {}), ...(n.campaign_id ? { campaign_id: n.campaign_id } : {}) };
      out.set(`m:${n.action}:${n.channel ?? ''}:${n.campaign_id ?? ''}`, ref);
    }
  };
  nodes.forEach(walk);
  return [...out.values()];
}

/** The one time window the nodes use, if they use exactly one. */
function windowOf(nodes: RuleNode[]): number | undefined {
  const days = new Set<number>();
  const walk = (n: RuleNode): void => {
    if (n.kind === 'and' || n.kind === 'or') n.children.forEach(walk);
    else if (n.kind === 'not') walk(n.child);
    else if (n.kind === 'last_event') days.add(n.days);
    else if ((n.kind === 'event_count' || n.kind === 'event_sum') && n.window_days) days.add(n.window_days);
    else if (n.kind === 'messaging' && n.window_days < 3650) days.add(n.window_days);
    else if (n.kind === 'signup' && n.op === 'within_last' && n.days) days.add(n.days);
  };
  nodes.forEach(walk);
  return days.size === 1 ? [...days][0] : undefined;
}

/**
 * How a clause that was not understood on its own reads after `previous` (the conditions just
 * before it, OR-ed together; empty when there are none or one of them failed), or null when it
 * does not point back.
 */
export function resolveReference(text: string, previous: RuleNode[]): Recognized | null {
  const s = normalizeClause(text).replace(LEAD, '');
  const ellipsis = ELLIPSIS.exec(s);
  if (ellipsis) {
    const win = ellipsis.groups!.win!;
    if (!ellipsis.groups!.neg) return { problem: `'${s}' does not say what happened in that time; write it with its event, e.g. 'purchased ${win}'` };
    const d = readDays(win);
    if ('problem' in d) return d;
    const refs = refsOf(previous);
    if (refs.length !== 1) {
      const example = `say which event, e.g. 'have not purchased ${win}'`;
      if (!previous.length) return { problem: `'${s}' does not say which event did not happen; ${example}` };
      return { problem: `'${s}' refers back to the condition before it, which ${refs.length ? 'names more than one event' : 'names no event'}; ${example}` };
    }
    const ref = refs[0]!;
    if (ref.kind === 'event') return { node: { kind: 'last_event', event_type: ref.type, op: 'not_within_last', days: d.days } };
    const { kind: _, ...message } = ref;
    return { node: { kind: 'messaging', ...message, window_days: d.days, happened: false } };
  }
  const since = SINCE.exec(tidy(text).replace(LEAD, '').replace(/[\s.]+$/, ''));
  if (since) {
    const head = since.groups!.head!;
    const h = recognize(head);
    if (!h || !('node' in h)) return null;
    const days = windowOf(previous);
    const instead = `'${head} in the last ${days ?? 7} days'`;
    return {
      problem: `'since' (since that earlier event) cannot be expressed in segment rules; ${days ? `say ${instead}` : `say how long instead, e.g. ${instead}`}`,
    };
  }
  return null;
}

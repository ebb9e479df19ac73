/**
 * Plain-English restatements of segment rules, so a person can check what an interpreter
 * understood: "last event of any type within the last 30 days", "churn risk score greater than
 * 0.7 (high churn risk)", "has not received a marketing email in the last 14 days".
 * Definitions the grammar applies (high/low churn risk, paying tiers) are named where they appear.
 */
import type { Channel } from '../campaign.js';
import type { Condition, RuleNode, SegmentRules } from './ast.js';
import { countryName, HIGH_CHURN, LOW_CHURN, PAYING_TIERS } from './nl/lexicon.js';

type Op = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte';

const COUNT_OPS: Record<Op, string> = { eq: 'exactly', neq: 'other than', gt: 'more than', gte: 'at least', lt: 'fewer than', lte: 'at most' };
const AMOUNT_OPS: Record<Op, string> = { eq: 'equal to', neq: 'not equal to', gt: 'greater than', gte: 'at least', lt: 'less than', lte: 'at most' };
const CHANNEL_NAMES: Record<Channel, string> = { email: 'email', push: 'push', sms: 'SMS', in_app: 'in-app', webhook: 'webhook' };
const MESSAGE_NAMES: Record<Channel, string> = {
  email: 'a marketing email',
  push: 'a marketing push notification',
  sms: 'a marketing SMS',
  in_app: 'a marketing in-app message',
  webhook: 'a marketing webhook message',
};

/** "a", "a or b", "a, b or c". */
function list(items: readonly unknown[], word = 'or'): string {
  const s = items.map(String);
  return s.length <= 1 ? (s[0] ?? '') : `${s.slice(0, -1).join(', ')} ${word} ${s[s.length - 1]}`;
}

const values = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const num = (n: number) => String(n);
const days = (n: number) => (n === 1 ? 'the last day' : `the last ${n} days`);
const label = (s: string) => s.replace(/_/g, ' ');

/** "is X", "is not X", "is X or Y", "is none of X, Y" for set comparisons. */
function setPhrase(op: string, vs: unknown[]): string {
  switch (op) {
    case 'neq':
      return `is not ${list(vs)}`;
    case 'not_in':
      return vs.length > 1 ? `is none of ${list(vs, 'and')}` : `is not ${list(vs)}`;
    default:
      return `is ${list(vs)}`;
  }
}

function country(code: unknown): string {
  const name = countryName(String(code));
  return name ? `${name} (${String(code)})` : String(code);
}

function date(at: string | undefined): string {
  return (at ?? '?').replace(/T00:00:00(?:\.000)?Z$/, '');
}

function condition(c: Condition): string {
  switch (c.kind) {
    case 'account': {
      const field = { status: 'account status', country: 'country', timezone: 'time zone', locale: 'locale' }[c.field];
      const vs = values(c.value).map((v) => (c.field === 'country' ? country(v) : v));
      return `${field} ${setPhrase(c.op, vs)}`;
    }
    case 'signup':
      if (c.op === 'within_last') return `signed up within ${days(c.days ?? 0)}`;
      if (c.op === 'before_last') return `signed up more than ${c.days ?? '?'} days ago`;
      return `signed up ${c.op} ${date(c.at)}`;
    case 'trait':
      return `trait ${c.key} ${propertyPhrase(c.op, c.value)}`;
    case 'subscription':
      return subscription(c);
    case 'event_count': {
      const where = c.where.length ? ` where ${c.where.map((f) => `${f.key} ${propertyPhrase(f.op, f.value)}`).join(' and ')}` : '';
      const window = c.window_days ? ` in ${days(c.window_days)}` : ' ever';
      return `${COUNT_OPS[c.op]} ${num(c.value)} ${c.event_type} event${c.value === 1 ? '' : 's'}${where}${window}`;
    }
    case 'event_sum': {
      const window = c.window_days ? ` in ${days(c.window_days)}` : ' ever';
      return `total ${c.property} of ${c.event_type} events ${AMOUNT_OPS[c.op]} ${num(c.value)}${window}`;
    }
    case 'last_event': {
      const what = c.event_type === '*' ? 'event of any type' : `${c.event_type} event`;
      return c.op === 'within_last' ? `last ${what} within ${days(c.days)}` : `no ${what} in ${days(c.days)}`;
    }
    case 'messaging': {
      const what = c.campaign_id
        ? `campaign ${c.campaign_id}${c.channel ? ` by ${CHANNEL_NAMES[c.channel]}` : ''}`
        : c.channel
          ? MESSAGE_NAMES[c.channel]
          : 'any marketing message';
      return `${c.happened ? '' : 'has not '}${c.action} ${what} in ${days(c.window_days)}`;
    }
    case 'consent':
      return `${c.subscribed ? '' : 'not '}subscribed to ${CHANNEL_NAMES[c.channel]}`;
    case 'memory': {
      const parts = [c.subject ? `with subject ${c.subject}` : '', c.text ? `mentioning "${c.text}"` : ''].filter(Boolean).join(' ');
      return `has ${c.has ? 'a' : 'no'} memory fact ${parts}`.trim();
    }
    case 'score':
      return score(c);
    case 'rfm_segment':
      return `RFM segment ${setPhrase(c.op, c.value.map(label))}`;
    case 'segment':
      return c.member ? `member of segment ${c.segment_id}` : `not a member of segment ${c.segment_id}`;
  }
}

function propertyPhrase(op: string, value: unknown): string {
  switch (op) {
    case 'exists':
      return 'is set';
    case 'contains':
      return `contains "${String(value)}"`;
    case 'in':
      return `is one of ${list(values(value))}`;
    case 'eq':
      return `is ${String(value)}`;
    case 'neq':
      return `is not ${String(value)}`;
    default:
      return `is ${AMOUNT_OPS[op as Op]} ${String(value)}`;
  }
}

function subscription(c: Extract<Condition, { kind: 'subscription' }>): string {
  if (c.field === 'is_trial') {
    const onTrial = (c.op === 'eq') === (c.value === true);
    return onTrial ? 'on a trial' : 'not on a trial';
  }
  if (c.field === 'credits_remaining') return `credits remaining ${AMOUNT_OPS[c.op as Op] ?? c.op} ${String(c.value)}`;
  const vs = values(c.value).map((v) => label(String(v)));
  const text = `subscription ${c.field} ${setPhrase(c.op, vs)}`;
  const paying = c.field === 'tier' && vs.length === PAYING_TIERS.length && PAYING_TIERS.every((t) => vs.includes(t));
  return paying ? `${text} (the paying tiers)` : text;
}

function score(c: Extract<Condition, { kind: 'score' }>): string {
  const name = { churn_risk: 'churn risk score', predicted_ltv: 'predicted lifetime value', expected_purchases_90d: 'expected purchases in the next 90 days', rfm_score: 'RFM score' }[c.score];
  const text = `${name} ${AMOUNT_OPS[c.op]} ${num(c.value)}`;
  if (c.score === 'churn_risk' && c.op === 'gt' && c.value === HIGH_CHURN) return `${text} (high churn risk)`;
  if (c.score === 'churn_risk' && c.op === 'lt' && c.value === LOW_CHURN) return `${text} (low churn risk)`;
  return text;
}

const wrap = (n: RuleNode, parent: 'and' | 'or') =>
  (n.kind === 'and' || n.kind === 'or') && n.kind !== parent ? `(${explainNode(n)})` : explainNode(n);

export function explainNode(node: RuleNode): string {
  switch (node.kind) {
    case 'and':
      return node.children.map((c) => wrap(c, 'and')).join(' and ');
    case 'or':
      return node.children.map((c) => wrap(c, 'or')).join(' or ');
    case 'not':
      return `not (${explainNode(node.child)})`;
    default:
      return condition(node);
  }
}

/** One sentence per top-level clause (the children of a top-level AND, else the root). */
export function explainRules(rules: SegmentRules): string[] {
  return rules.root.kind === 'and' ? rules.root.children.map(explainNode) : [explainNode(rules.root)];
}

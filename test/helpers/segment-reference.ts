/**
 * A straightforward in-memory evaluation of segment rules: the specification the SQL compiler is
 * tested against. Deliberately naive (loops over everything); correctness only.
 */
import type { Condition, PropertyFilter, RuleNode } from '../../src/domain/segments/ast.js';

export interface RefUser {
  id: string;
  status: string;
  country: string | null;
  timezone: string;
  locale: string;
  tier: string;
  subscription_status: string;
  is_trial: boolean;
  credits_remaining: number;
  consent: Record<'email' | 'push' | 'sms' | 'in_app' | 'webhook', boolean>;
  traits: Record<string, unknown>;
  created_at: Date;
}
export interface RefEvent {
  id: string;
  user_id: string;
  type: string;
  properties: Record<string, unknown>;
  value: number | null;
  occurred_at: Date;
}
export interface RefMessage {
  id: string;
  user_id: string;
  campaign_id: string;
  channel: string;
  status: string;
  created_at: Date;
}
export interface RefEngagement {
  id: string;
  message_id: string;
  campaign_id: string;
  user_id: string;
  kind: string;
  is_machine: boolean;
  occurred_at: Date;
}
export interface RefMemory {
  id: string;
  user_id: string;
  subject: string | null;
  content: string;
}
export interface RefScore {
  user_id: string;
  churn_risk: number | null;
  predicted_ltv: number | null;
  expected_purchases_90d: number | null;
  rfm_r: number | null;
  rfm_f: number | null;
  rfm_m: number | null;
  rfm_segment: string | null;
}
export interface RefSegment {
  id: string;
  kind: 'dynamic' | 'static';
  root: RuleNode;
  members: string[];
}
export interface RefData {
  users: RefUser[];
  events: RefEvent[];
  messages: RefMessage[];
  engagement: RefEngagement[];
  memories: RefMemory[];
  scores: RefScore[];
  segments: RefSegment[];
}

const DAY = 86_400_000;
const RECEIVED = new Set(['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained']);

export function evaluate(root: RuleNode, data: RefData, now: Date): string[] {
  return data.users
    .filter((u) => node(root, u, data, now))
    .map((u) => u.id)
    .sort();
}

function node(n: RuleNode, u: RefUser, d: RefData, now: Date): boolean {
  switch (n.kind) {
    case 'and':
      return n.children.every((c) => node(c, u, d, now));
    case 'or':
      return n.children.some((c) => node(c, u, d, now));
    case 'not':
      return !node(n.child, u, d, now);
    default:
      return cond(n, u, d, now);
  }
}

function cond(c: Condition, u: RefUser, d: RefData, now: Date): boolean {
  const since = (days: number) => now.getTime() - days * DAY;
  switch (c.kind) {
    case 'account':
      return setMatch(u[c.field], c.op, c.value);
    case 'signup':
      if (c.op === 'within_last') return u.created_at.getTime() >= since(c.days!);
      if (c.op === 'before_last') return u.created_at.getTime() < since(c.days!);
      if (c.op === 'before') return u.created_at.getTime() < Date.parse(c.at!);
      return u.created_at.getTime() >= Date.parse(c.at!);
    case 'trait':
      return property(u.traits, c);
    case 'subscription':
      if (c.field === 'is_trial') return c.op === 'eq' ? u.is_trial === c.value : u.is_trial !== c.value;
      if (c.field === 'credits_remaining') return numberMatch(u.credits_remaining, c.op as never, c.value as number);
      return setMatch(c.field === 'tier' ? u.tier : u.subscription_status, c.op as never, c.value as string | string[]);
    case 'event_count': {
      const n = d.events.filter(
        (e) =>
          e.user_id === u.id &&
          e.type === c.event_type &&
          (c.window_days === undefined || e.occurred_at.getTime() >= since(c.window_days)) &&
          c.where.every((f) => property(e.properties, f)),
      ).length;
      return numberMatch(n, c.op, c.value);
    }
    case 'event_sum': {
      const total = d.events
        .filter((e) => e.user_id === u.id && e.type === c.event_type && (c.window_days === undefined || e.occurred_at.getTime() >= since(c.window_days)))
        .reduce((sum, e) => sum + (typeof e.properties[c.property] === 'number' ? (e.properties[c.property] as number) : 0), 0);
      return numberMatch(total, c.op, c.value);
    }
    case 'last_event': {
      const times = d.events.filter((e) => e.user_id === u.id && (c.event_type === '*' || e.type === c.event_type)).map((e) => e.occurred_at.getTime());
      const last = times.length ? Math.max(...times) : null;
      const within = last !== null && last >= since(c.days);
      return c.op === 'within_last' ? within : !within;
    }
    case 'messaging': {
      const cutoff = since(c.window_days);
      let hit: boolean;
      if (c.action === 'received') {
        hit = d.messages.some(
          (m) =>
            m.user_id === u.id &&
            m.created_at.getTime() >= cutoff &&
            RECEIVED.has(m.status) &&
            (!c.channel || m.channel === c.channel) &&
            (!c.campaign_id || m.campaign_id === c.campaign_id),
        );
      } else {
        hit = d.engagement.some(
          (g) =>
            g.user_id === u.id &&
            g.kind === (c.action === 'opened' ? 'open' : 'click') &&
            (c.action !== 'opened' || !g.is_machine) &&
            g.occurred_at.getTime() >= cutoff &&
            (!c.campaign_id || g.campaign_id === c.campaign_id) &&
            (!c.channel || d.messages.some((m) => m.id === g.message_id && m.channel === c.channel)),
        );
      }
      return hit === c.happened;
    }
    case 'consent':
      return u.consent[c.channel] === c.subscribed;
    case 'memory': {
      const hit = d.memories.some(
        (m) =>
          m.user_id === u.id &&
          (!c.subject || (m.subject ?? '').toLowerCase().includes(c.subject.toLowerCase())) &&
          (!c.text || m.content.toLowerCase().includes(c.text.toLowerCase())),
      );
      return hit === c.has;
    }
    case 'score': {
      const s = d.scores.find((x) => x.user_id === u.id);
      if (!s) return false;
      const v =
        c.score === 'rfm_score'
          ? s.rfm_r === null || s.rfm_f === null || s.rfm_m === null
            ? null
            : s.rfm_r + s.rfm_f + s.rfm_m
          : s[c.score];
      return v !== null && numberMatch(v, c.op, c.value);
    }
    case 'rfm_segment': {
      const s = d.scores.find((x) => x.user_id === u.id);
      if (!s || s.rfm_segment === null) return false;
      return c.op === 'in' ? c.value.includes(s.rfm_segment as never) : !c.value.includes(s.rfm_segment as never);
    }
    case 'segment': {
      const seg = d.segments.find((s) => s.id === c.segment_id)!;
      const member = seg.kind === 'static' ? seg.members.includes(u.id) : node(seg.root, u, d, now);
      return member === c.member;
    }
  }
}

function setMatch(value: string | null, op: 'eq' | 'neq' | 'in' | 'not_in', target: string | string[]): boolean {
  const list = Array.isArray(target) ? target : [target];
  const inside = value !== null && list.includes(value);
  return op === 'eq' || op === 'in' ? inside : !inside;
}

function numberMatch(x: number, op: 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte', v: number): boolean {
  return { eq: x === v, neq: x !== v, gt: x > v, gte: x >= v, lt: x < v, lte: x <= v }[op];
}

function property(obj: Record<string, unknown>, f: Pick<PropertyFilter, 'key' | 'op' | 'value'>): boolean {
  const has = Object.prototype.hasOwnProperty.call(obj, f.key);
  const v = has ? obj[f.key] : undefined;
  switch (f.op) {
    case 'exists':
      return has && v !== null;
    case 'contains':
      return typeof v === 'string' && v.toLowerCase().includes(String(f.value).toLowerCase());
    case 'in': {
      const list = Array.isArray(f.value) ? f.value : [f.value];
      return list.some((x) => (typeof x === 'string' && v === x) || (typeof x === 'number' && typeof v === 'number' && v === x));
    }
    default: {
      const target = f.value;
      if (typeof target === 'number') {
        if (f.op === 'neq') return !(typeof v === 'number' && v === target);
        return typeof v === 'number' && numberMatch(v, f.op, target);
      }
      const equal = typeof target === 'boolean' ? v === target : typeof v === 'string' && v === target;
      return f.op === 'eq' ? equal : !equal;
    }
  }
}

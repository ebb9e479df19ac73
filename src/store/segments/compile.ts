/**
 * Segment rules -> one parameterised WHERE clause over `users`, per dialect, built with Drizzle.
 *
 * Behavioural conditions become uncorrelated `users.id [NOT] IN (subquery)` terms: both engines
 * evaluate such a subquery once (SQLite into an ephemeral index, PostgreSQL as a hashed subplan)
 * instead of once per user. Conditions a count of zero satisfies ("fewer than 3 purchases") are
 * compiled as NOT IN the complement, so users with no events at all are counted correctly.
 *
 * The semantics of every condition are pinned down by the reference evaluator in
 * test/helpers/segment-reference.ts, which the property tests compare against on both dialects.
 */
import { and, eq, gte, inArray, isNull, lt, ne, not, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { AnyColumn } from 'drizzle-orm';
import type { Condition, PropertyFilter, RuleNode } from '../../domain/segments/ast.js';
import { DomainError } from '../../domain/errors.js';
import { VALUE_PROPERTY } from '../../domain/events.js';
import type { Tables } from '../executor.js';
import { containsText } from '../like.js';
import { jsonAccess, type Dialect, type JsonAccess } from './dialect.js';

export interface ResolvedSegment {
  id: string;
  kind: 'dynamic' | 'static' | 'predictive';
  root: RuleNode;
}

export interface CompileContext {
  t: Tables;
  dialect: Dialect;
  workspaceId: string;
  now: Date;
  /** Segments referenced by `segment` conditions, loaded beforehand (see collectSegmentRefs). */
  segments: ReadonlyMap<string, ResolvedSegment>;
}

const DAY_MS = 86_400_000;
type NumberOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte';

/** Compiles a rule tree to a predicate on the `users` table (the workspace filter is added here). */
export function compileRules(root: RuleNode, ctx: CompileContext): SQL {
  return and(eq(ctx.t.users.workspaceId, ctx.workspaceId), compileNode(root, ctx, []))!;
}

function compileNode(node: RuleNode, ctx: CompileContext, stack: string[]): SQL {
  switch (node.kind) {
    case 'and':
      return and(...node.children.map((c) => compileNode(c, ctx, stack)))!;
    case 'or':
      return or(...node.children.map((c) => compileNode(c, ctx, stack)))!;
    case 'not':
      return negate(compileNode(node.child, ctx, stack));
    default:
      return compileCondition(node, ctx, stack);
  }
}

function compileCondition(c: Condition, ctx: CompileContext, stack: string[]): SQL {
  const { users: u, events: e, userEventSummary: s, messages: m, engagementEvents: g, memories: mem, userScores: sc, segmentMembers: sm } = ctx.t;
  const ws = ctx.workspaceId;
  const json = jsonAccess(ctx.dialect);
  const cutoff = (days: number) => new Date(ctx.now.getTime() - days * DAY_MS);
  // PostgreSQL can only hash a NOT IN subquery that fits work_mem, and otherwise rescans it for
  // every user (a 1M-user count took over 45 minutes); NOT EXISTS becomes a hash anti join that
  // spills to disk instead. SQLite builds an ephemeral index for NOT IN either way.
  const userIn = (sub: SQL, member = true) =>
    member
      ? sql`${u.id} in (${sub})`
      : ctx.dialect === 'postgres'
        ? sql`not exists (select 1 from (${sub}) as nx(uid) where nx.uid = ${u.id})`
        : sql`${u.id} not in (${sub})`;

  switch (c.kind) {
    case 'account':
      return setCompare(u[c.field], c.op, c.value);

    case 'signup':
      return signup(u.createdAt, c, ctx.now);

    case 'trait':
      return propertyPredicate(json, u.traits, c);

    case 'subscription': {
      if (c.field === 'is_trial') {
        if (typeof c.value !== 'boolean' || (c.op !== 'eq' && c.op !== 'neq')) throw bad('subscription is_trial takes op eq/neq and a boolean value');
        return eq(u.isTrial, c.op === 'eq' ? c.value : !c.value);
      }
      if (c.field === 'credits_remaining') {
        if (typeof c.value !== 'number' || !isNumberOp(c.op)) throw bad('subscription credits_remaining takes a numeric op and a number');
        return numberCompare(u.creditsRemaining, c.op, c.value);
      }
      if (typeof c.value === 'number' || typeof c.value === 'boolean' || isNumberOnly(c.op)) {
        throw bad(`subscription ${c.field} takes eq, neq, in or not_in and text values`);
      }
      return setCompare(c.field === 'tier' ? u.tier : u.subscriptionStatus, c.op as 'eq', c.value);
    }

    case 'event_count': {
      const zeroMatches = numberMatches(0, c.op, c.value);
      if (c.where.length === 0 && c.window_days === undefined) {
        // All-time counts without property filters are kept per user in user_event_summary.
        const base = and(eq(s.workspaceId, ws), eq(s.eventType, c.event_type));
        const sub = zeroMatches
          ? sql`select ${s.userId} from ${s} where ${base} and not (${numberCompare(s.count, c.op, c.value)})`
          : sql`select ${s.userId} from ${s} where ${base} and ${numberCompare(s.count, c.op, c.value)}`;
        return userIn(sub, !zeroMatches);
      }
      const where = eventFilter(ctx, c.event_type, c.window_days, c.where);
      const having = numberCompare(sql`count(*)`, c.op, c.value);
      const sub = sql`select ${e.userId} from ${e} where ${where} group by ${e.userId} having ${zeroMatches ? not(having) : having}`;
      return userIn(sub, !zeroMatches);
    }

    case 'event_sum': {
      const zeroMatches = numberMatches(0, c.op, c.value);
      const where = eventFilter(ctx, c.event_type, c.window_days, []);
      // The value property is mirrored in events.value (see VALUE_PROPERTY): sum the column.
      const summed = c.property === VALUE_PROPERTY ? e.value : json.number(e.properties, c.property);
      const total = sql`coalesce(sum(${summed}), 0)`;
      const having = numberCompare(total, c.op, c.value);
      const sub = sql`select ${e.userId} from ${e} where ${where} group by ${e.userId} having ${zeroMatches ? not(having) : having}`;
      return userIn(sub, !zeroMatches);
    }

    case 'last_event': {
      const since = cutoff(c.days);
      if (c.event_type === '*') {
        return c.op === 'within_last' ? gte(u.lastEventAt, since) : or(isNull(u.lastEventAt), lt(u.lastEventAt, since))!;
      }
      const sub = sql`select ${s.userId} from ${s} where ${and(eq(s.workspaceId, ws), eq(s.eventType, c.event_type), gte(s.lastAt, since))}`;
      return userIn(sub, c.op === 'within_last');
    }

    case 'messaging': {
      const since = cutoff(c.window_days);
      let sub: SQL;
      if (c.action === 'received') {
        const conds = [eq(m.workspaceId, ws), gte(m.createdAt, since), inArray(m.status, RECEIVED_STATUSES)];
        if (c.channel) conds.push(eq(m.channel, c.channel));
        if (c.campaign_id) conds.push(eq(m.campaignId, c.campaign_id));
        sub = sql`select ${m.userId} from ${m} where ${and(...conds)}`;
      } else {
        const conds = [eq(g.workspaceId, ws), eq(g.kind, c.action === 'opened' ? 'open' : 'click'), gte(g.occurredAt, since)];
        if (c.action === 'opened') conds.push(eq(g.isMachine, false));
        if (c.campaign_id) conds.push(eq(g.campaignId, c.campaign_id));
        if (c.channel) {
          conds.push(sql`${g.messageId} in (select ${m.id} from ${m} where ${and(eq(m.workspaceId, ws), eq(m.channel, c.channel))})`);
        }
        sub = sql`select ${g.userId} from ${g} where ${and(...conds)}`;
      }
      return userIn(sub, c.happened);
    }

    case 'consent': {
      const col = { email: u.consentEmail, push: u.consentPush, sms: u.consentSms, in_app: u.consentInApp, webhook: u.consentWebhook }[c.channel];
      return eq(col, c.subscribed);
    }

    case 'memory': {
      if (!c.subject && !c.text) throw bad('a memory condition needs a subject or a text to match');
      const conds = [eq(mem.workspaceId, ws), eq(mem.memoryType, 'factual')];
      if (c.subject) conds.push(containsText(mem.subject, c.subject));
      if (c.text) conds.push(containsText(mem.content, c.text));
      return userIn(sql`select ${mem.userId} from ${mem} where ${and(...conds)}`, c.has);
    }

    case 'score': {
      const column =
        c.score === 'rfm_score'
          ? sql`(${sc.rfmR} + ${sc.rfmF} + ${sc.rfmM})`
          : { churn_risk: sc.churnRisk, predicted_ltv: sc.predictedLtv, expected_purchases_90d: sc.expectedPurchases90d }[c.score];
      return userIn(sql`select ${sc.userId} from ${sc} where ${and(eq(sc.workspaceId, ws), numberCompare(column, c.op, c.value))}`);
    }

    case 'rfm_segment': {
      const labels = c.op === 'in' ? inArray(sc.rfmSegment, c.value) : notInArray(sc.rfmSegment, c.value);
      return userIn(sql`select ${sc.userId} from ${sc} where ${and(eq(sc.workspaceId, ws), labels)}`);
    }

    case 'segment': {
      if (stack.includes(c.segment_id)) {
        throw new DomainError('invalid_input', `Segment rules form a cycle: ${[...stack, c.segment_id].join(' -> ')}`, 'Remove one of the segment references');
      }
      const ref = ctx.segments.get(c.segment_id);
      if (!ref) throw new DomainError('not_found', `segment '${c.segment_id}' not found`, 'Call list_segments to see the segments of this workspace');
      const membership =
        ref.kind === 'static'
          ? userIn(sql`select ${sm.userId} from ${sm} where ${and(eq(sm.workspaceId, ws), eq(sm.segmentId, ref.id))}`)
          : compileNode(ref.root, ctx, [...stack, c.segment_id]);
      return c.member ? membership : negate(membership);
    }
  }
}

/** Ledger statuses that mean the message reached (or was handed to) the recipient's channel. */
export const RECEIVED_STATUSES = ['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained'];

function eventFilter(ctx: CompileContext, type: string, windowDays: number | undefined, where: PropertyFilter[]): SQL {
  const e = ctx.t.events;
  const conds: SQL[] = [eq(e.workspaceId, ctx.workspaceId), eq(e.type, type)];
  if (windowDays !== undefined) conds.push(gte(e.occurredAt, new Date(ctx.now.getTime() - windowDays * DAY_MS)));
  const json = jsonAccess(ctx.dialect);
  for (const f of where) conds.push(propertyPredicate(json, e.properties, f));
  return and(...conds)!;
}

function signup(col: AnyColumn, c: Extract<Condition, { kind: 'signup' }>, now: Date): SQL {
  if (c.op === 'within_last' || c.op === 'before_last') {
    if (c.days === undefined) throw bad(`signup ${c.op} needs days`);
    const since = new Date(now.getTime() - c.days * DAY_MS);
    return c.op === 'within_last' ? gte(col, since) : lt(col, since);
  }
  if (!c.at) throw bad(`signup ${c.op} needs an ISO time in 'at'`);
  const at = new Date(c.at);
  return c.op === 'before' ? lt(col, at) : gte(col, at);
}

type PropertyLike = { key: string; op: PropertyFilter['op']; value?: PropertyFilter['value'] };

function propertyPredicate(json: JsonAccess, col: AnyColumn, f: PropertyLike): SQL {
  const { key, op, value } = f;
  if (op === 'exists') return sql`${json.type(col, key)} is not null and ${json.type(col, key)} <> 'null'`;
  if (value === undefined) throw bad(`the filter on '${key}' with op ${op} needs a value`);
  if (op === 'contains') {
    if (typeof value !== 'string') throw bad(`'contains' on '${key}' needs a text value`);
    return containsText(json.string(col, key), value);
  }
  if (op === 'in') {
    const list = Array.isArray(value) ? value : [value];
    const strings = list.filter((v): v is string => typeof v === 'string');
    const numbers = list.filter((v): v is number => typeof v === 'number');
    const parts: SQL[] = [];
    if (strings.length) parts.push(inArray(json.string(col, key), strings));
    if (numbers.length) parts.push(inArray(json.number(col, key), numbers));
    return or(...parts)!;
  }
  if (Array.isArray(value)) throw bad(`op ${op} on '${key}' takes one value, not a list (use 'in')`);
  if (typeof value === 'number') {
    const matched = numberCompare(json.number(col, key), op === 'neq' ? 'eq' : op, value);
    return op === 'neq' ? sql`not coalesce(${matched}, false)` : matched;
  }
  if (op !== 'eq' && op !== 'neq') throw bad(`op ${op} on '${key}' needs a number`);
  const matched = typeof value === 'boolean' ? eq(json.boolean(col, key), value ? 1 : 0) : eq(json.string(col, key), value);
  return op === 'neq' ? sql`not coalesce(${matched}, false)` : matched;
}

/** Set comparison on a text column; neq/not_in include rows where the column is NULL (unknown). */
function setCompare(col: AnyColumn, op: 'eq' | 'neq' | 'in' | 'not_in', value: string | string[]): SQL {
  const list = Array.isArray(value) ? value : [value];
  if (op === 'eq' || op === 'in') return list.length === 1 ? eq(col, list[0]!) : inArray(col, list);
  return or(isNull(col), list.length === 1 ? ne(col, list[0]!) : notInArray(col, list))!;
}

function numberCompare(col: AnyColumn | SQL, op: NumberOp, value: number): SQL {
  const symbol = { eq: sql`=`, neq: sql`<>`, gt: sql`>`, gte: sql`>=`, lt: sql`<`, lte: sql`<=` }[op];
  // PostgreSQL types a parameter from the other operand: 0.5 against an integer sum would be
  // parsed as an integer. A fractional value is cast explicitly (SQLite reads the cast as REAL).
  const param = Number.isInteger(value) ? sql`${value}` : sql`cast(${value} as double precision)`;
  return sql`${col} ${symbol} ${param}`;
}

function numberMatches(x: number, op: NumberOp, value: number): boolean {
  return { eq: x === value, neq: x !== value, gt: x > value, gte: x >= value, lt: x < value, lte: x <= value }[op];
}

/**
 * NOT with two-valued logic: a comparison on a missing value is NULL in SQL, and NOT NULL is
 * NULL, so without the coalesce "not from the US" would drop users whose country is unknown.
 */
function negate(predicate: SQL): SQL {
  return sql`not coalesce(${predicate}, false)`;
}

const isNumberOp = (op: string): op is NumberOp => ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'].includes(op);
const isNumberOnly = (op: string) => ['gt', 'gte', 'lt', 'lte'].includes(op);
const bad = (message: string) => new DomainError('invalid_input', message);

/** Every segment id a rule tree references directly. */
export function collectSegmentRefs(node: RuleNode, out = new Set<string>()): Set<string> {
  if (node.kind === 'and' || node.kind === 'or') node.children.forEach((c) => collectSegmentRefs(c, out));
  else if (node.kind === 'not') collectSegmentRefs(node.child, out);
  else if (node.kind === 'segment') out.add(node.segment_id);
  return out;
}

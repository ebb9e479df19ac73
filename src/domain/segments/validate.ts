/**
 * Checks on segment rules beyond their shape: combinations of fields the schema alone cannot
 * express, known tiers and statuses, valid time zones, size limits. Every problem names the
 * condition by its path so it can be fixed.
 */
import { isTimeZone } from '../campaign-input.js';
import { DomainError } from '../errors.js';
import { ACCOUNT_STATUSES, MAX_CONDITIONS, MAX_DEPTH, SUBSCRIPTION_STATUSES, TIERS, segmentRules, type Condition, type RuleNode, type SegmentRules } from './ast.js';

/** Parses unknown input as rules (zod) and applies the semantic checks; throws `invalid_input`. */
export function parseRules(input: unknown): SegmentRules {
  const parsed = segmentRules.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'rules'}: ${i.message}`);
    throw new DomainError('invalid_input', `Invalid segment rules: ${first.join('; ')}`, 'See the rules schema in the tool description; each condition needs a known "kind"');
  }
  checkRules(parsed.data as SegmentRules);
  return parsed.data as SegmentRules;
}

export function checkRules(rules: SegmentRules): void {
  let conditions = 0;
  const walk = (node: RuleNode, path: string, depth: number) => {
    if (depth > MAX_DEPTH) throw bad(`${path}: rules nest deeper than ${MAX_DEPTH} levels`, 'Flatten the groups');
    if (node.kind === 'and' || node.kind === 'or') {
      node.children.forEach((c, i) => walk(c, `${path}.children[${i}]`, depth + 1));
    } else if (node.kind === 'not') {
      walk(node.child, `${path}.child`, depth + 1);
    } else {
      conditions += 1;
      checkCondition(node, path);
    }
  };
  walk(rules.root, 'root', 1);
  if (conditions > MAX_CONDITIONS) throw bad(`rules have ${conditions} conditions; at most ${MAX_CONDITIONS} are allowed`, 'Split the audience into several segments and combine them with segment conditions');
}

function checkCondition(c: Condition, path: string): void {
  const values = (v: unknown) => (Array.isArray(v) ? v : [v]) as unknown[];
  switch (c.kind) {
    case 'account':
      if (c.field === 'status') unknownValues(path, 'account status', values(c.value), ACCOUNT_STATUSES);
      if (c.field === 'timezone') {
        for (const tz of values(c.value)) if (!isTimeZone(String(tz))) throw bad(`${path}: '${String(tz)}' is not an IANA time zone`, 'Use a name such as Europe/Paris');
      }
      if (c.field === 'country') {
        for (const cc of values(c.value)) if (!/^[A-Z]{2}$/.test(String(cc))) throw bad(`${path}: country '${String(cc)}' must be an ISO 3166 two-letter code such as US or DE`);
      }
      return;
    case 'signup':
      if ((c.op === 'within_last' || c.op === 'before_last') && c.days === undefined) throw bad(`${path}: signup ${c.op} needs "days"`);
      if ((c.op === 'before' || c.op === 'after') && !c.at) throw bad(`${path}: signup ${c.op} needs "at", an ISO time`);
      return;
    case 'trait':
      checkPropertyOp(path, c.op, c.value);
      return;
    case 'subscription': {
      if (c.field === 'is_trial') {
        if (typeof c.value !== 'boolean' || (c.op !== 'eq' && c.op !== 'neq')) throw bad(`${path}: is_trial takes op eq or neq and true/false`);
        return;
      }
      if (c.field === 'credits_remaining') {
        if (typeof c.value !== 'number' || c.op === 'in' || c.op === 'not_in') throw bad(`${path}: credits_remaining takes a comparison (eq, neq, gt, gte, lt, lte) and a number`);
        return;
      }
      if (!['eq', 'neq', 'in', 'not_in'].includes(c.op) || typeof c.value === 'number' || typeof c.value === 'boolean') {
        throw bad(`${path}: subscription ${c.field} takes eq, neq, in or not_in and text values`);
      }
      unknownValues(path, c.field === 'tier' ? 'tier' : 'subscription status', values(c.value), c.field === 'tier' ? TIERS : SUBSCRIPTION_STATUSES);
      return;
    }
    case 'event_count':
      c.where.forEach((f, i) => checkPropertyOp(`${path}.where[${i}]`, f.op, f.value));
      return;
    case 'memory':
      if (!c.subject && !c.text) throw bad(`${path}: a memory condition needs "subject" or "text"`);
      return;
    default:
      return;
  }
}

function checkPropertyOp(path: string, op: string, value: unknown): void {
  if (op === 'exists') return;
  if (value === undefined) throw bad(`${path}: op '${op}' needs a value`);
  if (op === 'in') return;
  if (Array.isArray(value)) throw bad(`${path}: op '${op}' takes one value; use 'in' for a list`);
  if (op === 'contains' && typeof value !== 'string') throw bad(`${path}: 'contains' needs a text value`);
  if (['gt', 'gte', 'lt', 'lte'].includes(op) && typeof value !== 'number') throw bad(`${path}: '${op}' needs a number`);
}

function unknownValues(path: string, what: string, given: unknown[], known: readonly string[]): void {
  const unknown = given.filter((v) => !known.includes(String(v)));
  if (unknown.length) throw bad(`${path}: unknown ${what} ${unknown.map((v) => `'${String(v)}'`).join(', ')}`, `Known: ${known.join(', ')}`);
}

const bad = (message: string, hint?: string) => new DomainError('invalid_input', message, hint);

/** True when the rules use predictive scores, which makes the segment 'predictive'. */
export function usesScores(node: RuleNode): boolean {
  if (node.kind === 'and' || node.kind === 'or') return node.children.some(usesScores);
  if (node.kind === 'not') return usesScores(node.child);
  return node.kind === 'score' || node.kind === 'rfm_segment';
}

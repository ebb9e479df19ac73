/**
 * Conditions on event properties, as triggers and journey steps use them. Pure: no I/O, no clock.
 *
 * Semantics, per op (`actual` is the value at the condition's path, `value` the condition's):
 *
 * - Paths are dotted (`cart.items.0.sku`); a part that is a whole number indexes an array. A
 *   top-level key that itself contains dots (`{"page.url": …}`, as flattening SDKs send) is found
 *   by its whole name first. Only own properties are read, so `__proto__` or `constructor` never
 *   resolve to something the event did not carry.
 * - A value is missing when the path does not resolve or resolves to null.
 * - `eq`: same type compares strictly (strings case-sensitively). A number and a string are equal
 *   when the string is a plain decimal number (`"42"`, `"-1.5"`, `"1e3"`; no spaces, no hex, not
 *   empty) with that numeric value: SDKs often send numbers as text. Two strings always compare as
 *   text (`"42"` is not `"42.0"`). Booleans equal only booleans (no `"true"`, no 1). Missing, objects
 *   and arrays are never equal to anything.
 * - `neq`: exactly the negation of `eq`, so a missing value is "not equal". This matches segment
 *   rules (`neq` there includes people whose property is unknown).
 * - `in`: `eq` against any element of the list (a single value is a list of one). An array
 *   `actual` is not searched; use `contains` for that.
 * - `gt`/`gte`/`lt`/`lte`: numeric when `value` is a number or a plain decimal string (`actual`
 *   must be one as well); as instants when `value` is an ISO 8601 date or date-time (`actual` must
 *   be one as well; a date alone is midnight UTC, a date-time without offset is UTC). Anything
 *   else, including a missing value, does not hold.
 * - `exists`: `actual` is present (not missing). With `value: false` it holds when `actual` is
 *   missing instead: the op list has no `not_exists`.
 * - `contains`: for a string `actual`, a case-insensitive substring test of `value` (a number is
 *   compared by its decimal text); for an array `actual`, some element `eq`s `value`, with strings
 *   compared case-insensitively. Anything else does not hold.
 *
 * A malformed condition (one `conditionProblem` reports) never holds, not even `neq`: input
 * checks reject those before they are saved, and a live event must never throw.
 */
import { DateTime } from 'luxon';
import { CONDITION_OPS, type CampaignTrigger, type TriggerCondition } from '../campaign.js';
import { invalidInput } from '../errors.js';

export type Properties = Record<string, unknown>;

export interface IncomingEvent {
  type: string;
  properties: Properties;
}

const INDEX = /^(0|[1-9]\d*)$/;
/** A plain decimal number as text: what `eq` and comparisons accept as a number. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

/** The value at a dotted path, or undefined when any part is missing. */
export function readPath(properties: unknown, path: string): unknown {
  if (isRecord(properties) && path.includes('.') && Object.hasOwn(properties, path)) return properties[path];
  let cur: unknown = properties;
  for (const part of path.split('.')) {
    if (part === '') return undefined;
    if (Array.isArray(cur)) {
      if (!INDEX.test(part)) return undefined;
      cur = cur[Number(part)];
    } else if (isRecord(cur)) {
      if (!Object.hasOwn(cur, part)) return undefined;
      cur = cur[part];
    } else {
      return undefined;
    }
  }
  return cur;
}

/** Whether a condition holds for an event's properties (see the module comment for each op). */
export function conditionHolds(cond: TriggerCondition, properties: Properties): boolean {
  if (conditionProblem(cond) !== null) return false;
  const actual = readPath(properties, cond.field);
  const { value } = cond;
  switch (cond.op) {
    case 'eq':
      return looseEquals(actual, value);
    case 'neq':
      return !looseEquals(actual, value);
    case 'in':
      return (Array.isArray(value) ? value : [value]).some((v) => looseEquals(actual, v));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const c = compare(actual, value);
      if (c === null) return false;
      return cond.op === 'gt' ? c > 0 : cond.op === 'gte' ? c >= 0 : cond.op === 'lt' ? c < 0 : c <= 0;
    }
    case 'exists':
      return value === false ? isMissing(actual) : !isMissing(actual);
    case 'contains':
      return contains(actual, value as string | number);
  }
}

/**
 * Whether an event enters a trigger: its type is the trigger's (exactly, case-sensitively) and
 * every condition holds. The audience segment is the campaign's and needs the store, so it is not
 * checked here.
 */
export function matchesTrigger(trigger: Pick<CampaignTrigger, 'event_type' | 'conditions'>, event: IncomingEvent): boolean {
  return event.type === trigger.event_type && trigger.conditions.every((c) => conditionHolds(c, event.properties));
}

/**
 * What is wrong with a condition, as a sentence that says how to fix it; null when it is fine.
 * The shape (field is text, op is known) is zod's job; this checks that value suits op.
 */
export function conditionProblem(cond: TriggerCondition): string | null {
  const { field, op, value } = cond;
  if (typeof field !== 'string' || field === '' || field.split('.').some((p) => p === '')) {
    return `field '${String(field)}' must be a property name or a dotted path such as "cart.total"`;
  }
  if (!(CONDITION_OPS as readonly string[]).includes(op)) return `op '${String(op)}' must be one of: ${CONDITION_OPS.join(', ')}`;
  const shown = JSON.stringify(value);
  switch (op) {
    case 'exists':
      return value === undefined || typeof value === 'boolean'
        ? null
        : `op 'exists' takes no value (or true/false: false means the property must be absent), not ${shown}`;
    case 'in':
      if (value === undefined) return `op 'in' on '${field}' needs a list of values, e.g. ["red", "blue"]`;
      if (Array.isArray(value) && value.length === 0) return `op 'in' on '${field}' has an empty list, which never matches; give at least one value`;
      return null;
    case 'eq':
    case 'neq':
      if (value === undefined) return `op '${op}' on '${field}' needs a value`;
      if (Array.isArray(value)) return `op '${op}' on '${field}' takes one value, not a list; use op 'in' for a list`;
      return null;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (asNumber(value) !== null || asInstant(value) !== null) return null;
      return `op '${op}' on '${field}' needs a number (e.g. 50) or an ISO date (e.g. "2026-01-31" or "2026-01-31T09:00:00Z"), not ${shown ?? 'nothing'}`;
    case 'contains':
      if (typeof value === 'number' && Number.isFinite(value)) return null;
      if (typeof value === 'string' && value !== '') return null;
      return `op 'contains' on '${field}' needs non-empty text (or a number), not ${shown ?? 'nothing'}`;
  }
  return null;
}

/** Throws invalid_input for the first malformed condition, naming it by `path` (e.g. "trigger.conditions"). */
export function checkConditions(conditions: readonly TriggerCondition[], path: string): void {
  conditions.forEach((c, i) => {
    const problem = conditionProblem(c);
    if (problem) throw invalidInput(`${path}[${i}]: ${problem}`, 'Fix the condition or remove it');
  });
}

// ---------------------------------------------------------------------------------------------

function looseEquals(actual: unknown, expected: unknown): boolean {
  if (isMissing(actual) || expected === undefined) return false;
  if (typeof actual === typeof expected) {
    return typeof actual === 'number' ? actual === expected : typeof actual !== 'object' && actual === expected;
  }
  if (typeof actual === 'number' && typeof expected === 'string') return DECIMAL.test(expected) && Number(expected) === actual;
  if (typeof actual === 'string' && typeof expected === 'number') return DECIMAL.test(actual) && Number(actual) === expected;
  return false;
}

/** Sign of actual − value, numerically or as instants; null when they do not compare. */
function compare(actual: unknown, value: unknown): number | null {
  const v = asNumber(value);
  if (v !== null) {
    const a = asNumber(actual);
    return a === null ? null : Math.sign(a - v);
  }
  const vt = asInstant(value);
  const at = asInstant(actual);
  return vt === null || at === null ? null : Math.sign(at - vt);
}

function contains(actual: unknown, value: string | number): boolean {
  const needle = String(value).toLowerCase();
  if (typeof actual === 'string') return actual.toLowerCase().includes(needle);
  if (Array.isArray(actual)) {
    return actual.some((el) => (typeof el === 'string' && typeof value === 'string' ? el.toLowerCase() === needle : looseEquals(el, value)));
  }
  return false;
}

function asNumber(x: unknown): number | null {
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  if (typeof x === 'string' && DECIMAL.test(x)) {
    const n = Number(x);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** Milliseconds of an ISO 8601 date or date-time (UTC when it has no offset), or null. */
function asInstant(x: unknown): number | null {
  if (typeof x !== 'string' || !ISO_DATE.test(x)) return null;
  const dt = DateTime.fromISO(x, { zone: 'utc', setZone: true });
  return dt.isValid ? dt.toMillis() : null;
}

function isMissing(x: unknown): boolean {
  return x === undefined || x === null;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

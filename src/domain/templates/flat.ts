/**
 * A direct renderer for the Liquid most message templates are made of: literal text,
 * `{{ output }}` tags whose value is a variable path or a literal, filtered by `default: <literal>`,
 * `upcase`, `downcase`, `capitalize`, `raw`, the HTML escape and our required-value check, and
 * `{% if %}` / `{% elsif %}` / `{% else %}` blocks testing a value or comparing two with `==` / `!=`.
 * liquidjs spends most of such a render setting up a context and driving its generator-based
 * renderer (5-10 µs per render); this does the same lookups in about a microsecond.
 *
 * It gives liquidjs's result exactly, and says so only for the cases it knows: anything else
 * (another tag or filter, an array or object value, a Drop, a missing required value, an error)
 * returns SLOW and the caller renders with liquidjs, so errors and odd values keep liquidjs's
 * behaviour and messages. test/domain/templates-flat.property.test.ts compares the two on
 * random templates and data.
 */
import { evalToken, IfTag, Output, TypeGuards, type Liquid, type Template } from 'liquidjs';

/** Returned by a direct render that cannot vouch for the result: render with liquidjs instead. */
export const SLOW: unique symbol = Symbol('render with liquidjs');

export type FlatRender = (data: Record<string, unknown>, fallback: Record<string, unknown> | undefined) => string | typeof SLOW;

/** A value read from the data (a variable path) or written in the template (a literal). */
type Operand = { path: string[] } | { constant: unknown };
type Op = 'required' | 'upcase' | 'downcase' | 'capitalize' | 'escape' | { default: unknown };
type Condition = { test: Operand } | { left: Operand; op: '==' | '!='; right: Operand };
type Part =
  | { kind: 'text'; text: string }
  | { kind: 'value'; operand: Operand; ops: Op[] }
  | { kind: 'if'; branches: Array<{ condition: Condition; parts: Part[] }>; otherwise: Part[] };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const ESCAPE_RE = /[&<>"']/g;
/** Keys liquidjs reads specially (`size`, `first`, `last`) or that need its array rules. */
const SPECIAL_KEYS = new Set(['size', 'first', 'last']);
const CASE_FILTERS = new Set(['upcase', 'downcase', 'capitalize']);
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The direct renderer for parsed templates, or null when they use anything beyond the subset.
 * `memoryLimit` is liquidjs's per render: the direct path leaves anything near it to liquidjs.
 */
export function flatRenderer(templates: Template[], liquid: Liquid, requiredFilterName: string, memoryLimit: number): FlatRender | null {
  const parts = compileParts(templates, liquid.options.outputEscape, requiredFilterName);
  if (!parts) return null;
  const budget = memoryLimit / 2;
  return (data, fallback) => {
    if (typeof data.toLiquid === 'function') return SLOW;
    const state = { used: 0, budget };
    return renderParts(parts, data, fallback, state);
  };
}

function compileParts(templates: Template[], outputEscape: unknown, requiredFilterName: string): Part[] | null {
  const parts: Part[] = [];
  for (const t of templates) {
    const html = t as unknown as { token: never; str?: unknown };
    if (TypeGuards.isHTMLToken(html.token) && typeof html.str === 'string') {
      parts.push({ kind: 'text', text: html.str });
      continue;
    }
    const part = t instanceof Output ? valuePart(t, outputEscape, requiredFilterName) : t instanceof IfTag ? ifPart(t, outputEscape, requiredFilterName) : null;
    if (!part) return null;
    parts.push(part);
  }
  return parts;
}

function valuePart(t: Output, outputEscape: unknown, requiredFilterName: string): Part | null {
  const operand = operandOf(t.value.initial.postfix as unknown[]);
  if (!operand) return null;
  const ops: Op[] = [];
  const filters = t.value.filters;
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i]!;
    const last = i === filters.length - 1;
    if (f.name === requiredFilterName && i === 0) ops.push('required');
    else if (f.name === 'default' && f.args.length === 1 && !Array.isArray(f.args[0]) && isLiteral(f.args[0] as never)) ops.push({ default: evalToken(f.args[0] as never, undefined as never) });
    else if (CASE_FILTERS.has(f.name) && f.args.length === 0) ops.push(f.name as Op);
    else if (last && outputEscape && (f as unknown as { handler: unknown }).handler === outputEscape) ops.push('escape');
    else if (!(last && f.name === 'raw')) return null;
  }
  return { kind: 'value', operand, ops };
}

function ifPart(t: IfTag, outputEscape: unknown, requiredFilterName: string): Part | null {
  const tag = t as unknown as { branches: Array<{ value: { initial: { postfix: unknown[] }; filters: unknown[] }; templates: Template[] }>; elseTemplates?: Template[] };
  const branches: Array<{ condition: Condition; parts: Part[] }> = [];
  for (const b of tag.branches) {
    if (b.value.filters.length > 0) return null;
    const condition = conditionOf(b.value.initial.postfix);
    const parts = compileParts(b.templates, outputEscape, requiredFilterName);
    if (!condition || !parts) return null;
    branches.push({ condition, parts });
  }
  const otherwise = compileParts(tag.elseTemplates ?? [], outputEscape, requiredFilterName);
  return otherwise ? { kind: 'if', branches, otherwise } : null;
}

function conditionOf(postfix: unknown[]): Condition | null {
  if (postfix.length === 1) {
    const test = operandOf(postfix);
    return test ? { test } : null;
  }
  if (postfix.length !== 3) return null;
  const operator = postfix[2] as never;
  if (!TypeGuards.isOperatorToken(operator)) return null;
  const op = (operator as { operator: string }).operator;
  if (op !== '==' && op !== '!=') return null;
  const left = operandOf([postfix[0]]);
  const right = operandOf([postfix[1]]);
  return left && right ? { left, op, right } : null;
}

function operandOf(postfix: unknown[]): Operand | null {
  if (postfix.length !== 1) return null;
  const token = postfix[0] as never;
  if (TypeGuards.isPropertyAccessToken(token)) {
    const literal = (token as { literalPath?: unknown }).literalPath;
    if (!Array.isArray(literal) || literal.length === 0) return null;
    if (!literal.every((k) => typeof k === 'string' && !SPECIAL_KEYS.has(k))) return null;
    return { path: literal as string[] };
  }
  return isLiteral(token) ? { constant: evalToken(token, undefined as never) } : null;
}

const isLiteral = (token: never): boolean => TypeGuards.isQuotedToken(token) || TypeGuards.isNumberToken(token);

function renderParts(parts: Part[], data: Record<string, unknown>, fallback: Record<string, unknown> | undefined, state: { used: number; budget: number }): string | typeof SLOW {
  let out = '';
  for (const p of parts) {
    if (p.kind === 'text') {
      out += p.text;
      continue;
    }
    if (p.kind === 'if') {
      let chosen = p.otherwise;
      for (const b of p.branches) {
        const holds = test(b.condition, data, fallback);
        if (holds === SLOW) return SLOW;
        if (holds) {
          chosen = b.parts;
          break;
        }
      }
      const inner = renderParts(chosen, data, fallback, state);
      if (inner === SLOW) return SLOW;
      out += inner;
      continue;
    }
    let v = read(p.operand, data, fallback);
    if (v === SLOW || isObject(v)) return SLOW;
    for (const op of p.ops) {
      if (op === 'required') {
        if (v === undefined || v === null || v === '') return SLOW;
      } else if (typeof op === 'object') {
        if (typeof v === 'string' ? v.length === 0 : v === false || v === undefined || v === null) v = op.default;
      } else {
        const s = stringify(v);
        state.used += s.length;
        if (state.used > state.budget) return SLOW;
        v = op === 'escape' ? s.replace(ESCAPE_RE, (m) => ESCAPES[m]!) : op === 'upcase' ? s.toUpperCase() : op === 'downcase' ? s.toLowerCase() : s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
      }
    }
    out += stringify(v);
  }
  return out;
}

/** Liquid truthiness (only false and nil are false) and `==` / `!=` on primitives. */
function test(c: Condition, data: Record<string, unknown>, fallback: Record<string, unknown> | undefined): boolean | typeof SLOW {
  if ('test' in c) {
    const v = read(c.test, data, fallback);
    if (v === SLOW) return SLOW;
    return !(v === false || v === undefined || v === null);
  }
  const l = read(c.left, data, fallback);
  const r = read(c.right, data, fallback);
  if (l === SLOW || r === SLOW || isObject(l) || isObject(r)) return SLOW;
  return c.op === '==' ? l === r : l !== r;
}

function read(o: Operand, data: Record<string, unknown>, fallback: Record<string, unknown> | undefined): unknown {
  return 'path' in o ? lookup(o.path, data, fallback) : o.constant;
}

/** liquidjs's variable lookup (scopes, then data, then globals; own properties only) for plain objects. */
function lookup(path: string[], data: Record<string, unknown>, fallback: Record<string, unknown> | undefined): unknown {
  const root = path[0]!;
  let v: unknown;
  if (root in data) v = hasOwn.call(data, root) ? data[root] : undefined;
  else v = fallback && hasOwn.call(fallback, root) ? fallback[root] : undefined;
  for (let i = 1; i < path.length; i++) {
    if (v === undefined || v === null) return v;
    if (typeof v !== 'object' || !isPlain(v)) return SLOW;
    const key = path[i]!;
    v = hasOwn.call(v, key) ? (v as Record<string, unknown>)[key] : undefined;
  }
  if (typeof v === 'function') return SLOW;
  return v;
}

const isObject = (v: unknown): boolean => v !== null && typeof v === 'object';

function stringify(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v);
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && !Array.isArray(v) && typeof (v as { toLiquid?: unknown }).toLiquid !== 'function';
}

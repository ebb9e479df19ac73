/**
 * A direct renderer for "flat" Liquid templates: literal text and `{{ output }}` tags whose value
 * is a variable path or a literal, filtered only by `default: <literal>`, `raw`, the HTML escape and
 * our required-value check. Most merge templates are like this ("Hi {{ first_name }}, ..."), and
 * liquidjs spends most of such a render setting up a context and driving its generator-based
 * renderer, about 5-10 µs per render; this does the same lookups in well under a microsecond.
 *
 * It gives liquidjs's result exactly, and says so only for the cases it knows: anything else
 * (a tag, another filter, an array, a Drop, a missing required value, an error) returns SLOW and
 * the caller renders with liquidjs, so errors and odd values keep liquidjs's behaviour and
 * messages. test/domain/templates-flat.property.test.ts compares the two on random templates.
 */
import { evalToken, Output, TypeGuards, type Liquid, type Template } from 'liquidjs';

/** Returned by a flat render that cannot vouch for the result: render with liquidjs instead. */
export const SLOW: unique symbol = Symbol('render with liquidjs');

export type FlatRender = (data: Record<string, unknown>, fallback: Record<string, unknown> | undefined) => string | typeof SLOW;

type Part =
  | { kind: 'text'; text: string }
  | { kind: 'value'; path: string[] | null; constant: unknown; required: boolean; fallback: { value: unknown } | null; escape: boolean };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
const ESCAPE_RE = /[&<>"']/g;
/** Keys liquidjs reads specially (`size`, `first`, `last`) or that need its array rules. */
const SPECIAL_KEYS = new Set(['size', 'first', 'last']);
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The flat renderer for parsed templates, or null when they use anything beyond the flat subset.
 * `requiredFilter` is our missing-value check; `memoryLimit` is liquidjs's (escaping counts toward it).
 */
export function flatRenderer(templates: Template[], liquid: Liquid, requiredFilterName: string, memoryLimit: number): FlatRender | null {
  const parts: Part[] = [];
  const outputEscape = liquid.options.outputEscape;
  for (const t of templates) {
    const html = t as unknown as { token: never; str?: unknown };
    if (TypeGuards.isHTMLToken(html.token) && typeof html.str === 'string') {
      parts.push({ kind: 'text', text: html.str });
      continue;
    }
    if (!(t instanceof Output)) return null;
    const part = valuePart(t, requiredFilterName, outputEscape);
    if (!part) return null;
    parts.push(part);
  }
  return (data, fallback) => {
    if (typeof data.toLiquid === 'function') return SLOW;
    let out = '';
    let escaped = 0;
    for (const p of parts) {
      if (p.kind === 'text') {
        out += p.text;
        continue;
      }
      let v = p.path ? lookup(p.path, data, fallback) : p.constant;
      if (v === SLOW) return SLOW;
      if (p.required && (v === undefined || v === null || v === '')) return SLOW;
      if (p.fallback && (typeof v === 'string' ? v.length === 0 : v === false || v === undefined || v === null)) v = p.fallback.value;
      if (v !== null && v !== undefined && typeof v === 'object') return SLOW;
      let s = v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v);
      if (p.escape) {
        escaped += s.length;
        if (escaped > memoryLimit) return SLOW;
        s = s.replace(ESCAPE_RE, (m) => ESCAPES[m]!);
      }
      out += s;
    }
    return out;
  };
}

function valuePart(t: Output, requiredFilterName: string, outputEscape: unknown): Part | null {
  const value = t.value;
  const postfix = value.initial.postfix as unknown[];
  if (postfix.length !== 1) return null;
  const token = postfix[0] as never;
  let path: string[] | null = null;
  let constant: unknown;
  if (TypeGuards.isPropertyAccessToken(token)) {
    const literal = (token as { literalPath?: unknown }).literalPath;
    if (!Array.isArray(literal) || literal.length === 0) return null;
    if (!literal.every((k) => typeof k === 'string' && !SPECIAL_KEYS.has(k))) return null;
    path = literal as string[];
  } else if (isLiteral(token)) {
    constant = evalToken(token, undefined as never);
  } else {
    return null;
  }
  let required = false;
  let fallback: { value: unknown } | null = null;
  let escape = false;
  const filters = value.filters;
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i]!;
    const last = i === filters.length - 1;
    if (f.name === requiredFilterName && i === 0) {
      required = true;
    } else if (f.name === 'default' && i === (required ? 1 : 0) && f.args.length === 1 && !Array.isArray(f.args[0])) {
      const arg = f.args[0] as never;
      if (!isLiteral(arg)) return null;
      fallback = { value: evalToken(arg, undefined as never) };
    } else if (last && outputEscape && (f as unknown as { handler: unknown }).handler === outputEscape) {
      escape = true;
    } else if (!(last && f.name === 'raw')) {
      return null;
    }
  }
  return { kind: 'value', path, constant, required, fallback, escape };
}

const isLiteral = (token: never): boolean => TypeGuards.isQuotedToken(token) || TypeGuards.isNumberToken(token);

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

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && !Array.isArray(v) && typeof (v as { toLiquid?: unknown }).toLiquid !== 'function';
}

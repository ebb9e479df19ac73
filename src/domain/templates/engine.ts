/**
 * Message templates: Liquid (liquidjs), sandboxed.
 *
 * - No code: Liquid has no way to call into JavaScript; objects expose only their own properties
 *   (`ownPropertyOnly`), and `include`, `render` and `layout` are refused (no file system).
 * - Bounded: at most 100k characters per template, and a render gets 100 ms and 10 MB, so an
 *   enormous loop fails instead of hanging a worker.
 * - Exact: a variable that is printed (`{{ first_name }}`) and has no value fails the render
 *   with its name and position, unless the template gives a default
 *   (`{{ first_name | default: "there" }}`). Variables only tested (`{% if last_purchase %}`) may be
 *   absent, as in Liquid.
 * - HTML bodies escape printed values (`{{ x | raw }}` opts out); text, SMS and push bodies do not.
 */
import { Filter, Liquid, Output, type Template } from 'liquidjs';
import { flatRenderer, SLOW } from './flat.js';

export const TEMPLATE_MAX_CHARS = 100_000;
const RENDER_LIMIT_MS = 100;
const MEMORY_LIMIT = 10_000_000;

export type TemplateKind = 'text' | 'html';

export interface TemplateIssue {
  message: string;
  line?: number;
  col?: number;
}

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    message: string,
    /** The variable whose value was missing, when that is the problem. */
    readonly variable?: string,
  ) {
    super(message);
  }
}

export interface CompiledTemplate {
  /** Root names of the variables the template reads from its data (loop and assigned names excluded). */
  readonly variables: readonly string[];
  /**
   * The roots of `variables` that are read only by outputs giving a default
   * (`{{ coupon | default: "none" }}`): the template works when nothing provides them.
   */
  readonly defaulted: readonly string[];
  /** `fallback` is read for names `data` does not have (e.g. campaign-wide values under per-person ones). */
  render(data: Record<string, unknown>, fallback?: Record<string, unknown>): string;
}

const REFUSED_TAGS = ['include', 'render', 'layout'];

function engine(kind: TemplateKind): Liquid {
  const liquid = new Liquid({
    ownPropertyOnly: true,
    strictFilters: true,
    renderLimit: RENDER_LIMIT_MS,
    memoryLimit: MEMORY_LIMIT,
    parseLimit: TEMPLATE_MAX_CHARS * 2,
    cache: false,
    ...(kind === 'html' ? { outputEscape: 'escape' as const } : {}),
  });
  for (const name of REFUSED_TAGS) {
    liquid.registerTag(name, {
      parse() {
        throw new Error(`{% ${name} %} is not allowed in message templates (no other files can be read)`);
      },
      render() {
        return '';
      },
    });
  }
  return liquid;
}

const engines: Record<TemplateKind, Liquid> = { text: engine('text'), html: engine('html') };

/**
 * Parses and checks a template; throws TemplateError (with line and column) when it cannot be used.
 * Flat templates render through ./flat.ts, which falls back to liquidjs for anything it cannot
 * vouch for; `direct: false` always uses liquidjs (for comparing the two).
 */
export function compileTemplate(source: string, kind: TemplateKind = 'text', options: { direct?: boolean } = {}): CompiledTemplate {
  if (source.length > TEMPLATE_MAX_CHARS) {
    throw new TemplateError(`the template is ${source.length.toLocaleString('en')} characters long; the limit is ${TEMPLATE_MAX_CHARS.toLocaleString('en')}`);
  }
  const liquid = engines[kind];
  let templates: Template[];
  try {
    templates = liquid.parse(source);
  } catch (err) {
    throw new TemplateError(describe(err));
  }
  const analysis = liquid.analyzeSync(templates);
  const globals = Object.keys(analysis.globals);
  const defaultedAt = defaultedOutputPositions(templates, new Set(globals));
  const defaulted = globals.filter((g) => analysis.globals[g]!.every((v) => defaultedAt.has(`${v.location.row}:${v.location.col}`)));
  requirePrintedVariables(templates, new Set(globals), liquid);
  const flat = options.direct === false ? null : flatRenderer(templates, liquid, REQUIRED_FILTER, MEMORY_LIMIT);
  return {
    variables: globals,
    defaulted,
    render(data, fallback) {
      if (flat) {
        const out = flat(data, fallback);
        if (out !== SLOW) return out;
      }
      try {
        return liquid.renderSync(templates, data, fallback ? { globals: fallback } : undefined) as string;
      } catch (err) {
        const missing = findMissing(err);
        throw new TemplateError(describe(err), missing);
      }
    },
  };
}

/** Problems that make a template unusable, as a list (empty when it is fine). */
export function checkTemplate(source: string, kind: TemplateKind = 'text'): TemplateIssue[] {
  try {
    compileTemplate(source, kind);
    return [];
  } catch (err) {
    const e = err as TemplateError;
    const at = /line:(\d+), col:(\d+)/.exec(e.message);
    return [{ message: e.message, ...(at ? { line: Number(at[1]), col: Number(at[2]) } : {}) }];
  }
}

const MISSING_PREFIX = 'missing variable ';
const REQUIRED_FILTER = 'required';

/**
 * Puts a check in front of the filters of every printed global variable that has no default: an
 * absent, null or empty value stops the render naming the variable.
 */
function requirePrintedVariables(templates: Template[], globals: Set<string>, liquid: Liquid): void {
  for (const node of walk(templates)) {
    if (!(node instanceof Output)) continue;
    const value = node.value;
    if (value.filters.some((f) => f.name === 'default')) continue;
    const [only, ...rest] = value.initial.postfix as Array<{ literalPath?: unknown; getText?: () => string }>;
    if (!only || rest.length > 0) continue;
    const path = Array.isArray(only.literalPath) ? (only.literalPath as unknown[]).map(String) : null;
    if (!path || !path.length || !globals.has(path[0]!)) continue;
    const name = path.join('.');
    const check = new Filter(
      { name: REQUIRED_FILTER, args: [] } as never,
      (v: unknown) => {
        if (v === undefined || v === null || v === '') throw new Error(`${MISSING_PREFIX}${name}`);
        return v;
      },
      liquid,
    );
    value.filters.unshift(check);
  }
}

/**
 * Where each printed global variable with a `default` filter starts (`row:col`), matching the
 * locations liquidjs's analysis gives each read of a variable.
 */
function defaultedOutputPositions(templates: Template[], globals: Set<string>): Set<string> {
  const at = new Set<string>();
  for (const node of walk(templates)) {
    if (!(node instanceof Output)) continue;
    const value = node.value;
    if (!value.filters.some((f) => f.name === 'default')) continue;
    const [only, ...rest] = value.initial.postfix as unknown as Array<{ literalPath?: unknown; getPosition?: () => number[] }>;
    if (!only || rest.length > 0 || typeof only.getPosition !== 'function') continue;
    const path = Array.isArray(only.literalPath) ? (only.literalPath as unknown[]).map(String) : null;
    if (!path || !path.length || !globals.has(path[0]!)) continue;
    const [row, col] = only.getPosition();
    at.add(`${row}:${col}`);
  }
  return at;
}

/** Every node of a parsed template, nested tags included. */
function* walk(nodes: unknown, seen = new Set<unknown>()): Generator<unknown> {
  if (!nodes || typeof nodes !== 'object' || seen.has(nodes)) return;
  seen.add(nodes);
  if (Array.isArray(nodes)) {
    for (const n of nodes) yield* walk(n, seen);
    return;
  }
  yield nodes;
  for (const [key, child] of Object.entries(nodes)) {
    if (key === 'liquid' || key === 'tokenizer' || key === 'token' || key === 'value') continue;
    if (child && typeof child === 'object') yield* walk(child, seen);
  }
}

function findMissing(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = (e as { originalError?: unknown }).originalError) {
    if (e.message.startsWith(MISSING_PREFIX)) return e.message.slice(MISSING_PREFIX.length).split(',')[0]!.trim();
  }
  return undefined;
}

/** liquidjs's message, first line only (its later lines echo the template). */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}

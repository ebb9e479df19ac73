/**
 * The deterministic segment grammar: a description in English to segment rules, with every part
 * it could not read quoted in `unparsed` (and why, in `problems`). Pure: no I/O, no clock.
 *
 * Clauses are AND-ed unless joined by "or" (AND binds tighter: "a and b or c" is (a and b) or c);
 * a comma takes the meaning of the next "and"/"or" in its piece ("a, b or c" is a or b or c).
 * Adjacent atoms are merged when together they form one condition ("pro or max tier", "from
 * Germany, France or Spain") or several side by side ("pro or max users active in the last 30
 * days"), longest first. A part that is not understood on its own may point back at the clause
 * before it ("but not in the last 3 weeks", see refs.ts).
 */
import { DomainError } from '../../errors.js';
import { MAX_CONDITIONS, RULES_VERSION, ruleNode, segmentRules, type RuleNode, type SegmentRules } from '../ast.js';
import type { InterpretedClause, Interpretation, SegmentInterpreter } from '../interpret.js';
import { splitDescription, trimSpan, type JoinKind, type Piece, type Span } from './clauses.js';
import { combine, leaves, previousRun, type Item } from './combine.js';
import { MAX_CLAUSE_CHARS, recognize, type Memo } from './recognize.js';
import { resolveReference } from './refs.js';
import type { Recognized } from './types.js';

export const MAX_DESCRIPTION_CHARS = 2000;
/** How many atoms may be merged into one condition ("a, b, c or d tier"). */
const MAX_MERGE = 12;

export interface GrammarProblem {
  /** The part of the description, as written (as in `unparsed`). */
  text: string;
  reason: string;
}

export interface GrammarInterpretation extends Interpretation {
  /** One entry per `unparsed` part, saying why it could not be used. */
  problems: GrammarProblem[];
}

/**
 * Returned as `rules` only alongside a non-empty `unparsed` when nothing could be read: the port
 * requires rules, and this one matches nobody, so it can never widen an audience by mistake.
 */
export const MATCH_NOTHING: RuleNode = {
  kind: 'and',
  children: [
    { kind: 'consent', channel: 'email', subscribed: true },
    { kind: 'consent', channel: 'email', subscribed: false },
  ],
};

export function assertDescriptionLength(description: string): void {
  if (description.length > MAX_DESCRIPTION_CHARS) {
    throw new DomainError(
      'invalid_input',
      `The description is ${description.length} characters long; at most ${MAX_DESCRIPTION_CHARS} are allowed`,
      'Describe the audience more briefly, or define parts of it as segments and combine them with "in segment ..."',
    );
  }
}

interface Unit extends Span {
  result: Recognized | null;
  /** Only punctuation and symbols (a stray quote, "--"): reported together with its neighbours. */
  junk: boolean;
  join?: JoinKind;
}

const HARMLESS = /^[\s.,;:!?]*$/;
const NOT_UNDERSTOOD = 'not understood';

function validated(r: Recognized | null): Recognized | null {
  if (!r || 'problem' in r) return r;
  const parsed = ruleNode.safeParse(r.node);
  return parsed.success ? { node: parsed.data } : { problem: parsed.error.issues[0]?.message ?? 'invalid condition' };
}

/** Merges atoms into units: the longest run that reads as a condition, else the longest run with a specific problem. */
function units(text: string, piece: Piece, seen: Map<string, Recognized | null>, memo: Memo): Unit[] {
  const out: Unit[] = [];
  const { atoms, joins } = piece;
  for (let i = 0; i < atoms.length; ) {
    let chosen: { j: number; span: Span; result: Recognized | null } | undefined;
    let problem: typeof chosen;
    for (let j = Math.min(atoms.length - 1, i + MAX_MERGE); j >= i; j -= 1) {
      const span = trimSpan(text, { start: atoms[i]!.start, end: atoms[j]!.end });
      if (j > i && span.end - span.start > MAX_CLAUSE_CHARS) continue;
      const clause = text.slice(span.start, span.end);
      let result = seen.get(clause);
      if (result === undefined) {
        result = validated(recognize(clause, memo));
        seen.set(clause, result);
      }
      if (result && 'node' in result) {
        chosen = { j, span, result };
        break;
      }
      if (result && !problem) problem = { j, span, result };
      if (j === i && !problem) problem = { j, span, result };
    }
    const pick = chosen ?? problem!;
    const body = text.slice(pick.span.start, pick.span.end);
    if (!HARMLESS.test(body)) {
      out.push({ ...pick.span, result: pick.result, junk: !/[\p{L}\p{N}]/u.test(body), join: joins[pick.j] });
    } else if (out.length && joins[pick.j] !== undefined) {
      out[out.length - 1]!.join = joins[pick.j];
    }
    i = pick.j + 1;
  }
  return out;
}

export function parseDescription(description: string): GrammarInterpretation {
  assertDescriptionLength(description);
  const clauses: InterpretedClause[] = [];
  const failed: (Unit & { reason: string })[] = [];
  const pieceItems: Item[] = [];
  let conditions = 0;
  let lastWasFailure = false;
  let lastNode: RuleNode | undefined;

  const pieces = splitDescription(description);
  const seen = new Map<string, Recognized | null>();
  const memo: Memo = new Map();
  pieces.forEach((piece, p) => {
    const items: Item[] = [];
    for (const u of units(description, piece, seen, memo)) {
      let r = u.result;
      if (!r || 'problem' in r) {
        // "but not in the last 3 weeks", "have not purchased since": read against what came just before.
        const before = items.length ? previousRun(items) : lastNode && !lastWasFailure ? [lastNode] : [];
        const ref = validated(resolveReference(description.slice(u.start, u.end), before));
        if (ref && (!r || 'node' in ref)) r = ref;
      }
      if (r && 'node' in r && conditions + leaves(r.node) > MAX_CONDITIONS) r = { problem: `a segment may have at most ${MAX_CONDITIONS} conditions` };
      if (r && 'node' in r) {
        conditions += leaves(r.node);
        clauses.push({ text: description.slice(u.start, u.end), node: r.node });
        items.push({ node: r.node, join: u.join });
        lastWasFailure = false;
        lastNode = r.node;
        continue;
      }
      const reason = r ? r.problem : NOT_UNDERSTOOD;
      const prev = failed[failed.length - 1];
      // A stray quote or "--" is quoted together with the failed text next to it.
      if (prev && lastWasFailure && (prev.junk || u.junk)) {
        prev.end = u.end;
        prev.junk = prev.junk && u.junk;
        if (prev.reason === NOT_UNDERSTOOD) prev.reason = reason;
      } else {
        failed.push({ ...u, reason });
      }
      items.push({ join: u.join });
      lastWasFailure = true;
    }
    const next = pieces[p + 1];
    pieceItems.push({ node: combine(items), join: next?.orWithPrevious ? 'or' : 'and' });
  });

  const problems = failed.map((f) => ({ text: description.slice(f.start, f.end), reason: f.reason }));
  const root = combine(pieceItems);
  if (!root) {
    if (problems.length === 0) problems.push({ text: description.trim() || description, reason: 'the description states no condition' });
    return result({ version: RULES_VERSION, root: MATCH_NOTHING }, clauses, problems);
  }
  const rules = segmentRules.safeParse({ version: RULES_VERSION, root });
  if (!rules.success) {
    // Each clause was validated on its own; this only guards the groups (depth, sizes).
    problems.push({ text: description.trim(), reason: rules.error.issues[0]?.message ?? 'invalid rules' });
    return result({ version: RULES_VERSION, root: MATCH_NOTHING }, clauses, problems);
  }
  return result(rules.data as SegmentRules, clauses, problems);
}

function result(rules: SegmentRules, clauses: InterpretedClause[], problems: GrammarProblem[]): GrammarInterpretation {
  return { rules, clauses, unparsed: problems.map((p) => p.text), problems, interpreter: 'grammar' };
}

export const grammarInterpreter: SegmentInterpreter = {
  name: 'grammar',
  async interpret(description, opts) {
    opts.signal?.throwIfAborted();
    return parseDescription(description);
  },
};

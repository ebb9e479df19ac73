/**
 * The port every natural-language segment interpreter implements (deterministic grammar, Claude,
 * the platform's intelligent query service). An interpreter never drops a clause silently: what it
 * cannot turn into rules comes back in `unparsed`, and the tool fails quoting it.
 */
import type { RuleNode, SegmentRules } from './ast.js';

export interface InterpretedClause {
  /** The words of the description this clause came from, as written. */
  text: string;
  node: RuleNode;
}

export interface Interpretation {
  rules: SegmentRules;
  clauses: InterpretedClause[];
  /** Parts of the description that were not understood, quoted as written. Empty on success. */
  unparsed: string[];
  /** Why each unparsed part could not be used, when the interpreter knows. */
  problems?: Array<{ text: string; reason: string }>;
  interpreter: 'grammar' | 'claude' | 'intelligent_query';
}

export interface SegmentInterpreter {
  readonly name: Interpretation['interpreter'];
  interpret(description: string, opts: { signal?: AbortSignal }): Promise<Interpretation>;
}

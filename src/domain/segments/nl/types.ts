import type { RuleNode } from '../ast.js';

/** A clause that has the shape of a condition but cannot become one, and why. */
export interface Problem {
  problem: string;
}

export type Recognized = { node: RuleNode } | Problem;

/**
 * One recogniser: a whole-clause, case-insensitive regular expression and the function that
 * builds the condition from its named groups (or null: "not mine after all", so the next pattern
 * is tried). A pattern never matches part of a clause.
 */
export interface Pattern {
  re: RegExp;
  build(groups: Record<string, string | undefined>, clause: string): Recognized | null;
}

export const pattern = (re: RegExp, build: Pattern['build']): Pattern => ({ re, build });

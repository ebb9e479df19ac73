/**
 * `adapt`: rewriting a rendered message for one person within the marketer's limits. The
 * copywriter (Claude) proposes; the guardrails (./guardrails.ts) decide. A rejected proposal gets
 * one more attempt carrying the reasons; a second rejection falls back to the plain render.
 */
import type { MemoryFact } from '../platform.js';
import type { Channel, Copy } from './guardrails.js';

export interface AdaptBrief {
  /** e.g. "warm and brief", "playful". */
  tone?: string;
  /** What to stress, e.g. "the free shipping". */
  emphasis?: string;
  /** Free-form guidance from the marketer. */
  notes?: string;
  /** ISO 639-1 language the copy must be in. */
  language: string;
  /** Statements the copy may add beyond the template (a price, a code, a claim). */
  allowedFacts: string[];
}

export interface AdaptRequest {
  channel: Channel;
  /** The plain render: the copy to adapt, whose links and footer must survive. */
  original: Copy;
  brief: AdaptBrief;
  /** The person's data, passed to the model as quoted data. */
  person: Record<string, unknown>;
  memories: MemoryFact[];
  /** The previous proposal and why it was rejected, on the retry. */
  rejected?: { candidate: Copy; reasons: string[] };
}

export interface Copywriter {
  readonly name: string;
  rewrite(req: AdaptRequest, opts: { signal?: AbortSignal }): Promise<Copy>;
}

/** A marketer-written alternative copy, chosen without a model by what the person stated. */
export interface Alternate {
  /** Matches when the person's preference (memory fact subject) equals or contains the value, case-insensitively. */
  when: { preference: string; equals?: string; contains?: string };
  subject?: string;
  body?: string;
  html?: string;
}

/** The first alternate whose condition the person's preferences meet (index), or -1. */
export function chooseAlternate(alternates: readonly Alternate[], preferences: Record<string, string>): number {
  return alternates.findIndex((a) => {
    const value = preferences[normalizeSubject(a.when.preference)];
    if (value === undefined) return false;
    const v = value.toLowerCase();
    if (a.when.equals !== undefined) return v === a.when.equals.toLowerCase();
    if (a.when.contains !== undefined) return v.includes(a.when.contains.toLowerCase());
    return true;
  });
}

/** How a memory subject becomes a preference name (`Favorite category` -> `favorite_category`). */
export function normalizeSubject(subject: string): string {
  return subject
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

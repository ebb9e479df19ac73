/** The shapes the adaptation guardrails (guardrails.ts) read and return. */
export type { Channel } from '../campaign.js';
import type { Channel } from '../campaign.js';

/** One rendered message: `subject` is the email subject or the push/in-app title; null where the channel has none. */
export interface Copy {
  subject: string | null;
  text: string;
  html: string | null;
}

export interface AdaptationCheckInput {
  channel: Channel;
  /** The plain render of the template for this person (trusted). */
  original: Copy;
  /** The model's rewrite (untrusted). */
  candidate: Copy;
  /** Marketer-given statements the copy may add (e.g. "Free shipping over €50", "Use code WINTER10"). */
  allowedFacts: string[];
  /** Expected primary language, ISO 639-1 ('en', 'de', 'fr', ...). */
  language: string;
}

export type CheckName =
  | 'links_kept'
  | 'unsubscribe_kept'
  | 'no_new_urls'
  | 'no_new_prices'
  | 'no_new_codes'
  | 'length'
  | 'language'
  | 'shape';

/** `detail` says exactly what was wrong (or, for a pass, anything worth knowing, e.g. "too short to tell"). */
export interface CheckResult {
  check: CheckName;
  ok: boolean;
  detail?: string;
}

/** `reasons` are the details of the failed checks, phrased to be sent back to the model in a retry. */
export interface AdaptationReport {
  ok: boolean;
  checks: CheckResult[];
  reasons: string[];
}

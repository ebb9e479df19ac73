/**
 * The checks a model's rewrite of a rendered message (personalize_message, mode `adapt`) must
 * pass before it may replace the plain render: it keeps every link and the unsubscribe footer,
 * adds no link, price, offer or code that the template or the marketer's allowed facts do not
 * have, fits the channel, and is in the requested language. Pure and synchronous; each rule is
 * documented where it is implemented:
 *
 *   shape            here              links_kept, no_new_urls   links.ts
 *   unsubscribe_kept footer.ts         no_new_prices             offers.ts
 *   no_new_codes     codes.ts          length                    length.ts
 *   language         language.ts
 */
import { findCodes, isBackedCode, trustedTokens } from './codes.js';
import { checkUnsubscribe } from './footer.js';
import { parseHtml, readableText } from './html.js';
import { checkLanguage } from './language.js';
import { checkLength } from './length.js';
import { checkLinksKept, checkNoNewUrls } from './links.js';
import { findOffers, isBacked, vocabulary } from './offers.js';
import type { AdaptationCheckInput, AdaptationReport, CheckResult, Copy } from './types.js';

export type { AdaptationCheckInput, AdaptationReport, Channel, CheckName, CheckResult, Copy } from './types.js';
export { CHANNEL_LIMITS, smsSegments } from './length.js';
export { detectLanguage } from './language.js';

export function checkAdaptation(input: AdaptationCheckInput): AdaptationReport {
  const { channel, original, allowedFacts, language } = input;
  // A malformed candidate is still checked field by field, so the model hears every problem at once.
  const candidate: Copy = { subject: input.candidate.subject ?? null, text: input.candidate.text ?? '', html: input.candidate.html ?? null };
  const checks: CheckResult[] = [
    checkShape(original, candidate),
    checkLinksKept(original, candidate),
    checkUnsubscribe(channel, original, candidate),
    checkNoNewUrls(original, candidate, allowedFacts),
    checkNoNewPrices(original, candidate, allowedFacts),
    checkNoNewCodes(original, candidate, allowedFacts),
    checkLength(channel, original, candidate),
    checkLanguage(candidate.text, language),
  ];
  const reasons = checks.filter((c) => !c.ok).map((c) => c.detail ?? `failed ${c.check}`);
  return { ok: reasons.length === 0, checks, reasons };
}

/** The candidate has a subject iff the original has, HTML iff the original has, and no field present is blank. */
function checkShape(original: Copy, candidate: Copy): CheckResult {
  const problems: string[] = [];
  for (const field of ['subject', 'html'] as const) {
    const name = field === 'html' ? 'HTML' : 'subject';
    if (original[field] === null && candidate[field] !== null) problems.push(`has a ${name} but the original has none (set it to null)`);
    else if (original[field] !== null && candidate[field] === null) problems.push(`has no ${name} but the original has one`);
    else if (candidate[field] !== null && !candidate[field]!.trim()) problems.push(`the ${name} is empty`);
  }
  if (!candidate.text.trim()) problems.push('the text is empty');
  if (problems.length === 0) return { check: 'shape', ok: true };
  return { check: 'shape', ok: false, detail: problems.join('; ') };
}

/** Everything a reader sees (subject, text, visible HTML text with alt/title), one string per field. */
function readable(copy: Copy): string[] {
  return [copy.subject ?? '', copy.text, copy.html === null ? '' : readableText(parseHtml(copy.html))];
}

function checkNoNewPrices(original: Copy, candidate: Copy, allowedFacts: string[]): CheckResult {
  const trustedTexts = [...readable(original), ...allowedFacts];
  const trusted = trustedTexts.flatMap(findOffers);
  const words = vocabulary(trustedTexts);
  const added = new Map<string, string>();
  for (const offer of readable(candidate).flatMap(findOffers)) {
    if (!isBacked(offer, trusted, words)) added.set(offer.key, offer.raw);
  }
  if (added.size === 0) return { check: 'no_new_prices', ok: true };
  const list = [...added.values()].map((r) => `'${r}'`).join(', ');
  return {
    check: 'no_new_prices',
    ok: false,
    detail: `adds ${list}, which ${added.size === 1 ? 'is' : 'are'} in neither the template nor the allowed facts; state only the original's prices, discounts and offers`,
  };
}

function checkNoNewCodes(original: Copy, candidate: Copy, allowedFacts: string[]): CheckResult {
  const tokens = trustedTokens([...readable(original), original.html ?? '', ...allowedFacts]);
  const added = new Set<string>();
  for (const code of readable(candidate).flatMap(findCodes)) {
    if (!isBackedCode(code, tokens)) added.add(code.raw);
  }
  if (added.size === 0) return { check: 'no_new_codes', ok: true };
  const list = [...added].map((c) => `'${c}'`).join(', ');
  return {
    check: 'no_new_codes',
    ok: false,
    detail: `adds the code${added.size === 1 ? '' : 's'} ${list}, which ${added.size === 1 ? 'is' : 'are'} in neither the template nor the allowed facts; use only codes the original or the allowed facts give`,
  };
}

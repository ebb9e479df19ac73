/**
 * unsubscribe_kept: the original's unsubscribe footer must survive the rewrite.
 *
 * What the footer is:
 * - text: every line that mentions unsubscribing (UNSUBSCRIBE_WORDS) or holds an unsubscribe
 *   link (UNSUBSCRIBE_URL); on SMS also every line with the opt-out keyword STOP (CTIA and most
 *   carriers require "Reply STOP to opt out"). An SMS is usually a single line, so there the
 *   footer is the sentences of a line that do so, not the whole line (else no SMS could change).
 * - HTML: every <a> whose href is an unsubscribe link or whose text mentions unsubscribing, and
 *   every rendered line (see renderLines) that mentions it.
 *
 * How it must survive: whitespace-normalized (runs of spaces and line breaks count as one space),
 * otherwise verbatim. A text line must occur in the candidate's text; an HTML line in the
 * candidate's rendered HTML text; an anchor as an <a> with the identical href and the same text
 * (its other attributes, such as style, may change).
 */
import { anchors, normalizeSpace, parseHtml, renderLines } from './html.js';
import type { Channel, CheckResult, Copy } from './types.js';
import { webUrls } from './urls.js';

/** "Unsubscribe" in the languages we send in, with the inflections a footer uses. */
const UNSUBSCRIBE_WORDS = new RegExp(
  [
    String.raw`unsubscri`, // en: unsubscribe, unsubscribing
    String.raw`opt[\s-]?out`, // en
    String.raw`abmeld|abbestell`, // de: abmelden, Abmeldung, abbestellen
    String.raw`d[ée]sinscri|d[ée]sabonn`, // fr: se désinscrire, désinscription, se désabonner
    String.raw`\bde\s+baja\b|(?:cancelar|anular)\s+(?:(?:la|tu|su)\s+)?suscripci[óo]n`, // es: darse de baja, cancelar la suscripción
    String.raw`(?:annull|cancell)\p{L}*\s+l['’]\s?iscrizione|disiscri`, // it: annulla l'iscrizione, disiscriviti
    String.raw`uitschrij|afmeld`, // nl: uitschrijven, afmelden
    String.raw`(?:cancelar|anular)\s+(?:a\s+)?(?:sua\s+)?(?:inscri[çc][ãa]o|subscri[çc][ãa]o)|descadastr`, // pt: cancelar inscrição
  ].join('|'),
  'iu',
);
/** A link that unsubscribes, by its path or query. */
const UNSUBSCRIBE_URL = /unsub|opt[-_]?out|abmeld|abbestell|d(?:e|%c3%a9|é)sinscri|d(?:e|%c3%a9|é)sabonn|baja|disiscri|uitschrij|afmeld|descadastr/i;
const SMS_STOP = /\bSTOP\b/;

export function mentionsUnsubscribe(s: string): boolean {
  return UNSUBSCRIBE_WORDS.test(s);
}

export function isUnsubscribeUrl(url: string): boolean {
  return UNSUBSCRIBE_URL.test(url);
}

/** The footer lines (SMS: sentences) of a plain text, whitespace-normalized. */
export function footerLines(text: string, channel: Channel): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  const units = channel === 'sms' ? lines.flatMap((l) => l.split(/(?<=[.!?])\s+/)) : lines;
  return units
    .filter((u) => mentionsUnsubscribe(u) || webUrls(u).some(isUnsubscribeUrl) || (channel === 'sms' && SMS_STOP.test(u)))
    .map(normalizeSpace)
    .filter(Boolean);
}

export function checkUnsubscribe(channel: Channel, original: Copy, candidate: Copy): CheckResult {
  const problems: string[] = [];
  const text = normalizeSpace(candidate.text);
  for (const line of new Set(footerLines(original.text, channel))) {
    if (!text.includes(line)) problems.push(`dropped or changed the unsubscribe line "${line}" in the text`);
  }
  if (original.html !== null) {
    const before = parseHtml(original.html);
    const after = parseHtml(candidate.html ?? '');
    const afterAnchors = anchors(after);
    const afterText = renderLines(after).join(' ');
    for (const a of anchors(before)) {
      if (!(isUnsubscribeUrl(a.href) || mentionsUnsubscribe(a.text))) continue;
      if (!afterAnchors.some((b) => b.href === a.href && b.text === a.text)) {
        problems.push(`dropped or changed the unsubscribe link <a href="${a.href}">${a.text}</a> in the HTML`);
      }
    }
    for (const line of new Set(renderLines(before).filter(mentionsUnsubscribe))) {
      if (!afterText.includes(line)) problems.push(`dropped or changed the unsubscribe text "${line}" in the HTML`);
    }
  }
  if (problems.length === 0) return { check: 'unsubscribe_kept', ok: true };
  return { check: 'unsubscribe_kept', ok: false, detail: `${problems.join('; ')}; keep the unsubscribe footer word for word` };
}

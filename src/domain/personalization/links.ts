/**
 * links_kept and no_new_urls.
 *
 * links_kept: every http(s) URL of the original text occurs, character for character (query and
 * fragment included), among the URLs of the candidate's text, and every href/src of the original
 * HTML among the candidate HTML's href/src values (entity-decoded, see html.ts). Comparing parsed
 * URLs, not substrings, is what makes "?u=1" fail against "?u=12". A link used twice need only be
 * kept once.
 *
 * no_new_urls: every link anywhere in the candidate (URLs and bare domains in subject, text and
 * visible HTML text, markdown link targets, link attributes in the HTML, and HTML tags the
 * model put into the text) must be a link of the original or of the allowed facts, compared by
 * urlKey (scheme and host case aside, exact). A bare domain ("shop.test") also passes when it
 * is the host of such a link.
 */
import { hrefsAndSrcs, linkAttributes, parseHtml, renderLines } from './html.js';
import type { CheckResult, Copy } from './types.js';
import { bareHost, findUrls, hostOf, urlKey, webUrls } from './urls.js';

export function checkLinksKept(original: Copy, candidate: Copy): CheckResult {
  const problems: string[] = [];
  const keptText = new Set(webUrls(candidate.text));
  for (const url of new Set(webUrls(original.text))) {
    if (!keptText.has(url)) problems.push(lost(url, [...keptText], 'the text'));
  }
  if (original.html !== null) {
    const keptHtml = new Set(hrefsAndSrcs(parseHtml(candidate.html ?? '')));
    for (const url of new Set(hrefsAndSrcs(parseHtml(original.html)))) {
      if (!keptHtml.has(url)) problems.push(lost(url, [...keptHtml], 'the HTML'));
    }
  }
  if (problems.length === 0) return { check: 'links_kept', ok: true };
  return { check: 'links_kept', ok: false, detail: `${problems.join('; ')}; keep every link exactly as in the original, query string included` };
}

/** "dropped X", or "changed X to Y" when the candidate has the same link with another query or fragment. */
function lost(url: string, kept: string[], where: string): string {
  const base = (u: string) => u.split(/[?#]/)[0];
  const near = kept.find((k) => base(k) === base(url));
  return near ? `changed ${url} to ${near} in ${where}` : `dropped ${url} from ${where}`;
}

/** Every link of a copy, as written. */
export function linksOf(copy: Copy): string[] {
  const found: string[] = [];
  for (const text of [copy.subject ?? '', copy.text]) {
    found.push(...findUrls(text).map((u) => u.raw));
    if (text.includes('<')) found.push(...linkAttributes(parseHtml(text)).map((l) => l.value));
  }
  if (copy.html !== null) {
    const doc = parseHtml(copy.html);
    found.push(...linkAttributes(doc).map((l) => l.value));
    found.push(...findUrls(renderLines(doc).join('\n')).map((u) => u.raw));
  }
  return found;
}

export function checkNoNewUrls(original: Copy, candidate: Copy, allowedFacts: string[]): CheckResult {
  const trusted = [...linksOf(original), ...allowedFacts.flatMap((f) => findUrls(f).map((u) => u.raw))].map(urlKey);
  const keys = new Set(trusted);
  const hosts = new Set(trusted.map(hostOf));
  const added = new Set<string>();
  for (const raw of linksOf(candidate)) {
    const key = urlKey(raw);
    const host = bareHost(key);
    if (!keys.has(key) && !(host !== null && hosts.has(host))) added.add(raw);
  }
  if (added.size === 0) return { check: 'no_new_urls', ok: true };
  const list = [...added].map((u) => `'${u}'`).join(', ');
  return { check: 'no_new_urls', ok: false, detail: `adds ${list}, which ${added.size === 1 ? 'is' : 'are'} in neither the template nor the allowed facts; use only the original's links` };
}

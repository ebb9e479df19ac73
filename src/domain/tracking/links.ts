/**
 * Preparing a rendered message for click and open tracking: every absolute http(s) link, in the
 * HTML and in the plain text, is replaced by a click URL naming its index in `links`, and the HTML
 * gets an open pixel.
 *
 * The HTML is never re-serialized. htmlparser2 only locates each href value, and just those
 * characters are replaced: everything else (Outlook conditional comments, odd whitespace, quoting
 * and case) reaches the mail client byte for byte as it was rendered.
 */
import { Parser } from 'htmlparser2';
import { LinkifyIt } from 'linkify-it';

export interface TrackableContent {
  subject: string | null;
  text: string;
  html: string | null;
}

export interface TrackingUrls {
  /** The URL that redirects to links[index]. */
  click(index: number): string;
  /** The open pixel's URL; absent: no pixel. */
  open?: string;
}

export interface TrackedContent {
  content: TrackableContent;
  /** Original targets, by index: the click URL for index i redirects to links[i]. */
  links: string[];
}

/**
 * At most this many distinct links are tracked per message; a later distinct link keeps its
 * original URL (a repeat of an already tracked one is still rewritten).
 */
export const MAX_TRACKED_LINKS = 200;

const TRACKABLE = /^https?:\/\//i;

// Not personalization/urls.ts's linkifier: that one is fuzzy (bare domains, e-mail addresses,
// markdown targets), and only links written with an http(s) scheme are rewritten here.
const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });

interface Edit {
  start: number;
  end: number;
  text: string;
}

interface Href {
  /** Entity-decoded and trimmed. */
  url: string;
  /** The value as written, its quotes included. */
  start: number;
  end: number;
}

export function trackLinks(content: TrackableContent, urls: TrackingUrls): TrackedContent {
  const links: string[] = [];
  const indexes = new Map<string, number>();
  const indexOf = (url: string): number | undefined => {
    let index = indexes.get(url);
    if (index === undefined && links.length < MAX_TRACKED_LINKS) {
      index = links.push(url) - 1;
      indexes.set(url, index);
    }
    return index;
  };

  let html = content.html;
  const pixel = html !== null && urls.open ? urls.open : null;
  if (html !== null) {
    const scan = scanHtml(html);
    const edits: Edit[] = [];
    for (const href of scan.hrefs) {
      const index = indexOf(href.url);
      if (index !== undefined) edits.push({ start: href.start, end: href.end, text: `"${escapeHtml(urls.click(index))}"` });
    }
    if (pixel !== null) {
      const img = `<img src="${escapeHtml(pixel)}" width="1" height="1" alt="" style="display:none;border:0">`;
      edits.push({ start: scan.pixelAt, end: scan.pixelAt, text: img });
    }
    html = splice(html, edits);
  }

  const textEdits: Edit[] = [];
  for (const m of linkify.match(content.text) ?? []) {
    if (m.schema !== 'http:' && m.schema !== 'https:') continue;
    const index = indexOf(m.raw);
    if (index !== undefined) textEdits.push({ start: m.index, end: m.lastIndex, text: urls.click(index) });
  }

  if (links.length === 0 && pixel === null) return { content, links };
  return { content: { subject: content.subject, text: splice(content.text, textEdits), html }, links };
}

/**
 * The trackable hrefs of `<a>` and `<area>` elements, in document order, and where the open pixel
 * goes: before the last `</body>` that is markup (not inside a comment, script or style), else at
 * the end. The parser already leaves comments, script and style contents out of the tags it reports.
 */
function scanHtml(html: string): { hrefs: Href[]; pixelAt: number } {
  const hrefs: Href[] = [];
  const opaque: Array<[number, number]> = [];
  let span: { start: number; end: number } | null = null;
  let hrefSeen = false;
  let rawFrom = -1;

  const parser = new Parser(
    {
      onopentagname() {
        span = null;
        hrefSeen = false;
      },
      onattribute(name, _value, quote) {
        // Like a browser (and the parser's own attribs), the first href wins.
        if (name !== 'href' || hrefSeen) return;
        hrefSeen = true;
        if (quote !== undefined) span = valueSpan(html, parser.startIndex + name.length, parser.endIndex);
      },
      onopentag(name, attribs) {
        const url = (attribs['href'] ?? '').trim();
        const off = (attribs['data-track'] ?? '').trim().toLowerCase() === 'off';
        if ((name === 'a' || name === 'area') && span && TRACKABLE.test(url) && !off) hrefs.push({ url, ...span });
        if (name === 'script' || name === 'style') rawFrom = parser.endIndex + 1;
      },
      onclosetag(name, isImplied) {
        if ((name === 'script' || name === 'style') && rawFrom >= 0) {
          opaque.push([rawFrom, isImplied ? html.length : parser.startIndex]);
          rawFrom = -1;
        }
      },
      oncomment() {
        opaque.push([parser.startIndex, parser.endIndex + 1]);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.parseComplete(html);

  let pixelAt = html.length;
  for (const m of html.matchAll(/<\/body[\s/>]/gi)) {
    if (!opaque.some(([start, end]) => m.index >= start && m.index < end)) pixelAt = m.index;
  }
  return { hrefs, pixelAt };
}

/**
 * Where an attribute's value is written: from just past its name (`from`) to the parser's end of
 * the attribute (`end`, just past the closing quote or the unquoted value).
 * The returned span starts at the opening quote, if any, so quotes are replaced along with it.
 */
function valueSpan(html: string, from: number, end: number): { start: number; end: number } {
  let start = html.indexOf('=', from) + 1;
  while (start < end && /[\t\n\f\r ]/.test(html.charAt(start))) start++;
  return { start, end };
}

function splice(s: string, edits: Edit[]): string {
  if (edits.length === 0) return s;
  let out = '';
  let at = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    out += s.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + s.slice(at);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;' };

function escapeHtml(s: string): string {
  return s.replace(/[&"'<>]/g, (c) => ESCAPES[c] ?? c);
}

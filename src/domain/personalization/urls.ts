/**
 * Finding links in plain text and telling whether two links are the same.
 *
 * linkify-it (markdown-it's linkifier) rather than a home-made regex: it already handles what a
 * regex gets wrong — trailing punctuation ("see https://x.test/a."), balanced parentheses,
 * unicode hosts, e-mail addresses — and with fuzzy links on and the IANA TLD list (the `tlds`
 * package) it also finds bare domains ("example.com/deal", "www.x.io", "evil.app") while leaving
 * "node.js", "3.14" or "e.g." alone, because those end in no real TLD.
 */
import tlds from 'tlds' with { type: 'json' };
import { LinkifyIt } from 'linkify-it';

/** Names reserved for tests and documentation (RFC 2606, RFC 6761); not in the IANA list. */
const RESERVED_TLDS = ['test', 'example', 'invalid', 'localhost'];

// fuzzyIP too: "192.168.4.2/deal" is as much a new link as a domain is.
const linkify = new LinkifyIt({ fuzzyLink: true, fuzzyEmail: true, fuzzyIP: true }).tlds([...tlds, ...RESERVED_TLDS]);

export interface FoundUrl {
  /** The link exactly as written. */
  raw: string;
  index: number;
  end: number;
  /** 'http:', 'https:', 'mailto:', 'ftp:', '//' or '' for a bare domain. */
  schema: string;
}

// [label](target) and [label](<target> "title"): the target need not look like a URL to linkify
// (a relative "/deals" or a made-up "go/deal"), but it is a link all the same.
const MARKDOWN_TARGET = /\]\(\s*<?([^\s<>()]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;

/** Every link in a plain text: linkify's matches, plus markdown link targets linkify did not see. */
export function findUrls(text: string): FoundUrl[] {
  const found: FoundUrl[] = (linkify.match(text) ?? []).map((m) => ({ raw: m.raw, index: m.index, end: m.lastIndex, schema: m.schema }));
  for (const m of text.matchAll(MARKDOWN_TARGET)) {
    const target = m[1]!;
    const index = m.index + m[0].indexOf(target);
    const end = index + target.length;
    if (!found.some((f) => f.index < end && index < f.end)) found.push({ raw: target, index, end, schema: '' });
  }
  return found.sort((a, b) => a.index - b.index);
}

/** The http(s) URLs of a text, as written: what links_kept requires verbatim. */
export function webUrls(text: string): string[] {
  return findUrls(text)
    .filter((u) => u.schema === 'http:' || u.schema === 'https:')
    .map((u) => u.raw);
}

/** The text with every link blanked out, so that "?p=20%25" or "/SAVE90" are not read as prices or codes. */
export function withoutUrls(text: string): string {
  let out = '';
  let at = 0;
  for (const u of findUrls(text)) {
    if (u.index < at) continue;
    out += text.slice(at, u.index) + ' ';
    at = u.end;
  }
  return out + text.slice(at);
}

/**
 * A comparison key under which two spellings of one link are equal: the scheme is dropped
 * (http vs https vs bare is not a new destination), the host is lower-cased, a lone "/" path is
 * dropped; path, query and fragment stay exactly as written. E-mail addresses compare with or
 * without "mailto:", case-insensitively.
 */
export function urlKey(raw: string): string {
  const s = raw.trim();
  const lower = s.toLowerCase();
  if (lower.startsWith('mailto:')) return lower;
  if (/^[^\s/@:]+@[^\s/@]+$/.test(s)) return `mailto:${lower}`;
  if (/^(?:tel|sms):/.test(lower)) return lower.replace(/[\s().-]/g, '');
  const rest = s.replace(/^(?:https?:)?\/\//i, '');
  const cut = rest.search(/[/?#]/);
  const host = (cut < 0 ? rest : rest.slice(0, cut)).toLowerCase().replace(/\.$/, '');
  const tail = cut < 0 ? '' : rest.slice(cut);
  return host + (tail === '/' ? '' : tail);
}

/** The host of a link key without a leading "www.", or null when the key has a path, query or fragment. */
export function bareHost(key: string): string | null {
  if (key.startsWith('mailto:') || /[/?#]/.test(key)) return null;
  return key.replace(/^www\./, '');
}

/** The host of a link key without a leading "www." (for "x.test" mentioned next to "https://x.test/a"). */
export function hostOf(key: string): string {
  const cut = key.search(/[/?#]/);
  return (cut < 0 ? key : key.slice(0, cut)).replace(/^www\./, '');
}

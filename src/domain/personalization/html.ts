/**
 * What the guardrails read from an HTML body, through htmlparser2 (forgiving, like a mail client:
 * unclosed tags and bare "&" do not throw). Attribute values come back entity-decoded, so
 * `href="?a=1&amp;b=2"` and `href="?a=1&b=2"` are the same link, as they are to a browser.
 */
import { DomUtils, ElementType, parseDocument } from 'htmlparser2';

type Document = ReturnType<typeof parseDocument>;
type Node = Document['children'][number];

export function parseHtml(html: string): Document {
  return parseDocument(html, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
}

/** Attributes whose value is a link the reader's client may follow or load. */
const LINK_ATTRIBUTES = ['href', 'src', 'action', 'formaction', 'background', 'poster', 'cite', 'data', 'xlink:href'];

export interface HtmlLink {
  tag: string;
  attribute: string;
  value: string;
}

/** Every link-valued attribute of the document (srcset split into its URLs), trimmed, non-empty. */
export function linkAttributes(doc: Document): HtmlLink[] {
  const out: HtmlLink[] = [];
  for (const el of DomUtils.findAll(() => true, doc.children)) {
    for (const [attribute, rawValue] of Object.entries(el.attribs)) {
      if (attribute === 'srcset') {
        for (const item of rawValue.split(',')) {
          const value = item.trim().split(/\s+/)[0];
          if (value) out.push({ tag: el.name, attribute, value });
        }
      } else if (LINK_ATTRIBUTES.includes(attribute) && rawValue.trim()) {
        out.push({ tag: el.name, attribute, value: rawValue.trim() });
      }
    }
  }
  return out;
}

/** The href and src values links_kept requires verbatim. */
export function hrefsAndSrcs(doc: Document): string[] {
  return linkAttributes(doc)
    .filter((l) => l.attribute === 'href' || l.attribute === 'src')
    .map((l) => l.value);
}

export interface Anchor {
  href: string;
  /** Whitespace-normalized text content. */
  text: string;
}

export function anchors(doc: Document): Anchor[] {
  return DomUtils.getElementsByTagName('a', doc.children).map((a) => ({
    href: (a.attribs['href'] ?? '').trim(),
    text: normalizeSpace(DomUtils.textContent(a)),
  }));
}

const BLOCK_TAGS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'caption', 'center', 'dd', 'div', 'dl', 'dt',
  'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr',
  'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);
const HIDDEN_TAGS = new Set(['head', 'script', 'style', 'template', 'noscript']);

/**
 * The document's visible text as a mail client would lay it out in lines: block elements and
 * <br> break lines, inline ones do not. Lines are whitespace-normalized; empty lines are dropped.
 */
export function renderLines(doc: Document): string[] {
  const lines: string[] = [];
  let line = '';
  const flush = () => {
    const l = normalizeSpace(line);
    if (l) lines.push(l);
    line = '';
  };
  const walk = (nodes: Node[]) => {
    for (const node of nodes) {
      if (node.type === ElementType.Text) line += node.data;
      else if (node.type === ElementType.Tag) {
        if (HIDDEN_TAGS.has(node.name)) continue;
        const block = BLOCK_TAGS.has(node.name);
        if (block) flush();
        walk(node.children);
        if (block) flush();
      }
    }
  };
  walk(doc.children);
  flush();
  return lines;
}

/** Visible text plus the alt/title/aria-label texts: everywhere a price or code can be read. */
export function readableText(doc: Document): string {
  const extra: string[] = [];
  for (const el of DomUtils.findAll(() => true, doc.children)) {
    for (const a of ['alt', 'title', 'aria-label']) {
      const v = el.attribs[a];
      if (v?.trim()) extra.push(v.trim());
    }
  }
  return [...renderLines(doc), ...extra].join('\n');
}

/** Runs of whitespace (line breaks and no-break spaces included) become one space; ends are trimmed. */
export function normalizeSpace(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

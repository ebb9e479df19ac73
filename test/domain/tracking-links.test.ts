/**
 * Click and open tracking of a rendered message (src/domain/tracking/links.ts): which links are
 * rewritten, how exactly the HTML is edited, and, on random documents, that undoing the rewrite
 * gives back the input byte for byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TRACKED_LINKS, trackLinks, type TrackableContent, type TrackingUrls } from '../../src/domain/tracking/links.js';

const click = (index: number) => `https://t.example/c/${index}`;
const urls: TrackingUrls = { click };
const OPEN = 'https://t.example/o/abc';
const pixel = (src = OPEN) => `<img src="${src}" width="1" height="1" alt="" style="display:none;border:0">`;

const html = (h: string, text = ''): TrackableContent => ({ subject: 'Hi', text, html: h });
const text = (t: string): TrackableContent => ({ subject: 'Hi', text: t, html: null });

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/'/g, '&#39;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('trackLinks in HTML', () => {
  it('rewrites double-quoted, single-quoted and unquoted hrefs of a and area, whatever their case, and nothing else', () => {
    const input =
      '<A HREF="https://a.test/1" Class=x>one</A> <a href=\'https://a.test/2\'>two</a>\n' +
      '<a\n\thref\n=\n  https://a.test/3/ title="t">three</a><AREA Href = "https://a.test/4" alt=\'\'>';
    const out = trackLinks(html(input), urls);
    expect(out.content.html).toBe(
      '<A HREF="https://t.example/c/0" Class=x>one</A> <a href="https://t.example/c/1">two</a>\n' +
        '<a\n\thref\n=\n  "https://t.example/c/2" title="t">three</a><AREA Href = "https://t.example/c/3" alt=\'\'>',
    );
    expect(out.links).toEqual(['https://a.test/1', 'https://a.test/2', 'https://a.test/3/', 'https://a.test/4']);
  });

  it('stores the entity-decoded href and writes the click URL HTML-escaped', () => {
    const input = '<p><a href="https://a.test/?a=1&amp;b=2&#38;c=3&copy=4">x</a></p>';
    const out = trackLinks(html(input), { click: (i) => `https://t.example/c/${i}?u=1&s="'<>` });
    expect(out.links).toEqual(['https://a.test/?a=1&b=2&c=3&copy=4']);
    expect(out.content.html).toBe('<p><a href="https://t.example/c/0?u=1&amp;s=&quot;&#39;&lt;&gt;">x</a></p>');
  });

  it('leaves mailto, tel, sms, fragment, relative, protocol-relative and javascript links exactly as they are', () => {
    const input =
      '<a href="mailto:a@b.test?subject=Hi&amp;body=x">m</a><a href=\'tel:+1555\'>t</a><a href=sms:+1555>s</a>' +
      '<a href="#top">f</a><a href="/deals?a=1">r</a><a href="deals">r2</a><a href="//a.test/x">p</a>' +
      '<a href="javascript:go(\'https://a.test\')">j</a><a href>none</a><img src="https://a.test/i.png">';
    const content = html(input);
    const out = trackLinks(content, urls);
    expect(out.links).toEqual([]);
    expect(out.content.html).toBe(input);
  });

  it('leaves an anchor marked data-track="off", in any case, alone', () => {
    const input =
      '<a href="https://a.test/1" data-track="off">1</a><a DATA-TRACK=OFF href="https://a.test/2">2</a>' +
      '<a href="https://a.test/3" data-track="on">3</a>';
    const out = trackLinks(html(input), urls);
    expect(out.links).toEqual(['https://a.test/3']);
    expect(out.content.html).toBe(
      '<a href="https://a.test/1" data-track="off">1</a><a DATA-TRACK=OFF href="https://a.test/2">2</a>' +
        '<a href="https://t.example/c/0" data-track="on">3</a>',
    );
  });

  it('does not touch links in comments, conditional comments, scripts and styles', () => {
    const input =
      '<!-- <a href="https://a.test/c">old</a> --><!--[if mso]><a href="https://a.test/mso">o</a><![endif]-->' +
      '<script>document.write(\'<a href="https://a.test/s">\')</script><style>a{background:url(https://a.test/st)}</style>' +
      '<p>Visit https://a.test/text-node</p><a href="https://a.test/real">real</a>';
    const out = trackLinks(html(input), urls);
    expect(out.links).toEqual(['https://a.test/real']);
    expect(out.content.html).toBe(input.replace('"https://a.test/real"', '"https://t.example/c/0"'));
  });

  it('uses the first href of an element, as a browser does', () => {
    const out = trackLinks(html('<a href="https://a.test/1" href="https://a.test/2">x</a>'), urls);
    expect(out.links).toEqual(['https://a.test/1']);
    expect(out.content.html).toBe('<a href="https://t.example/c/0" href="https://a.test/2">x</a>');
  });
});

describe('trackLinks in plain text', () => {
  it('replaces http(s) URLs and leaves trailing punctuation and unbalanced parentheses outside', () => {
    const input =
      'See https://a.test/x. Or (https://a.test/y) and https://a.test/wiki/Foo_(bar), then HTTP://A.TEST/z?q=1&r=2!\n' +
      'Not: shop.example.com, www.example.com/deal, a@b.test, mailto:a@b.test, ftp://a.test/f';
    const out = trackLinks(text(input), urls);
    expect(out.links).toEqual(['https://a.test/x', 'https://a.test/y', 'https://a.test/wiki/Foo_(bar)', 'HTTP://A.TEST/z?q=1&r=2']);
    expect(out.content.text).toBe(
      'See https://t.example/c/0. Or (https://t.example/c/1) and https://t.example/c/2, then https://t.example/c/3!\n' +
        'Not: shop.example.com, www.example.com/deal, a@b.test, mailto:a@b.test, ftp://a.test/f',
    );
    expect(out.content.html).toBeNull();
  });
});

describe('trackLinks indices', () => {
  it('gives the same URL one index across HTML and text, numbered by first appearance, HTML first', () => {
    const content: TrackableContent = {
      subject: 'Deal at https://a.test/a',
      html: '<a href="https://a.test/b">b</a><a href="https://a.test/a">a</a><a href="https://a.test/b">b again</a>',
      text: 'A: https://a.test/a C: https://a.test/c B: https://a.test/b',
    };
    const out = trackLinks(content, urls);
    expect(out.links).toEqual(['https://a.test/b', 'https://a.test/a', 'https://a.test/c']);
    expect(out.content.html).toBe(
      '<a href="https://t.example/c/0">b</a><a href="https://t.example/c/1">a</a><a href="https://t.example/c/0">b again</a>',
    );
    expect(out.content.text).toBe('A: https://t.example/c/1 C: https://t.example/c/2 B: https://t.example/c/0');
    expect(out.content.subject).toBe('Deal at https://a.test/a');
  });

  it(`tracks at most ${MAX_TRACKED_LINKS} distinct links, still rewriting repeats of tracked ones`, () => {
    const anchors = Array.from({ length: MAX_TRACKED_LINKS + 1 }, (_, i) => `<a href="https://a.test/${i}">${i}</a>`).join('');
    const content = html(anchors + '<a href="https://a.test/0">again</a>', 'https://a.test/1 https://a.test/new');
    const out = trackLinks(content, urls);
    expect(out.links).toHaveLength(MAX_TRACKED_LINKS);
    expect(out.links[MAX_TRACKED_LINKS - 1]).toBe(`https://a.test/${MAX_TRACKED_LINKS - 1}`);
    expect(out.content.html).toContain(`<a href="https://a.test/${MAX_TRACKED_LINKS}">`);
    expect(out.content.html).toMatch(/<a href="https:\/\/t\.example\/c\/0">again<\/a>$/);
    expect(out.content.text).toBe('https://t.example/c/1 https://a.test/new');
  });
});

describe('trackLinks open pixel', () => {
  it('goes just before the last </body>, whatever its case, not one inside a comment', () => {
    const input = '<html><body><p>x</p></body><!-- </body> --></BODY>\n<!-- </body> --></html>';
    const out = trackLinks(html(input), { click, open: OPEN });
    expect(out.content.html).toBe(`<html><body><p>x</p></body><!-- </body> -->${pixel()}</BODY>\n<!-- </body> --></html>`);
    expect(out.links).toEqual([]);
  });

  it('is appended when there is no </body>, its URL HTML-escaped, and never put in the text', () => {
    const content = html('<p>Hello</p>', 'Hello');
    const out = trackLinks(content, { click, open: 'https://t.example/o?a=1&b="2"' });
    expect(out.content.html).toBe(`<p>Hello</p>${pixel('https://t.example/o?a=1&amp;b=&quot;2&quot;')}`);
    expect(out.content.text).toBe('Hello');
  });

  it('is not added to a message without HTML', () => {
    const content = text('Hello');
    const out = trackLinks(content, { click, open: OPEN });
    expect(out.content).toBe(content);
    expect(out.links).toEqual([]);
  });
});

describe('trackLinks without links or pixel', () => {
  it('returns the content unchanged', () => {
    const content: TrackableContent = { subject: 'Hi', text: 'Write to a@b.test', html: '<p>Hi <a href="#x">x</a></p>' };
    const out = trackLinks(content, urls);
    expect(out.links).toEqual([]);
    expect(out.content.subject).toBe(content.subject);
    expect(out.content.text).toBe(content.text);
    expect(out.content.html).toBe(content.html);
  });
});

// ---- property: undoing the rewrite gives back the input ----

const alnum = fc.stringMatching(/^[a-z0-9]{1,5}$/);
const segment = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,4}[a-z0-9])?$/);
const webUrl = fc
  .record({
    scheme: fc.constantFrom('http', 'https', 'HTTPS'),
    host: fc.constantFrom('shop.test', 'www.example.com', 'x.example.org', 'a.test:8080'),
    path: fc.array(segment, { maxLength: 3 }),
    query: fc.array(fc.tuple(fc.constantFrom('a', 'b', 'utm_source', 'copy', 'lt', 'amp'), fc.oneof(alnum, fc.constant('x%20y'))), { maxLength: 3 }),
    fragment: fc.option(alnum, { nil: undefined }),
  })
  .map(({ scheme, host, path, query, fragment }) => {
    const q = query.length ? '?' + query.map(([k, v]) => `${k}=${v}`).join('&') : '';
    return `${scheme}://${host}${path.map((s) => `/${s}`).join('')}${q}${fragment ? `#${fragment}` : ''}`;
  });

interface Piece {
  source: string;
  /** The http(s) URLs this piece should have tracked, in order. */
  tracked: string[];
}
const piece = (source: string, tracked: string[] = []): Piece => ({ source, tracked });

const attrValue = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);
const attribute = fc
  .tuple(fc.constantFrom('class', 'id', 'title', 'target', 'Style'), attrValue, fc.constantFrom('"', "'", ''))
  .map(([name, value, q]) => ` ${name}=${q}${value}${q}`);
const attributes = fc.array(attribute, { maxLength: 2 }).map((a) => a.join(''));
const space = fc.constantFrom('', ' ', '\n  ');
const words = fc.constantFrom('Hello', 'Save 20% &amp; more', ' ', '\n', 'a &lt; b', 'visit https://shop.test/in-text');

const htmlPiece: fc.Arbitrary<Piece> = fc.oneof(
  words.map((w) => piece(w)),
  fc
    .tuple(fc.constantFrom('a', 'A'), fc.constantFrom('href', 'HREF', 'hRef'), attributes, space, space, webUrl, attributes, words)
    .map(([tag, href, before, s1, s2, url, after, label]) =>
      piece(`<${tag}${before} ${href}${s1}=${s2}"${escapeHtml(url)}"${after}>${label}</${tag}>`, [url]),
    ),
  fc.tuple(webUrl, attributes).map(([url, attrs]) => piece(`<area href="${escapeHtml(url)}"${attrs}>`, [url])),
  fc
    .tuple(fc.constantFrom('mailto:a@b.test?subject=Hi&amp;x=1', 'tel:+15551234', '#top', '/deals?a=1&amp;b=2', "javascript:void(0)"), fc.constantFrom('"', "'"), attributes)
    .map(([href, q, attrs]) => piece(`<a href=${q}${href}${q}${attrs}>other</a>`)),
  webUrl.map((url) => piece(`<a href="${escapeHtml(url)}" data-track="OFF">off</a>`)),
  webUrl.map((url) => piece(`<!-- <a href="${escapeHtml(url)}">old</a> -->`)),
  webUrl.map((url) => piece(`<script>var u = "${url}";</script><style>p{background:url(${url})}</style>`)),
);
const htmlDocument = fc
  .tuple(fc.array(htmlPiece, { maxLength: 8 }), fc.constantFrom('none', 'body', 'BODY'))
  .map(([pieces, wrap]): Piece => {
    const body = pieces.map((p) => p.source).join('');
    const source = wrap === 'none' ? body : `<html><${wrap}>${body}</${wrap}></html>`;
    return { source, tracked: pieces.flatMap((p) => p.tracked) };
  });

const textPiece: fc.Arbitrary<Piece> = fc.oneof(
  fc.constantFrom('Hello', 'see', 'Grab it:', 'a@b.test', 'shop.example.com', 'mailto:x@y.test', 'www.example.com/deal').map((w) => piece(w)),
  fc
    .tuple(webUrl, fc.constantFrom(['', ''], ['', '.'], ['', ','], ['', '!'], ['', '?'], ['(', ')'], ['<', '>'], ['"', '"']))
    .map(([url, [open, close]]) => piece(`${open}${url}${close}`, [url])),
);
const textDocument = fc.array(fc.tuple(textPiece, fc.constantFrom(' ', '\n', ' - '))).map(
  (pieces): Piece => ({ source: pieces.map(([p, sep]) => p.source + sep).join(''), tracked: pieces.flatMap(([p]) => p.tracked) }),
);

const CLICK = /https:\/\/t\.example\/c\/(\d+)/g;

describe('trackLinks on random documents', () => {
  it('can be undone exactly, and lists every tracked URL once, in order of first appearance', () => {
    fc.assert(
      fc.property(htmlDocument, textDocument, fc.boolean(), (doc, txt, withPixel) => {
        const content: TrackableContent = { subject: 'S', html: doc.source, text: txt.source };
        const out = trackLinks(content, withPixel ? { click, open: OPEN } : { click });
        const { links } = out;

        expect(new Set(links).size).toBe(links.length);
        expect(links).toEqual([...new Set([...doc.tracked, ...txt.tracked])]);

        let outHtml = out.content.html ?? '';
        if (withPixel) {
          expect(outHtml.split(pixel()).length).toBe(2);
          outHtml = outHtml.replace(pixel(), '');
        }
        expect(outHtml.replace(CLICK, (_, i: string) => escapeHtml(links[Number(i)]!))).toBe(doc.source);
        expect(out.content.text.replace(CLICK, (_, i: string) => links[Number(i)]!)).toBe(txt.source);
        expect(out.content.subject).toBe('S');
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * The guardrails on a model's rewrite of a rendered message (src/domain/personalization/guardrails.ts):
 * table-driven cases per check, SMS segment maths, channel limits, and two properties over random
 * copies (a copy checked against itself passes; dropping any one of its links fails links_kept).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHANNEL_LIMITS,
  checkAdaptation,
  smsSegments,
  type AdaptationCheckInput,
  type Channel,
  type CheckName,
  type Copy,
} from '../../src/domain/personalization/guardrails.js';

const SHOP = 'https://shop.test/winter?utm_source=email&u=42#boots';
const UNSUB = 'https://shop.test/unsub?u=42';
const PIXEL = 'https://t.test/o.gif?u=42';

const original: Copy = {
  subject: 'Your winter picks, Ada',
  text: `Hi Ada, your winter picks are waiting. Get 20% off boots this week: ${SHOP}\n\nYou get this because you signed up at Shop.\nUnsubscribe: ${UNSUB}`,
  html:
    `<p>Hi Ada, your winter picks are waiting. Get 20% off boots this week.</p>` +
    `<p><a href="https://shop.test/winter?utm_source=email&amp;u=42#boots">Shop boots</a></p>` +
    `<p style="font-size:11px">You get this because you signed up at Shop. <a href="${UNSUB}">Unsubscribe</a></p>` +
    `<img src="${PIXEL}" alt="">`,
};

/** A faithful rewrite: new wording, the 20% kept as "20 percent", links and footer untouched. */
const good: Copy = {
  subject: 'Ada, your boots are still waiting',
  text: `Ada, the boots you looked at are still here, and this week they are 20 percent off: ${SHOP}\n\nYou get this because you signed up at Shop.\nUnsubscribe: ${UNSUB}`,
  html:
    `<p>Ada, the boots you looked at are still here, and this week they are 20 percent off.</p>` +
    `<p><a href="${SHOP}" style="color:#c00">See the boots</a></p>` +
    `<p>You get this because you signed up at Shop. <a href="${UNSUB}">Unsubscribe</a></p>` +
    `<img src="${PIXEL}">`,
};

function check(candidate: Partial<Copy>, over: Partial<AdaptationCheckInput> = {}) {
  return checkAdaptation({ channel: 'email', original, candidate: { ...good, ...candidate }, allowedFacts: [], language: 'en', ...over });
}
const failing = (r: ReturnType<typeof check>) => r.checks.filter((c) => !c.ok).map((c) => c.check).sort();
const detailOf = (r: ReturnType<typeof check>, name: CheckName) => r.checks.find((c) => c.check === name)?.detail ?? '';
const text = (edit: (t: string) => string): Partial<Copy> => ({ text: edit(good.text) });
const html = (edit: (h: string) => string): Partial<Copy> => ({ html: edit(good.html!) });

interface Case {
  name: string;
  candidate: Partial<Copy>;
  over?: Partial<AdaptationCheckInput>;
  fails: CheckName[];
  says?: string[];
}

const cases: Case[] = [
  { name: 'a faithful rewrite', candidate: {}, fails: [] },
  { name: 'footer whitespace changed', candidate: text((t) => t.replace('signed up at Shop.\nUnsubscribe:', 'signed up  at Shop.\n\n  Unsubscribe:')), fails: [] },
  { name: 'mentions the bare host of an original link', candidate: text((t) => `${t}\nMore at shop.test`), fails: [] },
  { name: '"NEW" and "SALE" are not codes', candidate: text((t) => t.replace('Ada,', 'Ada, NEW boots on SALE,')), fails: [] },
  { name: 'an http link made https is not the same link', candidate: text((t) => t.replace(SHOP, SHOP.replace('https:', 'http:'))), fails: ['links_kept'], says: [`dropped ${SHOP}`] },

  { name: 'dropped link (text)', candidate: text((t) => t.replace(`: ${SHOP}`, '.')), fails: ['links_kept'], says: [`dropped ${SHOP} from the text`] },
  { name: 'dropped link (HTML)', candidate: html((h) => h.replace(/<p><a href="https:\/\/shop.test\/winter[^>]*>See the boots<\/a><\/p>/, '')), fails: ['links_kept'], says: [`dropped ${SHOP} from the HTML`] },
  { name: 'dropped tracking pixel', candidate: html((h) => h.replace(/<img[^>]*>/, '')), fails: ['links_kept'], says: [`dropped ${PIXEL}`] },
  { name: 'changed query string', candidate: text((t) => t.replace('u=42#boots', 'u=43#boots')), fails: ['links_kept', 'no_new_urls'], says: ['changed https://shop.test/winter?utm_source=email&u=42#boots to https://shop.test/winter?utm_source=email&u=43#boots'] },
  { name: 'longer query value', candidate: text((t) => t.replace('u=42#boots', 'u=421#boots')), fails: ['links_kept', 'no_new_urls'] },
  { name: 'changed fragment (HTML)', candidate: html((h) => h.replace('#boots', '#top')), fails: ['links_kept', 'no_new_urls'] },

  { name: 'dropped unsubscribe footer (text)', candidate: text((t) => t.replace(`\nUnsubscribe: ${UNSUB}`, '')), fails: ['links_kept', 'unsubscribe_kept'], says: [`dropped ${UNSUB}`, `"Unsubscribe: ${UNSUB}"`] },
  { name: 'reworded unsubscribe line, link kept (text)', candidate: text((t) => t.replace('Unsubscribe:', 'Had enough? Leave here:')), fails: ['unsubscribe_kept'] },
  { name: 'dropped unsubscribe footer (HTML)', candidate: html((h) => h.replace(/<p>You get this.*?<\/p>/, '')), fails: ['links_kept', 'unsubscribe_kept'], says: [`<a href="${UNSUB}">Unsubscribe</a>`] },
  { name: 'renamed unsubscribe anchor (HTML)', candidate: html((h) => h.replace('>Unsubscribe</a>', '>Leave</a>')), fails: ['unsubscribe_kept'] },
  { name: 'reworded footer sentence (HTML)', candidate: html((h) => h.replace('You get this because you signed up at Shop.', 'You signed up, remember?')), fails: ['unsubscribe_kept'], says: ['"You get this because you signed up at Shop. Unsubscribe"'] },

  { name: 'added full URL', candidate: text((t) => t.replace('Ada,', 'Ada, see https://evil.test/deal?x=1,')), fails: ['no_new_urls'], says: ["'https://evil.test/deal?x=1'"] },
  { name: 'added bare domain with path', candidate: text((t) => `${t}\nDeals at example.com/deal`), fails: ['no_new_urls'], says: ["'example.com/deal'"] },
  { name: 'added www domain', candidate: text((t) => `${t}\nVisit www.x.io today`), fails: ['no_new_urls'], says: ["'www.x.io'"] },
  { name: 'added domain on a new gTLD', candidate: text((t) => `${t}\nClaim at boots.app`), fails: ['no_new_urls'] },
  { name: 'added markdown link', candidate: text((t) => `${t}\n[More boots](https://evil.test/x)`), fails: ['no_new_urls'], says: ["'https://evil.test/x'"] },
  { name: 'added relative markdown link', candidate: text((t) => `${t}\n[More boots](/deals)`), fails: ['no_new_urls'], says: ["'/deals'"] },
  { name: 'added HTML href', candidate: html((h) => h.replace('</p>', ' <a href="https://evil.test/h">here</a></p>')), fails: ['no_new_urls'], says: ["'https://evil.test/h'"] },
  { name: 'added e-mail address', candidate: text((t) => `${t}\nWrite to deals@evil.test`), fails: ['no_new_urls'] },
  { name: 'added HTML tag in the text', candidate: text((t) => `${t}\n<a href="https://evil.test/t">boots</a>`), fails: ['no_new_urls'] },

  { name: 'added discount code', candidate: text((t) => t.replace('Ada,', 'Ada, use WINTER10 and')), fails: ['no_new_codes'], says: ["'WINTER10'"] },
  { name: 'added keyword code without digits', candidate: text((t) => t.replace('Ada,', 'Ada, with code FREESHIP')), fails: ['no_new_codes'], says: ["'FREESHIP'"] },
  { name: 'added Gutschein code', candidate: text((t) => t.replace('Ada,', 'Ada, Gutschein: BOOTSY')), fails: ['no_new_codes'] },

  { name: 'prompt injection: 90% off', candidate: text((t) => t.replace('Ada,', 'Get 90% off today! Ada,')), fails: ['no_new_prices'], says: ["adds '90%', which is in neither the template nor the allowed facts"] },
  { name: 'added money amount', candidate: text((t) => t.replace('Ada,', 'Ada, take €5 off, and')), fails: ['no_new_prices'], says: ["'€5'"] },
  { name: 'added amount with a currency word', candidate: text((t) => t.replace('Ada,', 'Ada, save 15 euros:')), fails: ['no_new_prices'] },
  { name: 'added percentage in words', candidate: text((t) => t.replace('Ada,', 'Ada, take ninety percent off:')), fails: ['no_new_prices'], says: ["'ninety percent'"] },
  { name: 'added free gift', candidate: text((t) => t.replace('Ada,', 'Ada, a free gift awaits and')), fails: ['no_new_prices'], says: ["'Ada, a free gift'"] },
  { name: 'added percentage in the subject', candidate: { subject: 'Ada: 30% off your boots' }, fails: ['no_new_prices'] },
  { name: 'added percentage in HTML alt text', candidate: html((h) => h.replace('<img src', '<img alt="50% off" src')), fails: ['no_new_prices'] },
  { name: 'price kept, reworded around it', candidate: text((t) => t.replace('this week they are 20 percent off', 'you save 20 % on them this week')), fails: [] },

  {
    name: 'allowed facts permit a code, a price and free shipping',
    candidate: text((t) => t.replace('Ada,', 'Ada, use code WINTER10 - shipping is free on orders over 50 €, and')),
    over: { allowedFacts: ['Use code WINTER10', 'Free shipping over €50'] },
    fails: [],
  },
  {
    name: 'allowed facts do not permit other offers',
    candidate: text((t) => t.replace('Ada,', 'Ada, use code WINTER20 and get a free scarf,')),
    over: { allowedFacts: ['Use code WINTER10', 'Free shipping over €50'] },
    fails: ['no_new_codes', 'no_new_prices'],
  },
  { name: 'allowed facts permit a link', candidate: text((t) => `${t}\nSizes: https://shop.test/sizes`), over: { allowedFacts: ['Size guide: https://shop.test/sizes'] }, fails: [] },

  { name: 'subject added where the original has none', candidate: {}, over: { original: { ...original, subject: null } }, fails: ['shape'], says: ['has a subject but the original has none'] },
  { name: 'HTML dropped', candidate: { html: null }, fails: ['links_kept', 'shape', 'unsubscribe_kept'], says: ['has no HTML but the original has one'] },
  { name: 'empty text', candidate: { text: '  ' }, fails: ['links_kept', 'shape', 'unsubscribe_kept'], says: ['the text is empty'] },

  {
    name: 'German rewrite when English is expected',
    candidate: {
      subject: 'Ada, deine Stiefel warten noch',
      text: `Hallo Ada, die Stiefel, die du dir angesehen hast, warten noch auf dich, und diese Woche gibt es 20 Prozent Rabatt: ${SHOP}\n\nYou get this because you signed up at Shop.\nUnsubscribe: ${UNSUB}`,
    },
    fails: ['language'],
    says: ["reads as German ('de'), but it must be written in English ('en')"],
  },
  { name: 'French when French is expected', candidate: text((t) => t.replace(/^.*off: /, 'Bonjour Ada, les bottes que vous avez regardées vous attendent encore, à 20 pour cent de réduction cette semaine: ')), over: { language: 'fr' }, fails: [] },
  { name: 'email subject over 150 characters', candidate: { subject: 'Ada, '.repeat(31) }, fails: ['length'], says: ['the subject has 155 characters; the email limit is 150'] },
  { name: 'text more than doubled', candidate: text((t) => `${'Ada, these boots are great. '.repeat(20)}${t}`), fails: ['length'], says: ["more than 2× the original's"] },
];

describe('checkAdaptation', () => {
  it.each(cases)('$name', ({ candidate, over, fails, says }) => {
    const report = check(candidate, over);
    expect(failing(report)).toEqual([...fails].sort());
    expect(report.ok).toBe(fails.length === 0);
    expect(report.reasons).toHaveLength(fails.length);
    const all = report.reasons.join('\n');
    for (const s of says ?? []) expect(all).toContain(s);
  });

  it('reports every check, in a fixed order, with the reasons of the failed ones', () => {
    const report = check(text((t) => `${t}\nGet 90% off today with SAVE90 at evil.test`));
    expect(report.checks.map((c) => c.check)).toEqual(['shape', 'links_kept', 'unsubscribe_kept', 'no_new_urls', 'no_new_prices', 'no_new_codes', 'length', 'language']);
    expect(report.reasons).toEqual(report.checks.filter((c) => !c.ok).map((c) => c.detail));
  });

  it('passes a very short text as too short to tell', () => {
    const sms = { subject: null, text: 'Hi Ada!', html: null };
    const report = checkAdaptation({ channel: 'sms', original: sms, candidate: { ...sms, text: 'Hey Ada!' }, allowedFacts: [], language: 'de' });
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.check === 'language')).toEqual({ check: 'language', ok: true, detail: 'too short to tell' });
  });
});

/** 3GPP TS 23.038 default alphabet, 0x00-0x7F without the escape 0x1B, in code order. */
const GSM_DEFAULT_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

describe('smsSegments', () => {
  const a = (n: number) => 'a'.repeat(n);
  it.each([
    ['empty', '', 'GSM-7', 0, 0],
    ['short', 'Hi Ada', 'GSM-7', 6, 1],
    ['160 GSM characters', a(160), 'GSM-7', 160, 1],
    ['161 GSM characters', a(161), 'GSM-7', 161, 2],
    ['306 GSM characters', a(306), 'GSM-7', 306, 2],
    ['307 GSM characters', a(307), 'GSM-7', 307, 3],
    ['€ counts 2', '€'.repeat(80), 'GSM-7', 160, 1],
    ['81 € is 162 septets', '€'.repeat(81), 'GSM-7', 162, 2],
    ['[ ] ~ | ^ { } \\ count 2', '[]~|^{}\\', 'GSM-7', 16, 1],
    ['an escape pair is never split', a(152) + '€' + a(152), 'GSM-7', 306, 3],
    ['the whole default alphabet, one septet each', GSM_DEFAULT_ALPHABET, 'GSM-7', 127, 1],
    ['accents of the basic set', 'àéèùìòÄÖÑÜäöñüßÉÅåØø£¥§¿¡', 'GSM-7', 25, 1],
    ['ç is not in GSM 03.38 (only Ç)', 'ç', 'UCS-2', 1, 1],
    ['emoji is UCS-2, two units', '😀', 'UCS-2', 2, 1],
    ['70 UCS-2 units', 'ж'.repeat(70), 'UCS-2', 70, 1],
    ['71 UCS-2 units', a(69) + '😀', 'UCS-2', 71, 2],
    ['134 UCS-2 units', 'ж'.repeat(134), 'UCS-2', 134, 2],
    ['a surrogate pair is never split', a(66) + '😀' + a(66), 'UCS-2', 134, 3],
  ] as const)('%s', (_name, input, encoding, length, segments) => {
    expect(smsSegments(input)).toEqual({ encoding, length, segments });
  });
});

describe('length limits', () => {
  const sms = (t: string): Copy => ({ subject: null, text: t, html: null });
  const smsCheck = (before: string, after: string) =>
    checkAdaptation({ channel: 'sms', original: sms(before), candidate: sms(after), allowedFacts: [], language: 'en' }).checks.find((c) => c.check === 'length')!;
  const base = 'Hi Ada, your boots are waiting for you this week. Reply STOP to opt out.';

  it('documents its numbers', () => {
    expect(CHANNEL_LIMITS.push).toMatchObject({ subject: 65, text: 240 });
    expect(CHANNEL_LIMITS.email.subject).toBe(150);
    expect(CHANNEL_LIMITS.in_app.text).toBe(1000);
    expect(CHANNEL_LIMITS.sms.smsSegments).toBe(2);
  });

  it('SMS: a one-segment original allows one segment', () => {
    expect(smsCheck(base, `${base} ${'b'.repeat(100)}`).ok).toBe(false);
    expect(smsCheck(base, `Ada, the boots wait for you. ${'b'.repeat(100)} Reply STOP to opt out.`).ok).toBe(true);
  });

  it('SMS: an emoji that forces UCS-2 is named', () => {
    const r = smsCheck(base, `Ada 😀, your boots are waiting for you this week. Reply STOP to opt out.`);
    expect(r.ok).toBe(false);
    expect(r.detail).toContain("'😀' forces UCS-2");
  });

  it('SMS: two segments at most, even when the original has more', () => {
    const long = `${'x'.repeat(400)} Reply STOP to opt out.`;
    expect(smsCheck(long, `${'y'.repeat(300)} Reply STOP to opt out.`).ok).toBe(false);
    expect(smsCheck(long, `${'y'.repeat(250)} Reply STOP to opt out.`).ok).toBe(true);
  });

  it('SMS: the STOP sentence is the footer', () => {
    const r = checkAdaptation({ channel: 'sms', original: sms(base), candidate: sms('Ada, your boots are still waiting this week.'), allowedFacts: [], language: 'en' });
    expect(failing(r)).toEqual(['unsubscribe_kept']);
    expect(r.reasons[0]).toContain('"Reply STOP to opt out."');
  });

  const push = (subject: string, text: string): Copy => ({ subject, text, html: null });
  const pushCheck = (c: Copy) =>
    checkAdaptation({ channel: 'push', original: push('Your boots are waiting', 'Ada, the boots you liked are back in your size.'), candidate: c, allowedFacts: [], language: 'en' });

  it.each([
    ['title of 65', push('t'.repeat(65), 'Ada, the boots you liked are back.'), true],
    ['title of 66', push('t'.repeat(66), 'Ada, the boots you liked are back.'), false],
    ['title of 65 emoji (130 UTF-16 units)', push('👢'.repeat(65), 'Ada, the boots you liked are back.'), true],
    ['body of 240', push('Boots', `Ada, ${'b'.repeat(235)}`), true],
    ['body of 241', push('Boots', `Ada, ${'b'.repeat(236)}`), false],
  ] as const)('push: %s', (_name, candidate, ok) => {
    expect(pushCheck(candidate).checks.find((c) => c.check === 'length')!.ok).toBe(ok);
  });

  it('in_app: body of 1001 fails', () => {
    const orig = { subject: null, text: 'b'.repeat(900), html: null };
    const r = checkAdaptation({ channel: 'in_app', original: orig, candidate: { ...orig, text: 'b'.repeat(1001) }, allowedFacts: [], language: 'en' });
    expect(detailOf(r, 'length')).toContain('the body has 1001 characters; the in_app limit is 1000');
  });

  it('webhook: only the growth rule applies', () => {
    const orig = { subject: null, text: 'w'.repeat(100), html: null };
    const at = (n: number) => checkAdaptation({ channel: 'webhook', original: orig, candidate: { ...orig, text: 'w'.repeat(n) }, allowedFacts: [], language: 'en' });
    expect(detailOf(at(401), 'length')).toContain('= 400');
    expect(at(400).checks.find((c) => c.check === 'length')!.ok).toBe(true);
  });
});

// Random copies from a fixed English vocabulary, so that only `language` may waver.
const WORDS = ['boots', 'winter', 'coat', 'your', 'friends', 'weekend', 'order', 'today', 'fresh', 'new', 'look', 'warm', 'style', 'picked', 'for', 'you', 'the', 'best', 'shop', 'season', 'cozy', 'scarf', 'home', 'delivery'];
const sentence = fc.array(fc.constantFrom(...WORDS), { minLength: 2, maxLength: 6 }).map((ws) => `${ws.join(' ')}.`);
const slug = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const extra = fc.oneof(fc.constant(''), fc.constant(' Get 20% off.'), fc.constant(' From €9,99.'), fc.constant(' Use code SNOW24.'), fc.constant(' Free delivery.'));

interface Generated {
  channel: Channel;
  copy: Copy;
  /** The text's links, each once. */
  urls: string[];
  /** Builds the copy again without the i-th link, in the text or in the HTML. */
  without: (i: number, where: 'text' | 'html') => Copy;
}

const generated: fc.Arbitrary<Generated> = fc.constantFrom<Channel>('email', 'push', 'sms', 'in_app', 'webhook').chain((channel) => {
  const small = channel === 'push' || channel === 'sms';
  return fc
    .record({
      sentences: fc.array(sentence, { minLength: 1, maxLength: small ? 2 : 4 }),
      slugs: fc.uniqueArray(fc.tuple(slug, slug, slug), { minLength: 1, maxLength: small ? 2 : 3, selector: ([p]) => p }),
      extra,
      footer: channel === 'push' ? fc.constant(false) : fc.boolean(),
      subject: channel === 'sms' || channel === 'webhook' ? fc.constant(null) : fc.option(sentence, { nil: null }),
      html: channel === 'email' ? fc.boolean() : fc.constant(false),
    })
    .map(({ sentences, slugs, extra, footer, subject, html }) => {
      const urls = slugs.map(([p, k, f], i) => `https://s${i}.test/${p}?${k}=${i}&u=7#${f}`);
      const footerText = channel === 'sms' ? 'Reply STOP to opt out.' : 'Unsubscribe: https://s.test/unsub?u=7';
      const build = (dropText?: number, dropHtml?: number): Copy => {
        const lines = sentences.map((s, i) => (urls[i] && i !== dropText ? `${s} ${urls[i]}` : s));
        urls.slice(sentences.length).forEach((u, j) => j + sentences.length !== dropText && lines.push(u));
        const body = `${lines.join('\n')}${extra}${footer ? `\n${footerText}` : ''}`;
        const anchors = urls.map((u, i) => (i === dropHtml ? '' : `<a href="${u.replace(/&/g, '&amp;')}">${WORDS[i]}</a>`)).join(' ');
        const markup = `<p>${sentences.join(' ')}${extra}</p><p>${anchors}</p>${footer ? '<p><a href="https://s.test/unsub?u=7">Unsubscribe</a></p>' : ''}`;
        return { subject, text: body, html: html ? markup : null };
      };
      return {
        channel,
        copy: build(),
        urls,
        without: (i: number, where: 'text' | 'html') => (where === 'text' ? build(i) : build(undefined, i)),
      };
    });
});

describe('properties', () => {
  it('a copy checked against itself passes everything but perhaps language', () => {
    fc.assert(
      fc.property(generated, ({ channel, copy }) => {
        const report = checkAdaptation({ channel, original: copy, candidate: copy, allowedFacts: [], language: 'en' });
        expect(report.checks.filter((c) => !c.ok && c.check !== 'language')).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('dropping any one link of the original fails links_kept', () => {
    fc.assert(
      fc.property(generated, fc.nat(), fc.boolean(), ({ channel, copy, urls, without }, n, inHtml) => {
        const where = inHtml && copy.html !== null ? 'html' : 'text';
        const i = n % urls.length;
        const report = checkAdaptation({ channel, original: copy, candidate: without(i, where), allowedFacts: [], language: 'en' });
        const links = report.checks.find((c) => c.check === 'links_kept')!;
        expect(links.ok).toBe(false);
        expect(links.detail).toContain(`dropped ${urls[i]}`);
      }),
      { numRuns: 150 },
    );
  });
});

/**
 * Rendering cost: 100k messages of a typical email (subject, text and HTML body with a dozen
 * variables, a conditional and filters) through the delivery renderer (Liquid, compiled once),
 * side by side with a bare string replace of the same variables (no escaping, no conditionals,
 * no filters: the floor). One core, one process, after a warm-up; median of 5 runs.
 *
 *   npx tsx bench/render.ts            BENCH_RENDER_MESSAGES=20000 npx tsx bench/render.ts
 *
 * Before timing, the output for 2,000 people is checked against liquidjs's own rendering.
 * Target (#8): >= 50,000 renders/s. Writes .bench-out/render.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { compileVariant, renderVariant, type RecipientProfile } from '../src/domain/delivery/render.js';
import { compileTemplate } from '../src/domain/templates/engine.js';

const MESSAGES = Number(process.env.BENCH_RENDER_MESSAGES ?? 100_000);
const RUNS = 5;
const TARGET = 50_000;

const variant = {
  subject: '{{ first_name | default: "Hi there" }}, your {{ tier | upcase }} winter offer',
  body: `Hello {{ user_name | default: "there" }},

As a {{ tier }} member in {{ country | default: "your country" }} you get {{ offer }} until {{ deadline }}.
{% if tier == "max" %}Max members also get {{ bonus }}.{% endif %}
Use code {{ code }} at checkout: {{ link }}

You receive this at {{ email }} because you subscribed. Unsubscribe: {{ unsubscribe }}`,
  html: `<html><body><h1>Hello {{ user_name | default: "there" }}</h1>
<p>As a <b>{{ tier }}</b> member in {{ country | default: "your country" }} you get <b>{{ offer }}</b> until {{ deadline }}.</p>
{% if tier == "max" %}<p>Max members also get {{ bonus }}.</p>{% endif %}
<p><a href="{{ link }}">Use code {{ code }}</a></p>
<p style="font-size:11px">Sent to {{ email }}. <a href="{{ unsubscribe }}">Unsubscribe</a></p></body></html>`,
  template_vars: {
    offer: '20% off your next month',
    deadline: 'December 24',
    bonus: 'a free seat',
    code: 'WINTER20',
    link: 'https://example.com/offer',
    unsubscribe: 'https://example.com/u',
  },
};

const tiers = ['free', 'pro', 'max', 'team', 'enterprise'];
const people: RecipientProfile[] = Array.from({ length: MESSAGES }, (_, i) => ({
  id: `u_${i}`,
  name: i % 7 === 0 ? null : `Person ${i} Example`,
  email: `person${i}@example.com`,
  tier: tiers[i % tiers.length]!,
  country: i % 5 === 0 ? null : 'DE',
  locale: 'en',
  timezone: 'Europe/Berlin',
}));

function liquidRun(): number {
  const compiled = compileVariant(variant);
  let bytes = 0;
  for (const p of people) {
    const m = renderVariant(compiled, p, 'email');
    bytes += m.text.length + (m.html?.length ?? 0) + (m.subject?.length ?? 0);
  }
  return bytes;
}

/** The floor: fill `{{ name }}` by lookup, nothing else (no defaults, filters, conditionals or escaping). */
const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)[^}]*\}\}/g;
const TAG = /\{%[^%]*%\}/g;
function replaceRun(): number {
  const strip = (s: string) => s.replace(TAG, '');
  const subject = strip(variant.subject);
  const body = strip(variant.body);
  const html = strip(variant.html);
  let bytes = 0;
  for (const p of people) {
    const vars: Record<string, string> = {
      ...variant.template_vars,
      first_name: p.name?.split(' ')[0] ?? '',
      user_name: p.name ?? '',
      tier: p.tier,
      country: p.country ?? '',
      email: p.email ?? '',
    };
    const fill = (s: string) => s.replace(PLACEHOLDER, (_, n: string) => vars[n] ?? '');
    bytes += fill(subject).length + fill(body).length + fill(html).length;
  }
  return bytes;
}

function measure(run: () => number): { perSecond: number; usPerMessage: number } {
  run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  const ms = times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  return { perSecond: Math.round((MESSAGES / ms) * 1000), usPerMessage: Math.round((ms * 1000) / MESSAGES * 100) / 100 };
}

/**
 * The direct renderer (src/domain/templates/flat.ts) serves this template: check, on a sample, that
 * it gives exactly what liquidjs itself gives, so the figure is for correct output.
 */
function verifyAgainstLiquidjs(): void {
  const compiled = compileVariant(variant);
  const reference = {
    subject: compileTemplate(variant.subject, 'text', { direct: false }),
    text: compileTemplate(variant.body, 'text', { direct: false }),
    html: compileTemplate(variant.html, 'html', { direct: false }),
  };
  for (const p of people.slice(0, 2000)) {
    const got = renderVariant(compiled, p, 'email');
    // The data the renderer builds from a profile (render.ts profileData), spelled out.
    const data: Record<string, unknown> = { user_id: p.id, tier: p.tier, locale: p.locale, timezone: p.timezone };
    if (p.name) Object.assign(data, { user_name: p.name, first_name: p.name.split(/\s/)[0] });
    if (p.email) data['email'] = p.email;
    if (p.country) data['country'] = p.country;
    data['user'] = data;
    const want = {
      subject: reference.subject.render(data, variant.template_vars),
      text: reference.text.render(data, variant.template_vars),
      html: reference.html.render(data, variant.template_vars),
    };
    if (got.subject !== want.subject || got.text !== want.text || got.html !== want.html) {
      throw new Error(`the renderer and liquidjs disagree for ${p.id}: ${JSON.stringify({ got, want })}`);
    }
  }
}

verifyAgainstLiquidjs();
const liquid = measure(liquidRun);
const replace = measure(replaceRun);
const ratio = Math.round((liquid.perSecond / replace.perSecond) * 1000) / 1000;
console.log(`render bench: ${MESSAGES.toLocaleString('en')} emails (subject + text + HTML), median of ${RUNS}; ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
console.log('renderer                 renders/s   µs/message   vs replace');
console.log(`liquid (ours)         ${liquid.perSecond.toLocaleString('en').padStart(12)} ${String(liquid.usPerMessage).padStart(12)} ${String(ratio).padStart(12)}`);
console.log(`bare string replace   ${replace.perSecond.toLocaleString('en').padStart(12)} ${String(replace.usPerMessage).padStart(12)} ${'1'.padStart(12)}`);
console.log(`${liquid.perSecond >= TARGET ? 'PASS' : 'MISS'}  liquid >= ${TARGET.toLocaleString('en')} renders/s (actual ${liquid.perSecond.toLocaleString('en')})`);
mkdirSync('.bench-out', { recursive: true });
writeFileSync('.bench-out/render.json', JSON.stringify({ messages: MESSAGES, liquid, replace, ratio, target: TARGET }, null, 2));

/** The Liquid template engine as message templates use it: exact, escaped where it must be, sandboxed, bounded. */
import { describe, expect, it } from 'vitest';
import { checkTemplate, compileTemplate, TemplateError } from '../../src/domain/templates/engine.js';
import { compileVariant, renderVariant, variantProblems } from '../../src/domain/delivery/render.js';

const render = (src: string, data: Record<string, unknown>, kind: 'text' | 'html' = 'text') => compileTemplate(src, kind).render(data);

describe('template engine', () => {
  it('fills variables, nested paths, filters and conditionals', () => {
    expect(render('Hi {{ first_name }}!', { first_name: 'Ada' })).toBe('Hi Ada!');
    expect(render('{{ user.tier | upcase }}', { user: { tier: 'pro' } })).toBe('PRO');
    expect(render('{{ price | times: 1.2 | round: 2 }}', { price: 10.5 })).toBe('12.6');
    expect(render('{% if vip %}VIP {% endif %}{% for p in picks %}{{ p }},{% endfor %}', { picks: ['a', 'b'] })).toBe('a,b,');
    expect(render('{% if tier == "max" %}top{% else %}other{% endif %}', { tier: 'pro' })).toBe('other');
  });

  it('fails a render naming a printed variable that has no value, unless a default is given', () => {
    const t = compileTemplate('Hello {{ first_name }}, {{ city | default: "friend" }}');
    expect(t.render({ first_name: 'Ada' })).toBe('Hello Ada, friend');
    for (const data of [{}, { first_name: null }, { first_name: '' }]) {
      let err: unknown;
      try {
        t.render(data);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TemplateError);
      expect((err as TemplateError).variable).toBe('first_name');
      expect((err as Error).message).toMatch(/^missing variable first_name, line:1, col:7/);
    }
    expect(() => render('{{ user.nickname }}', { user: {} })).toThrow(/missing variable user\.nickname/);
    // Only printed values are required: a tested variable may be absent, and loop variables are local.
    expect(render('{% if last_purchase %}{{ last_purchase.amount }}{% endif %}done', {})).toBe('done');
    expect(render('{% for i in items %}{{ i.name }}{% endfor %}', { items: [] })).toBe('');
  });

  it('escapes printed values in HTML, not in text', () => {
    const data = { name: '<script>alert("x")</script> & co' };
    expect(render('<p>{{ name }}</p>', data, 'html')).toBe('<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</p>');
    expect(render('{{ name }}', data, 'text')).toBe('<script>alert("x")</script> & co');
    expect(render('{{ name | raw }}', data, 'html')).toBe('<script>alert("x")</script> & co');
  });

  it('reports syntax errors and unknown filters with line and column', () => {
    expect(checkTemplate('Hi\n{% if vip %}\nno end')).toEqual([{ message: expect.stringMatching(/not closed, line:2, col:1/), line: 2, col: 1 }]);
    expect(checkTemplate('{{ name | shout }}')[0]).toMatchObject({ message: expect.stringMatching(/undefined filter: shout/), line: 1, col: 1 });
    expect(checkTemplate('fine {{ x }}')).toEqual([]);
  });

  it('reads no files and exposes no object internals', () => {
    for (const tag of ['include', 'render', 'layout']) {
      expect(checkTemplate(`{% ${tag} "secrets" %}`)[0]!.message).toMatch(new RegExp(`\\{% ${tag} %\\} is not allowed`));
    }
    expect(() => render('{{ a.constructor }}', { a: {} })).toThrow(/missing variable a\.constructor/);
    expect(render('{{ a.constructor | default: "none" }}', { a: {} })).toBe('none');
  });

  it('rejects a 1 MB template and cannot be made to run forever or exhaust memory', () => {
    expect(() => compileTemplate('x'.repeat(1_000_000))).toThrow(/1,000,000 characters long; the limit is 100,000/);
    const started = Date.now();
    expect(() => render('{% for i in (1..100000000) %}{{ i }}{% endfor %}', {})).toThrow(/limit/);
    expect(() => render('{% for i in (1..100000) %}{% for j in (1..100000) %}x{% endfor %}{% endfor %}', {})).toThrow(/limit/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('lists the variables a template reads from its data, not its loop or assigned names', () => {
    const t = compileTemplate('{% assign n = 3 %}{{ first_name }}{% for p in picks %}{{ p }}{% endfor %}{{ n }}{% if vip %}{% endif %}');
    expect([...t.variables].sort()).toEqual(['first_name', 'picks', 'vip']);
  });

  it('names the variables read only through outputs that give a default', () => {
    const defaulted = (src: string) => [...compileTemplate(src).defaulted].sort();
    expect(defaulted('{{ coupon | default: "none" }} {{ user.tier | upcase | default: "free" }}')).toEqual(['coupon', 'user']);
    expect(defaulted('{{ coupon | default: "none" }}\n{{ coupon }}')).toEqual([]);
    expect(defaulted('{% if coupon %}{{ coupon | default: "x" }}{% endif %}')).toEqual([]);
    expect(defaulted('{{ a | append: b | default: "x" }}')).toEqual(['a']);
  });
});

describe('variants', () => {
  const profile = { id: 'u1', name: 'Ada Lovelace', email: 'ada@example.com', tier: 'pro', country: 'GB', locale: 'en', timezone: 'Europe/London' };

  it('renders subject, text and HTML per channel, with template variables and profile fields', () => {
    const v = compileVariant({ subject: 'Hi {{ first_name }}', body: '{{ offer }} for {{ user.tier }}', html: '<b>{{ user_name }}</b>', template_vars: { offer: '20% off' } });
    expect(renderVariant(v, profile, 'email')).toEqual({ subject: 'Hi Ada', text: '20% off for pro', html: '<b>Ada Lovelace</b>' });
    expect(renderVariant(v, profile, 'sms')).toEqual({ subject: null, text: '20% off for pro', html: null });
    expect(renderVariant(v, profile, 'push')).toMatchObject({ subject: 'Hi Ada', html: null });
  });

  it('names what is wrong with a variant before anything is sent', () => {
    expect(variantProblems({ body: 'Hi {{ nickname }} {{ first_name }}', template_vars: {} })).toEqual(['uses variables nothing provides: {{nickname}}']);
    expect(variantProblems({ body: 'ok', subject: '{% if x %}', template_vars: {} })[0]).toMatch(/^subject: tag \{% if x %\} not closed/);
    expect(variantProblems({ body: '{{ offer }} {{ user.email }}', template_vars: { offer: 'x' } })).toEqual([]);
  });
});

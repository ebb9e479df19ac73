/**
 * The direct renderer for flat templates (src/domain/templates/flat.ts) against liquidjs itself:
 * on random flat and near-flat templates and random data, both give the same text, or both fail
 * with the same message and missing variable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTemplate, type TemplateKind } from '../../src/domain/templates/engine.js';

const names = ['first_name', 'n', 'flag', 'user'];
const paths = fc.oneof(
  fc.constantFrom(...names),
  fc.constantFrom('user.name', 'user.missing', 'user.address.city', 'user.size', 'list.first', 'n.size', 'user.toString', 'toString', 'constructor'),
);
const literal = fc.oneof(fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s.replace(/["\\{}%]/g, ''))), fc.integer({ min: -5, max: 50 }).map(String));
const filter = fc.oneof(
  literal.map((l) => ` | default: ${l}`),
  fc.constant(' | raw'),
  fc.constant(' | upcase'),
  fc.constant(' | downcase'),
  fc.constant(' | capitalize'),
  fc.constant(' | size'),
  fc.constant(' | default: "x", allow_false: true'),
  fc.constant(''),
);
const output = fc.oneof(
  fc.tuple(paths, fc.array(filter, { maxLength: 2 })).map(([p, fs]) => `{{ ${p}${fs.join('')} }}`),
  literal.map((l) => `{{ ${l} }}`),
  fc.constant('{{- first_name -}}'),
);
const text = fc.string({ maxLength: 8 }).map((s) => s.replace(/[{}%]/g, ''));
const operand = fc.oneof(paths, literal, fc.constantFrom('nil', 'true', 'empty'));
const condition = fc.oneof(
  operand,
  fc.tuple(operand, fc.constantFrom('==', '!=', '>', 'contains'), operand).map(([a, op, b]) => `${a} ${op} ${b}`),
  fc.tuple(operand, operand).map(([a, b]) => `${a} and ${b}`),
);
const flatPiece = fc.oneof({ weight: 4, arbitrary: output }, { weight: 4, arbitrary: text });
const block = fc
  .tuple(condition, fc.array(flatPiece, { maxLength: 3 }), fc.option(fc.tuple(condition, fc.array(flatPiece, { maxLength: 2 }))), fc.option(fc.array(flatPiece, { maxLength: 2 })))
  .map(([c, body, elsif, otherwise]) =>
    `{% if ${c} %}${body.join('')}${elsif ? `{% elsif ${elsif[0]} %}${elsif[1].join('')}` : ''}${otherwise ? `{% else %}${otherwise.join('')}` : ''}{% endif %}`,
  );
const piece = fc.oneof({ weight: 4, arbitrary: output }, { weight: 4, arbitrary: text }, { weight: 2, arbitrary: block }, { weight: 1, arbitrary: fc.constant('{% unless flag %}U{% endunless %}') });
const template = fc.array(piece, { minLength: 1, maxLength: 6 }).map((ps) => ps.join(''));

const scalar = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('<b>&"\'</b>', '', 'Ada', 0, -0, NaN, false, true),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.record({ name: scalar, tier: scalar, address: fc.oneof(fc.record({ city: scalar }), scalar) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constant(new Date(0)) },
);
const data = fc.dictionary(fc.constantFrom(...names, 'list', 'toString'), value, { maxKeys: 6 });

function outcome(src: string, kind: TemplateKind, direct: boolean, d: Record<string, unknown>, fallback: Record<string, unknown> | undefined) {
  const t = compileTemplate(src, kind, { direct });
  try {
    return { ok: t.render(d, fallback) };
  } catch (err) {
    return { error: (err as Error).message, variable: (err as { variable?: string }).variable };
  }
}

describe('flat template renderer', () => {
  it('matches liquidjs on random templates and data, text and HTML, with and without template variables', () => {
    fc.assert(
      fc.property(template, fc.constantFrom<TemplateKind>('text', 'html'), data, fc.option(data, { nil: undefined }), (src, kind, d, fallback) => {
        let compiles = true;
        try {
          compileTemplate(src, kind, { direct: false });
        } catch {
          compiles = false;
        }
        fc.pre(compiles);
        expect(outcome(src, kind, true, d, fallback)).toEqual(outcome(src, kind, false, d, fallback));
      }),
      { numRuns: 4000 },
    );
  });

  it('renders the common merge template directly and escapes like liquidjs', () => {
    const src = '<p>Hi {{ first_name }}, {{ user.tier | default: "friend" }} {{ note | raw }}</p>';
    const d = { first_name: 'A&B "x"', user: { tier: '' }, note: '<i>' };
    expect(compileTemplate(src, 'html').render(d)).toBe('<p>Hi A&amp;B &#34;x&#34;, friend <i></p>');
    expect(compileTemplate(src, 'html').render(d)).toBe(compileTemplate(src, 'html', { direct: false }).render(d));
  });
});

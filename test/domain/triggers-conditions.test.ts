/**
 * Trigger conditions (src/domain/triggers/conditions.ts) and entry rules (entry.ts): the
 * semantics of each op, table by table, and their algebra as properties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CampaignTrigger, ConditionOp, TriggerCondition } from '../../src/domain/campaign.js';
import { checkConditions, conditionHolds, conditionProblem, matchesTrigger, readPath } from '../../src/domain/triggers/conditions.js';
import { entryDecision, exitCancels } from '../../src/domain/triggers/entry.js';

const props = {
  plan: 'pro',
  amount: 42,
  amount_text: '42',
  price: '19.99',
  vip: true,
  zero: 0,
  empty: '',
  nothing: null,
  title: 'Winter SALE on Boots',
  tags: ['VIP', 'early', 7],
  at: '2026-03-01T10:00:00Z',
  day: '2026-03-01',
  cart: { total: 120.5, items: [{ sku: 'A-1', qty: 2 }, { sku: 'B-2', qty: 1 }], currency: 'EUR' },
  'page.url': 'https://shop.example/boots',
  page: { url: 'nested' },
};

describe('readPath', () => {
  it.each([
    ['plan', 'pro'],
    ['cart.total', 120.5],
    ['cart.items.0.sku', 'A-1'],
    ['cart.items.1.qty', 1],
    ['cart.items.2.sku', undefined],
    ['cart.items.01.sku', undefined],
    ['cart.items.-1', undefined],
    ['cart.items.length', undefined],
    ['plan.length', undefined],
    ['cart.missing.deep', undefined],
    ['nothing', null],
    ['nothing.x', undefined],
    ['page.url', 'https://shop.example/boots'],
    ['page', { url: 'nested' }],
    ['', undefined],
    ['cart..total', undefined],
    ['.plan', undefined],
    ['plan.', undefined],
    ['constructor', undefined],
    ['__proto__', undefined],
    ['cart.toString', undefined],
    ['tags.0', 'VIP'],
  ] as const)('%s → %j', (path, expected) => {
    expect(readPath(props, path)).toEqual(expected);
  });

  it('reads arrays at the top level and ignores non-containers', () => {
    expect(readPath([{ a: 1 }], '0.a')).toBe(1);
    expect(readPath(null, 'a')).toBeUndefined();
    expect(readPath('text', '0')).toBeUndefined();
  });
});

const c = (field: string, op: ConditionOp, value?: TriggerCondition['value']): TriggerCondition => (value === undefined ? { field, op } : { field, op, value });

describe('conditionHolds', () => {
  const table: Array<[TriggerCondition, boolean]> = [
    // eq / neq: strict within a type, number ↔ decimal string, booleans only booleans
    [c('plan', 'eq', 'pro'), true],
    [c('plan', 'eq', 'Pro'), false],
    [c('amount', 'eq', 42), true],
    [c('amount', 'eq', '42'), true],
    [c('amount', 'eq', '42.0'), true],
    [c('amount', 'eq', ' 42'), false],
    [c('amount_text', 'eq', 42), true],
    [c('amount_text', 'eq', '42.0'), false],
    [c('zero', 'eq', ''), false],
    [c('empty', 'eq', 0), false],
    [c('vip', 'eq', true), true],
    [c('vip', 'eq', 'true'), false],
    [c('vip', 'eq', 1), false],
    [c('cart', 'eq', 'x'), false],
    [c('missing', 'eq', 'x'), false],
    [c('nothing', 'eq', 'null'), false],
    [c('plan', 'neq', 'free'), true],
    [c('plan', 'neq', 'pro'), false],
    [c('missing', 'neq', 'pro'), true],
    [c('amount', 'neq', '42'), false],
    // in
    [c('plan', 'in', ['free', 'pro']), true],
    [c('plan', 'in', ['free']), false],
    [c('amount', 'in', ['41', '42']), true],
    [c('amount_text', 'in', [42]), true],
    [c('plan', 'in', 'pro'), true],
    [c('missing', 'in', ['pro']), false],
    [c('tags', 'in', ['VIP']), false],
    // comparisons: numeric
    [c('amount', 'gt', 41), true],
    [c('amount', 'gt', 42), false],
    [c('amount', 'gte', 42), true],
    [c('amount', 'lt', '100'), true],
    [c('amount_text', 'lte', 42), true],
    [c('price', 'gt', 19.9), true],
    [c('cart.total', 'gte', 100), true],
    [c('plan', 'gt', 1), false],
    [c('vip', 'gt', 0), false],
    [c('missing', 'lt', 10), false],
    [c('nothing', 'lt', 10), false],
    // comparisons: instants
    [c('at', 'gt', '2026-03-01'), true],
    [c('at', 'lt', '2026-03-01T10:00:01Z'), true],
    [c('at', 'gte', '2026-03-01T11:00:00+01:00'), true],
    [c('at', 'lte', '2026-03-01T10:00:00'), true],
    [c('day', 'lt', '2026-03-01T00:00:01Z'), true],
    [c('day', 'gt', '2026-03-01'), false],
    [c('amount', 'gt', '2026-01-01'), false],
    [c('at', 'gt', 5), false],
    [c('plan', 'gt', '2026-01-01'), false],
    // exists
    [c('plan', 'exists'), true],
    [c('zero', 'exists'), true],
    [c('empty', 'exists'), true],
    [c('nothing', 'exists'), false],
    [c('missing', 'exists'), false],
    [c('missing', 'exists', false), true],
    [c('plan', 'exists', false), false],
    [c('plan', 'exists', true), true],
    // contains: strings case-insensitively, arrays by element
    [c('title', 'contains', 'sale'), true],
    [c('title', 'contains', 'BOOTS'), true],
    [c('title', 'contains', 'shoes'), false],
    [c('tags', 'contains', 'vip'), true],
    [c('tags', 'contains', 'ear'), false],
    [c('tags', 'contains', 7), true],
    [c('tags', 'contains', '7'), true],
    [c('cart.items.0.sku', 'contains', 'a-'), true],
    [c('amount', 'contains', '4'), false],
    [c('missing', 'contains', 'x'), false],
    // malformed conditions never hold, not even neq
    [c('plan', 'neq', ['pro']), false],
    [c('plan', 'eq'), false],
    [c('plan', 'in', []), false],
    [c('amount', 'gt', 'lots'), false],
    [c('title', 'contains', ''), false],
    [c('plan', 'exists', 'yes'), false],
    [c('cart..total', 'neq', 1), false],
  ];
  it.each(table)('%j → %s', (cond, expected) => {
    expect(conditionHolds(cond, props)).toBe(expected);
  });
});

describe('conditionProblem', () => {
  it.each([
    [c('plan', 'eq', ['a']), "use op 'in'"],
    [c('plan', 'eq'), 'needs a value'],
    [c('plan', 'in'), 'needs a list'],
    [c('plan', 'in', []), 'empty list'],
    [c('amount', 'gt', 'lots'), 'needs a number'],
    [c('amount', 'gt', true), 'needs a number'],
    [c('title', 'contains', ''), 'non-empty text'],
    [c('title', 'contains', ['a']), 'non-empty text'],
    [c('plan', 'exists', 'yes'), 'false means the property must be absent'],
    [c('a..b', 'exists'), 'dotted path'],
    [{ field: 'plan', op: 'like' as ConditionOp, value: 'x' }, 'must be one of'],
  ] as const)('%j', (cond, fragment) => {
    expect(conditionProblem(cond)).toContain(fragment);
  });

  it('accepts well-formed conditions', () => {
    for (const cond of [c('a', 'eq', 1), c('a', 'in', 'x'), c('a', 'gt', '10'), c('a', 'lte', '2026-01-01'), c('a', 'exists'), c('a', 'exists', false), c('a', 'contains', 3)]) {
      expect(conditionProblem(cond)).toBeNull();
    }
  });

  it('checkConditions names the condition by its index', () => {
    expect(() => checkConditions([c('a', 'eq', 1), c('b', 'gt', 'x')], 'trigger.conditions')).toThrow(/trigger\.conditions\[1\]: op 'gt' on 'b'/);
  });
});

describe('matchesTrigger', () => {
  const trigger = { event_type: 'cart.abandoned', conditions: [c('cart.total', 'gte', 50), c('cart.currency', 'in', ['EUR', 'USD'])] };
  it.each([
    ['cart.abandoned', props, true],
    ['cart.abandoned', { cart: { total: 20, currency: 'EUR' } }, false],
    ['cart.abandoned', { cart: { total: '80', currency: 'USD' } }, true],
    ['Cart.Abandoned', props, false],
    ['purchase', props, false],
  ] as const)('%s %j → %s', (type, properties, expected) => {
    expect(matchesTrigger(trigger, { type, properties })).toBe(expected);
  });
  it('with no conditions, the type alone decides', () => {
    expect(matchesTrigger({ event_type: 'x', conditions: [] }, { type: 'x', properties: {} })).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -100, max: 100 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean());
const value = fc.oneof(scalar, fc.constant(null), fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b'), scalar, { maxKeys: 2 }));
const record = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'n'), value, { maxKeys: 4 });
const expected = fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -100, max: 100 }), fc.boolean(), fc.integer({ min: -100, max: 100 }).map(String));
const field = fc.constantFrom('a', 'b', 'c', 'n', 'a.a', 'missing');

describe('condition algebra (properties)', () => {
  it('neq is the negation of eq (also when the path is missing)', () => {
    fc.assert(
      fc.property(record, field, expected, (p, f, v) => {
        expect(conditionHolds(c(f, 'neq', v), p)).toBe(!conditionHolds(c(f, 'eq', v), p));
      }),
    );
  });

  it('in with a list is the OR of eq over its elements; in with one element is eq', () => {
    fc.assert(
      fc.property(record, field, fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 5 })), { minLength: 1, maxLength: 4 }), (p, f, list) => {
        expect(conditionHolds(c(f, 'in', list), p)).toBe(list.some((v) => conditionHolds(c(f, 'eq', v), p)));
        expect(conditionHolds(c(f, 'in', [list[0]!]), p)).toBe(conditionHolds(c(f, 'eq', list[0]!), p));
      }),
    );
  });

  it('comparisons: gte = gt or eq-numerically, lt = not gte, when both sides are numbers', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), (a, v, asText) => {
        const p = { x: asText ? String(a) : a };
        const gt = conditionHolds(c('x', 'gt', v), p);
        const gte = conditionHolds(c('x', 'gte', v), p);
        const lt = conditionHolds(c('x', 'lt', v), p);
        const lte = conditionHolds(c('x', 'lte', v), p);
        expect(gte).toBe(gt || Number(p.x) === v);
        expect(lt).toBe(!gte);
        expect(lte).toBe(!gt);
      }),
    );
  });

  it('instants compare like their epoch milliseconds, whatever the offset', () => {
    const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(instant, instant, fc.integer({ min: -12, max: 14 }), (a, b, offsetHours) => {
        const shifted = new Date(a.getTime() + offsetHours * 3_600_000).toISOString().replace('Z', '');
        const sign = offsetHours < 0 ? '-' : '+';
        const withOffset = `${shifted}${sign}${String(Math.abs(offsetHours)).padStart(2, '0')}:00`;
        expect(conditionHolds(c('t', 'gt', b.toISOString()), { t: withOffset })).toBe(a.getTime() > b.getTime());
      }),
    );
  });

  it('exists and exists:false are complements; a missing value fails every op but neq and exists:false', () => {
    fc.assert(
      fc.property(record, field, (p, f) => {
        expect(conditionHolds(c(f, 'exists', false), p)).toBe(!conditionHolds(c(f, 'exists'), p));
        if (readPath(p, f) === undefined || readPath(p, f) === null) {
          for (const op of ['eq', 'in', 'gt', 'gte', 'lt', 'lte', 'contains'] as const) expect(conditionHolds(c(f, op, 1), p)).toBe(false);
        }
      }),
    );
  });

  it('contains on text ignores case', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ minLength: 1, maxLength: 3 }), fc.string({ maxLength: 8 }), (pre, needle, post) => {
        expect(conditionHolds(c('s', 'contains', needle.toUpperCase()), { s: `${pre}${needle.toLowerCase()}${post}` })).toBe(
          `${pre}${needle.toLowerCase()}${post}`.toLowerCase().includes(needle.toUpperCase().toLowerCase()),
        );
      }),
    );
  });

  it('never throws, whatever the properties', () => {
    fc.assert(
      fc.property(fc.jsonValue(), field, fc.constantFrom(...(['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains'] as const)), expected, (p, f, op, v) => {
        expect(typeof conditionHolds(c(f, op, v), p as Record<string, unknown>)).toBe('boolean');
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Entry

const T0 = new Date('2026-03-01T12:00:00Z');
const at = (hours: number) => new Date(T0.getTime() + hours * 3_600_000);
const trigger = (over: Partial<CampaignTrigger> = {}): CampaignTrigger => ({
  event_type: 'cart.abandoned',
  conditions: [],
  delay_minutes: 60,
  cooldown_hours: 24,
  max_entries_per_user: 3,
  exit_events: ['purchase'],
  ...over,
});

describe('entryDecision', () => {
  it.each([
    ['first entry acts after the delay', trigger(), { entries: 0, lastEnteredAt: null }, T0, { kind: 'enter', actAt: at(1) }],
    ['no delay acts at the event time', trigger({ delay_minutes: 0 }), { entries: 0, lastEnteredAt: null }, T0, { kind: 'enter', actAt: T0 }],
    ['within the cooldown after the last entry', trigger(), { entries: 1, lastEnteredAt: T0 }, at(5), { kind: 'skip', reason: 'cooldown', until: at(24) }],
    ['exactly at the end of the cooldown enters', trigger(), { entries: 1, lastEnteredAt: T0 }, at(24), { kind: 'enter', actAt: at(25) }],
    ['after the cooldown', trigger(), { entries: 2, lastEnteredAt: T0 }, at(30), { kind: 'enter', actAt: at(31) }],
    ['a late event from before the last entry, within the cooldown', trigger(), { entries: 1, lastEnteredAt: T0 }, at(-3), { kind: 'skip', reason: 'cooldown', until: at(24) }],
    ['a late event from long before the last entry', trigger(), { entries: 1, lastEnteredAt: T0 }, at(-48), { kind: 'enter', actAt: at(-47) }],
    ['zero cooldown never skips', trigger({ cooldown_hours: 0 }), { entries: 1, lastEnteredAt: T0 }, T0, { kind: 'enter', actAt: at(1) }],
    ['fractional cooldown', trigger({ cooldown_hours: 0.5 }), { entries: 1, lastEnteredAt: T0 }, at(0.25), { kind: 'skip', reason: 'cooldown', until: at(0.5) }],
    ['entry limit reached', trigger(), { entries: 3, lastEnteredAt: at(-100) }, T0, { kind: 'skip', reason: 'max_entries' }],
    ['entry limit wins over the cooldown', trigger({ max_entries_per_user: 1 }), { entries: 1, lastEnteredAt: T0 }, at(1), { kind: 'skip', reason: 'max_entries' }],
  ] as const)('%s', (_name, t, previous, eventAt, expected) => {
    expect(entryDecision({ trigger: t, previous, eventAt })).toEqual(expected);
  });

  it('is decided by event timestamps only: the same history and event give the same answer in any arrival order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 48 }), (hours, cooldown) => {
        // Replaying events in timestamp order, no two entries are closer than the cooldown.
        const t = trigger({ cooldown_hours: cooldown, max_entries_per_user: 1000 });
        let previous: { entries: number; lastEnteredAt: Date | null } = { entries: 0, lastEnteredAt: null };
        const entered: number[] = [];
        for (const h of [...hours].sort((a, b) => a - b)) {
          const d = entryDecision({ trigger: t, previous, eventAt: at(h) });
          if (d.kind === 'enter') {
            entered.push(h);
            previous = { entries: previous.entries + 1, lastEnteredAt: at(h) };
          }
        }
        for (let i = 1; i < entered.length; i++) expect(entered[i]! - entered[i - 1]!).toBeGreaterThanOrEqual(cooldown);
        expect(entered[0]).toBe(Math.min(...hours));
      }),
    );
  });
});

describe('exitCancels', () => {
  const t = trigger({ exit_events: ['purchase', 'unsubscribe'] });
  it.each([
    ['a purchase after the entry', 'purchase', at(0.5), true],
    ['a purchase at the entry instant', 'purchase', T0, true],
    ['a purchase long after the step was due', 'purchase', at(500), true],
    ['a late purchase from before the entry', 'purchase', at(-0.1), false],
    ['another exit event', 'unsubscribe', at(2), true],
    ['an event that is not an exit event', 'page_view', at(2), false],
    ['exit events match the type exactly', 'Purchase', at(2), false],
  ] as const)('%s', (_name, type, eventAt, expected) => {
    expect(exitCancels(t, { type, at: eventAt }, { enteredAt: T0 })).toBe(expected);
  });
  it('no exit events: nothing cancels', () => {
    expect(exitCancels(trigger({ exit_events: [] }), { type: 'purchase', at: at(1) }, { enteredAt: T0 })).toBe(false);
  });
});

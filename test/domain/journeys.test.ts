/**
 * Journey graphs: the input schema (definition.ts), graph validation (validate.ts), transitions
 * (transitions.ts) and the classic templates (templates.ts). Table-driven cases, then properties
 * on random DAGs.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { edgesOf, journeyInput, type JourneyDefinition, type JourneyStep } from '../../src/domain/journeys/definition.js';
import { JOURNEY_TEMPLATE_NAMES, cartAbandonment, instantiateJourneyTemplate, reEngagement, welcomeSeries } from '../../src/domain/journeys/templates.js';
import { branchMatched, nextAfter, resumeAt, splitChoice, splitUnit } from '../../src/domain/journeys/transitions.js';
import { parseJourney, validateJourney } from '../../src/domain/journeys/validate.js';

type StepIn = Record<string, unknown>;

const journey = (steps: Record<string, StepIn>, start = 'welcome', extra: Record<string, unknown> = {}): unknown => ({
  version: 1,
  entry: { trigger: { event_type: 'user.signed_up' } },
  start,
  steps,
  ...extra,
});

const basic: Record<string, StepIn> = {
  welcome: { kind: 'send', subject: 'Hi', body: 'Welcome', next: 'pause' },
  pause: { kind: 'wait', minutes: 1440, next: 'check' },
  check: { kind: 'branch', on: { field: 'plan', op: 'eq', value: 'pro' }, then: 'pro_tips', else: 'done' },
  pro_tips: { kind: 'send', subject: 'Pro tips', body: 'Tips', next: 'done' },
  done: { kind: 'exit' },
};

/** The message and hint of the invalid_input a call throws. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('invalid_input');
    return (err as DomainError).toUserText();
  }
  throw new Error('expected an invalid_input error');
}

describe('parseJourney: valid input', () => {
  it('applies defaults and returns the steps in topological order', () => {
    const { definition, order } = parseJourney(journey({ done: basic.done!, pro_tips: basic.pro_tips!, check: basic.check!, pause: basic.pause!, welcome: basic.welcome! }));
    expect(order).toEqual(['welcome', 'pause', 'check', 'pro_tips', 'done']);
    expect(Object.keys(definition.steps)).toEqual(order);
    expect(definition.version).toBe(1);
    expect(definition.entry.trigger).toEqual({ event_type: 'user.signed_up', conditions: [], delay_minutes: 0, cooldown_hours: 24, max_entries_per_user: 1, exit_events: [] });
  });

  it('accepts a wait_for_event whose exits are the same step, and shared targets', () => {
    const { order } = parseJourney(
      journey({
        welcome: { kind: 'send', variant_key: 'A', next: 'listen' },
        listen: { kind: 'wait_for_event', event_type: 'purchase', timeout_minutes: 60, on_event: 'ab', on_timeout: 'ab' },
        ab: { kind: 'split', branches: [{ weight: 1, next: 'done' }, { weight: 3, next: 'done' }] },
        done: { kind: 'exit' },
      }),
    );
    expect(order).toEqual(['welcome', 'listen', 'ab', 'done']);
  });

  it('normalises a branch test to its canonical form', () => {
    const { definition } = parseJourney(journey({ ...basic, check: { kind: 'branch', on: { segment_id: 'seg_1' }, then: 'pro_tips', else: 'done' } }));
    expect(definition.steps['check']).toEqual({ kind: 'branch', on: { segment_id: 'seg_1' }, then: 'pro_tips', else: 'done' });
  });

  it('accepts a wait with both minutes and until_local_time', () => {
    expect(() => parseJourney(journey({ ...basic, pause: { kind: 'wait', minutes: 60, until_local_time: '09:30', next: 'check' } }))).not.toThrow();
  });
});

describe('parseJourney: rejected input names the step and the fix', () => {
  it.each([
    ['unknown kind', { ...basic, pause: { kind: 'sleep', minutes: 5, next: 'check' } }, "step 'pause' (kind): kind must be one of: send, wait"],
    ['unknown field', { ...basic, pause: { kind: 'wait', hours: 5, next: 'check' } }, "step 'pause': unknown field(s) hours; a wait step takes minutes"],
    ['missing next', { ...basic, welcome: { kind: 'send', body: 'x' } }, "step 'welcome' (next): next is required"],
    ['bad step id', { ...basic, 'Bad Id': { kind: 'exit' } }, 'step id "Bad Id" must be 1-40 lowercase'],
    ['one split branch', { ...basic, pause: { kind: 'split', branches: [{ weight: 1, next: 'check' }] } }, "step 'pause' (branches): branches must have at least 2"],
    ['zero weight', { ...basic, pause: { kind: 'split', branches: [{ weight: 0, next: 'check' }, { weight: 1, next: 'done' }] } }, "step 'pause' (branches[0].weight)"],
    ['bad local time', { ...basic, pause: { kind: 'wait', until_local_time: '9am', next: 'check' } }, 'until_local_time must be HH:MM'],
    ['zero minutes', { ...basic, pause: { kind: 'wait', minutes: 0, next: 'check' } }, "step 'pause' (minutes): minutes must be at least 1"],
    ['step not an object', { ...basic, pause: 'wait' }, "step 'pause': a step must be an object"],
    ['repeated channel', { ...basic, welcome: { kind: 'send', body: 'x', subject: 's', channels: ['email', 'email'], next: 'pause' } }, 'channels must not repeat'],
    ['send without content', { ...basic, welcome: { kind: 'send', next: 'pause' } }, "step 'welcome' (send): has no content"],
    ['send with both contents', { ...basic, welcome: { kind: 'send', variant_key: 'A', body: 'x', next: 'pause' } }, "step 'welcome' (send): has both variant_key and body"],
    ['email send without subject', { ...basic, welcome: { kind: 'send', body: 'x', channels: ['email'], next: 'pause' } }, "step 'welcome' (send): has no subject"],
    ['empty wait', { ...basic, pause: { kind: 'wait', next: 'check' } }, "step 'pause' (wait): says neither how long nor until when"],
    ['branch on two things', { ...basic, check: { kind: 'branch', on: { segment_id: 's', field: 'plan', op: 'eq', value: 1 }, then: 'pro_tips', else: 'done' } }, "step 'check' (branch): on has both"],
    ['branch on nothing', { ...basic, check: { kind: 'branch', on: {}, then: 'pro_tips', else: 'done' } }, "step 'check' (branch): on is empty"],
    ['branch with a bad condition', { ...basic, check: { kind: 'branch', on: { field: 'plan', op: 'gt', value: 'big' }, then: 'pro_tips', else: 'done' } }, "step 'check' (branch): on: op 'gt' on 'plan' needs a number"],
    ['bad wait_for_event condition', { ...basic, pause: { kind: 'wait_for_event', event_type: 'purchase', conditions: [{ field: 'sku', op: 'in', value: [] }], timeout_minutes: 5, on_event: 'check', on_timeout: 'check' } }, "step 'pause' (wait_for_event): conditions[0]: op 'in' on 'sku' has an empty list"],
    ['unknown target, with a suggestion', { ...basic, pro_tips: { kind: 'send', body: 'x', next: 'dne' } }, "step 'pro_tips' goes to 'dne' (its next), which does not exist; steps are: welcome, pause, check, pro_tips, done. Did you mean 'done'?"],
    ['unknown target in a split', { ...basic, pause: { kind: 'split', branches: [{ weight: 1, next: 'check' }, { weight: 1, next: 'nowhere' }] } }, "step 'pause' goes to 'nowhere' (its branches[1].next), which does not exist"],
    ['cycle', { ...basic, pro_tips: { kind: 'send', body: 'x', next: 'pause' } }, 'steps form a cycle: pause → check → pro_tips → pause'],
    ['self loop', { ...basic, pause: { kind: 'wait', minutes: 5, next: 'pause' } }, 'steps form a cycle: pause → pause'],
    ['unreachable step', { ...basic, orphan: { kind: 'send', body: 'x', next: 'done' } }, "step 'orphan' cannot be reached from start 'welcome'"],
    ['no send', { welcome: { kind: 'wait', minutes: 5, next: 'done' }, done: { kind: 'exit' } }, 'the journey has no send step'],
  ] as const)('%s', (_name, steps, fragment) => {
    expect(failure(() => parseJourney(journey(steps as Record<string, StepIn>)))).toContain(fragment);
  });

  it.each([
    ['start missing', journey(basic, 'welcom'), "start 'welcom' is not a step; steps are: welcome, pause, check, pro_tips, done. Did you mean 'welcome'?"],
    ['too many steps', journey(Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`s${i}`, { kind: 'exit' }])), 's0'), 'more than 50 steps'],
    ['unknown top-level field', journey(basic, 'welcome', { graph: {} }), 'unknown field(s) graph; a journey takes version, entry, start and steps'],
    ['wrong version', journey(basic, 'welcome', { version: 2 }), 'version: version must be 1'],
    ['bad trigger', journey(basic, 'welcome', { entry: { trigger: { event_type: 'x', delay_minutes: -1 } } }), 'entry.trigger.delay_minutes: trigger.delay_minutes must be 0 or more'],
    ['bad trigger condition', journey(basic, 'welcome', { entry: { trigger: { event_type: 'x', conditions: [{ field: 'a', op: 'eq' }] } } }), "entry.trigger.conditions[0]: op 'eq' on 'a' needs a value"],
    ['exit on the entering event', journey(basic, 'welcome', { entry: { trigger: { event_type: 'x', exit_events: ['x'] } } }), "exit_events includes 'x', the event that enters the journey"],
    ['not an object', 'journey', 'a journey'],
  ] as const)('%s', (_name, input, fragment) => {
    expect(failure(() => parseJourney(input))).toContain(fragment);
  });

  it('lists every unreachable step', () => {
    const text = failure(() => parseJourney(journey({ ...basic, a: { kind: 'send', body: 'x', next: 'b' }, b: { kind: 'exit' } })));
    expect(text).toContain("steps 'a', 'b' cannot be reached");
  });

  it('reports a cycle even when it is unreachable from start', () => {
    const text = failure(() => parseJourney(journey({ ...basic, a: { kind: 'wait', minutes: 1, next: 'b' }, b: { kind: 'wait', minutes: 1, next: 'a' } })));
    expect(text).toContain('steps form a cycle: a → b → a');
  });
});

// ---------------------------------------------------------------------------------------------
// Transitions

const ctx = (now: string, zone: string | null = 'Europe/Paris') => ({ journeyId: 'cmp_1', userId: 'u1', now: new Date(now), zone });
const step = (s: StepIn) => journeyInput.shape.steps.parse({ x: s })['x'] as JourneyStep;

describe('nextAfter', () => {
  it('send goes to next at once', () => {
    expect(nextAfter('s', step({ kind: 'send', body: 'b', next: 'n' }), { kind: 'sent' }, ctx('2026-01-01T10:00:00Z'))).toEqual({ kind: 'go', to: 'n', at: new Date('2026-01-01T10:00:00Z') });
  });

  it.each([
    ['minutes are elapsed time', { minutes: 90 }, '2026-01-01T10:00:00Z', 'Europe/Paris', '2026-01-01T11:30:00Z'],
    ['a day of minutes across spring-forward is 25 wall-clock hours later', { minutes: 1440 }, '2026-03-28T09:00:00Z', 'Europe/Paris', '2026-03-29T09:00:00Z'],
    ['later today in the user zone', { until_local_time: '18:00' }, '2026-01-01T10:00:00Z', 'Europe/Paris', '2026-01-01T17:00:00Z'],
    ['already past today: tomorrow', { until_local_time: '09:00' }, '2026-01-01T10:00:00Z', 'Europe/Paris', '2026-01-02T08:00:00Z'],
    ['less than a minute past counts as now', { until_local_time: '11:00' }, '2026-01-01T10:00:30Z', 'Europe/Paris', '2026-01-01T10:00:00Z'],
    ['across spring-forward, same wall-clock time', { until_local_time: '09:00' }, '2026-03-28T12:00:00Z', 'Europe/Paris', '2026-03-29T07:00:00Z'],
    ['across fall-back, same wall-clock time', { until_local_time: '09:00' }, '2026-10-24T12:00:00Z', 'Europe/Paris', '2026-10-25T08:00:00Z'],
    ['a skipped wall-clock time moves forward by the gap', { until_local_time: '02:30' }, '2026-03-28T12:00:00Z', 'Europe/Paris', '2026-03-29T01:30:00Z'],
    ['minutes, then the next local time', { minutes: 2160, until_local_time: '10:00' }, '2026-01-01T10:00:00Z', 'America/New_York', '2026-01-03T15:00:00Z'],
    ['no zone: UTC', { until_local_time: '09:00' }, '2026-01-01T10:00:00Z', null, '2026-01-02T09:00:00Z'],
    ['unknown zone: UTC', { until_local_time: '09:00' }, '2026-01-01T10:00:00Z', 'Mars/Olympus', '2026-01-02T09:00:00Z'],
  ] as const)('wait: %s', (_name, fields, now, zone, expected) => {
    const next = nextAfter('w', step({ kind: 'wait', ...fields, next: 'n' }), { kind: 'arrived' }, ctx(now, zone));
    expect(next).toEqual({ kind: 'go', to: 'n', at: new Date(expected) });
  });

  it('until_local_time lands on that wall-clock time in the zone (property)', () => {
    const zones = ['Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2028-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom(...zones),
        fc.integer({ min: 4, max: 23 }),
        fc.constantFrom(0, 15, 30, 45),
        (now, zone, hour, minute) => {
          const hhmm = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
          const at = resumeAt({ until_local_time: hhmm }, now, zone);
          const local = DateTime.fromJSDate(at, { zone });
          expect(local.toFormat('HH:mm')).toBe(hhmm);
          expect(at.getTime()).toBeGreaterThanOrEqual(now.getTime() - 60_000);
          expect(at.getTime() - now.getTime()).toBeLessThanOrEqual(25 * 3_600_000);
        },
      ),
    );
  });

  describe('wait_for_event', () => {
    const wfe = step({ kind: 'wait_for_event', event_type: 'purchase', conditions: [{ field: 'amount', op: 'gt', value: 10 }], timeout_minutes: 60, on_event: 'thanks', on_timeout: 'remind' });
    const since = new Date('2026-01-01T10:00:00Z');
    const later = (min: number) => new Date(since.getTime() + min * 60_000);
    const event = (type: string, min: number, amount = 20) => ({ kind: 'event' as const, event: { type, properties: { amount }, at: later(min) }, waitingSince: since });

    it('arriving awaits the event until the deadline', () => {
      expect(nextAfter('x', wfe, { kind: 'arrived' }, ctx(since.toISOString()))).toEqual({ kind: 'await_event', event_type: 'purchase', on_event: 'thanks', to: 'remind', at: later(60) });
    });
    it.each([
      ['in the window', event('purchase', 30), { kind: 'go', to: 'thanks', at: later(30) }],
      ['at the deadline', event('purchase', 60), { kind: 'go', to: 'thanks', at: later(60) }],
      ['at the start', event('purchase', 0), { kind: 'go', to: 'thanks', at: since }],
      ['after the deadline, processed early', event('purchase', 61), { kind: 'ignore', reason: 'after_deadline' }],
      ['from before the wait, processed late', event('purchase', -1), { kind: 'ignore', reason: 'before_wait' }],
      ['another event', event('page_view', 5), { kind: 'ignore', reason: 'not_awaited' }],
      ['conditions fail', event('purchase', 5, 3), { kind: 'ignore', reason: 'not_awaited' }],
    ] as const)('an event %s', (_name, outcome, expected) => {
      expect(nextAfter('x', wfe, outcome, ctx(later(70).toISOString()))).toEqual(expected);
    });
    it('the timeout goes to on_timeout now', () => {
      expect(nextAfter('x', wfe, { kind: 'timeout' }, ctx(later(60).toISOString()))).toEqual({ kind: 'go', to: 'remind', at: later(60) });
    });
  });

  it('branch, split and exit', () => {
    const br = step({ kind: 'branch', on: { segment_id: 'seg' }, then: 'a', else: 'b' });
    expect(nextAfter('b', br, { kind: 'branch', matched: true }, ctx('2026-01-01T00:00:00Z'))).toMatchObject({ to: 'a' });
    expect(nextAfter('b', br, { kind: 'branch', matched: false }, ctx('2026-01-01T00:00:00Z'))).toMatchObject({ to: 'b' });
    const sp = step({ kind: 'split', branches: [{ weight: 1, next: 'a' }, { weight: 1, next: 'b' }] });
    const first = nextAfter('ab', sp, { kind: 'arrived' }, ctx('2026-01-01T00:00:00Z'));
    expect(nextAfter('ab', sp, { kind: 'arrived' }, ctx('2027-06-01T00:00:00Z'))).toMatchObject({ to: (first as { to: string }).to });
    expect(nextAfter('e', step({ kind: 'exit' }), { kind: 'arrived' }, ctx('2026-01-01T00:00:00Z'))).toEqual({ kind: 'end' });
  });

  it('throws on an outcome the step cannot take', () => {
    expect(() => nextAfter('s', step({ kind: 'send', body: 'b', next: 'n' }), { kind: 'arrived' }, ctx('2026-01-01T00:00:00Z'))).toThrow("journey step 's' (send) cannot take outcome 'arrived'");
    expect(() => nextAfter('w', step({ kind: 'wait', minutes: 1, next: 'n' }), { kind: 'timeout' }, ctx('2026-01-01T00:00:00Z'))).toThrow(/cannot take/);
  });
});

describe('branchMatched', () => {
  it('tests a property of the triggering event, or uses the segment verdict', () => {
    expect(branchMatched({ field: 'cart.total', op: 'gte', value: 100 }, { triggerProperties: { cart: { total: 150 } } })).toBe(true);
    expect(branchMatched({ field: 'cart.total', op: 'gte', value: 100 }, { triggerProperties: {} })).toBe(false);
    expect(branchMatched({ segment_id: 'seg' }, { triggerProperties: {}, inSegment: true })).toBe(true);
    expect(() => branchMatched({ segment_id: 'seg' }, { triggerProperties: {} })).toThrow(/needs inSegment/);
  });
});

describe('splitChoice', () => {
  it('is stable per (journey, step, user) and independent across steps', () => {
    expect(splitUnit('ab', 'u1', 'cmp_1')).toBe(splitUnit('ab', 'u1', 'cmp_1'));
    expect(splitUnit('ab', 'u1', 'cmp_1')).not.toBe(splitUnit('cd', 'u1', 'cmp_1'));
    expect(splitUnit('ab', 'u1', 'cmp_1')).not.toBe(splitUnit('ab', 'u1', 'cmp_2'));
  });

  it('follows the weights', () => {
    const branches = [{ weight: 1, next: 'a' }, { weight: 3, next: 'b' }];
    const counts = [0, 0];
    for (let i = 0; i < 20_000; i++) counts[splitChoice('ab', `user_${i}`, 'cmp_1', branches)]! += 1;
    expect(counts[0]! / 20_000).toBeGreaterThan(0.23);
    expect(counts[0]! / 20_000).toBeLessThan(0.27);
  });

  it('always returns a valid index (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.double({ min: 0.001, max: 1000, noNaN: true }), { minLength: 2, maxLength: 8 }), (user, weights) => {
        const i = splitChoice('s', user, 'j', weights.map((weight) => ({ weight, next: 'x' })));
        expect(i).toBeGreaterThanOrEqual(0);
        expect(i).toBeLessThan(weights.length);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Templates

describe('templates', () => {
  it.each([
    ['welcome_series', welcomeSeries()],
    ['cart_abandonment', cartAbandonment()],
    ['re_engagement', reEngagement()],
  ] as const)('%s validates with its defaults', (name, def) => {
    expect(() => validateJourney(def)).not.toThrow();
    expect(() => parseJourney(JSON.parse(JSON.stringify(def)))).not.toThrow();
    expect(instantiateJourneyTemplate(name).definition).toEqual(def);
  });

  it('every template validates on random parameters (property)', () => {
    fc.assert(
      fc.property(
        fc.record({ days: fc.integer({ min: 2, max: 90 }), send_time: fc.constantFrom('10:00', '23:59', null) }),
        fc.record({ wait_minutes: fc.integer({ min: 1, max: 10_080 }), cooldown_hours: fc.integer({ min: 0, max: 8760 }) }),
        fc.record({ inactive_days: fc.integer({ min: 1, max: 365 }), followup_days: fc.integer({ min: 1, max: 60 }) }),
        (w, c, r) => {
          validateJourney(welcomeSeries(w));
          validateJourney(cartAbandonment(c));
          validateJourney(reEngagement(r));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('welcome series: three emails, the later ones at the send time nearest their day', () => {
    const def = welcomeSeries({ days: 7, send_time: '10:00' });
    const sends = Object.values(def.steps).filter((s) => s.kind === 'send');
    expect(sends).toHaveLength(3);
    // Signed up at 15:00 Paris time on Jan 1st: day 3 (the halfway gap) and day 7 at 10:00.
    const zone = 'Europe/Paris';
    const signup = DateTime.fromISO('2026-01-01T15:00', { zone }).toJSDate();
    const w1 = nextAfter('wait_1', def.steps['wait_1']!, { kind: 'arrived' }, { journeyId: 'j', userId: 'u', now: signup, zone });
    const w1At = (w1 as { at: Date }).at;
    const w2 = nextAfter('wait_2', def.steps['wait_2']!, { kind: 'arrived' }, { journeyId: 'j', userId: 'u', now: w1At, zone });
    expect(DateTime.fromJSDate(w1At, { zone }).toISO()).toBe('2026-01-04T10:00:00.000+01:00');
    expect(DateTime.fromJSDate((w2 as { at: Date }).at, { zone }).toISO()).toBe('2026-01-08T10:00:00.000+01:00');
    const exact = welcomeSeries({ days: 5, send_time: null });
    expect(exact.steps['wait_1']).toEqual({ kind: 'wait', minutes: 2 * 1440, next: 'welcome_2' });
    expect(exact.steps['wait_2']).toEqual({ kind: 'wait', minutes: 3 * 1440, next: 'welcome_3' });
  });

  it('cart abandonment: waits for the purchase, reminds otherwise, exits on purchase', () => {
    const def = cartAbandonment({ wait_minutes: 90 });
    expect(def.start).toBe('await_purchase');
    expect(def.entry.trigger).toMatchObject({ event_type: 'cart.abandoned', exit_events: ['purchase'] });
    expect(def.steps['await_purchase']).toMatchObject({ kind: 'wait_for_event', event_type: 'purchase', timeout_minutes: 90, on_event: 'purchased', on_timeout: 'reminder' });
    expect(def.steps['reminder']).toMatchObject({ kind: 'send', next: 'done' });
  });

  it('re-engagement: enters users inactive N days once per lapse', () => {
    const def = reEngagement({ inactive_days: 45, messages: [{ subject: 'a', body: 'b' }, { subject: 'c', body: 'd' }] });
    expect(def.entry.trigger).toMatchObject({ event_type: 'user.inactive', conditions: [{ field: 'days_inactive', op: 'gte', value: 45 }], cooldown_hours: 45 * 24, exit_events: ['app.open'] });
    expect(def.steps['miss_you']).toMatchObject({ subject: 'a', body: 'b' });
  });

  it.each([
    ['nope', {}, "journey template 'nope' does not exist. Use one of: welcome_series, cart_abandonment, re_engagement"],
    ['welcome_series', { days: 1 }, "Invalid parameters for journey template 'welcome_series': days: days must be at least 2"],
    ['welcome_series', { emails: [{ subject: 'a', body: 'b' }] }, 'emails must hold exactly three messages'],
    ['welcome_series', { day: 3 }, 'unknown parameter(s) day; this template takes signup_event, days, send_time, emails'],
    ['cart_abandonment', { purchase_event: 'cart.abandoned' }, 'purchase_event: cart_event and purchase_event must be different'],
    ['re_engagement', { inactive_days: 400 }, 'inactive_days must be at most 365'],
    ['constructor', {}, 'does not exist'],
  ] as const)('instantiate %s %j fails clearly', (name, params, fragment) => {
    expect(failure(() => instantiateJourneyTemplate(name, params))).toContain(fragment);
  });

  it('names every template', () => {
    expect(JOURNEY_TEMPLATE_NAMES).toEqual(['welcome_series', 'cart_abandonment', 're_engagement']);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties on random graphs

const id = (i: number) => `n_${String(i).padStart(2, '0')}`;

/**
 * A random journey DAG on n nodes in topological order: every node but the first has a parent
 * among the 8 before it (so everything is reachable and no node has more than 8 children), plus
 * random forward edges. The kind of each node follows from its number of children.
 */
const dag = fc
  .integer({ min: 1, max: 30 })
  .chain((n) =>
    fc.tuple(
      fc.constant(n),
      fc.array(fc.nat(), { minLength: n, maxLength: n }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 2 * n }),
      fc.array(fc.nat(), { minLength: n, maxLength: n }),
    ),
  )
  .map(([n, parents, extras, flavours]) => {
    const children: number[][] = Array.from({ length: n }, () => []);
    for (let j = 1; j < n; j++) {
      const lo = Math.max(0, j - 8);
      children[lo + (parents[j]! % (j - lo))]!.push(j);
    }
    for (const [a, b] of extras) {
      if (n < 2) break;
      const from = a % (n - 1);
      const to = from + 1 + (b % (n - 1 - from));
      if (children[from]!.length < 8) children[from]!.push(to);
    }
    const steps: Record<string, JourneyStep> = {};
    for (let i = 0; i < n; i++) steps[id(i)] = stepFor(children[i]!.map(id), flavours[i]!);
    // A send first, so every graph has one.
    steps['first'] = { kind: 'send', subject: 's', body: 'b', next: id(0) };
    const def: JourneyDefinition = { version: 1, entry: { trigger: { event_type: 'e', conditions: [], delay_minutes: 0, cooldown_hours: 0, max_entries_per_user: 1, exit_events: [] } }, start: 'first', steps };
    return def;
  });

function stepFor(next: string[], flavour: number): JourneyStep {
  if (next.length === 0) return { kind: 'exit' };
  if (next.length === 1) {
    return flavour % 2 === 0 ? { kind: 'send', body: 'b', next: next[0]! } : { kind: 'wait', minutes: 1 + (flavour % 100), next: next[0]! };
  }
  if (next.length === 2 && flavour % 3 === 0) return { kind: 'branch', on: { field: 'plan', op: 'eq', value: 'pro' }, then: next[0]!, else: next[1]! };
  if (next.length === 2 && flavour % 3 === 1) {
    return { kind: 'wait_for_event', event_type: 'purchase', conditions: [], timeout_minutes: 60, on_event: next[0]!, on_timeout: next[1]! };
  }
  return { kind: 'split', branches: next.map((to, i) => ({ weight: 1 + ((flavour + i) % 5), next: to })) };
}

/** Steps that can reach `target` (including itself). */
function ancestors(def: JourneyDefinition, target: string): string[] {
  return Object.keys(def.steps).filter((from) => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const s = stack.pop()!;
      if (s === target) return true;
      if (seen.has(s)) continue;
      seen.add(s);
      for (const e of edgesOf(def.steps[s]!)) stack.push(e.to);
    }
    return false;
  });
}

function withEdge(def: JourneyDefinition, from: string, to: string): JourneyDefinition {
  const s = def.steps[from]!;
  let changed: JourneyStep;
  switch (s.kind) {
    case 'exit':
      changed = { kind: 'wait', minutes: 5, next: to };
      break;
    case 'send':
    case 'wait':
      changed = { ...s, next: to };
      break;
    case 'wait_for_event':
      changed = { ...s, on_timeout: to };
      break;
    case 'branch':
      changed = { ...s, else: to };
      break;
    case 'split':
      changed = { ...s, branches: s.branches.length < 8 ? [...s.branches, { weight: 1, next: to }] : [...s.branches.slice(0, -1), { weight: 1, next: to }] };
      break;
  }
  return { ...def, steps: { ...def.steps, [from]: changed } };
}

const errorOf = (def: JourneyDefinition): string | null => {
  try {
    validateJourney(def);
    return null;
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return err.message;
  }
};

describe('journey graphs (properties)', () => {
  it('random DAGs validate, and the order lists every step before the steps it leads to', () => {
    fc.assert(
      fc.property(dag, (def) => {
        const { order, definition } = validateJourney(def);
        expect(order[0]).toBe('first');
        expect([...order].sort()).toEqual(Object.keys(def.steps).sort());
        const rank = new Map(order.map((s, i) => [s, i]));
        for (const s of order) for (const e of edgesOf(definition.steps[s]!)) expect(rank.get(e.to)!).toBeGreaterThan(rank.get(s)!);
        // Validation is idempotent and survives a JSON round trip through the schema.
        expect(validateJourney(definition).definition).toEqual(definition);
        expect(parseJourney(JSON.parse(JSON.stringify(def))).order).toEqual(order);
      }),
      { numRuns: 200 },
    );
  });

  it('a back edge is always reported as a cycle through both its ends', () => {
    fc.assert(
      fc.property(dag, fc.nat(), fc.nat(), (def, a, b) => {
        const ids = Object.keys(def.steps);
        const from = ids[a % ids.length]!;
        const up = ancestors(def, from);
        const to = up[b % up.length]!;
        const message = errorOf(withEdge(def, from, to));
        expect(message).toMatch(/^steps form a cycle: /);
        const path = message!.replace('steps form a cycle: ', '').split(' → ');
        expect(path[0]).toBe(path[path.length - 1]);
        expect(path).toContain(from);
        expect(path).toContain(to);
      }),
      { numRuns: 200 },
    );
  });

  it('every error on a broken graph names a step', () => {
    const breakage = fc.constantFrom('missing_target', 'missing_start', 'orphan', 'back_edge', 'delete_step', 'empty_send', 'empty_wait');
    fc.assert(
      fc.property(dag, breakage, fc.nat(), (def, kind, pick) => {
        const ids = Object.keys(def.steps);
        const victim = ids[pick % ids.length]!;
        let broken: JourneyDefinition;
        switch (kind) {
          case 'missing_target':
            broken = withEdge(def, victim, 'no_such_step');
            break;
          case 'missing_start':
            broken = { ...def, start: 'no_such_step' };
            break;
          case 'orphan':
            broken = { ...def, steps: { ...def.steps, orphan: { kind: 'send', body: 'b', next: victim } } };
            break;
          case 'back_edge':
            broken = withEdge(def, victim, victim);
            break;
          case 'delete_step': {
            const { [victim]: _gone, ...rest } = def.steps;
            broken = { ...def, steps: rest, start: victim === 'first' ? id(0) : 'first' };
            break;
          }
          case 'empty_send':
            broken = { ...def, steps: { ...def.steps, first: { kind: 'send', next: id(0) } } };
            break;
          case 'empty_wait':
            broken = { ...def, steps: { ...def.steps, [victim]: { kind: 'wait', next: id(0) } } };
            break;
        }
        const message = errorOf(broken);
        if (message === null) {
          // Only deleting a step without incoming edges (or the start's own send) can leave a valid graph.
          expect(kind).toBe('delete_step');
          return;
        }
        const named = [...Object.keys(broken.steps), 'no_such_step'].some((s) => new RegExp(`(^|[^a-z0-9_-])${s}([^a-z0-9_-]|$)`).test(message));
        expect(named, message).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * The platform event envelopes (src/platform/nats/platform-event-envelope.ts) without a bus: the
 * event_service `event.stored` envelope and its quirks, full events on extra subjects (envelope and
 * bare shapes), every malformed case with its message, and a property: no input ever throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PROPERTIES_BYTES } from '../../src/domain/events-input.js';
import { eventFromStored, originOf, parsePlatformEvent, type StoredEventRef } from '../../src/platform/nats/platform-event-envelope.js';

const NOW = new Date('2026-12-02T00:00:00Z');
const STORED = 'event_service.event.stored';
const EVENT_ID = '6f1c2a9e-8d7b-4c1a-9f3e-2b5d7e9a1c3f';

const bytes = (body: unknown) => new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
const parse = (subject: string, body: unknown, now = NOW) => parsePlatformEvent(subject, bytes(body), now);

function stored(data: Record<string, unknown> = {}, over: Record<string, unknown> = {}) {
  return {
    id: 'f0e1d2c3-0000-4000-8000-000000000001',
    type: 'event.stored',
    source: 'event_service',
    subject: null,
    timestamp: '2026-12-01T12:05:01.654321',
    data: { event_id: EVENT_ID, event_type: 'purchase', event_source: 'backend', event_category: 'order', user_id: 'u1', timestamp: '2026-12-01T12:05:00.123456', ...data },
    metadata: {},
    version: '1.0.0',
    ...over,
  };
}

const problem = (r: ReturnType<typeof parse>) => (r.kind === 'malformed' ? r.problem : `not malformed: ${r.kind}`);

describe('event_service envelopes', () => {
  it('reads event.stored into a ref keyed on the platform event id, with naive UTC read as UTC', () => {
    expect(parse(STORED, stored())).toEqual({
      kind: 'stored',
      ref: { eventId: EVENT_ID, eventType: 'purchase', userId: 'u1', at: new Date('2026-12-01T12:05:00.123Z'), source: 'backend', category: 'order' },
    });
  });

  it('takes the type from the subject when the envelope says "unknown" or nothing', () => {
    expect(parse(STORED, stored({}, { type: 'unknown' }))).toMatchObject({ kind: 'stored', ref: { eventId: EVENT_ID } });
    const { type: _t, ...untyped } = stored();
    expect(parse(STORED, untyped)).toMatchObject({ kind: 'stored' });
  });

  it('falls back to the envelope timestamp, then to now', () => {
    expect(parse(STORED, stored({ timestamp: undefined }))).toMatchObject({ ref: { at: new Date('2026-12-01T12:05:01.654Z') } });
    expect(parse(STORED, stored({ timestamp: null }, { timestamp: undefined }))).toMatchObject({ ref: { at: NOW } });
    expect(parse(STORED, stored({ timestamp: '2026-12-01T14:05:00+02:00' }))).toMatchObject({ ref: { at: new Date('2026-12-01T12:05:00Z') } });
  });

  it('ignores the other event_service types', () => {
    for (const type of ['event.processed.success', 'event.processed.failed', 'event.replay.started', 'event.subscription.created']) {
      expect(parse(`event_service.${type}`, stored({}, { type }))).toEqual({ kind: 'ignored', type });
    }
    expect(parse('event_service.event.archived', stored({}, { type: 'unknown' }))).toEqual({ kind: 'ignored', type: 'event.archived' });
  });

  it('says exactly what is wrong with a malformed one', () => {
    expect(problem(parse(STORED, 'not json {'))).toBe('not JSON');
    expect(problem(parsePlatformEvent(STORED, new Uint8Array([0xff, 0xfe, 0x7b]), NOW))).toBe('not JSON');
    expect(problem(parse(STORED, [1, 2]))).toBe('not a JSON object (an array)');
    expect(problem(parse(STORED, 'null'))).toBe('not a JSON object (null)');
    expect(problem(parse(STORED, '"text"'))).toBe('not a JSON object (string)');
    expect(problem(parse(STORED, { ...stored(), data: 'x' }))).toBe('no data object');
    expect(problem(parse(STORED, stored({ event_id: undefined })))).toBe('no data.event_id: the event has no id');
    expect(problem(parse(STORED, stored({ event_id: 'a b' })))).toBe('data.event_id "a b" is not an event id (1-128 letters, digits, _ . : or -)');
    expect(problem(parse(STORED, stored({ user_id: null })))).toBe('no data.user_id: an event without a user cannot trigger anything');
    expect(problem(parse(STORED, stored({ user_id: 42 })))).toBe('no data.user_id (42 is not a user id): an event without a user cannot trigger anything');
    expect(problem(parse(STORED, stored({ user_id: 'u'.repeat(201) })))).toBe('data.user_id is longer than 200 characters');
    expect(problem(parse(STORED, stored({ event_type: undefined })))).toBe('no data.event_type: the event has no type');
    expect(problem(parse(STORED, stored({ event_type: 'unknown' })))).toBe('data.event_type is "unknown": the publisher sent no event type');
    expect(problem(parse(STORED, stored({ event_type: 'Order Completed' })))).toBe('data.event_type "Order Completed" is not a valid event type (1-100 letters, digits, _ . : or -)');
    expect(problem(parse(STORED, stored({ event_type: 'x'.repeat(101) })))).toMatch(/^data\.event_type "x+… is not a valid event type/);
    expect(problem(parse(STORED, stored({ timestamp: 'yesterday' })))).toBe('data.timestamp "yesterday" is not an ISO 8601 time');
    expect(problem(parse(STORED, stored({ timestamp: '2026-12-02T00:05:01' })))).toBe(
      'data.timestamp "2026-12-02T00:05:01" is in the future: more than 5 minutes after 2026-12-02T00:00:00.000Z',
    );
  });

  it('accepts a time up to 5 minutes ahead (clock drift)', () => {
    expect(parse(STORED, stored({ timestamp: '2026-12-02T00:05:00' }))).toMatchObject({ kind: 'stored', ref: { at: new Date('2026-12-02T00:05:00Z') } });
  });

  it('uses its own prefix when told (tests, other deployments)', () => {
    expect(parsePlatformEvent('es_t1.event.stored', bytes(stored()), NOW, 'es_t1')).toMatchObject({ kind: 'stored' });
    // Under the default prefix the same subject is an extra subject, where this reads as a full
    // event whose data names the id, user and type.
    expect(parsePlatformEvent('es_t1.event.stored', bytes(stored()), NOW)).toMatchObject({ kind: 'event', event: { id: EVENT_ID, type: 'purchase', source: 'nats:es_t1' } });
  });
});

describe('completing an event.stored ref', () => {
  const ref: StoredEventRef = { eventId: EVENT_ID, eventType: 'purchase', userId: 'u1', at: new Date('2026-12-01T12:05:00Z'), source: 'backend', category: 'order' };

  it('takes the data of the stored event as properties, and its time', () => {
    const detail = { user_id: 'u1', data: { amount: 42, sku: 'A-1' }, timestamp: '2026-12-01T12:04:59.5' };
    expect(eventFromStored(ref, detail, 'nats:event_service', NOW)).toEqual({
      kind: 'event',
      event: { id: EVENT_ID, user_id: 'u1', type: 'purchase', properties: { amount: 42, sku: 'A-1' }, occurred_at: new Date('2026-12-01T12:04:59.500Z'), source: 'nats:event_service' },
    });
    expect(eventFromStored(ref, { user_id: null, data: {}, timestamp: null }, 'nats:event_service', NOW)).toMatchObject({ event: { user_id: 'u1', occurred_at: ref.at } });
  });

  it('without a detail, uses the envelope with its source and category as properties', () => {
    expect(eventFromStored(ref, null, 'nats:event_service', NOW)).toMatchObject({ event: { properties: { event_source: 'backend', event_category: 'order' }, occurred_at: ref.at } });
    expect(eventFromStored({ ...ref, source: undefined, category: undefined } as StoredEventRef, null, 'x', NOW)).toMatchObject({ event: { properties: {} } });
  });

  it('refuses oversized data and a bad stored time', () => {
    const big = { blob: 'x'.repeat(MAX_PROPERTIES_BYTES) };
    expect(eventFromStored(ref, { data: big }, 'x', NOW)).toEqual({ kind: 'malformed', problem: `the properties are ${MAX_PROPERTIES_BYTES + 11} bytes; at most ${MAX_PROPERTIES_BYTES} (oversized)` });
    expect(eventFromStored(ref, { data: {}, timestamp: 'soon' }, 'x', NOW)).toEqual({ kind: 'malformed', problem: 'the event service timestamp "soon" is not an ISO 8601 time' });
  });
});

describe('full events on extra subjects', () => {
  const SUBJECT = 'app.events.purchase';

  it('reads our envelope: the data event_id is the dedupe id, properties from data.properties', () => {
    const env = { id: 'env-1', type: 'purchase', source: 'shop', timestamp: '2026-12-01T10:00:00', data: { event_id: 'order-1001-paid', user_id: 'u7', properties: { amount: 10 }, occurred_at: '2026-12-01T09:59:00Z' } };
    expect(parse(SUBJECT, env)).toEqual({
      kind: 'event',
      event: { id: 'order-1001-paid', user_id: 'u7', type: 'purchase', properties: { amount: 10 }, occurred_at: new Date('2026-12-01T09:59:00Z'), source: 'nats:app' },
    });
  });

  it('falls back to the envelope id and time, data.data, data.type, and the subject after the source', () => {
    expect(parse(SUBJECT, { id: 'env-2', type: 'purchase', source: 'shop', timestamp: '2026-12-01T10:00:00', data: { user_id: 'u7', data: { a: 1 } } })).toMatchObject({
      event: { id: 'env-2', type: 'purchase', properties: { a: 1 }, occurred_at: new Date('2026-12-01T10:00:00Z') },
    });
    expect(parse(SUBJECT, { id: 'env-3', type: 'unknown', source: 'shop', data: { user_id: 'u7', event_type: 'cart.abandoned', cart: 3 } })).toMatchObject({
      event: { type: 'cart.abandoned', properties: { cart: 3 }, occurred_at: NOW },
    });
    expect(parse(SUBJECT, { id: 'env-4', source: 'shop', data: { user_id: 'u7', type: 'signup', plan: 'pro' } })).toMatchObject({ event: { type: 'signup', properties: { plan: 'pro' } } });
    // An isa service envelope on an extra subject: account_service.user.created.
    expect(parse('account_service.user.created', { id: 'env-5', type: 'unknown', source: 'account_service', data: { user_id: 'u8', email: 'a@b.c' } })).toMatchObject({
      event: { id: 'env-5', type: 'user.created', properties: { email: 'a@b.c' }, source: 'nats:account_service' },
    });
  });

  it('reads a bare event, and the shape of event_service frontend events', () => {
    expect(parse(SUBJECT, { id: 'e1', user_id: 'u1', type: 'page_view', properties: { path: '/' }, occurred_at: '2026-12-01T11:00:00.000Z' })).toEqual({
      kind: 'event',
      event: { id: 'e1', user_id: 'u1', type: 'page_view', properties: { path: '/' }, occurred_at: new Date('2026-12-01T11:00:00Z'), source: 'nats:app' },
    });
    const frontend = { event_id: 'e2', event_type: 'button_click', event_source: 'frontend', user_id: 'u2', data: { button: 'buy' }, metadata: {}, timestamp: '2026-12-01T11:00:00.5' };
    expect(parse('events.frontend.click.button_click', frontend)).toMatchObject({ event: { id: 'e2', type: 'button_click', properties: { button: 'buy' }, source: 'nats:events' } });
    expect(parse(SUBJECT, { id: 'e3', user_id: 'u1', type: 'x' })).toMatchObject({ event: { properties: {}, occurred_at: NOW } });
  });

  it('says exactly what is wrong with a malformed one', () => {
    expect(problem(parse(SUBJECT, { user_id: 'u1', type: 'x' }))).toBe('no id: the event has no id');
    expect(problem(parse(SUBJECT, { source: 'shop', type: 'x', data: { user_id: 'u1' } }))).toBe('no id: the event has no id');
    expect(problem(parse(SUBJECT, { id: 'e', type: 'x', properties: {} }))).toBe('no user_id: an event without a user cannot trigger anything');
    expect(problem(parse(SUBJECT, { id: 'e', user_id: null, event_type: 'x', data: {} }))).toBe('no user_id: an event without a user cannot trigger anything');
    expect(problem(parse(SUBJECT, { id: 'e', type: 'x', source: 's', data: {} }))).toBe('no data.user_id: an event without a user cannot trigger anything');
    expect(problem(parse(SUBJECT, { id: 'e', user_id: 'u' }))).toBe('no type: the event has no type');
    expect(problem(parse(SUBJECT, { id: 'e', type: 'unknown', source: 'shop', data: { user_id: 'u' } }))).toBe('type is "unknown": the publisher sent no event type');
    expect(problem(parse(SUBJECT, { id: 'e', user_id: 'u', type: 'has space' }))).toBe('type "has space" is not a valid event type (1-100 letters, digits, _ . : or -)');
    expect(problem(parse(SUBJECT, { id: 'e', user_id: 'u', type: 'x', properties: [1] }))).toBe('properties is not an object');
    expect(problem(parse(SUBJECT, { id: 'e', source: 's', type: 'x', data: { user_id: 'u', properties: 'p' } }))).toBe('data.properties is not an object');
    const big = 'x'.repeat(MAX_PROPERTIES_BYTES);
    expect(problem(parse(SUBJECT, { id: 'e', user_id: 'u', type: 'x', properties: { big } }))).toBe(`the properties are ${MAX_PROPERTIES_BYTES + 10} bytes; at most ${MAX_PROPERTIES_BYTES} (oversized)`);
    expect(problem(parse(SUBJECT, { id: 'e', source: 's', type: 'x', data: { user_id: 'u', big } }))).toMatch(/\(oversized\)$/);
    expect(problem(parse(SUBJECT, { id: 'e', user_id: 'u', type: 'x', occurred_at: '12/01/2026' }))).toBe('occurred_at "12/01/2026" is not an ISO 8601 time');
    expect(problem(parse(SUBJECT, { id: 'e', user_id: 'u', type: 'x', occurred_at: '2027-01-01T00:00:00Z' }))).toMatch(/^occurred_at "2027-01-01T00:00:00Z" is in the future/);
  });
});

describe('properties of the parser', () => {
  it('never throws, and a result is always one of the four kinds, on any JSON or bytes', () => {
    const subject = fc.constantFrom(STORED, 'event_service.event.processed.success', 'app.events.x', 'x');
    const kinds = new Set(['stored', 'event', 'ignored', 'malformed']);
    fc.assert(
      fc.property(subject, fc.oneof(fc.jsonValue().map((v) => bytes(JSON.stringify(v))), fc.uint8Array({ maxLength: 64 })), (s, body) => {
        expect(kinds.has(parsePlatformEvent(s, body, NOW).kind)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('every event it yields passes our ingestion limits', () => {
    const data = fc.record({ event_id: fc.oneof(fc.uuid(), fc.string()), user_id: fc.oneof(fc.string(), fc.constant(null)), event_type: fc.oneof(fc.constantFrom('purchase', 'unknown'), fc.string()) }, { requiredKeys: [] });
    fc.assert(
      fc.property(data, fc.jsonValue(), (d, props) => {
        const r = parse('app.events.x', { id: 'env', source: 'app', data: { ...d, properties: props } });
        if (r.kind === 'event') {
          expect(r.event.id).toMatch(/^[A-Za-z0-9_.:-]{1,128}$/);
          expect(r.event.type).toMatch(/^[A-Za-z0-9_.:-]{1,100}$/);
          expect(r.event.user_id.trim()).not.toBe('');
          expect(Buffer.byteLength(JSON.stringify(r.event.properties))).toBeLessThanOrEqual(MAX_PROPERTIES_BYTES);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('names the source after the first subject token', () => {
    expect(originOf('event_service.event.stored')).toBe('nats:event_service');
    expect(originOf('solo')).toBe('nats:solo');
  });
});

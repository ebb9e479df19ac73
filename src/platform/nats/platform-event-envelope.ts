/**
 * The platform's user events as they arrive over NATS, read into what event ingestion stores:
 * pure (no I/O), so every shape and quirk is tested without a bus.
 *
 * Two kinds of message:
 *
 * 1. event_service envelopes on `event_service.<type>` (contracts 0.4 and 2). Only `event.stored`
 *    is acted on; its data `{event_id, event_type, event_source, event_category, user_id,
 *    timestamp}` carries no payload, so it becomes a *ref* that the consumer completes with
 *    `GET /api/v1/events/{event_id}` (eventFromStored). The type comes from the envelope's `type`,
 *    else (missing or "unknown", the publish quirk) from the subject. Other types are `ignored`.
 *
 * 2. Full events on the extra subjects a deployment configures. The rule:
 *    - a body with a `data` object and no top-level `user_id` is an envelope
 *      `{id, type, source, timestamp, data}` (ours or any isa service's): id = data.event_id, else
 *      the envelope id; type = data.event_type, else the envelope's type (unless missing or
 *      "unknown"), else data.type, else the subject after `<source>.`; properties =
 *      data.properties, else data.data, else the other fields of data; time = data.occurred_at,
 *      else data.timestamp, else the envelope's timestamp;
 *    - anything else is a bare event `{id|event_id, user_id, type|event_type, properties|data,
 *      occurred_at|timestamp}` (also the shape event_service's frontend route publishes).
 *
 * Dedupe identity is the platform's event id, never the envelope id of an event.stored, so a
 * republished envelope for the same stored event is the same event. Events without a user cannot
 * trigger anything and are malformed, as are bad types, oversized properties and unreadable or
 * future times: the limits of our own ingestion (domain/events-input.ts) apply to the bus too.
 */
import { MAX_PROPERTIES_BYTES } from '../../domain/events-input.js';
import type { TrackedEvent } from '../../domain/events.js';
import { parseTimestamp } from './notification-envelope.js';

export const EVENT_SERVICE_PREFIX = 'event_service';
export const STORED_TYPE = 'event.stored';
/** As in events-input.ts: producers' clocks drift, but not by more than this. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
const TYPE_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/;
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
const USER_MAX = 200;

/** An `event.stored` envelope: which event to fetch, and what the envelope itself says of it. */
export interface StoredEventRef {
  eventId: string;
  eventType: string;
  userId: string;
  at: Date;
  /** event_source (frontend, backend...). */
  source?: string;
  /** event_category (user_action, payment...). */
  category?: string;
}

/** What the event service answers for one event (structurally EventResponse, see http/event-service.ts). */
export interface StoredEventDetail {
  user_id?: string | null;
  data: Record<string, unknown>;
  timestamp?: string | null;
}

export type ParsedPlatformEvent =
  | { kind: 'stored'; ref: StoredEventRef }
  | { kind: 'event'; event: TrackedEvent }
  | { kind: 'ignored'; type: string }
  | { kind: 'malformed'; problem: string };

/**
 * Reads one message. `eventServicePrefix` is the first subject token of event_service envelopes
 * (tests give their own); every other subject carries full events. Never throws.
 */
export function parsePlatformEvent(subject: string, body: Uint8Array, now: Date, eventServicePrefix = EVENT_SERVICE_PREFIX): ParsedPlatformEvent {
  let msg: unknown;
  try {
    msg = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return malformed('not JSON');
  }
  if (!isRecord(msg)) return malformed(`not a JSON object (${Array.isArray(msg) ? 'an array' : msg === null ? 'null' : typeof msg})`);
  if (subject.startsWith(`${eventServicePrefix}.`)) return parseServiceEnvelope(subject.slice(eventServicePrefix.length + 1), msg, now);
  return isRecord(msg['data']) && !('user_id' in msg) ? parseFullEnvelope(subject, msg, now) : parseBare(subject, msg, now);
}

function parseServiceEnvelope(subjectType: string, env: Record<string, unknown>, now: Date): ParsedPlatformEvent {
  const declared = text(env['type']);
  const type = declared && declared !== 'unknown' ? declared : subjectType;
  if (type !== STORED_TYPE) return { kind: 'ignored', type };
  const data = env['data'];
  if (!isRecord(data)) return malformed('no data object');
  const eventId = checkId(data['event_id'], 'data.event_id');
  if (typeof eventId !== 'string') return eventId;
  const userId = checkUser(data['user_id'], 'data.user_id');
  if (typeof userId !== 'string') return userId;
  const eventType = checkType(data['event_type'], 'data.event_type');
  if (typeof eventType !== 'string') return eventType;
  const at = checkTime([['data.timestamp', data['timestamp']], ['timestamp', env['timestamp']]], now);
  if (!(at instanceof Date)) return at;
  const source = text(data['event_source']);
  const category = text(data['event_category']);
  return { kind: 'stored', ref: { eventId, eventType, userId, at, ...(source ? { source } : {}), ...(category ? { category } : {}) } };
}

function parseFullEnvelope(subject: string, env: Record<string, unknown>, now: Date): ParsedPlatformEvent {
  const data = env['data'] as Record<string, unknown>;
  const id = given(data['event_id']) ? checkId(data['event_id'], 'data.event_id') : checkId(env['id'], 'id');
  if (typeof id !== 'string') return id;
  const userId = checkUser(data['user_id'], 'data.user_id');
  if (typeof userId !== 'string') return userId;
  const declared = text(env['type']);
  const source = text(env['source']);
  let typeFrom = 'data.event_type';
  let rawType: unknown = data['event_type'];
  if (!given(rawType) && declared && declared !== 'unknown') [typeFrom, rawType] = ['type', declared];
  if (!given(rawType) && given(data['type'])) [typeFrom, rawType] = ['data.type', data['type']];
  if (!given(rawType) && source && subject.startsWith(`${source}.`)) [typeFrom, rawType] = ['the subject', subject.slice(source.length + 1)];
  if (!given(rawType) && declared === 'unknown') [typeFrom, rawType] = ['type', declared];
  const type = checkType(rawType, typeFrom);
  if (typeof type !== 'string') return type;
  const props = propertiesOf(data, typeFrom === 'data.type');
  if ('kind' in props) return props;
  const properties = props.ok;
  const at = checkTime([['data.occurred_at', data['occurred_at']], ['data.timestamp', data['timestamp']], ['timestamp', env['timestamp']]], now);
  if (!(at instanceof Date)) return at;
  return event(subject, id, userId, type, properties, at);
}

function parseBare(subject: string, msg: Record<string, unknown>, now: Date): ParsedPlatformEvent {
  const id = given(msg['id']) || !given(msg['event_id']) ? checkId(msg['id'], 'id') : checkId(msg['event_id'], 'event_id');
  if (typeof id !== 'string') return id;
  const userId = checkUser(msg['user_id'], 'user_id');
  if (typeof userId !== 'string') return userId;
  const type = given(msg['type']) || !given(msg['event_type']) ? checkType(msg['type'], 'type') : checkType(msg['event_type'], 'event_type');
  if (typeof type !== 'string') return type;
  const field = given(msg['properties']) || !given(msg['data']) ? 'properties' : 'data';
  const raw = msg[field] ?? {};
  if (!isRecord(raw)) return malformed(`${field} is not an object`);
  const size = sizeProblem(raw);
  if (size) return size;
  const at = checkTime([['occurred_at', msg['occurred_at']], ['timestamp', msg['timestamp']]], now);
  if (!(at instanceof Date)) return at;
  return event(subject, id, userId, type, raw, at);
}

/**
 * Completes an event.stored ref with what the event service holds (its data become the
 * properties), or, without a detail, with the envelope's own fields and `{event_source,
 * event_category}` as properties. `origin` is the TrackedEvent source (`nats:event_service`).
 */
export function eventFromStored(ref: StoredEventRef, detail: StoredEventDetail | null, origin: string, now: Date): ParsedPlatformEvent {
  if (!detail) {
    const properties = { ...(ref.source ? { event_source: ref.source } : {}), ...(ref.category ? { event_category: ref.category } : {}) };
    return { kind: 'event', event: { id: ref.eventId, user_id: ref.userId, type: ref.eventType, properties, occurred_at: ref.at, source: origin } };
  }
  if (!isRecord(detail.data)) return malformed('the event service gave no data object for the event');
  const size = sizeProblem(detail.data);
  if (size) return size;
  const userId = typeof detail.user_id === 'string' && detail.user_id !== '' && detail.user_id.length <= USER_MAX ? detail.user_id : ref.userId;
  let at = ref.at;
  if (detail.timestamp) {
    const t = checkTime([['the event service timestamp', detail.timestamp]], now);
    if (!(t instanceof Date)) return t;
    at = t;
  }
  return { kind: 'event', event: { id: ref.eventId, user_id: userId, type: ref.eventType, properties: detail.data, occurred_at: at, source: origin } };
}

/** `nats:<first subject token>`, the source of the events and dead letters read from `subject`. */
export function originOf(subject: string): string {
  const dot = subject.indexOf('.');
  return `nats:${dot < 0 ? subject : subject.slice(0, dot)}`;
}

// ---------------------------------------------------------------------------------------------

type Malformed = { kind: 'malformed'; problem: string };

function malformed(problem: string): Malformed {
  return { kind: 'malformed', problem };
}

function event(subject: string, id: string, userId: string, type: string, properties: Record<string, unknown>, at: Date): ParsedPlatformEvent {
  return { kind: 'event', event: { id, user_id: userId, type, properties, occurred_at: at, source: originOf(subject) } };
}

function checkId(v: unknown, field: string): string | Malformed {
  if (!given(v)) return malformed(`no ${field}: the event has no id`);
  if (typeof v !== 'string' || !ID_PATTERN.test(v)) return malformed(`${field} ${show(v)} is not an event id (1-128 letters, digits, _ . : or -)`);
  return v;
}

function checkUser(v: unknown, field: string): string | Malformed {
  if (typeof v !== 'string' || v.trim() === '') {
    return malformed(`no ${field}${given(v) ? ` (${show(v)} is not a user id)` : ''}: an event without a user cannot trigger anything`);
  }
  if (v.length > USER_MAX) return malformed(`${field} is longer than ${USER_MAX} characters`);
  return v;
}

function checkType(v: unknown, field: string): string | Malformed {
  if (!given(v)) return malformed(`no ${field}: the event has no type`);
  if (v === 'unknown') return malformed(`${field} is "unknown": the publisher sent no event type`);
  if (typeof v !== 'string' || !TYPE_PATTERN.test(v)) return malformed(`${field} ${show(v)} is not a valid event type (1-100 letters, digits, _ . : or -)`);
  return v;
}

/** The first time given (absent ones skipped; none at all = now); unreadable or future is malformed. */
function checkTime(candidates: Array<[string, unknown]>, now: Date): Date | Malformed {
  const first = candidates.find(([, v]) => given(v));
  if (!first) return now;
  const [field, v] = first;
  const at = parseTimestamp(v);
  if (!at) return malformed(`${field} ${show(v)} is not an ISO 8601 time`);
  if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    return malformed(`${field} ${show(v)} is in the future: more than ${FUTURE_TOLERANCE_MS / 60_000} minutes after ${now.toISOString()}`);
  }
  return at;
}

const ENVELOPE_DATA_KEYS = new Set(['event_id', 'event_type', 'user_id', 'occurred_at', 'timestamp']);

function propertiesOf(data: Record<string, unknown>, typeFromData: boolean): { ok: Record<string, unknown> } | Malformed {
  let props: Record<string, unknown>;
  if (given(data['properties']) || given(data['data'])) {
    const field = given(data['properties']) ? 'properties' : 'data';
    const raw = data[field];
    if (!isRecord(raw)) return malformed(`data.${field} is not an object`);
    props = raw;
  } else {
    props = {};
    for (const [k, v] of Object.entries(data)) if (!ENVELOPE_DATA_KEYS.has(k) && !(typeFromData && k === 'type')) props[k] = v;
  }
  return sizeProblem(props) ?? { ok: props };
}

function sizeProblem(props: Record<string, unknown>): Malformed | null {
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(props));
  } catch {
    return malformed('the properties cannot be serialized');
  }
  return size > MAX_PROPERTIES_BYTES ? malformed(`the properties are ${size} bytes; at most ${MAX_PROPERTIES_BYTES} (oversized)`) : null;
}

/** Present: neither missing, null nor the empty string. */
function given(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : typeof v === 'object' ? (Array.isArray(v) ? 'an array' : 'an object') : String(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

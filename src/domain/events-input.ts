/**
 * What event ingestion accepts (track_event and POST /events): the zod shape with per-field
 * messages, and the checks that need the clock or the serialized size (`toTrackedEvents`).
 * An event with an `id` is stored once however often it is sent, so a producer may retry freely.
 */
import { z } from 'zod';
import { invalidInput } from './errors.js';
import type { TrackedEvent } from './events.js';

export const MAX_EVENTS_PER_CALL = 500;
export const MAX_PROPERTIES_BYTES = 16 * 1024;
/** Producers' clocks drift: an event up to this far in the future is accepted as is. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export const eventInput = z.strictObject({
  id: z
    .string({ error: 'id must be a string' })
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, { error: 'id must be 1-128 letters, digits, _ . : or - (your own id for the event, e.g. "order-1001-paid")' })
    .optional()
    .describe('Your id for the event: a second event with the same id is ignored, so retries are safe. Default: a new id (no deduplication).'),
  user_id: z.string({ error: 'user_id is required: whose event it is' }).min(1, { error: 'user_id must not be empty' }).max(200, { error: 'user_id is longer than 200 characters' }),
  type: z
    .string({ error: 'type is required: the event type, e.g. "purchase" or "cart.abandoned"' })
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, { error: 'type must be 1-100 letters, digits, _ . : or -, e.g. "cart.abandoned"' }),
  properties: z
    .record(z.string(), z.unknown(), { error: 'properties must be an object, e.g. {"amount": 42, "sku": "A-1"}' })
    .default({})
    .describe('Event properties; "amount" (a number) is the value conversions and revenue read.'),
  occurred_at: z.iso
    .datetime({ offset: true, error: 'occurred_at must be an ISO 8601 time with a zone, e.g. 2026-12-04T09:30:00Z' })
    .optional()
    .describe('When it happened (default: now). Late events are fine: they count at their own time.'),
});
export type EventInput = z.output<typeof eventInput>;

/** Turns validated inputs into events to store; throws `invalid_input` naming the event (by index) at fault. */
export function toTrackedEvents(inputs: readonly EventInput[], now: Date, source: string, newId: () => string): TrackedEvent[] {
  if (inputs.length === 0) throw invalidInput('No events given', 'Send at least one event');
  if (inputs.length > MAX_EVENTS_PER_CALL) throw invalidInput(`${inputs.length} events in one call; at most ${MAX_EVENTS_PER_CALL}`, `Split them into calls of ${MAX_EVENTS_PER_CALL}`);
  return inputs.map((e, i) => {
    const at = e.occurred_at ? new Date(e.occurred_at) : now;
    if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
      throw invalidInput(`events[${i}].occurred_at ${e.occurred_at} is in the future`, `Give the time it happened, at most ${FUTURE_TOLERANCE_MS / 60_000} minutes after ${now.toISOString()}`);
    }
    const size = Buffer.byteLength(JSON.stringify(e.properties));
    if (size > MAX_PROPERTIES_BYTES) throw invalidInput(`events[${i}].properties is ${size} bytes; at most ${MAX_PROPERTIES_BYTES}`, 'Send only the properties campaigns use');
    return { id: e.id ?? newId(), user_id: e.user_id, type: e.type, properties: e.properties, occurred_at: at, source };
  });
}

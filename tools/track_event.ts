import { z } from 'zod';
import { eventInput, MAX_EVENTS_PER_CALL } from '../src/domain/events-input.js';
import { defineTool } from '../src/server/define.js';
import { ingestEvents } from '../src/services/events.js';

export default defineTool({
  name: 'track_event',
  title: 'Record user events',
  description: `Records what people did (a purchase, a page view, a cart abandoned): 1-${MAX_EVENTS_PER_CALL} events, each with user_id, type, properties and occurred_at. They start triggered campaigns and journeys (and end or advance the ones users are in), and feed segments (event counts, last seen, sums), conversion attribution (a campaign's goal event) and experiments' conversion and revenue.
Give each event your own id to make retries safe: an id already stored is ignored and counted as a duplicate. Late events are fine; they count at their own time. It sends nothing itself; what a journey sends goes through the usual consent, cap and quiet-hours rules.
Returns how many were new and how many were duplicates, and the ids. The same thing over HTTP: POST /events on the http listener (bearer token with the write scope).`,
  scope: 'write',
  input: z.strictObject({
    events: z
      .array(eventInput, { error: 'events must be a list of events, e.g. [{"user_id": "u1", "type": "purchase", "properties": {"amount": 42}}]' })
      .min(1, { error: 'events must contain at least one event' })
      .max(MAX_EVENTS_PER_CALL, { error: `events may contain at most ${MAX_EVENTS_PER_CALL} events; split larger batches` }),
  }),
  output: z.object({
    accepted: z.number().int().describe('Events stored now.'),
    duplicates: z.number().int().describe('Events whose id was already stored (or repeated in this call): ignored.'),
    ids: z.array(z.string()).describe('Each event\'s id, in order (generated when not given).'),
    triggered: z
      .object({
        entered: z.number().int().describe('Entries into running triggered campaigns and journeys.'),
        exited: z.number().int().describe('Enrollments an exit event ended (a purchase cancelling a cart reminder).'),
        advanced: z.number().int().describe('Users waiting for one of these events who moved on.'),
        skipped: z.number().int().describe('Matching events that entered no one (cooldown or entry limit).'),
      })
      .describe('What the new events did to triggered campaigns and journeys (duplicates do nothing).'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  auditTarget: () => ({ type: 'events' }),
  async handler(input, ctx) {
    return ingestEvents(ctx, ctx.workspaceId, input.events, 'mcp');
  },
  summary: (o) => `${o.accepted} event(s) recorded, ${o.duplicates} duplicate(s) ignored; ${o.triggered.entered} entered, ${o.triggered.exited} exited, ${o.triggered.advanced} advanced`,
});

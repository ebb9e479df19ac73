/**
 * Event ingestion, one path for every way in (track_event, POST /events): validated events are
 * written in one transaction through the store's event path (which also keeps the per-user
 * aggregates segments read), and the answer comes only after that commit. An event id already
 * stored is skipped, so a retried or redelivered event counts once.
 */
import { toTrackedEvents, type EventInput } from '../domain/events-input.js';
import type { Clock, Store } from '../domain/ports.js';
import { newId } from '../store/ids.js';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  ids: string[];
}

export async function ingestEvents(d: { store: Store; clock: Clock }, workspaceId: string, inputs: readonly EventInput[], source: string): Promise<IngestResult> {
  const events = toTrackedEvents(inputs, d.clock.now(), source, () => newId('evt'));
  // The same id twice in one call is one event, as it would be across calls.
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  const accepted = await d.store.events.insert(workspaceId, unique);
  return { accepted, duplicates: events.length - accepted, ids: events.map((e) => e.id) };
}

/**
 * Event ingestion, one path for every way in (track_event, POST /events, NATS): validated events
 * are written in one transaction together with what they trigger (entries into triggered
 * campaigns and journeys, exits, answers to wait_for_event steps), and the answer comes only after
 * that commit. An event id already stored is skipped with its consequences, so a retried or
 * redelivered event counts once and triggers nothing more.
 */
import type { TrackedEvent } from '../domain/events.js';
import { toTrackedEvents, type EventInput } from '../domain/events-input.js';
import type { Clock, Store } from '../domain/ports.js';
import { newId } from '../store/ids.js';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  ids: string[];
  /** What the new events did to triggered campaigns and journeys. */
  triggered: { entered: number; exited: number; advanced: number; skipped: number };
}

export async function ingestEvents(d: { store: Store; clock: Clock }, workspaceId: string, inputs: readonly EventInput[], source: string): Promise<IngestResult> {
  const events = toTrackedEvents(inputs, d.clock.now(), source, () => newId('evt'));
  const r = await ingestTracked(d, workspaceId, events);
  return { ...r, ids: events.map((e) => e.id) };
}

/** For events already validated (the NATS intake): stores them and applies what they trigger. */
export async function ingestTracked(d: { store: Store; clock: Clock }, workspaceId: string, events: readonly TrackedEvent[]): Promise<Omit<IngestResult, 'ids'>> {
  // The same id twice in one call is one event, as it would be across calls.
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  const flows = await d.store.journeys.activeFlows(workspaceId);
  const { inserted, plan } = await d.store.journeys.intake(workspaceId, unique, flows, d.clock.now());
  return {
    accepted: inserted,
    duplicates: events.length - inserted,
    triggered: { entered: plan.enter.length, exited: plan.exit.length, advanced: plan.answer.length, skipped: plan.skipped.length },
  };
}

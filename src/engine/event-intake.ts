/**
 * The bus's user events into event ingestion (with NATS_URL): the event service's `event.stored`
 * envelopes, completed from the event service when EVENT_SERVICE_URL is set, and any subjects in
 * NATS_EVENT_SUBJECTS carrying full events. Each batch goes through the same path as track_event
 * (stored with what it triggers, in one transaction) and is acked only after that commit; what
 * cannot be used lands in the dead_letters table with the reason.
 */
import type { App } from '../app.js';
import type { Config } from '../config.js';
import type { Logger } from '../domain/ports.js';
import { ingestTracked } from '../services/events.js';

/** Batches in flight on PostgreSQL: enough to keep the server busy while this process waits on it. */
export const INTAKE_CONCURRENCY_PG = 4;

export async function startEventIntake(config: Config, app: App, log: Logger): Promise<{ stop(): Promise<void> } | null> {
  if (!config.NATS_URL || !config.NATS_PLATFORM_EVENTS) return null;
  const { startPlatformEvents } = await import('../platform/nats/platform-events.js');
  const workspaceId = config.NATS_EVENTS_WORKSPACE ?? config.DEFAULT_WORKSPACE;
  await app.store.workspaces.ensure(workspaceId);
  const events = config.EVENT_SERVICE_URL
    ? (await import('../platform/http/event-service.js')).createEventServiceClient({
        baseUrl: config.EVENT_SERVICE_URL,
        timeoutMs: config.PLATFORM_TIMEOUT_MS,
        ...(config.INTERNAL_SERVICE_SECRET ? { secret: config.INTERNAL_SERVICE_SECRET } : {}),
      })
    : null;
  const intake = await startPlatformEvents({
    url: config.NATS_URL,
    log,
    durable: `${config.NATS_DURABLE_PREFIX}-platform-events`,
    clock: app.ctx.clock,
    ...(config.NATS_EVENT_SUBJECTS ? { subjects: config.NATS_EVENT_SUBJECTS.split(',') } : {}),
    ...(events ? { fetchEvent: (id: string) => events.getEvent(id) } : {}),
    // SQLite commits one transaction at a time; PostgreSQL commits batches side by side.
    concurrency: app.store.dialect === 'postgres' ? INTAKE_CONCURRENCY_PG : 1,
    ingest: (batch) => ingestTracked(app.ctx, workspaceId, batch),
    deadLetter: (entries) => app.store.deadLetters.add(entries),
  });
  log.info({ workspaceId, subjects: config.NATS_EVENT_SUBJECTS ?? null, fetch: Boolean(events) }, 'consuming user events from NATS');
  return intake;
}

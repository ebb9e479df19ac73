/**
 * Builds the process-wide context from configuration: opens the store (migrating it), makes sure
 * the workspaces named by the configuration exist, and wires the ports and the delivery engine.
 */
import type { Config } from './config.js';
import { systemClock, type AppContext, type DeliverySettings } from './context.js';
import { CHANNELS, type Channel } from './domain/campaign.js';
import { parseQuietHours } from './domain/delivery/pressure.js';
import { SCOPES, type Clock, type Logger, type Principal } from './domain/ports.js';
import { DEFAULT_PRICES, deliveryHandlers } from './engine/delivery/index.js';
import { experimentHandlers } from './engine/experiments.js';
import { journeyHandlers } from './engine/journeys/runner.js';
import type { DeliveryDeps } from './engine/delivery/deps.js';
import { createRateGate } from './engine/delivery/rate-limit.js';
import type { JobHandler } from './engine/worker.js';
import { createPlatform } from './platform/index.js';
import { createCopywriter, createSegmentInterpreter } from './platform/llm/index.js';
import { keyringFromSecret, parseTrackingKeys } from './domain/tracking/token.js';
import { createTracking } from './services/tracking.js';
import { openStore, type OpenedStore } from './store/open.js';

export interface App {
  ctx: AppContext;
  store: OpenedStore;
  /** The job handlers a worker runs (sends, experiment looks); empty when SENDS_ENABLED is false, so nothing goes out. */
  jobHandlers: Record<string, JobHandler>;
  /** How long a worker's claim on a job lasts without renewal (JOB_LEASE_MS). */
  jobLeaseMs: number;
  close(): Promise<void>;
}

export async function buildApp(config: Config, deps: { log: Logger; clock?: Clock }): Promise<App> {
  const clock = deps.clock ?? systemClock;
  const store = await openStore({ databaseUrl: config.DATABASE_URL, clock, log: deps.log, backgroundCheckpoints: config.SQLITE_CHECKPOINTER === 'on' });
  const workspaces = new Set([config.DEFAULT_WORKSPACE, ...config.tokens.map((t) => t.workspaceId)]);
  for (const id of workspaces) await store.workspaces.ensure(id);
  const platform = await createPlatform(config, store, store.executor, clock);
  const delivery = deliverySettings(config, platform.channel.provider);
  const tracking = config.TRACKING_ENABLED ? await createAppTracking(config, store, clock, deps.log) : null;
  const ctx: AppContext = {
    store,
    clock,
    log: deps.log,
    settings: { sendsEnabled: config.SENDS_ENABLED, readOnly: config.READ_ONLY, defaultWorkspace: config.DEFAULT_WORKSPACE },
    delivery,
    interpreters: { segments: await createSegmentInterpreter(config), copywriter: await createCopywriter(config) },
    platform: platform.sources,
    notificationTemplates: platform.notificationTemplates,
    tracking,
    agent: null,
  };
  const jobHandlers = config.SENDS_ENABLED
    ? {
      ...experimentHandlers({ store, clock, log: deps.log }),
      ...deliveryAndJourneyHandlers({
        store,
        clock,
        log: deps.log,
        channel: platform.channel,
        platform: platform.sources,
        rates: createRateGate(delivery.ratePerSecond),
        policy: delivery.policy,
        prices: delivery.prices,
        platformCredits: platform.credits,
        tracking,
        // Long enough that no live worker can still be inside its provider call for the row.
        staleAfterMs: Math.max(config.SEND_RECOVERY_AFTER_MS, 2 * config.PLATFORM_TIMEOUT_MS),
      }),
    }
    : {};
  return { ctx, store, jobHandlers, jobLeaseMs: config.JOB_LEASE_MS, close: () => store.close() };
}

/** Segment sends and journey steps share one set of delivery dependencies (rates, budget, tracking). */
function deliveryAndJourneyHandlers(d: DeliveryDeps): Record<string, JobHandler> {
  return { ...deliveryHandlers(d), ...journeyHandlers(d) };
}

/** Tracking with TRACKING_SECRETS, or else with the key this database keeps for itself. */
async function createAppTracking(config: Config, store: OpenedStore, clock: Clock, log: Logger) {
  const keyring = config.TRACKING_SECRETS
    ? parseTrackingKeys(config.TRACKING_SECRETS)
    : await store.trackingKeys.ensure(clock.now()).then((k) => keyringFromSecret(k.id, Buffer.from(k.secret, 'utf8')));
  const host = config.MCP_HTTP_HOST.includes(':') ? `[${config.MCP_HTTP_HOST}]` : config.MCP_HTTP_HOST;
  return createTracking({ store, clock, log, keyring, baseUrl: config.TRACKING_BASE_URL ?? `http://${host}:${config.MCP_HTTP_PORT}`, configured: config.TRACKING_BASE_URL !== undefined });
}

export function deliverySettings(config: Config, provider: string): DeliverySettings {
  const prices = { ...DEFAULT_PRICES };
  for (const c of CHANNELS) if (config.CREDIT_PRICES[c] !== undefined) prices[c] = Math.round(config.CREDIT_PRICES[c]);
  return {
    policy: {
      capPerDay: config.FREQUENCY_CAP_PER_DAY || null,
      capPerWeek: config.FREQUENCY_CAP_PER_WEEK || null,
      quietHours: parseQuietHours(config.QUIET_HOURS, config.QUIET_HOURS_CHANNELS as Channel[]),
    },
    prices,
    ratePerSecond: config.SEND_RATE_PER_SECOND,
    provider,
    sendTimeShares: { control: config.SEND_TIME_CONTROL_SHARE, explore: config.SEND_TIME_EXPLORE_SHARE },
  };
}

/** The caller over stdio (or an unauthenticated loopback HTTP client): the local operator. */
export function localPrincipal(workspaceId: string): Principal {
  return { actor: 'local', workspaceId, scopes: new Set(SCOPES) };
}

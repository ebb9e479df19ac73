/**
 * What a tool, resource or prompt handler gets: ports only (no drivers, no SDK, no config file).
 */
import type { ArmShares } from './domain/sendtime/policy.js';
import type { AgentRunner } from './agent/loop.js';
import type { Channel } from './domain/campaign.js';
import type { PressurePolicy } from './domain/delivery/pressure.js';
import type { Clock, Logger, Principal, Store } from './domain/ports.js';
import type { NotificationTemplates, PlatformSources } from './domain/platform.js';
import type { Copywriter } from './domain/personalization/adapt.js';
import type { SegmentInterpreter } from './domain/segments/interpret.js';
import type { Tracking } from './services/tracking.js';

export interface Settings {
  sendsEnabled: boolean;
  readOnly: boolean;
  defaultWorkspace: string;
}

/** The contact-pressure rules and the costs every send follows (from configuration). */
export interface DeliverySettings {
  policy: PressurePolicy;
  /** Credits per message, per channel. */
  prices: Record<Channel, number>;
  /** Messages per second per channel, per worker process; absent: unlimited. */
  ratePerSecond: Partial<Record<Channel, number>>;
  /** Where messages go: `local` (recorded in our tables) or `notification_service`. */
  provider: string;
  /** Optimized send times: the permanent control group and the per-send exploration share. */
  sendTimeShares: ArmShares;
}

/** Built once per process. */
export interface AppContext {
  store: Store;
  clock: Clock;
  log: Logger;
  settings: Settings;
  delivery: DeliverySettings;
  /** Natural-language segments; the copywriter of personalize_message `adapt` (null without ANTHROPIC_API_KEY: rules only). */
  interpreters: { segments: SegmentInterpreter; copywriter: Copywriter | null };
  /** Account, subscription and memory data: the platform's services when configured, else our tables. */
  platform: PlatformSources;
  /** The notification service's own templates; null when NOTIFICATION_SERVICE_URL is not configured. */
  notificationTemplates: NotificationTemplates | null;
  /** Open, click and unsubscribe tracking of emails; null when TRACKING_ENABLED is false. */
  tracking: Tracking | null;
  /** The campaign agent (set by the process that owns the tool registry); null where no agent runs. */
  agent: AgentRunner | null;
}

/** Built per call: the app context plus who is calling and the call's controls. */
export interface HandlerContext extends AppContext {
  principal: Principal;
  /** The workspace every query of this call is scoped to (the principal's). */
  workspaceId: string;
  signal: AbortSignal;
  /** Reports progress to the client when it asked for it; a no-op otherwise. */
  progress(done: number, total?: number, message?: string): Promise<void>;
}

export const systemClock: Clock = { now: () => new Date() };

/** What the delivery job handlers share. */
import type { Channel } from '../../domain/campaign.js';
import type { DeliveryChannel } from '../../domain/delivery/channel.js';
import type { PlatformCredits } from '../../domain/delivery/credits.js';
import type { PressurePolicy } from '../../domain/delivery/pressure.js';
import type { PlatformSources } from '../../domain/platform.js';
import type { Clock, Logger, Store } from '../../domain/ports.js';
import type { Tracking } from '../../services/tracking.js';
import type { RateGate } from './rate-limit.js';

export interface DeliveryDeps {
  store: Store;
  /** Subscription and memory data templates may read (the platform's services when configured). */
  platform: PlatformSources;
  channel: DeliveryChannel;
  clock: Clock;
  log: Logger;
  policy: PressurePolicy;
  /** Credits each message costs, per channel. */
  prices: Record<Channel, number>;
  /** Email open, click and unsubscribe tracking (absent: emails go out as rendered). */
  tracking?: Tracking | null;
  /** Per-channel send rates (absent: unlimited). */
  rates?: RateGate;
  /** The platform subscription's credits, reserved per batch when the service is configured. */
  platformCredits?: PlatformCredits | null;
  /** How long a `sending` row is left alone before a dispatcher asks the provider about it (default 60 s). */
  staleAfterMs?: number;
  /** Audience members per dispatch job (default 2000). */
  chunk?: number;
  /** Messages per provider call and ledger transaction (default 1000). */
  batch?: number;
  /** Provider attempts per message before it is marked failed (default 5). */
  maxAttempts?: number;
}

export const JOB_KINDS = { fire: 'send.fire', dispatch: 'send.dispatch', finalize: 'send.finalize' } as const;

export const DEFAULT_PRICES: Record<Channel, number> = { email: 1, push: 1, sms: 5, in_app: 0, webhook: 1 };

/** The dedupe key of a step's finalizer (dispatch jobs wake it when their range is done). */
export const finalizeKey = (workspaceId: string, stepKey: string) => `finalize:${workspaceId}:${stepKey}`;

/** The dedupe key of a step's i-th dispatch range, and the prefix all of them share. */
export const dispatchKey = (workspaceId: string, stepKey: string, i: number) => `${dispatchKeyPrefix(workspaceId, stepKey)}${i}`;
export const dispatchKeyPrefix = (workspaceId: string, stepKey: string) => `dispatch:${workspaceId}:${stepKey}:`;

/** A dispatch job's saved phase once every member of its range has been written to the ledger. */
export const MEMBERS_DONE_PHASE = 'due';

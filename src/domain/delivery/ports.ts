/** Store ports for delivery: the send ledger, schedules and the suppression list. */
import type { Channel } from '../campaign.js';
import type { SendTimeArm } from '../sendtime/policy.js';
import type { LedgerStatus } from './ledger.js';

/** What the pressure rules and rendering need to know about a recipient. */
export interface RecipientRecord {
  exists: boolean;
  name: string | null;
  email: string | null;
  phone: string | null;
  webhookUrl: string | null;
  status: string;
  timezone: string;
  locale: string;
  tier: string;
  country: string | null;
  consents: Record<Channel, boolean>;
}

/**
 * What writing a ledger row needs beyond its outcome. An audience member has no row until its
 * first outcome (held, deferred, dropped by a rule, claimed, delivered) writes one, keyed on the
 * idempotency key, so a second writer of the same member (a crashed run resumed) writes nothing.
 */
export interface NewLedgerRow {
  campaignId: string;
  stepKey: string;
  scheduleId: string;
  userId: string;
  idempotencyKey: string;
  /** The campaign's first channel (a claim records the channel finally used). */
  channel: Channel;
  plannedFor: Date;
  /** Optimized send times: which arm chose `plannedFor`. */
  sendTimeArm?: SendTimeArm;
}

/**
 * A message the dispatcher is to decide, render and send, with its recipient, in one read: an
 * open ledger row (`row` absent), or an audience member whose row is not written yet (`row`).
 */
export interface DueMessage {
  id: string;
  /** Present while no ledger row exists: the first outcome or claim writes it. */
  row?: NewLedgerRow;
  idempotencyKey: string;
  campaignId: string;
  userId: string;
  channel: Channel;
  variantId: string | null;
  status: LedgerStatus;
  attempts: number;
  /** Credits already reserved for this row by an earlier claim (0 unless it is being recovered). */
  credits: number;
  plannedFor: Date;
  /** The recipient, with the channels they are suppressed on. */
  user: RecipientRecord & { suppressed: Array<Channel | 'all'> };
}

export interface RangeQuery {
  campaignId: string;
  stepKey: string;
  /** Exclusive lower bound on user id (null: from the start). */
  afterUserId: string | null;
  /** Inclusive upper bound on user id (null: to the end). */
  throughUserId: string | null;
}

/** A row the dispatcher is about to hand to the provider, claimed only if it is still at `attempts`. */
export interface LedgerClaim {
  id: string;
  /** A member without a ledger row yet: the claim writes the row (nothing if one appeared meanwhile). */
  row?: NewLedgerRow;
  /** The attempts the dispatcher read; a row another worker claimed meanwhile has moved on. */
  attempts: number;
  channel: Channel;
  variantId: string | null;
  rendered: Record<string, unknown>;
  credits: number;
}

/** A claim whose delivery is a row in our own database (see DeliveryChannel.storedPayload). */
export interface InStoreDelivery extends LedgerClaim {
  userId: string;
  payload: Record<string, unknown>;
}

/** An outcome for a row that exists (`row` absent) or for a member whose row it writes (`row`). */
export type LedgerOutcome = (
  | { id: string; kind: 'sent'; provider: string; providerMessageId: string; delivered: boolean }
  /** The provider may have the message (timeout, 5xx): stays `sending`, and the next attempt asks the provider first. */
  | { id: string; kind: 'recheck'; error: string; retryAt: Date }
  | { id: string; kind: 'retry'; error: string; retryAt: Date }
  | { id: string; kind: 'failed'; error: string }
  | { id: string; kind: 'defer'; until: Date; reason: string }
  /** Not due yet (a local wall-clock send in a zone still before its hour): `queued` until then. */
  | { id: string; kind: 'hold'; until: Date }
  | { id: string; kind: 'suppressed' | 'skipped' | 'cancelled'; reason: string }
) & { row?: NewLedgerRow };

export interface LedgerRepo {
  /** Open rows in the range that are due at `now`, in user-id order, at most `limit`. */
  due(workspaceId: string, range: RangeQuery, now: Date, limit: number): Promise<DueMessage[]>;
  /** The earliest `scheduled_for` of open rows in the range, or null when none is open. */
  nextDue(workspaceId: string, range: RangeQuery): Promise<Date | null>;
  /** Marketing messages sent (or in flight) to these users since `since`, any campaign. */
  recentSends(workspaceId: string, userIds: readonly string[], since: Date): Promise<Map<string, Date[]>>;
  /**
   * Moves rows to `sending` (attempts + 1, channel, rendered content, credits), each only if it is
   * still open at the attempts the caller read, or writes a claim's new row as `sending` unless its
   * key exists already; returns the ids claimed. A claimed row is not due
   * again before `staleAt`, so a crash leaves it for recovery rather than for a blind resend.
   */
  claim(workspaceId: string, claims: readonly LedgerClaim[], now: Date, staleAt: Date, actor: string): Promise<Set<string>>;
  /**
   * For the embedded channel: in one transaction, claims each row exactly as `claim` does, writes
   * its delivery into `local_deliveries` and records it delivered. Returns ledger id -> delivery id
   * for the rows delivered (a row another worker moved on is left alone).
   */
  deliverInStore(workspaceId: string, deliveries: readonly InStoreDelivery[], now: Date, actor: string): Promise<Map<string, string>>;
  /**
   * Applies outcomes in one transaction: an update fenced on the row still being open, or for an
   * outcome carrying `row`, the row's first write (nothing if its key exists already).
   */
  record(workspaceId: string, outcomes: readonly LedgerOutcome[], now: Date, actor: string): Promise<void>;
  /** Whether any row of a step is still open (cheaper than counting them). */
  hasOpen(workspaceId: string, campaignId: string, stepKey: string): Promise<boolean>;
  /** Cancels every queued or deferred row of a schedule; returns how many. */
  cancelSchedule(workspaceId: string, scheduleId: string, reason: string, now: Date): Promise<number>;
  /** Rows per status for one schedule (every occurrence). */
  scheduleCounts(workspaceId: string, campaignId: string, scheduleId: string): Promise<Record<string, number>>;
  /** Rows per status for one step (for finalizing and views). */
  stepCounts(workspaceId: string, campaignId: string, stepKey: string): Promise<Record<string, number>>;
  /** Credits: reserves up to `want` within the campaign's budget; returns how many were granted. */
  reserveCredits(workspaceId: string, campaignId: string, want: number): Promise<number>;
  releaseCredits(workspaceId: string, campaignId: string, credits: number): Promise<void>;
}

/**
 * The delivery port: what the dispatcher hands a provider, and what it gets back. Two adapters
 * implement it: the embedded `local` channel (records each delivery in our own tables) and the
 * platform notification service over HTTP.
 *
 * Exactly-once across crashes rests on `lookup`: the dispatcher writes the ledger row as `sending`
 * before calling `deliver`; if the process dies before it records the result, the next attempt
 * first asks the provider whether that ledger id already went out, and only sends what did not.
 */
import type { Channel } from '../campaign.js';

export interface OutboundMessage {
  /** The ledger row id (messages.id); the provider keeps it (metadata) so `lookup` can find it. */
  ledgerId: string;
  idempotencyKey: string;
  workspaceId: string;
  campaignId: string;
  userId: string;
  channel: Channel;
  to: { email: string | null; phone: string | null; webhookUrl: string | null };
  subject: string | null;
  text: string;
  html: string | null;
  /** Extra string metadata forwarded to the provider (campaign, variant, step). */
  metadata: Record<string, string>;
  /** Email headers (List-Unsubscribe, List-Unsubscribe-Post) when tracking is on. */
  headers?: Record<string, string>;
}

/** What identifies a message to its provider when asking whether it already went out. */
export type MessageRef = Pick<OutboundMessage, 'ledgerId' | 'workspaceId' | 'userId' | 'channel'>;

export interface Found {
  providerMessageId: string;
  delivered: boolean;
}

export type DeliveryResult =
  | {
      ledgerId: string;
      ok: true;
      provider: string;
      providerMessageId: string;
      /** The provider reports the message delivered (not only accepted). */
      delivered: boolean;
    }
  | {
      ledgerId: string;
      ok: false;
      /** True for 5xx, timeouts, connection errors and rate limiting: the dispatcher retries later. */
      retryable: boolean;
      /** The provider may have accepted it anyway (timeout or 5xx after the request was sent): ask `lookup` before resending. */
      uncertain?: boolean;
      /** Short, safe reason (never a raw upstream body or a secret). */
      error: string;
    };

export interface DeliveryChannel {
  /** Provider name stored on the ledger row, e.g. `local` or `notification_service`. */
  readonly provider: string;
  /** Sends a batch; returns exactly one result per input message, in any order. Never throws for per-message failures. */
  deliver(batch: readonly OutboundMessage[]): Promise<DeliveryResult[]>;
  /**
   * For messages whose earlier attempt's outcome is unknown (crash or timeout after the call):
   * what the provider has for each ledger id (its message id, whether delivered), or null if nothing.
   * Throws if the provider cannot be asked (the dispatcher then retries later rather than guess).
   */
  lookup(messages: readonly MessageRef[]): Promise<Map<string, Found | null>>;
  /**
   * Set only by a channel whose "inbox" is a table of our own database (the embedded `local`
   * channel): what to store for a message. The dispatcher then claims, delivers and records each
   * message in one transaction (LedgerRepo.deliverInStore), which is exactly-once by atomicity.
   */
  storedPayload?(m: OutboundMessage): Record<string, unknown>;
}

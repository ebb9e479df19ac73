/**
 * Engagement vocabulary and the rules that classify a hit: which kinds exist, when an open or a
 * click is a machine's (a mail proxy fetching images, a security scanner following links), and
 * the store port that records hits.
 *
 * Unique counts are per (message, kind): the first non-machine hit of a kind is `unique`; the
 * first of any kind is `first` (so machine opens can be included on request). Every hit is kept
 * for totals.
 */
import type { Channel } from '../campaign.js';
import type { LedgerStatus } from '../delivery/ledger.js';

export const ENGAGEMENT_KINDS = ['open', 'click', 'unsubscribe', 'conversion', 'bounce', 'complaint'] as const;
export type EngagementKind = (typeof ENGAGEMENT_KINDS)[number];

export type HitSource = 'pixel' | 'redirect' | 'click' | 'one_click' | 'page' | 'nats' | 'attribution';

/** What recording a hit needs to know about the message it names. */
export interface TrackingTarget {
  workspaceId: string;
  id: string;
  campaignId: string;
  variantId: string | null;
  userId: string;
  channel: Channel;
  status: LedgerStatus;
  sentAt: Date | null;
  /** The original link targets, by index, as rendered (empty when links were not tracked). */
  links: string[];
}

export interface EngagementHit {
  /** A fixed id makes recording idempotent (a hit already stored under it is not written again). */
  id?: string;
  target: TrackingTarget;
  kind: EngagementKind;
  linkIndex?: number;
  isMachine: boolean;
  revenue?: number;
  userAgent?: string;
  occurredAt: Date;
  source: HitSource;
  /** Record it only if it is the message's first non-machine hit of its kind (an open implied by a click). */
  onlyIfUnique?: boolean;
}

export interface RecordedHit {
  id: string;
  /** False for an `onlyIfUnique` hit that was not the first. */
  recorded: boolean;
  /** The first non-machine hit of its kind for the message. */
  unique: boolean;
  first: boolean;
}

export interface EngagementRepo {
  /**
   * The messages these ids name, in one read (missing ids are absent); their `links` only with
   * `withLinks` (only clicks need them, and reading them parses the stored message).
   */
  targets(workspaceId: string, messageIds: readonly string[], opts?: { withLinks?: boolean }): Promise<Map<string, TrackingTarget>>;
  /**
   * Records hits in one transaction, in order: each is `unique`/`first` if no earlier hit of its
   * kind for its message is (stored or earlier in the batch), whichever process wrote that one.
   */
  record(hits: readonly EngagementHit[]): Promise<RecordedHit[]>;
}

/** Opens fetched this soon after sending are prefetches (mail proxies, privacy protection), not a person. */
export const PREFETCH_WINDOW_MS = 10_000;
/** Links followed this soon after sending are security scanners, not a person. */
export const SCANNER_WINDOW_MS = 5_000;

/** User agents of image proxies and link scanners that fetch on the reader's behalf. */
const MACHINE_AGENTS = [
  /GoogleImageProxy/i,
  /YahooMailProxy/i,
  /via ggpht\.com/i,
  /Outlook-iOS|ms-office|Microsoft Outlook.*Preview/i,
  /BingPreview/i,
  /Barracuda/i,
  /Mimecast/i,
  /Proofpoint|ppops/i,
  /Symantec|MessageLabs/i,
  /Trend ?Micro/i,
  /SafeLinks|safelinks\.protection/i,
  /\b(bot|crawler|spider|scanner)\b/i,
  /^(curl|wget|python-requests|go-http-client|java|okhttp)\b/i,
];

/** A hit by a machine: a known proxy or scanner agent, no agent at all, or too soon after the send. */
export function isMachineHit(kind: 'open' | 'click', userAgent: string | undefined, sentAt: Date | null, at: Date): boolean {
  if (!userAgent || userAgent.trim() === '') return true;
  if (MACHINE_AGENTS.some((re) => re.test(userAgent))) return true;
  if (sentAt === null) return false;
  return at.getTime() - sentAt.getTime() < (kind === 'open' ? PREFETCH_WINDOW_MS : SCANNER_WINDOW_MS);
}

/** The server's own token key when TRACKING_SECRETS is not configured. */
export interface TrackingKeyRepo {
  /** The newest stored key, creating key 1 if there is none (any number of processes may race). */
  ensure(now: Date): Promise<{ id: number; secret: string }>;
}

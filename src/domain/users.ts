/** Users as the store keeps them, and the Store's user repository port (reads for the user 360). */
import type { Channel } from './campaign.js';
import type { MemoryFact } from './platform.js';

export interface UserRecord {
  id: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  status: string;
  country: string | null;
  timezone: string;
  locale: string;
  tier: string;
  subscription_status: string;
  is_trial: boolean;
  credits_remaining: number;
  consents: Record<Channel, boolean>;
  traits: Record<string, unknown>;
  created_at: string;
  last_event_at: string | null;
}

export interface EventTypeSummary {
  event_type: string;
  count: number;
  value_sum: number;
  first_at: string;
  last_at: string;
}

export interface ScoreRecord {
  recency_days: number | null;
  frequency: number;
  monetary: number;
  rfm: { r: number; f: number; m: number } | null;
  rfm_segment: string | null;
  churn_risk: number | null;
  expected_purchases_90d: number | null;
  predicted_ltv: number | null;
  computed_at: string;
}

export interface MessageHistoryEntry {
  message_id: string;
  campaign_id: string;
  channel: string;
  status: string;
  created_at: string;
  /** Engagement kinds recorded for the message (open, click, unsubscribe, ...), each once. */
  engagement: string[];
}

/** What templates may read about a person beyond the profile, for many people at once (see ../services/person-context.ts). */
export interface ContextRow {
  subscription: { tier: string; status: string; credits_remaining: number; is_trial: boolean };
  last_event_at: string | null;
  total_events: number;
  scores: ScoreRecord | null;
  last_purchase: { at: string; properties: Record<string, unknown> } | null;
  /** Most important first, then newest; at most the number asked for. */
  memories: MemoryFact[];
}

export interface ContextParts {
  memoriesPerUser: number;
  scores: boolean;
  lastPurchase: boolean;
  totalEvents: boolean;
}

export interface UserRepo {
  /**
   * ContextRow per user id found (ids not found are absent), in a few queries whatever the number
   * of ids; only the parts asked for are read (the others are empty: no scores, no purchase, 0 events).
   */
  contextOf(workspaceId: string, userIds: readonly string[], opts: ContextParts): Promise<Map<string, ContextRow>>;
  get(workspaceId: string, userId: string): Promise<UserRecord | null>;
  eventSummary(workspaceId: string, userId: string): Promise<EventTypeSummary[]>;
  scores(workspaceId: string, userId: string): Promise<ScoreRecord | null>;
  /** Most important first, then newest; `eventType` keeps episodes of that type only, newest first. */
  memories(workspaceId: string, userId: string, opts: { limit: number; subject?: string; eventType?: string }): Promise<MemoryFact[]>;
  messagingHistory(workspaceId: string, userId: string, limit: number): Promise<MessageHistoryEntry[]>;
  completeIds(workspaceId: string, prefix: string, limit: number): Promise<string[]>;
  /** The distinct time zones of the workspace's users. */
  distinctTimezones(workspaceId: string): Promise<string[]>;
}

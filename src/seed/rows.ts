/**
 * The rows the seeder writes, under their SQL column names. Timestamps are epoch milliseconds; the
 * loaders convert them (and the booleans and JSON) to what each dialect stores.
 */
import type { EventType, Tier } from './catalog.js';

export type SubscriptionStatus = 'active' | 'trialing' | 'canceled' | 'past_due';

export interface UserRow {
  workspace_id: string;
  id: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  status: 'active' | 'suspended';
  country: string | null;
  timezone: string;
  locale: string;
  tier: Tier;
  subscription_status: SubscriptionStatus;
  is_trial: boolean;
  credits_remaining: number;
  consent_email: boolean;
  consent_push: boolean;
  consent_sms: boolean;
  consent_in_app: boolean;
  consent_webhook: boolean;
  traits: Record<string, unknown>;
  created_at: number;
  updated_at: number;
  /** The user's latest event (the aggregate the segment engine reads), null without events. */
  last_event_at: number | null;
}

export interface EventRow {
  workspace_id: string;
  id: string;
  user_id: string;
  type: EventType;
  properties: Record<string, unknown>;
  value: number | null;
  source: 'seed';
  occurred_at: number;
  received_at: number;
}

/** One `user_event_summary` row: what the events of one user and type add up to. */
export interface SummaryRow {
  workspace_id: string;
  user_id: string;
  event_type: EventType;
  count: number;
  /** Sum of `value` over the events (0 when none carries one). */
  value_sum: number;
  first_at: number;
  last_at: number;
}

/** The columns of each table, in the order the loaders write them. */
export const USER_COLUMNS = [
  'workspace_id', 'id', 'email', 'phone', 'name', 'status', 'country', 'timezone', 'locale', 'tier',
  'subscription_status', 'is_trial', 'credits_remaining', 'consent_email', 'consent_push', 'consent_sms',
  'consent_in_app', 'consent_webhook', 'traits', 'created_at', 'updated_at', 'last_event_at',
] as const satisfies readonly (keyof UserRow)[];
export const EVENT_COLUMNS = [
  'workspace_id', 'id', 'user_id', 'type', 'properties', 'value', 'source', 'occurred_at', 'received_at',
] as const satisfies readonly (keyof EventRow)[];
export const SUMMARY_COLUMNS = [
  'workspace_id', 'user_id', 'event_type', 'count', 'value_sum', 'first_at', 'last_at',
] as const satisfies readonly (keyof SummaryRow)[];

export interface SeedBatch {
  users: UserRow[];
  events: EventRow[];
  summaries: SummaryRow[];
}

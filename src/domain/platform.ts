/**
 * Ports for the host platform's services that the user 360 reads. Each has an embedded adapter on
 * our own tables (the default) and an HTTP adapter following ../shared/platform-contracts.md,
 * chosen by whether the service's URL is configured.
 */
export interface AccountProfile {
  user_id: string;
  email?: string;
  name?: string;
  is_active: boolean;
  timezone?: string;
  locale?: string;
  country?: string;
  /** notification_email / notification_push and other stored preferences. */
  preferences: Record<string, unknown>;
  created_at?: string;
  updated_at?: string;
}

export interface SubscriptionInfo {
  tier_code: string;
  status: string;
  is_trial: boolean;
  credits_remaining: number;
  credits_allocated?: number;
  current_period_end?: string;
}

export interface MemoryFact {
  id: string;
  memory_type: 'factual' | 'episodic';
  subject?: string;
  predicate?: string;
  object_value?: string;
  event_type?: string;
  content: string;
  importance?: number;
  confidence?: number;
  created_at?: string;
}

export interface AccountSource {
  readonly source: 'embedded' | 'account_service';
  getProfile(workspaceId: string, userId: string): Promise<AccountProfile | null>;
}

export interface SubscriptionSource {
  readonly source: 'embedded' | 'subscription_service';
  getSubscription(workspaceId: string, userId: string): Promise<SubscriptionInfo | null>;
}

export interface MemorySource {
  readonly source: 'embedded' | 'memory_service';
  /** Recent facts and episodes, newest or most important first. */
  recent(workspaceId: string, userId: string, limit: number): Promise<MemoryFact[]>;
  /** Facts whose subject contains `subject` (case-insensitive). */
  factsBySubject(workspaceId: string, userId: string, subject: string, limit: number): Promise<MemoryFact[]>;
}

export interface PlatformSources {
  accounts: AccountSource;
  subscriptions: SubscriptionSource;
  memories: MemorySource;
}

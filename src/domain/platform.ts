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
  /** Episodes of exactly this event type, newest first. */
  episodesByType(workspaceId: string, userId: string, eventType: string, limit: number): Promise<MemoryFact[]>;
}

export interface PlatformSources {
  accounts: AccountSource;
  subscriptions: SubscriptionSource;
  memories: MemorySource;
}

/** The notification_service's own templates (contracts section 1, "Templates"). */
export const PLATFORM_TEMPLATE_TYPES = ['email', 'sms', 'in_app', 'push', 'webhook'] as const;
export const PLATFORM_TEMPLATE_STATUSES = ['draft', 'active', 'inactive', 'archived'] as const;
export type PlatformTemplateType = (typeof PLATFORM_TEMPLATE_TYPES)[number];
export type PlatformTemplateStatus = (typeof PLATFORM_TEMPLATE_STATUSES)[number];

/** A NotificationTemplate as the service returns it. */
export interface PlatformTemplate {
  template_id: string;
  name: string;
  description: string | null;
  type: PlatformTemplateType;
  subject: string | null;
  content: string;
  html_content: string | null;
  /** The variable names the template declares (the service does not check them). */
  variables: string[];
  metadata: Record<string, unknown>;
  status: PlatformTemplateStatus;
  version: number;
  created_by: string | null;
  created_at: string | null;
  updated_at: string | null;
}

export interface PlatformTemplateCreate {
  name: string;
  description?: string;
  type: PlatformTemplateType;
  subject?: string;
  content: string;
  html_content?: string;
  variables: string[];
  metadata: Record<string, unknown>;
}

export interface PlatformTemplateUpdate {
  name?: string;
  description?: string;
  subject?: string;
  content?: string;
  html_content?: string;
  variables?: string[];
  status?: PlatformTemplateStatus;
  metadata?: Record<string, unknown>;
}

export interface PlatformTemplateRendered {
  template_id: string;
  subject: string | null;
  content: string;
  html_content: string | null;
}

/**
 * The notification_service's template routes. Missing templates are `not_found` DomainErrors;
 * the service being down or refusing is a PlatformError (its message is safe to show).
 */
export interface NotificationTemplates {
  list(filter: { type?: PlatformTemplateType; status?: PlatformTemplateStatus; limit: number; offset: number }): Promise<PlatformTemplate[]>;
  get(id: string): Promise<PlatformTemplate>;
  create(input: PlatformTemplateCreate): Promise<PlatformTemplate>;
  update(id: string, patch: PlatformTemplateUpdate): Promise<PlatformTemplate>;
  delete(id: string): Promise<void>;
  /** `{{name}}` placeholders replaced by `variables` (the service's regex; unknown names stay as they are). */
  render(id: string, variables: Record<string, unknown>): Promise<PlatformTemplateRendered>;
}

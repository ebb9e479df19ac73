/**
 * SQLite schema. Table and column names are identical to ./pg.ts (the Store contract suite runs
 * the same repositories against both); timestamps are `timestamp_ms` integers and JSON is text so
 * that the TypeScript row types match the PostgreSQL ones exactly.
 *
 * Every row belongs to a workspace (the platform's organization) and every key starts with it.
 * There are no foreign keys: rows are always written by repositories that check ownership, and
 * the hot tables (events, messages) are bulk-written where FK checks would cost a multiple.
 */
import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';
import type {
  AgentSettings,
  CampaignGoal,
  CampaignSchedule,
  CampaignTrigger,
  Channel,
  StatusChange,
} from '../../domain/campaign.js';
import type { PopulationCounts } from '../../domain/sendtime/model.js';
import { hourColumns } from './hours.js';

const ts = (name: string) => integer(name, { mode: 'timestamp_ms' });
const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();
const bool = (name: string) => integer(name, { mode: 'boolean' });

export const workspaces = sqliteTable('workspaces', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: ts('created_at').notNull(),
});

export const users = sqliteTable(
  'users',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    email: text('email'),
    phone: text('phone'),
    name: text('name'),
    status: text('status').notNull().default('active'),
    country: text('country'),
    timezone: text('timezone').notNull().default('UTC'),
    locale: text('locale').notNull().default('en'),
    tier: text('tier').notNull().default('free'),
    subscriptionStatus: text('subscription_status').notNull().default('active'),
    isTrial: bool('is_trial').notNull().default(false),
    creditsRemaining: integer('credits_remaining').notNull().default(0),
    consentEmail: bool('consent_email').notNull().default(false),
    consentPush: bool('consent_push').notNull().default(false),
    consentSms: bool('consent_sms').notNull().default(false),
    consentInApp: bool('consent_in_app').notNull().default(true),
    consentWebhook: bool('consent_webhook').notNull().default(false),
    traits: json<Record<string, unknown>>('traits').notNull().default(sql`'{}'`),
    /** Time of the user's latest event of any type: "active in the last N days" reads only this. */
    lastEventAt: ts('last_event_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('users_ws_created_idx').on(t.workspaceId, t.createdAt), index('users_ws_last_event_idx').on(t.workspaceId, t.lastEventAt)],
);

export const events = sqliteTable(
  'events',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    userId: text('user_id').notNull(),
    type: text('type').notNull(),
    properties: json<Record<string, unknown>>('properties').notNull().default(sql`'{}'`),
    value: real('value'),
    source: text('source').notNull().default('api'),
    occurredAt: ts('occurred_at').notNull(),
    receivedAt: ts('received_at').notNull(),
  },
  (t) => [
    uniqueIndex('events_ws_id_uq').on(t.workspaceId, t.id),
    index('events_ws_user_type_time_idx').on(t.workspaceId, t.userId, t.type, t.occurredAt),
    index('events_ws_type_user_time_idx').on(t.workspaceId, t.type, t.userId, t.occurredAt, t.value),
    // Conversion attribution reads goal events in the order received, past a watermark.
    index('events_ws_type_received_idx').on(t.workspaceId, t.type, t.receivedAt, t.id),
  ],
);

/**
 * Per-user, per-event-type aggregates, kept equal to what the events table implies (rebuilt in
 * bulk after loads, updated in the same transaction as event inserts): segment conditions on
 * "last time X happened" read these instead of scanning raw events.
 */
export const userEventSummary = sqliteTable(
  'user_event_summary',
  {
    workspaceId: text('workspace_id').notNull(),
    userId: text('user_id').notNull(),
    eventType: text('event_type').notNull(),
    count: integer('count').notNull(),
    valueSum: real('value_sum').notNull().default(0),
    firstAt: ts('first_at').notNull(),
    lastAt: ts('last_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId, t.eventType] }),
    index('user_event_summary_type_last_idx').on(t.workspaceId, t.eventType, t.lastAt, t.userId),
  ],
);

export const memories = sqliteTable(
  'memories',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    userId: text('user_id').notNull(),
    memoryType: text('memory_type').notNull(),
    subject: text('subject'),
    predicate: text('predicate'),
    objectValue: text('object_value'),
    eventType: text('event_type'),
    content: text('content').notNull(),
    importance: real('importance').notNull().default(0.5),
    confidence: real('confidence').notNull().default(1),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('memories_ws_user_idx').on(t.workspaceId, t.userId, t.memoryType)],
);

export const userScores = sqliteTable(
  'user_scores',
  {
    workspaceId: text('workspace_id').notNull(),
    userId: text('user_id').notNull(),
    recencyDays: real('recency_days'),
    frequency: integer('frequency').notNull().default(0),
    monetary: real('monetary').notNull().default(0),
    rfmR: integer('rfm_r'),
    rfmF: integer('rfm_f'),
    rfmM: integer('rfm_m'),
    rfmSegment: text('rfm_segment'),
    churnRisk: real('churn_risk'),
    expectedPurchases90d: real('expected_purchases_90d'),
    predictedLtv: real('predicted_ltv'),
    computedAt: ts('computed_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId] }),
    index('user_scores_churn_idx').on(t.workspaceId, t.churnRisk),
    index('user_scores_rfm_idx').on(t.workspaceId, t.rfmSegment),
  ],
);

export const segments = sqliteTable(
  'segments',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    kind: text('kind').notNull(),
    rules: json<unknown>('rules').notNull(),
    rulesVersion: integer('rules_version').notNull().default(1),
    estimatedSize: integer('estimated_size'),
    lastComputedAt: ts('last_computed_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex('segments_ws_name_uq').on(t.workspaceId, t.name)],
);

export const segmentMembers = sqliteTable(
  'segment_members',
  {
    workspaceId: text('workspace_id').notNull(),
    segmentId: text('segment_id').notNull(),
    userId: text('user_id').notNull(),
    addedAt: ts('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.segmentId, t.userId] })],
);

export const campaigns = sqliteTable(
  'campaigns',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    status: text('status').notNull(),
    pausedFrom: text('paused_from'),
    type: text('type').notNull(),
    segmentId: text('segment_id'),
    channels: json<Channel[]>('channels').notNull(),
    schedule: json<CampaignSchedule | null>('schedule'),
    sendTimeOptimization: bool('send_time_optimization').notNull().default(false),
    trigger: json<CampaignTrigger | null>('trigger'),
    goal: json<CampaignGoal>('goal').notNull(),
    budgetCredits: integer('budget_credits'),
    creditsSpent: integer('credits_spent').notNull().default(0),
    agent: json<AgentSettings>('agent').notNull(),
    statusHistory: json<StatusChange[]>('status_history').notNull(),
    version: integer('version').notNull().default(1),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('campaigns_ws_status_idx').on(t.workspaceId, t.status)],
);

export const campaignVariants = sqliteTable(
  'campaign_variants',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    campaignId: text('campaign_id').notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    weight: real('weight').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    html: text('html'),
    templateVars: json<Record<string, string>>('template_vars').notNull(),
    /** A send-time variant's local time of day (HH:MM in each recipient's zone); null: when the send fires. */
    sendTime: text('send_time'),
    position: integer('position').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex('campaign_variants_key_uq').on(t.workspaceId, t.campaignId, t.key),
  ],
);

export const schedules = sqliteTable(
  'schedules',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    campaignId: text('campaign_id').notNull(),
    kind: text('kind').notNull(),
    spec: json<Record<string, unknown>>('spec').notNull(),
    status: text('status').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    nextRunAt: ts('next_run_at'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex('schedules_idem_uq').on(t.workspaceId, t.idempotencyKey),
    index('schedules_ws_campaign_idx').on(t.workspaceId, t.campaignId),
  ],
);

/** The send ledger: one row per (campaign, step, user, channel), written before the provider call. */
export const messages = sqliteTable(
  'messages',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    campaignId: text('campaign_id').notNull(),
    stepKey: text('step_key').notNull(),
    userId: text('user_id').notNull(),
    channel: text('channel').notNull(),
    variantId: text('variant_id'),
    scheduleId: text('schedule_id'),
    idempotencyKey: text('idempotency_key').notNull(),
    status: text('status').notNull(),
    statusHistory: json<StatusChange[]>('status_history').notNull(),
    provider: text('provider'),
    providerMessageId: text('provider_message_id'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    credits: integer('credits').notNull().default(0),
    rendered: json<Record<string, unknown> | null>('rendered'),
    /** When the message was meant to go out; quiet-hours deferrals are measured from it. */
    plannedFor: ts('planned_for'),
    /** When a dispatcher may next pick the row up (the planned time, a deferral, or a retry). */
    scheduledFor: ts('scheduled_for'),
    sentAt: ts('sent_at'),
    deliveredAt: ts('delivered_at'),
    /** Optimized send times: optimized | explore | control (null for every other send). */
    sendTimeArm: text('send_time_arm'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex('messages_idem_uq').on(t.workspaceId, t.idempotencyKey),
    index('messages_ws_campaign_status_idx').on(t.workspaceId, t.campaignId, t.status),
    index('messages_ws_user_time_idx').on(t.workspaceId, t.userId, t.createdAt),
    index('messages_ws_time_idx').on(t.workspaceId, t.createdAt),
    index('messages_ws_campaign_step_user_idx').on(t.workspaceId, t.campaignId, t.stepKey, t.userId),
    // Only the rows still to send: the dispatcher's and finalizer's reads stay small whatever the
    // ledger's size, and a row written in a final state (most of them) costs this index nothing.
    index('messages_open_idx')
      .on(t.workspaceId, t.campaignId, t.stepKey, t.userId)
      .where(sql`${t.status} IN ('queued', 'deferred', 'sending')`),
    // Delivery events from the notification service name its own id; local deliveries never need it.
    // Optimized-time sends only: the lift of send-time optimization is read per campaign or workspace.
    index('messages_send_time_idx').on(t.workspaceId, t.campaignId, t.userId).where(sql`${t.sendTimeArm} IS NOT NULL`),
    index('messages_provider_message_idx')
      .on(t.providerMessageId)
      .where(sql`${t.providerMessageId} IS NOT NULL AND ${t.provider} <> 'local'`),
  ],
);

/**
 * What the embedded `local` channel delivered: one row per provider call, deliberately without a
 * unique key on the ledger id, so that a duplicate send would show up as a second row.
 */
export const localDeliveries = sqliteTable(
  'local_deliveries',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    messageId: text('message_id').notNull(),
    userId: text('user_id').notNull(),
    channel: text('channel').notNull(),
    payload: json<Record<string, unknown>>('payload').notNull(),
    deliveredAt: ts('delivered_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('local_deliveries_ws_message_idx').on(t.workspaceId, t.messageId)],
);

export const engagementEvents = sqliteTable(
  'engagement_events',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    messageId: text('message_id').notNull(),
    campaignId: text('campaign_id').notNull(),
    variantId: text('variant_id'),
    userId: text('user_id').notNull(),
    kind: text('kind').notNull(),
    linkIndex: integer('link_index'),
    isMachine: bool('is_machine').notNull().default(false),
    isUnique: bool('is_unique').notNull().default(false),
    revenue: real('revenue'),
    userAgent: text('user_agent'),
    occurredAt: ts('occurred_at').notNull(),
    /** The channel of the message (rollups count by it). */
    channel: text('channel').notNull().default('email'),
    /** The first hit of its kind for the message, machine or not (is_unique: the first non-machine one). */
    isFirst: bool('is_first').notNull().default(false),
    /** Where the hit came from: pixel, redirect, click (an open implied by a click), one_click, page, nats, attribution. */
    source: text('source').notNull().default('pixel'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index('engagement_ws_campaign_kind_idx').on(t.workspaceId, t.campaignId, t.kind, t.occurredAt),
    index('engagement_ws_kind_time_idx').on(t.workspaceId, t.kind, t.occurredAt),
    // At most one unique and one first hit per (message, kind), whichever process records it.
    uniqueIndex('engagement_unique_uq').on(t.workspaceId, t.messageId, t.kind).where(sql`${t.isUnique}`),
    uniqueIndex('engagement_first_uq').on(t.workspaceId, t.messageId, t.kind).where(sql`${t.isFirst}`),
  ],
);

/**
 * Delivery and engagement counters per campaign, variant, channel and hour, kept by triggers on
 * `messages` and `engagement_events` (see the migration that creates them), so every write path
 * counts and get_metrics reads a few rows instead of the ledger. Ledger counts are by current
 * status and by the hour the message was sent (else created); engagement by the hour of the hit.
 */
export const campaignRollups = sqliteTable(
  'campaign_rollups',
  {
    workspaceId: text('workspace_id').notNull(),
    campaignId: text('campaign_id').notNull(),
    /** '' for messages not yet assigned a variant. */
    variantId: text('variant_id').notNull(),
    channel: text('channel').notNull(),
    bucket: ts('bucket').notNull(),
    stQueued: integer('st_queued').notNull().default(0),
    stDeferred: integer('st_deferred').notNull().default(0),
    stSending: integer('st_sending').notNull().default(0),
    stSent: integer('st_sent').notNull().default(0),
    stDelivered: integer('st_delivered').notNull().default(0),
    stFailed: integer('st_failed').notNull().default(0),
    stSuppressed: integer('st_suppressed').notNull().default(0),
    stSkipped: integer('st_skipped').notNull().default(0),
    stCancelled: integer('st_cancelled').notNull().default(0),
    opens: integer('opens').notNull().default(0),
    uniqueOpens: integer('unique_opens').notNull().default(0),
    firstOpens: integer('first_opens').notNull().default(0),
    machineOpens: integer('machine_opens').notNull().default(0),
    clicks: integer('clicks').notNull().default(0),
    uniqueClicks: integer('unique_clicks').notNull().default(0),
    machineClicks: integer('machine_clicks').notNull().default(0),
    unsubscribes: integer('unsubscribes').notNull().default(0),
    conversions: integer('conversions').notNull().default(0),
    uniqueConversions: integer('unique_conversions').notNull().default(0),
    revenue: real('revenue').notNull().default(0),
    bounces: integer('bounces').notNull().default(0),
    complaints: integer('complaints').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.campaignId, t.variantId, t.channel, t.bucket] })],
);

/** Tracking-token keys made by the server itself when TRACKING_SECRETS is not set (the newest signs). */
export const trackingKeys = sqliteTable('tracking_keys', {
  id: integer('id').primaryKey(),
  secret: text('secret').notNull(),
  createdAt: ts('created_at').notNull(),
});

/** Envelope ids of bus events already applied, so a redelivered event changes nothing. */
export const inboxEvents = sqliteTable(
  'inbox_events',
  {
    source: text('source').notNull(),
    id: text('id').notNull(),
    receivedAt: ts('received_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.id] })],
);

/** How far conversion attribution has read the events table, per workspace. */
export const attributionState = sqliteTable('attribution_state', {
  workspaceId: text('workspace_id').primaryKey(),
  lastReceivedAt: ts('last_received_at').notNull(),
  lastEventId: text('last_event_id').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

export const suppressions = sqliteTable(
  'suppressions',
  {
    workspaceId: text('workspace_id').notNull(),
    userId: text('user_id').notNull(),
    channel: text('channel').notNull(),
    reason: text('reason').notNull(),
    source: text('source').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId, t.channel] })],
);

export const experiments = sqliteTable(
  'experiments',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    campaignId: text('campaign_id').notNull(),
    status: text('status').notNull(),
    metric: text('metric').notNull(),
    allocation: text('allocation').notNull(),
    config: json<Record<string, unknown>>('config').notNull(),
    /** The decision (winner, reason, evidence) once made. */
    result: json<Record<string, unknown> | null>('result'),
    /** What the looks accumulate: sequential boundaries, SRM, guardrail stops, bandit waves. */
    state: json<Record<string, unknown>>('state').notNull().default(sql`'{}'`),
    testScheduleId: text('test_schedule_id'),
    rolloutScheduleId: text('rollout_schedule_id'),
    version: integer('version').notNull().default(1),
    createdBy: text('created_by').notNull().default(''),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at'),
    decidedAt: ts('decided_at'),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex('experiments_ws_campaign_uq').on(t.workspaceId, t.campaignId)],
);

/** Durable jobs: claimed with a lease; `dedupe_key` makes enqueueing idempotent. */
export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    workspaceId: text('workspace_id').notNull(),
    kind: text('kind').notNull(),
    payload: json<Record<string, unknown>>('payload').notNull(),
    status: text('status').notNull(),
    runAt: ts('run_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    leaseOwner: text('lease_owner'),
    leaseUntil: ts('lease_until'),
    lastError: text('last_error'),
    dedupeKey: text('dedupe_key'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('jobs_dedupe_uq').on(t.dedupeKey),
    index('jobs_status_run_at_idx').on(t.status, t.runAt),
    index('jobs_status_lease_idx').on(t.status, t.leaseUntil),
  ],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    at: ts('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    inputDigest: text('input_digest').notNull(),
    result: text('result').notNull(),
    detail: json<Record<string, unknown>>('detail').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('audit_ws_at_idx').on(t.workspaceId, t.at)],
);

export const agentDecisions = sqliteTable(
  'agent_decisions',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    campaignId: text('campaign_id'),
    at: ts('at').notNull(),
    mode: text('mode').notNull(),
    decider: text('decider').notNull(),
    observations: json<Record<string, unknown>>('observations').notNull(),
    options: json<unknown[]>('options').notNull(),
    action: json<Record<string, unknown> | null>('action'),
    rationale: text('rationale').notNull(),
    model: text('model'),
    tokens: integer('tokens').notNull().default(0),
    toolCalls: json<unknown[]>('tool_calls').notNull(),
    status: text('status').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index('agent_decisions_ws_at_idx').on(t.workspaceId, t.at)],
);

/** Inbox for at-least-once consumers (NATS, HTTP ingestion): a message id is processed once. */
export const inbox = sqliteTable(
  'inbox',
  {
    source: text('source').notNull(),
    messageId: text('message_id').notNull(),
    processedAt: ts('processed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.messageId] })],
);

/**
 * Message templates: the current content of each, with `version` counting its saves. Every save
 * also writes a template_versions row, so any version stays readable (caches key on id + version).
 * `variables` holds the root names the subject, body and HTML read.
 */
export const templates = sqliteTable(
  'templates',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    channel: text('channel').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    html: text('html'),
    templateVars: json<Record<string, string>>('template_vars').notNull(),
    status: text('status').notNull().default('active'),
    version: integer('version').notNull().default(1),
    variables: json<string[]>('variables').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex('templates_ws_name_uq').on(t.workspaceId, t.name)],
);

/** The content of every saved version of a template (the current one included). */
export const templateVersions = sqliteTable(
  'template_versions',
  {
    workspaceId: text('workspace_id').notNull(),
    templateId: text('template_id').notNull(),
    version: integer('version').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    html: text('html'),
    templateVars: json<Record<string, string>>('template_vars').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.templateId, t.version] })],
);

/** Rendered or adapted copies for one person, reused until `expires_at`. */
export const personalizationCache = sqliteTable(
  'personalization_cache',
  {
    workspaceId: text('workspace_id').notNull(),
    cacheKey: text('cache_key').notNull(),
    userId: text('user_id').notNull(),
    templateId: text('template_id'),
    templateVersion: integer('template_version'),
    mode: text('mode').notNull(),
    result: json<unknown>('result').notNull(),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.cacheKey] }), index('personalization_cache_ws_user_idx').on(t.workspaceId, t.userId)],
);

/**
 * Journeys: every revision of a journey campaign's step graph. Users in flight stay on the
 * revision they entered; a triggered campaign has no row here (its one-step flow is implied).
 */
export const journeyVersions = sqliteTable(
  'journey_versions',
  {
    workspaceId: text('workspace_id').notNull(),
    campaignId: text('campaign_id').notNull(),
    version: integer('version').notNull(),
    definition: json<Record<string, unknown>>('definition').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.campaignId, t.version] })],
);

/**
 * One row per user per entry into a triggered campaign or journey: where they are and what they
 * wait for. `seq` counts transitions; every job and every move is fenced on it, so a late job or
 * a second process never moves a user twice. `entry_event_id` makes an entry idempotent.
 */
export const enrollments = sqliteTable(
  'enrollments',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    campaignId: text('campaign_id').notNull(),
    journeyVersion: integer('journey_version').notNull(),
    userId: text('user_id').notNull(),
    entryEventId: text('entry_event_id').notNull(),
    /** The entry event's own time (cooldowns and exits are measured by it). */
    enteredAt: ts('entered_at').notNull(),
    /** active | completed | exited */
    status: text('status').notNull(),
    step: text('step').notNull(),
    seq: integer('seq').notNull(),
    /** due (its step runs at next_at) | waiting (a wait or wait_for_event step) */
    phase: text('phase').notNull(),
    waitingFor: text('waiting_for'),
    waitingSince: ts('waiting_since'),
    nextAt: ts('next_at'),
    triggerProperties: json<Record<string, unknown>>('trigger_properties').notNull(),
    endReason: text('end_reason'),
    endedAt: ts('ended_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex('enrollments_entry_uq').on(t.workspaceId, t.campaignId, t.entryEventId),
    index('enrollments_user_idx').on(t.workspaceId, t.userId, t.campaignId, t.enteredAt),
    index('enrollments_campaign_idx').on(t.workspaceId, t.campaignId, t.step),
  ],
);

/** Each step an enrollment reached, when, and how it left it (the per-step metrics). */
export const enrollmentSteps = sqliteTable(
  'enrollment_steps',
  {
    workspaceId: text('workspace_id').notNull(),
    enrollmentId: text('enrollment_id').notNull(),
    campaignId: text('campaign_id').notNull(),
    step: text('step').notNull(),
    enteredAt: ts('entered_at').notNull(),
    leftAt: ts('left_at'),
    /** sent, skipped:<status>, event, timeout, then, else, branch:<i>, resumed, exited, completed */
    outcome: text('outcome'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.enrollmentId, t.step] }),
    index('enrollment_steps_campaign_idx').on(t.workspaceId, t.campaignId, t.step),
  ],
);

/** Incoming messages that could not be used, with why: malformed envelopes, unknown events, oversized payloads. */
export const deadLetters = sqliteTable(
  'dead_letters',
  {
    id: text('id').primaryKey(),
    source: text('source').notNull(),
    subject: text('subject').notNull(),
    streamSeq: integer('stream_seq'),
    /** sha256 of the payload (first 32 hex): with the sequence, one message; a recreated stream restarts its sequences. */
    payloadDigest: text('payload_digest').notNull(),
    reason: text('reason').notNull(),
    payload: text('payload').notNull(),
    receivedAt: ts('received_at').notNull(),
  },
  (t) => [uniqueIndex('dead_letters_message_uq').on(t.source, t.subject, t.streamSeq, t.payloadDigest), index('dead_letters_time_idx').on(t.receivedAt)],
);

/**
 * Send-time counts per person (see src/domain/sendtime/model.ts): emails sent by the local hour
 * they went out (s00-s23) and first opens within the horizon by the local hour they happened
 * (o00-o23), kept by the learner as the ledger and the hits grow.
 */
export const sendTimeProfiles = sqliteTable(
  'send_time_profiles',
  {
    workspaceId: text('workspace_id').notNull(),
    userId: text('user_id').notNull(),
    ...hourColumns('s', (n) => integer(n).notNull().default(0)),
    ...hourColumns('o', (n) => integer(n).notNull().default(0)),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.userId] })],
);

/** The population's send-time counts per workspace: by local hour of the week, and open delays. */
export const sendTimePopulation = sqliteTable('send_time_population', {
  workspaceId: text('workspace_id').primaryKey(),
  counts: json<PopulationCounts>('counts').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

/**
 * What the send-time learner has still to read: a row per email sent and per first open, written
 * by triggers on `messages` and `engagement_events` in the same transaction, so every write path
 * counts; the learner deletes what it applied in the transaction that applies it (exactly once).
 */
export const sendTimePending = sqliteTable(
  'send_time_pending',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    workspaceId: text('workspace_id').notNull(),
    /** sent | open */
    kind: text('kind').notNull(),
    messageId: text('message_id').notNull(),
    /** The send or the open. */
    occurredAt: ts('occurred_at').notNull(),
  },
);

/** The agent's settings per workspace (src/agent/config.ts); absent: the defaults. */
export const agentConfig = sqliteTable('agent_config', {
  workspaceId: text('workspace_id').primaryKey(),
  config: json<Record<string, unknown>>('config').notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

/**
 * Every mutating call the agent made or wanted to make, as the server gated it: executed,
 * refused (with why), failed, or proposed for a marketer (then approved or rejected). The
 * per-tick and per-day limits count these rows.
 */
export const agentActions = sqliteTable(
  'agent_actions',
  {
    workspaceId: text('workspace_id').notNull(),
    id: text('id').notNull(),
    decisionId: text('decision_id').notNull(),
    campaignId: text('campaign_id'),
    tool: text('tool').notNull(),
    input: json<Record<string, unknown>>('input').notNull(),
    status: text('status').notNull(),
    reason: text('reason'),
    credits: integer('credits').notNull().default(0),
    result: json<Record<string, unknown> | null>('result'),
    at: ts('at').notNull(),
    reviewedBy: text('reviewed_by'),
    reviewedAt: ts('reviewed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index('agent_actions_decision_idx').on(t.workspaceId, t.decisionId),
    index('agent_actions_status_idx').on(t.workspaceId, t.status, t.at),
  ],
);

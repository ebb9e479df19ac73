CREATE TABLE "agent_decisions" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"campaign_id" text,
	"at" timestamp with time zone NOT NULL,
	"mode" text NOT NULL,
	"decider" text NOT NULL,
	"observations" jsonb NOT NULL,
	"options" jsonb NOT NULL,
	"action" jsonb,
	"rationale" text NOT NULL,
	"model" text,
	"tokens" integer DEFAULT 0 NOT NULL,
	"tool_calls" jsonb NOT NULL,
	"status" text NOT NULL,
	CONSTRAINT "agent_decisions_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target_type" text,
	"target_id" text,
	"input_digest" text NOT NULL,
	"result" text NOT NULL,
	"detail" jsonb NOT NULL,
	CONSTRAINT "audit_log_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "campaign_variants" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"weight" double precision NOT NULL,
	"subject" text,
	"body" text NOT NULL,
	"html" text,
	"template_vars" jsonb NOT NULL,
	"position" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "campaign_variants_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" text NOT NULL,
	"paused_from" text,
	"type" text NOT NULL,
	"segment_id" text,
	"channels" jsonb NOT NULL,
	"schedule" jsonb,
	"send_time_optimization" boolean DEFAULT false NOT NULL,
	"trigger" jsonb,
	"goal" jsonb NOT NULL,
	"budget_credits" integer,
	"credits_spent" integer DEFAULT 0 NOT NULL,
	"agent" jsonb NOT NULL,
	"status_history" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "campaigns_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "engagement_events" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"message_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"variant_id" text,
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"link_index" integer,
	"is_machine" boolean DEFAULT false NOT NULL,
	"is_unique" boolean DEFAULT false NOT NULL,
	"revenue" double precision,
	"user_agent" text,
	"occurred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "engagement_events_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"user_id" text NOT NULL,
	"type" text NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"value" double precision,
	"source" text DEFAULT 'api' NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"status" text NOT NULL,
	"metric" text NOT NULL,
	"allocation" text NOT NULL,
	"config" jsonb NOT NULL,
	"result" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	CONSTRAINT "experiments_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "inbox" (
	"source" text NOT NULL,
	"message_id" text NOT NULL,
	"processed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "inbox_source_message_id_pk" PRIMARY KEY("source","message_id")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text NOT NULL,
	"run_at" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 5 NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"dedupe_key" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "memories" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"user_id" text NOT NULL,
	"memory_type" text NOT NULL,
	"subject" text,
	"predicate" text,
	"object_value" text,
	"event_type" text,
	"content" text NOT NULL,
	"importance" double precision DEFAULT 0.5 NOT NULL,
	"confidence" double precision DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "memories_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"step_key" text NOT NULL,
	"user_id" text NOT NULL,
	"channel" text NOT NULL,
	"variant_id" text,
	"schedule_id" text,
	"idempotency_key" text NOT NULL,
	"status" text NOT NULL,
	"status_history" jsonb NOT NULL,
	"provider" text,
	"provider_message_id" text,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"credits" integer DEFAULT 0 NOT NULL,
	"rendered" jsonb,
	"scheduled_for" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "messages_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"kind" text NOT NULL,
	"spec" jsonb NOT NULL,
	"status" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"next_run_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "schedules_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "segment_members" (
	"workspace_id" text NOT NULL,
	"segment_id" text NOT NULL,
	"user_id" text NOT NULL,
	"added_at" timestamp with time zone NOT NULL,
	CONSTRAINT "segment_members_workspace_id_segment_id_user_id_pk" PRIMARY KEY("workspace_id","segment_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "segments" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"kind" text NOT NULL,
	"rules" jsonb NOT NULL,
	"rules_version" integer DEFAULT 1 NOT NULL,
	"estimated_size" integer,
	"last_computed_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "segments_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"workspace_id" text NOT NULL,
	"user_id" text NOT NULL,
	"channel" text NOT NULL,
	"reason" text NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "suppressions_workspace_id_user_id_channel_pk" PRIMARY KEY("workspace_id","user_id","channel")
);
--> statement-breakpoint
CREATE TABLE "user_scores" (
	"workspace_id" text NOT NULL,
	"user_id" text NOT NULL,
	"recency_days" double precision,
	"frequency" integer DEFAULT 0 NOT NULL,
	"monetary" double precision DEFAULT 0 NOT NULL,
	"rfm_r" integer,
	"rfm_f" integer,
	"rfm_m" integer,
	"rfm_segment" text,
	"churn_risk" double precision,
	"expected_purchases_90d" double precision,
	"predicted_ltv" double precision,
	"computed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "user_scores_workspace_id_user_id_pk" PRIMARY KEY("workspace_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"email" text,
	"phone" text,
	"name" text,
	"status" text DEFAULT 'active' NOT NULL,
	"country" text,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"locale" text DEFAULT 'en' NOT NULL,
	"tier" text DEFAULT 'free' NOT NULL,
	"subscription_status" text DEFAULT 'active' NOT NULL,
	"is_trial" boolean DEFAULT false NOT NULL,
	"credits_remaining" integer DEFAULT 0 NOT NULL,
	"consent_email" boolean DEFAULT false NOT NULL,
	"consent_push" boolean DEFAULT false NOT NULL,
	"consent_sms" boolean DEFAULT false NOT NULL,
	"consent_in_app" boolean DEFAULT true NOT NULL,
	"consent_webhook" boolean DEFAULT false NOT NULL,
	"traits" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "users_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "agent_decisions_ws_at_idx" ON "agent_decisions" USING btree ("workspace_id","at");--> statement-breakpoint
CREATE INDEX "audit_ws_at_idx" ON "audit_log" USING btree ("workspace_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "campaign_variants_key_uq" ON "campaign_variants" USING btree ("workspace_id","campaign_id","key");--> statement-breakpoint
CREATE INDEX "campaigns_ws_status_idx" ON "campaigns" USING btree ("workspace_id","status");--> statement-breakpoint
CREATE INDEX "engagement_ws_campaign_kind_idx" ON "engagement_events" USING btree ("workspace_id","campaign_id","kind","occurred_at");--> statement-breakpoint
CREATE INDEX "engagement_ws_message_idx" ON "engagement_events" USING btree ("workspace_id","message_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "events_ws_id_uq" ON "events" USING btree ("workspace_id","id");--> statement-breakpoint
CREATE INDEX "events_ws_user_type_time_idx" ON "events" USING btree ("workspace_id","user_id","type","occurred_at");--> statement-breakpoint
CREATE INDEX "experiments_ws_campaign_idx" ON "experiments" USING btree ("workspace_id","campaign_id");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_dedupe_uq" ON "jobs" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "jobs_status_run_at_idx" ON "jobs" USING btree ("status","run_at");--> statement-breakpoint
CREATE INDEX "memories_ws_user_idx" ON "memories" USING btree ("workspace_id","user_id","memory_type");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_idem_uq" ON "messages" USING btree ("workspace_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "messages_ws_campaign_status_idx" ON "messages" USING btree ("workspace_id","campaign_id","status");--> statement-breakpoint
CREATE INDEX "messages_ws_user_time_idx" ON "messages" USING btree ("workspace_id","user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "schedules_idem_uq" ON "schedules" USING btree ("workspace_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "schedules_ws_campaign_idx" ON "schedules" USING btree ("workspace_id","campaign_id");--> statement-breakpoint
CREATE UNIQUE INDEX "segments_ws_name_uq" ON "segments" USING btree ("workspace_id","name");--> statement-breakpoint
CREATE INDEX "users_ws_created_idx" ON "users" USING btree ("workspace_id","created_at");
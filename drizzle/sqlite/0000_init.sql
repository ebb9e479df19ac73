CREATE TABLE `agent_decisions` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`campaign_id` text,
	`at` integer NOT NULL,
	`mode` text NOT NULL,
	`decider` text NOT NULL,
	`observations` text NOT NULL,
	`options` text NOT NULL,
	`action` text,
	`rationale` text NOT NULL,
	`model` text,
	`tokens` integer DEFAULT 0 NOT NULL,
	`tool_calls` text NOT NULL,
	`status` text NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `agent_decisions_ws_at_idx` ON `agent_decisions` (`workspace_id`,`at`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`input_digest` text NOT NULL,
	`result` text NOT NULL,
	`detail` text NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `audit_ws_at_idx` ON `audit_log` (`workspace_id`,`at`);--> statement-breakpoint
CREATE TABLE `campaign_variants` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`weight` real NOT NULL,
	`subject` text,
	`body` text NOT NULL,
	`html` text,
	`template_vars` text NOT NULL,
	`position` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_variants_key_uq` ON `campaign_variants` (`workspace_id`,`campaign_id`,`key`);--> statement-breakpoint
CREATE TABLE `campaigns` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`paused_from` text,
	`type` text NOT NULL,
	`segment_id` text,
	`channels` text NOT NULL,
	`schedule` text,
	`send_time_optimization` integer DEFAULT false NOT NULL,
	`trigger` text,
	`goal` text NOT NULL,
	`budget_credits` integer,
	`credits_spent` integer DEFAULT 0 NOT NULL,
	`agent` text NOT NULL,
	`status_history` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `campaigns_ws_status_idx` ON `campaigns` (`workspace_id`,`status`);--> statement-breakpoint
CREATE TABLE `engagement_events` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`message_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`variant_id` text,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`link_index` integer,
	`is_machine` integer DEFAULT false NOT NULL,
	`is_unique` integer DEFAULT false NOT NULL,
	`revenue` real,
	`user_agent` text,
	`occurred_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `engagement_ws_campaign_kind_idx` ON `engagement_events` (`workspace_id`,`campaign_id`,`kind`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `engagement_ws_message_idx` ON `engagement_events` (`workspace_id`,`message_id`,`kind`);--> statement-breakpoint
CREATE TABLE `events` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`type` text NOT NULL,
	`properties` text DEFAULT '{}' NOT NULL,
	`value` real,
	`source` text DEFAULT 'api' NOT NULL,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_ws_id_uq` ON `events` (`workspace_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_ws_user_type_time_idx` ON `events` (`workspace_id`,`user_id`,`type`,`occurred_at`);--> statement-breakpoint
CREATE TABLE `experiments` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`status` text NOT NULL,
	`metric` text NOT NULL,
	`allocation` text NOT NULL,
	`config` text NOT NULL,
	`result` text,
	`created_at` integer NOT NULL,
	`decided_at` integer,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `experiments_ws_campaign_idx` ON `experiments` (`workspace_id`,`campaign_id`);--> statement-breakpoint
CREATE TABLE `inbox` (
	`source` text NOT NULL,
	`message_id` text NOT NULL,
	`processed_at` integer NOT NULL,
	PRIMARY KEY(`source`, `message_id`)
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`run_at` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 5 NOT NULL,
	`lease_owner` text,
	`lease_until` integer,
	`last_error` text,
	`dedupe_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_dedupe_uq` ON `jobs` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `jobs_status_run_at_idx` ON `jobs` (`status`,`run_at`);--> statement-breakpoint
CREATE TABLE `memories` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`user_id` text NOT NULL,
	`memory_type` text NOT NULL,
	`subject` text,
	`predicate` text,
	`object_value` text,
	`event_type` text,
	`content` text NOT NULL,
	`importance` real DEFAULT 0.5 NOT NULL,
	`confidence` real DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `memories_ws_user_idx` ON `memories` (`workspace_id`,`user_id`,`memory_type`);--> statement-breakpoint
CREATE TABLE `messages` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`step_key` text NOT NULL,
	`user_id` text NOT NULL,
	`channel` text NOT NULL,
	`variant_id` text,
	`schedule_id` text,
	`idempotency_key` text NOT NULL,
	`status` text NOT NULL,
	`status_history` text NOT NULL,
	`provider` text,
	`provider_message_id` text,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`credits` integer DEFAULT 0 NOT NULL,
	`rendered` text,
	`scheduled_for` integer,
	`sent_at` integer,
	`delivered_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_idem_uq` ON `messages` (`workspace_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `messages_ws_campaign_status_idx` ON `messages` (`workspace_id`,`campaign_id`,`status`);--> statement-breakpoint
CREATE INDEX `messages_ws_user_time_idx` ON `messages` (`workspace_id`,`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `schedules` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`kind` text NOT NULL,
	`spec` text NOT NULL,
	`status` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`next_run_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `schedules_idem_uq` ON `schedules` (`workspace_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `schedules_ws_campaign_idx` ON `schedules` (`workspace_id`,`campaign_id`);--> statement-breakpoint
CREATE TABLE `segment_members` (
	`workspace_id` text NOT NULL,
	`segment_id` text NOT NULL,
	`user_id` text NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `segment_id`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `segments` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`kind` text NOT NULL,
	`rules` text NOT NULL,
	`rules_version` integer DEFAULT 1 NOT NULL,
	`estimated_size` integer,
	`last_computed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `segments_ws_name_uq` ON `segments` (`workspace_id`,`name`);--> statement-breakpoint
CREATE TABLE `suppressions` (
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`channel` text NOT NULL,
	`reason` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`, `channel`)
);
--> statement-breakpoint
CREATE TABLE `user_scores` (
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`recency_days` real,
	`frequency` integer DEFAULT 0 NOT NULL,
	`monetary` real DEFAULT 0 NOT NULL,
	`rfm_r` integer,
	`rfm_f` integer,
	`rfm_m` integer,
	`rfm_segment` text,
	`churn_risk` real,
	`expected_purchases_90d` real,
	`predicted_ltv` real,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `users` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`email` text,
	`phone` text,
	`name` text,
	`status` text DEFAULT 'active' NOT NULL,
	`country` text,
	`timezone` text DEFAULT 'UTC' NOT NULL,
	`locale` text DEFAULT 'en' NOT NULL,
	`tier` text DEFAULT 'free' NOT NULL,
	`subscription_status` text DEFAULT 'active' NOT NULL,
	`is_trial` integer DEFAULT false NOT NULL,
	`credits_remaining` integer DEFAULT 0 NOT NULL,
	`consent_email` integer DEFAULT false NOT NULL,
	`consent_push` integer DEFAULT false NOT NULL,
	`consent_sms` integer DEFAULT false NOT NULL,
	`consent_in_app` integer DEFAULT true NOT NULL,
	`consent_webhook` integer DEFAULT false NOT NULL,
	`traits` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `users_ws_created_idx` ON `users` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);

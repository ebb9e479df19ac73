CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`source` text NOT NULL,
	`subject` text NOT NULL,
	`stream_seq` integer,
	`payload_digest` text NOT NULL,
	`reason` text NOT NULL,
	`payload` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_message_uq` ON `dead_letters` (`source`,`subject`,`stream_seq`,`payload_digest`);--> statement-breakpoint
CREATE INDEX `dead_letters_time_idx` ON `dead_letters` (`received_at`);--> statement-breakpoint
CREATE TABLE `enrollment_steps` (
	`workspace_id` text NOT NULL,
	`enrollment_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`step` text NOT NULL,
	`entered_at` integer NOT NULL,
	`left_at` integer,
	`outcome` text,
	PRIMARY KEY(`workspace_id`, `enrollment_id`, `step`)
);
--> statement-breakpoint
CREATE INDEX `enrollment_steps_campaign_idx` ON `enrollment_steps` (`workspace_id`,`campaign_id`,`step`);--> statement-breakpoint
CREATE TABLE `enrollments` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`journey_version` integer NOT NULL,
	`user_id` text NOT NULL,
	`entry_event_id` text NOT NULL,
	`entered_at` integer NOT NULL,
	`status` text NOT NULL,
	`step` text NOT NULL,
	`seq` integer NOT NULL,
	`phase` text NOT NULL,
	`waiting_for` text,
	`waiting_since` integer,
	`next_at` integer,
	`trigger_properties` text NOT NULL,
	`end_reason` text,
	`ended_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrollments_entry_uq` ON `enrollments` (`workspace_id`,`campaign_id`,`entry_event_id`);--> statement-breakpoint
CREATE INDEX `enrollments_user_idx` ON `enrollments` (`workspace_id`,`user_id`,`campaign_id`,`entered_at`);--> statement-breakpoint
CREATE INDEX `enrollments_campaign_idx` ON `enrollments` (`workspace_id`,`campaign_id`,`step`);--> statement-breakpoint
CREATE TABLE `journey_versions` (
	`workspace_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`version` integer NOT NULL,
	`definition` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `campaign_id`, `version`)
);

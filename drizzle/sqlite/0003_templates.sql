CREATE TABLE `personalization_cache` (
	`workspace_id` text NOT NULL,
	`cache_key` text NOT NULL,
	`user_id` text NOT NULL,
	`template_id` text,
	`template_version` integer,
	`mode` text NOT NULL,
	`result` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `cache_key`)
);
--> statement-breakpoint
CREATE INDEX `personalization_cache_ws_user_idx` ON `personalization_cache` (`workspace_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `template_versions` (
	`workspace_id` text NOT NULL,
	`template_id` text NOT NULL,
	`version` integer NOT NULL,
	`subject` text,
	`body` text NOT NULL,
	`html` text,
	`template_vars` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `template_id`, `version`)
);
--> statement-breakpoint
CREATE TABLE `templates` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`channel` text NOT NULL,
	`subject` text,
	`body` text NOT NULL,
	`html` text,
	`template_vars` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`variables` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `templates_ws_name_uq` ON `templates` (`workspace_id`,`name`);
CREATE TABLE `agent_actions` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`decision_id` text NOT NULL,
	`campaign_id` text,
	`tool` text NOT NULL,
	`input` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`credits` integer DEFAULT 0 NOT NULL,
	`result` text,
	`at` integer NOT NULL,
	`reviewed_by` text,
	`reviewed_at` integer,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `agent_actions_decision_idx` ON `agent_actions` (`workspace_id`,`decision_id`);--> statement-breakpoint
CREATE INDEX `agent_actions_status_idx` ON `agent_actions` (`workspace_id`,`status`,`at`);--> statement-breakpoint
CREATE TABLE `agent_config` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`config` text NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer NOT NULL
);

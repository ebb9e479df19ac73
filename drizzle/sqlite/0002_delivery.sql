CREATE TABLE `local_deliveries` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`message_id` text NOT NULL,
	`user_id` text NOT NULL,
	`channel` text NOT NULL,
	`payload` text NOT NULL,
	`delivered_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `local_deliveries_ws_message_idx` ON `local_deliveries` (`workspace_id`,`message_id`);--> statement-breakpoint
ALTER TABLE `messages` ADD `planned_for` integer;--> statement-breakpoint
CREATE INDEX `messages_ws_campaign_step_user_idx` ON `messages` (`workspace_id`,`campaign_id`,`step_key`,`user_id`);--> statement-breakpoint
CREATE INDEX `jobs_status_lease_idx` ON `jobs` (`status`,`lease_until`);
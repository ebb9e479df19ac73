DROP INDEX `experiments_ws_campaign_idx`;--> statement-breakpoint
ALTER TABLE `experiments` ADD `state` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `experiments` ADD `test_schedule_id` text;--> statement-breakpoint
ALTER TABLE `experiments` ADD `rollout_schedule_id` text;--> statement-breakpoint
ALTER TABLE `experiments` ADD `version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `experiments` ADD `created_by` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `experiments` ADD `updated_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `experiments_ws_campaign_uq` ON `experiments` (`workspace_id`,`campaign_id`);
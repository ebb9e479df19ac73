CREATE TABLE `user_event_summary` (
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`event_type` text NOT NULL,
	`count` integer NOT NULL,
	`value_sum` real DEFAULT 0 NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`, `event_type`)
);
--> statement-breakpoint
CREATE INDEX `user_event_summary_type_last_idx` ON `user_event_summary` (`workspace_id`,`event_type`,`last_at`,`user_id`);--> statement-breakpoint
ALTER TABLE `users` ADD `last_event_at` integer;--> statement-breakpoint
CREATE INDEX `users_ws_last_event_idx` ON `users` (`workspace_id`,`last_event_at`);--> statement-breakpoint
CREATE INDEX `engagement_ws_kind_time_idx` ON `engagement_events` (`workspace_id`,`kind`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `events_ws_type_user_time_idx` ON `events` (`workspace_id`,`type`,`user_id`,`occurred_at`,`value`);--> statement-breakpoint
CREATE INDEX `messages_ws_time_idx` ON `messages` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `user_scores_churn_idx` ON `user_scores` (`workspace_id`,`churn_risk`);--> statement-breakpoint
CREATE INDEX `user_scores_rfm_idx` ON `user_scores` (`workspace_id`,`rfm_segment`);
CREATE TABLE `send_time_pending` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workspace_id` text NOT NULL,
	`kind` text NOT NULL,
	`message_id` text NOT NULL,
	`occurred_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `send_time_population` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`counts` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `send_time_profiles` (
	`workspace_id` text NOT NULL,
	`user_id` text NOT NULL,
	`s00` integer DEFAULT 0 NOT NULL,
	`s01` integer DEFAULT 0 NOT NULL,
	`s02` integer DEFAULT 0 NOT NULL,
	`s03` integer DEFAULT 0 NOT NULL,
	`s04` integer DEFAULT 0 NOT NULL,
	`s05` integer DEFAULT 0 NOT NULL,
	`s06` integer DEFAULT 0 NOT NULL,
	`s07` integer DEFAULT 0 NOT NULL,
	`s08` integer DEFAULT 0 NOT NULL,
	`s09` integer DEFAULT 0 NOT NULL,
	`s10` integer DEFAULT 0 NOT NULL,
	`s11` integer DEFAULT 0 NOT NULL,
	`s12` integer DEFAULT 0 NOT NULL,
	`s13` integer DEFAULT 0 NOT NULL,
	`s14` integer DEFAULT 0 NOT NULL,
	`s15` integer DEFAULT 0 NOT NULL,
	`s16` integer DEFAULT 0 NOT NULL,
	`s17` integer DEFAULT 0 NOT NULL,
	`s18` integer DEFAULT 0 NOT NULL,
	`s19` integer DEFAULT 0 NOT NULL,
	`s20` integer DEFAULT 0 NOT NULL,
	`s21` integer DEFAULT 0 NOT NULL,
	`s22` integer DEFAULT 0 NOT NULL,
	`s23` integer DEFAULT 0 NOT NULL,
	`o00` integer DEFAULT 0 NOT NULL,
	`o01` integer DEFAULT 0 NOT NULL,
	`o02` integer DEFAULT 0 NOT NULL,
	`o03` integer DEFAULT 0 NOT NULL,
	`o04` integer DEFAULT 0 NOT NULL,
	`o05` integer DEFAULT 0 NOT NULL,
	`o06` integer DEFAULT 0 NOT NULL,
	`o07` integer DEFAULT 0 NOT NULL,
	`o08` integer DEFAULT 0 NOT NULL,
	`o09` integer DEFAULT 0 NOT NULL,
	`o10` integer DEFAULT 0 NOT NULL,
	`o11` integer DEFAULT 0 NOT NULL,
	`o12` integer DEFAULT 0 NOT NULL,
	`o13` integer DEFAULT 0 NOT NULL,
	`o14` integer DEFAULT 0 NOT NULL,
	`o15` integer DEFAULT 0 NOT NULL,
	`o16` integer DEFAULT 0 NOT NULL,
	`o17` integer DEFAULT 0 NOT NULL,
	`o18` integer DEFAULT 0 NOT NULL,
	`o19` integer DEFAULT 0 NOT NULL,
	`o20` integer DEFAULT 0 NOT NULL,
	`o21` integer DEFAULT 0 NOT NULL,
	`o22` integer DEFAULT 0 NOT NULL,
	`o23` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `user_id`)
);
--> statement-breakpoint
ALTER TABLE `messages` ADD `send_time_arm` text;--> statement-breakpoint
CREATE INDEX `messages_send_time_idx` ON `messages` (`workspace_id`,`campaign_id`,`user_id`) WHERE "messages"."send_time_arm" IS NOT NULL;--> statement-breakpoint
-- The send-time learner's queue, kept by the database itself so every write path (dispatch, settling, bus events, the inbox) counts.
CREATE TRIGGER messages_sendtime_insert AFTER INSERT ON messages WHEN NEW.sent_at IS NOT NULL AND NEW.channel = 'email' BEGIN
  INSERT INTO send_time_pending (workspace_id, kind, message_id, occurred_at) VALUES (NEW.workspace_id, 'sent', NEW.id, NEW.sent_at);
END;
--> statement-breakpoint
CREATE TRIGGER messages_sendtime_update AFTER UPDATE OF sent_at ON messages WHEN OLD.sent_at IS NULL AND NEW.sent_at IS NOT NULL AND NEW.channel = 'email' BEGIN
  INSERT INTO send_time_pending (workspace_id, kind, message_id, occurred_at) VALUES (NEW.workspace_id, 'sent', NEW.id, NEW.sent_at);
END;
--> statement-breakpoint
CREATE TRIGGER engagement_sendtime_insert AFTER INSERT ON engagement_events WHEN NEW.kind = 'open' AND NEW.is_unique AND NEW.channel = 'email' BEGIN
  INSERT INTO send_time_pending (workspace_id, kind, message_id, occurred_at) VALUES (NEW.workspace_id, 'open', NEW.message_id, NEW.occurred_at);
END;
--> statement-breakpoint
-- What was sent and opened before this migration is learned from too.
INSERT INTO send_time_pending (workspace_id, kind, message_id, occurred_at)
SELECT workspace_id, kind, message_id, occurred_at FROM (
  SELECT workspace_id, 'sent' AS kind, id AS message_id, sent_at AS occurred_at FROM messages WHERE sent_at IS NOT NULL AND channel = 'email'
  UNION ALL SELECT workspace_id, 'open', message_id, occurred_at FROM engagement_events WHERE kind = 'open' AND is_unique AND channel = 'email'
) ORDER BY occurred_at, kind DESC;

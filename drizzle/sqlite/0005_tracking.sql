CREATE TABLE `attribution_state` (
	`workspace_id` text PRIMARY KEY NOT NULL,
	`last_received_at` integer NOT NULL,
	`last_event_id` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `campaign_rollups` (
	`workspace_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`variant_id` text NOT NULL,
	`channel` text NOT NULL,
	`bucket` integer NOT NULL,
	`st_queued` integer DEFAULT 0 NOT NULL,
	`st_deferred` integer DEFAULT 0 NOT NULL,
	`st_sending` integer DEFAULT 0 NOT NULL,
	`st_sent` integer DEFAULT 0 NOT NULL,
	`st_delivered` integer DEFAULT 0 NOT NULL,
	`st_failed` integer DEFAULT 0 NOT NULL,
	`st_suppressed` integer DEFAULT 0 NOT NULL,
	`st_skipped` integer DEFAULT 0 NOT NULL,
	`st_cancelled` integer DEFAULT 0 NOT NULL,
	`opens` integer DEFAULT 0 NOT NULL,
	`unique_opens` integer DEFAULT 0 NOT NULL,
	`first_opens` integer DEFAULT 0 NOT NULL,
	`machine_opens` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`unique_clicks` integer DEFAULT 0 NOT NULL,
	`machine_clicks` integer DEFAULT 0 NOT NULL,
	`unsubscribes` integer DEFAULT 0 NOT NULL,
	`conversions` integer DEFAULT 0 NOT NULL,
	`unique_conversions` integer DEFAULT 0 NOT NULL,
	`revenue` real DEFAULT 0 NOT NULL,
	`bounces` integer DEFAULT 0 NOT NULL,
	`complaints` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workspace_id`, `campaign_id`, `variant_id`, `channel`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `inbox_events` (
	`source` text NOT NULL,
	`id` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`source`, `id`)
);
--> statement-breakpoint
CREATE TABLE `tracking_keys` (
	`id` integer PRIMARY KEY NOT NULL,
	`secret` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `engagement_events` ADD `channel` text DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE `engagement_events` ADD `is_first` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `engagement_events` ADD `source` text DEFAULT 'pixel' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `engagement_unique_uq` ON `engagement_events` (`workspace_id`,`message_id`,`kind`) WHERE "engagement_events"."is_unique";--> statement-breakpoint
CREATE UNIQUE INDEX `engagement_first_uq` ON `engagement_events` (`workspace_id`,`message_id`,`kind`) WHERE "engagement_events"."is_first";--> statement-breakpoint
CREATE INDEX `messages_provider_message_idx` ON `messages` (`provider_message_id`) WHERE "messages"."provider_message_id" IS NOT NULL AND "messages"."provider" <> 'local';
--> statement-breakpoint
-- Rollups kept by the database itself, so that every write path (dispatch, settling, cancelling, bus events, deletes) counts.
CREATE TRIGGER messages_rollup_insert AFTER INSERT ON messages BEGIN
  INSERT INTO campaign_rollups (workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
  VALUES (NEW.workspace_id, NEW.campaign_id, coalesce(NEW.variant_id, ''), NEW.channel, (coalesce(NEW.sent_at, NEW.created_at) / 3600000) * 3600000, (NEW.status = 'queued'), (NEW.status = 'deferred'), (NEW.status = 'sending'), (NEW.status = 'sent'), (NEW.status = 'delivered'), (NEW.status = 'failed'), (NEW.status = 'suppressed'), (NEW.status = 'skipped'), (NEW.status = 'cancelled'))
  ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET st_queued = st_queued + excluded.st_queued, st_deferred = st_deferred + excluded.st_deferred, st_sending = st_sending + excluded.st_sending, st_sent = st_sent + excluded.st_sent, st_delivered = st_delivered + excluded.st_delivered, st_failed = st_failed + excluded.st_failed, st_suppressed = st_suppressed + excluded.st_suppressed, st_skipped = st_skipped + excluded.st_skipped, st_cancelled = st_cancelled + excluded.st_cancelled;
END;
--> statement-breakpoint
CREATE TRIGGER messages_rollup_update AFTER UPDATE OF status, variant_id, channel, sent_at ON messages
WHEN OLD.status IS NOT NEW.status OR OLD.variant_id IS NOT NEW.variant_id OR OLD.channel IS NOT NEW.channel OR OLD.sent_at IS NOT NEW.sent_at BEGIN
  INSERT INTO campaign_rollups (workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
  VALUES (OLD.workspace_id, OLD.campaign_id, coalesce(OLD.variant_id, ''), OLD.channel, (coalesce(OLD.sent_at, OLD.created_at) / 3600000) * 3600000, -(OLD.status = 'queued'), -(OLD.status = 'deferred'), -(OLD.status = 'sending'), -(OLD.status = 'sent'), -(OLD.status = 'delivered'), -(OLD.status = 'failed'), -(OLD.status = 'suppressed'), -(OLD.status = 'skipped'), -(OLD.status = 'cancelled'))
  ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET st_queued = st_queued + excluded.st_queued, st_deferred = st_deferred + excluded.st_deferred, st_sending = st_sending + excluded.st_sending, st_sent = st_sent + excluded.st_sent, st_delivered = st_delivered + excluded.st_delivered, st_failed = st_failed + excluded.st_failed, st_suppressed = st_suppressed + excluded.st_suppressed, st_skipped = st_skipped + excluded.st_skipped, st_cancelled = st_cancelled + excluded.st_cancelled;
  INSERT INTO campaign_rollups (workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
  VALUES (NEW.workspace_id, NEW.campaign_id, coalesce(NEW.variant_id, ''), NEW.channel, (coalesce(NEW.sent_at, NEW.created_at) / 3600000) * 3600000, (NEW.status = 'queued'), (NEW.status = 'deferred'), (NEW.status = 'sending'), (NEW.status = 'sent'), (NEW.status = 'delivered'), (NEW.status = 'failed'), (NEW.status = 'suppressed'), (NEW.status = 'skipped'), (NEW.status = 'cancelled'))
  ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET st_queued = st_queued + excluded.st_queued, st_deferred = st_deferred + excluded.st_deferred, st_sending = st_sending + excluded.st_sending, st_sent = st_sent + excluded.st_sent, st_delivered = st_delivered + excluded.st_delivered, st_failed = st_failed + excluded.st_failed, st_suppressed = st_suppressed + excluded.st_suppressed, st_skipped = st_skipped + excluded.st_skipped, st_cancelled = st_cancelled + excluded.st_cancelled;
END;
--> statement-breakpoint
CREATE TRIGGER messages_rollup_delete AFTER DELETE ON messages BEGIN
  INSERT INTO campaign_rollups (workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
  VALUES (OLD.workspace_id, OLD.campaign_id, coalesce(OLD.variant_id, ''), OLD.channel, (coalesce(OLD.sent_at, OLD.created_at) / 3600000) * 3600000, -(OLD.status = 'queued'), -(OLD.status = 'deferred'), -(OLD.status = 'sending'), -(OLD.status = 'sent'), -(OLD.status = 'delivered'), -(OLD.status = 'failed'), -(OLD.status = 'suppressed'), -(OLD.status = 'skipped'), -(OLD.status = 'cancelled'))
  ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET st_queued = st_queued + excluded.st_queued, st_deferred = st_deferred + excluded.st_deferred, st_sending = st_sending + excluded.st_sending, st_sent = st_sent + excluded.st_sent, st_delivered = st_delivered + excluded.st_delivered, st_failed = st_failed + excluded.st_failed, st_suppressed = st_suppressed + excluded.st_suppressed, st_skipped = st_skipped + excluded.st_skipped, st_cancelled = st_cancelled + excluded.st_cancelled;
END;
--> statement-breakpoint
CREATE TRIGGER engagement_rollup_insert AFTER INSERT ON engagement_events BEGIN
  INSERT INTO campaign_rollups (workspace_id, campaign_id, variant_id, channel, bucket, opens, unique_opens, first_opens, machine_opens, clicks, unique_clicks, machine_clicks, unsubscribes, conversions, unique_conversions, revenue, bounces, complaints)
  VALUES (NEW.workspace_id, NEW.campaign_id, coalesce(NEW.variant_id, ''), NEW.channel, (NEW.occurred_at / 3600000) * 3600000, (NEW.kind = 'open'), (NEW.kind = 'open' AND NEW.is_unique), (NEW.kind = 'open' AND NEW.is_first), (NEW.kind = 'open' AND NEW.is_machine), (NEW.kind = 'click'), (NEW.kind = 'click' AND NEW.is_unique), (NEW.kind = 'click' AND NEW.is_machine), (NEW.kind = 'unsubscribe' AND NEW.is_unique), (NEW.kind = 'conversion'), (NEW.kind = 'conversion' AND NEW.is_unique), (CASE WHEN NEW.kind = 'conversion' THEN coalesce(NEW.revenue, 0) ELSE 0 END), (NEW.kind = 'bounce' AND NEW.is_unique), (NEW.kind = 'complaint' AND NEW.is_unique))
  ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET opens = opens + excluded.opens, unique_opens = unique_opens + excluded.unique_opens, first_opens = first_opens + excluded.first_opens, machine_opens = machine_opens + excluded.machine_opens, clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, machine_clicks = machine_clicks + excluded.machine_clicks, unsubscribes = unsubscribes + excluded.unsubscribes, conversions = conversions + excluded.conversions, unique_conversions = unique_conversions + excluded.unique_conversions, revenue = revenue + excluded.revenue, bounces = bounces + excluded.bounces, complaints = complaints + excluded.complaints;
END;
--> statement-breakpoint
CREATE TRIGGER engagement_rollup_delete AFTER DELETE ON engagement_events BEGIN
  INSERT INTO campaign_rollups (workspace_id, campaign_id, variant_id, channel, bucket, opens, unique_opens, first_opens, machine_opens, clicks, unique_clicks, machine_clicks, unsubscribes, conversions, unique_conversions, revenue, bounces, complaints)
  VALUES (OLD.workspace_id, OLD.campaign_id, coalesce(OLD.variant_id, ''), OLD.channel, (OLD.occurred_at / 3600000) * 3600000, -(OLD.kind = 'open'), -(OLD.kind = 'open' AND OLD.is_unique), -(OLD.kind = 'open' AND OLD.is_first), -(OLD.kind = 'open' AND OLD.is_machine), -(OLD.kind = 'click'), -(OLD.kind = 'click' AND OLD.is_unique), -(OLD.kind = 'click' AND OLD.is_machine), -(OLD.kind = 'unsubscribe' AND OLD.is_unique), -(OLD.kind = 'conversion'), -(OLD.kind = 'conversion' AND OLD.is_unique), -(CASE WHEN OLD.kind = 'conversion' THEN coalesce(OLD.revenue, 0) ELSE 0 END), -(OLD.kind = 'bounce' AND OLD.is_unique), -(OLD.kind = 'complaint' AND OLD.is_unique))
  ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET opens = opens + excluded.opens, unique_opens = unique_opens + excluded.unique_opens, first_opens = first_opens + excluded.first_opens, machine_opens = machine_opens + excluded.machine_opens, clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, machine_clicks = machine_clicks + excluded.machine_clicks, unsubscribes = unsubscribes + excluded.unsubscribes, conversions = conversions + excluded.conversions, unique_conversions = unique_conversions + excluded.unique_conversions, revenue = revenue + excluded.revenue, bounces = bounces + excluded.bounces, complaints = complaints + excluded.complaints;
END;
--> statement-breakpoint
INSERT INTO campaign_rollups (workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
SELECT workspace_id, campaign_id, coalesce(variant_id, ''), channel, (coalesce(sent_at, created_at) / 3600000) * 3600000, sum(status = 'queued'), sum(status = 'deferred'), sum(status = 'sending'), sum(status = 'sent'), sum(status = 'delivered'), sum(status = 'failed'), sum(status = 'suppressed'), sum(status = 'skipped'), sum(status = 'cancelled')
FROM messages WHERE true GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET st_queued = st_queued + excluded.st_queued, st_deferred = st_deferred + excluded.st_deferred, st_sending = st_sending + excluded.st_sending, st_sent = st_sent + excluded.st_sent, st_delivered = st_delivered + excluded.st_delivered, st_failed = st_failed + excluded.st_failed, st_suppressed = st_suppressed + excluded.st_suppressed, st_skipped = st_skipped + excluded.st_skipped, st_cancelled = st_cancelled + excluded.st_cancelled;
--> statement-breakpoint
INSERT INTO campaign_rollups (workspace_id, campaign_id, variant_id, channel, bucket, opens, unique_opens, first_opens, machine_opens, clicks, unique_clicks, machine_clicks, unsubscribes, conversions, unique_conversions, revenue, bounces, complaints)
SELECT workspace_id, campaign_id, coalesce(variant_id, ''), channel, (occurred_at / 3600000) * 3600000, sum((engagement_events.kind = 'open')), sum((engagement_events.kind = 'open' AND engagement_events.is_unique)), sum((engagement_events.kind = 'open' AND engagement_events.is_first)), sum((engagement_events.kind = 'open' AND engagement_events.is_machine)), sum((engagement_events.kind = 'click')), sum((engagement_events.kind = 'click' AND engagement_events.is_unique)), sum((engagement_events.kind = 'click' AND engagement_events.is_machine)), sum((engagement_events.kind = 'unsubscribe' AND engagement_events.is_unique)), sum((engagement_events.kind = 'conversion')), sum((engagement_events.kind = 'conversion' AND engagement_events.is_unique)), sum((CASE WHEN engagement_events.kind = 'conversion' THEN coalesce(engagement_events.revenue, 0) ELSE 0 END)), sum((engagement_events.kind = 'bounce' AND engagement_events.is_unique)), sum((engagement_events.kind = 'complaint' AND engagement_events.is_unique))
FROM engagement_events WHERE true GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET opens = opens + excluded.opens, unique_opens = unique_opens + excluded.unique_opens, first_opens = first_opens + excluded.first_opens, machine_opens = machine_opens + excluded.machine_opens, clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks, machine_clicks = machine_clicks + excluded.machine_clicks, unsubscribes = unsubscribes + excluded.unsubscribes, conversions = conversions + excluded.conversions, unique_conversions = unique_conversions + excluded.unique_conversions, revenue = revenue + excluded.revenue, bounces = bounces + excluded.bounces, complaints = complaints + excluded.complaints;

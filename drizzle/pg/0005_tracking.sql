CREATE TABLE "attribution_state" (
	"workspace_id" text PRIMARY KEY NOT NULL,
	"last_received_at" timestamp with time zone NOT NULL,
	"last_event_id" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaign_rollups" (
	"workspace_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"variant_id" text NOT NULL,
	"channel" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"st_queued" integer DEFAULT 0 NOT NULL,
	"st_deferred" integer DEFAULT 0 NOT NULL,
	"st_sending" integer DEFAULT 0 NOT NULL,
	"st_sent" integer DEFAULT 0 NOT NULL,
	"st_delivered" integer DEFAULT 0 NOT NULL,
	"st_failed" integer DEFAULT 0 NOT NULL,
	"st_suppressed" integer DEFAULT 0 NOT NULL,
	"st_skipped" integer DEFAULT 0 NOT NULL,
	"st_cancelled" integer DEFAULT 0 NOT NULL,
	"opens" integer DEFAULT 0 NOT NULL,
	"unique_opens" integer DEFAULT 0 NOT NULL,
	"first_opens" integer DEFAULT 0 NOT NULL,
	"machine_opens" integer DEFAULT 0 NOT NULL,
	"clicks" integer DEFAULT 0 NOT NULL,
	"unique_clicks" integer DEFAULT 0 NOT NULL,
	"machine_clicks" integer DEFAULT 0 NOT NULL,
	"unsubscribes" integer DEFAULT 0 NOT NULL,
	"conversions" integer DEFAULT 0 NOT NULL,
	"unique_conversions" integer DEFAULT 0 NOT NULL,
	"revenue" double precision DEFAULT 0 NOT NULL,
	"bounces" integer DEFAULT 0 NOT NULL,
	"complaints" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "campaign_rollups_workspace_id_campaign_id_variant_id_channel_bucket_pk" PRIMARY KEY("workspace_id","campaign_id","variant_id","channel","bucket")
);
--> statement-breakpoint
CREATE TABLE "inbox_events" (
	"source" text NOT NULL,
	"id" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "inbox_events_source_id_pk" PRIMARY KEY("source","id")
);
--> statement-breakpoint
CREATE TABLE "tracking_keys" (
	"id" integer PRIMARY KEY NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "engagement_events" ADD COLUMN "channel" text DEFAULT 'email' NOT NULL;--> statement-breakpoint
ALTER TABLE "engagement_events" ADD COLUMN "is_first" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "engagement_events" ADD COLUMN "source" text DEFAULT 'pixel' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "engagement_unique_uq" ON "engagement_events" USING btree ("workspace_id","message_id","kind") WHERE "engagement_events"."is_unique";--> statement-breakpoint
CREATE UNIQUE INDEX "engagement_first_uq" ON "engagement_events" USING btree ("workspace_id","message_id","kind") WHERE "engagement_events"."is_first";--> statement-breakpoint
CREATE INDEX "messages_provider_message_idx" ON "messages" USING btree ("provider_message_id") WHERE "messages"."provider_message_id" IS NOT NULL AND "messages"."provider" <> 'local';
--> statement-breakpoint
-- Rollups kept by the database itself, so that every write path (dispatch, settling, cancelling, bus events, deletes) counts.
-- Statement-level triggers over transition tables: one aggregated, key-ordered upsert per statement (ordered, so concurrent
-- statements lock rollup rows in the same order and cannot deadlock on them).
CREATE FUNCTION messages_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO campaign_rollups AS r (workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
    SELECT workspace_id, campaign_id, variant_id, channel, bucket, sum(st_queued), sum(st_deferred), sum(st_sending), sum(st_sent), sum(st_delivered), sum(st_failed), sum(st_suppressed), sum(st_skipped), sum(st_cancelled) FROM (SELECT workspace_id, campaign_id, coalesce(variant_id, '') AS variant_id, channel, date_trunc('hour', coalesce(sent_at, created_at)) AS bucket, (status = 'queued')::int, (status = 'deferred')::int, (status = 'sending')::int, (status = 'sent')::int, (status = 'delivered')::int, (status = 'failed')::int, (status = 'suppressed')::int, (status = 'skipped')::int, (status = 'cancelled')::int FROM new_rows) AS d(workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
    GROUP BY workspace_id, campaign_id, variant_id, channel, bucket HAVING sum(st_queued) <> 0 OR sum(st_deferred) <> 0 OR sum(st_sending) <> 0 OR sum(st_sent) <> 0 OR sum(st_delivered) <> 0 OR sum(st_failed) <> 0 OR sum(st_suppressed) <> 0 OR sum(st_skipped) <> 0 OR sum(st_cancelled) <> 0 ORDER BY workspace_id, campaign_id, variant_id, channel, bucket
    ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET st_queued = r.st_queued + excluded.st_queued, st_deferred = r.st_deferred + excluded.st_deferred, st_sending = r.st_sending + excluded.st_sending, st_sent = r.st_sent + excluded.st_sent, st_delivered = r.st_delivered + excluded.st_delivered, st_failed = r.st_failed + excluded.st_failed, st_suppressed = r.st_suppressed + excluded.st_suppressed, st_skipped = r.st_skipped + excluded.st_skipped, st_cancelled = r.st_cancelled + excluded.st_cancelled;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO campaign_rollups AS r (workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
    SELECT workspace_id, campaign_id, variant_id, channel, bucket, sum(st_queued), sum(st_deferred), sum(st_sending), sum(st_sent), sum(st_delivered), sum(st_failed), sum(st_suppressed), sum(st_skipped), sum(st_cancelled) FROM (SELECT workspace_id, campaign_id, coalesce(variant_id, '') AS variant_id, channel, date_trunc('hour', coalesce(sent_at, created_at)) AS bucket, (status = 'queued')::int, (status = 'deferred')::int, (status = 'sending')::int, (status = 'sent')::int, (status = 'delivered')::int, (status = 'failed')::int, (status = 'suppressed')::int, (status = 'skipped')::int, (status = 'cancelled')::int FROM new_rows UNION ALL SELECT workspace_id, campaign_id, coalesce(variant_id, '') AS variant_id, channel, date_trunc('hour', coalesce(sent_at, created_at)) AS bucket, -(status = 'queued')::int, -(status = 'deferred')::int, -(status = 'sending')::int, -(status = 'sent')::int, -(status = 'delivered')::int, -(status = 'failed')::int, -(status = 'suppressed')::int, -(status = 'skipped')::int, -(status = 'cancelled')::int FROM old_rows) AS d(workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
    GROUP BY workspace_id, campaign_id, variant_id, channel, bucket HAVING sum(st_queued) <> 0 OR sum(st_deferred) <> 0 OR sum(st_sending) <> 0 OR sum(st_sent) <> 0 OR sum(st_delivered) <> 0 OR sum(st_failed) <> 0 OR sum(st_suppressed) <> 0 OR sum(st_skipped) <> 0 OR sum(st_cancelled) <> 0 ORDER BY workspace_id, campaign_id, variant_id, channel, bucket
    ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET st_queued = r.st_queued + excluded.st_queued, st_deferred = r.st_deferred + excluded.st_deferred, st_sending = r.st_sending + excluded.st_sending, st_sent = r.st_sent + excluded.st_sent, st_delivered = r.st_delivered + excluded.st_delivered, st_failed = r.st_failed + excluded.st_failed, st_suppressed = r.st_suppressed + excluded.st_suppressed, st_skipped = r.st_skipped + excluded.st_skipped, st_cancelled = r.st_cancelled + excluded.st_cancelled;
  ELSE
    INSERT INTO campaign_rollups AS r (workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
    SELECT workspace_id, campaign_id, variant_id, channel, bucket, sum(st_queued), sum(st_deferred), sum(st_sending), sum(st_sent), sum(st_delivered), sum(st_failed), sum(st_suppressed), sum(st_skipped), sum(st_cancelled) FROM (SELECT workspace_id, campaign_id, coalesce(variant_id, '') AS variant_id, channel, date_trunc('hour', coalesce(sent_at, created_at)) AS bucket, -(status = 'queued')::int, -(status = 'deferred')::int, -(status = 'sending')::int, -(status = 'sent')::int, -(status = 'delivered')::int, -(status = 'failed')::int, -(status = 'suppressed')::int, -(status = 'skipped')::int, -(status = 'cancelled')::int FROM old_rows) AS d(workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
    GROUP BY workspace_id, campaign_id, variant_id, channel, bucket HAVING sum(st_queued) <> 0 OR sum(st_deferred) <> 0 OR sum(st_sending) <> 0 OR sum(st_sent) <> 0 OR sum(st_delivered) <> 0 OR sum(st_failed) <> 0 OR sum(st_suppressed) <> 0 OR sum(st_skipped) <> 0 OR sum(st_cancelled) <> 0 ORDER BY workspace_id, campaign_id, variant_id, channel, bucket
    ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET st_queued = r.st_queued + excluded.st_queued, st_deferred = r.st_deferred + excluded.st_deferred, st_sending = r.st_sending + excluded.st_sending, st_sent = r.st_sent + excluded.st_sent, st_delivered = r.st_delivered + excluded.st_delivered, st_failed = r.st_failed + excluded.st_failed, st_suppressed = r.st_suppressed + excluded.st_suppressed, st_skipped = r.st_skipped + excluded.st_skipped, st_cancelled = r.st_cancelled + excluded.st_cancelled;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER messages_rollup_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_rollup();
--> statement-breakpoint
CREATE TRIGGER messages_rollup_update AFTER UPDATE ON messages REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_rollup();
--> statement-breakpoint
CREATE TRIGGER messages_rollup_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION messages_rollup();
--> statement-breakpoint
CREATE FUNCTION engagement_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO campaign_rollups AS r (workspace_id, campaign_id, variant_id, channel, bucket, opens, unique_opens, first_opens, machine_opens, clicks, unique_clicks, machine_clicks, unsubscribes, conversions, unique_conversions, revenue, bounces, complaints)
    SELECT workspace_id, campaign_id, variant_id, channel, bucket, sum(opens), sum(unique_opens), sum(first_opens), sum(machine_opens), sum(clicks), sum(unique_clicks), sum(machine_clicks), sum(unsubscribes), sum(conversions), sum(unique_conversions), sum(revenue), sum(bounces), sum(complaints) FROM (SELECT workspace_id, campaign_id, coalesce(variant_id, '') AS variant_id, channel, date_trunc('hour', occurred_at) AS bucket, (kind = 'open')::int, (kind = 'open' AND is_unique)::int, (kind = 'open' AND is_first)::int, (kind = 'open' AND is_machine)::int, (kind = 'click')::int, (kind = 'click' AND is_unique)::int, (kind = 'click' AND is_machine)::int, (kind = 'unsubscribe' AND is_unique)::int, (kind = 'conversion')::int, (kind = 'conversion' AND is_unique)::int, (CASE WHEN kind = 'conversion' THEN coalesce(revenue, 0) ELSE 0 END), (kind = 'bounce' AND is_unique)::int, (kind = 'complaint' AND is_unique)::int FROM new_rows) AS d(workspace_id, campaign_id, variant_id, channel, bucket, opens, unique_opens, first_opens, machine_opens, clicks, unique_clicks, machine_clicks, unsubscribes, conversions, unique_conversions, revenue, bounces, complaints)
    GROUP BY workspace_id, campaign_id, variant_id, channel, bucket HAVING sum(opens) <> 0 OR sum(unique_opens) <> 0 OR sum(first_opens) <> 0 OR sum(machine_opens) <> 0 OR sum(clicks) <> 0 OR sum(unique_clicks) <> 0 OR sum(machine_clicks) <> 0 OR sum(unsubscribes) <> 0 OR sum(conversions) <> 0 OR sum(unique_conversions) <> 0 OR sum(revenue) <> 0 OR sum(bounces) <> 0 OR sum(complaints) <> 0 ORDER BY workspace_id, campaign_id, variant_id, channel, bucket
    ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET opens = r.opens + excluded.opens, unique_opens = r.unique_opens + excluded.unique_opens, first_opens = r.first_opens + excluded.first_opens, machine_opens = r.machine_opens + excluded.machine_opens, clicks = r.clicks + excluded.clicks, unique_clicks = r.unique_clicks + excluded.unique_clicks, machine_clicks = r.machine_clicks + excluded.machine_clicks, unsubscribes = r.unsubscribes + excluded.unsubscribes, conversions = r.conversions + excluded.conversions, unique_conversions = r.unique_conversions + excluded.unique_conversions, revenue = r.revenue + excluded.revenue, bounces = r.bounces + excluded.bounces, complaints = r.complaints + excluded.complaints;
  ELSE
    INSERT INTO campaign_rollups AS r (workspace_id, campaign_id, variant_id, channel, bucket, opens, unique_opens, first_opens, machine_opens, clicks, unique_clicks, machine_clicks, unsubscribes, conversions, unique_conversions, revenue, bounces, complaints)
    SELECT workspace_id, campaign_id, variant_id, channel, bucket, sum(opens), sum(unique_opens), sum(first_opens), sum(machine_opens), sum(clicks), sum(unique_clicks), sum(machine_clicks), sum(unsubscribes), sum(conversions), sum(unique_conversions), sum(revenue), sum(bounces), sum(complaints) FROM (SELECT workspace_id, campaign_id, coalesce(variant_id, '') AS variant_id, channel, date_trunc('hour', occurred_at) AS bucket, -(kind = 'open')::int, -(kind = 'open' AND is_unique)::int, -(kind = 'open' AND is_first)::int, -(kind = 'open' AND is_machine)::int, -(kind = 'click')::int, -(kind = 'click' AND is_unique)::int, -(kind = 'click' AND is_machine)::int, -(kind = 'unsubscribe' AND is_unique)::int, -(kind = 'conversion')::int, -(kind = 'conversion' AND is_unique)::int, -(CASE WHEN kind = 'conversion' THEN coalesce(revenue, 0) ELSE 0 END), -(kind = 'bounce' AND is_unique)::int, -(kind = 'complaint' AND is_unique)::int FROM old_rows) AS d(workspace_id, campaign_id, variant_id, channel, bucket, opens, unique_opens, first_opens, machine_opens, clicks, unique_clicks, machine_clicks, unsubscribes, conversions, unique_conversions, revenue, bounces, complaints)
    GROUP BY workspace_id, campaign_id, variant_id, channel, bucket HAVING sum(opens) <> 0 OR sum(unique_opens) <> 0 OR sum(first_opens) <> 0 OR sum(machine_opens) <> 0 OR sum(clicks) <> 0 OR sum(unique_clicks) <> 0 OR sum(machine_clicks) <> 0 OR sum(unsubscribes) <> 0 OR sum(conversions) <> 0 OR sum(unique_conversions) <> 0 OR sum(revenue) <> 0 OR sum(bounces) <> 0 OR sum(complaints) <> 0 ORDER BY workspace_id, campaign_id, variant_id, channel, bucket
    ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET opens = r.opens + excluded.opens, unique_opens = r.unique_opens + excluded.unique_opens, first_opens = r.first_opens + excluded.first_opens, machine_opens = r.machine_opens + excluded.machine_opens, clicks = r.clicks + excluded.clicks, unique_clicks = r.unique_clicks + excluded.unique_clicks, machine_clicks = r.machine_clicks + excluded.machine_clicks, unsubscribes = r.unsubscribes + excluded.unsubscribes, conversions = r.conversions + excluded.conversions, unique_conversions = r.unique_conversions + excluded.unique_conversions, revenue = r.revenue + excluded.revenue, bounces = r.bounces + excluded.bounces, complaints = r.complaints + excluded.complaints;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER engagement_rollup_insert AFTER INSERT ON engagement_events REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION engagement_rollup();
--> statement-breakpoint
CREATE TRIGGER engagement_rollup_delete AFTER DELETE ON engagement_events REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION engagement_rollup();
--> statement-breakpoint
INSERT INTO campaign_rollups AS r (workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
SELECT workspace_id, campaign_id, variant_id, channel, bucket, sum(st_queued), sum(st_deferred), sum(st_sending), sum(st_sent), sum(st_delivered), sum(st_failed), sum(st_suppressed), sum(st_skipped), sum(st_cancelled) FROM (SELECT workspace_id, campaign_id, coalesce(variant_id, '') AS variant_id, channel, date_trunc('hour', coalesce(sent_at, created_at)) AS bucket, (status = 'queued')::int, (status = 'deferred')::int, (status = 'sending')::int, (status = 'sent')::int, (status = 'delivered')::int, (status = 'failed')::int, (status = 'suppressed')::int, (status = 'skipped')::int, (status = 'cancelled')::int FROM messages) AS d(workspace_id, campaign_id, variant_id, channel, bucket, st_queued, st_deferred, st_sending, st_sent, st_delivered, st_failed, st_suppressed, st_skipped, st_cancelled)
GROUP BY workspace_id, campaign_id, variant_id, channel, bucket HAVING sum(st_queued) <> 0 OR sum(st_deferred) <> 0 OR sum(st_sending) <> 0 OR sum(st_sent) <> 0 OR sum(st_delivered) <> 0 OR sum(st_failed) <> 0 OR sum(st_suppressed) <> 0 OR sum(st_skipped) <> 0 OR sum(st_cancelled) <> 0 ORDER BY workspace_id, campaign_id, variant_id, channel, bucket
ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET st_queued = r.st_queued + excluded.st_queued, st_deferred = r.st_deferred + excluded.st_deferred, st_sending = r.st_sending + excluded.st_sending, st_sent = r.st_sent + excluded.st_sent, st_delivered = r.st_delivered + excluded.st_delivered, st_failed = r.st_failed + excluded.st_failed, st_suppressed = r.st_suppressed + excluded.st_suppressed, st_skipped = r.st_skipped + excluded.st_skipped, st_cancelled = r.st_cancelled + excluded.st_cancelled;
--> statement-breakpoint
INSERT INTO campaign_rollups AS r (workspace_id, campaign_id, variant_id, channel, bucket, opens, unique_opens, first_opens, machine_opens, clicks, unique_clicks, machine_clicks, unsubscribes, conversions, unique_conversions, revenue, bounces, complaints)
SELECT workspace_id, campaign_id, variant_id, channel, bucket, sum(opens), sum(unique_opens), sum(first_opens), sum(machine_opens), sum(clicks), sum(unique_clicks), sum(machine_clicks), sum(unsubscribes), sum(conversions), sum(unique_conversions), sum(revenue), sum(bounces), sum(complaints) FROM (SELECT workspace_id, campaign_id, coalesce(variant_id, '') AS variant_id, channel, date_trunc('hour', occurred_at) AS bucket, (kind = 'open')::int, (kind = 'open' AND is_unique)::int, (kind = 'open' AND is_first)::int, (kind = 'open' AND is_machine)::int, (kind = 'click')::int, (kind = 'click' AND is_unique)::int, (kind = 'click' AND is_machine)::int, (kind = 'unsubscribe' AND is_unique)::int, (kind = 'conversion')::int, (kind = 'conversion' AND is_unique)::int, (CASE WHEN kind = 'conversion' THEN coalesce(revenue, 0) ELSE 0 END), (kind = 'bounce' AND is_unique)::int, (kind = 'complaint' AND is_unique)::int FROM engagement_events) AS d(workspace_id, campaign_id, variant_id, channel, bucket, opens, unique_opens, first_opens, machine_opens, clicks, unique_clicks, machine_clicks, unsubscribes, conversions, unique_conversions, revenue, bounces, complaints)
GROUP BY workspace_id, campaign_id, variant_id, channel, bucket HAVING sum(opens) <> 0 OR sum(unique_opens) <> 0 OR sum(first_opens) <> 0 OR sum(machine_opens) <> 0 OR sum(clicks) <> 0 OR sum(unique_clicks) <> 0 OR sum(machine_clicks) <> 0 OR sum(unsubscribes) <> 0 OR sum(conversions) <> 0 OR sum(unique_conversions) <> 0 OR sum(revenue) <> 0 OR sum(bounces) <> 0 OR sum(complaints) <> 0 ORDER BY workspace_id, campaign_id, variant_id, channel, bucket
ON CONFLICT (workspace_id, campaign_id, variant_id, channel, bucket) DO UPDATE SET opens = r.opens + excluded.opens, unique_opens = r.unique_opens + excluded.unique_opens, first_opens = r.first_opens + excluded.first_opens, machine_opens = r.machine_opens + excluded.machine_opens, clicks = r.clicks + excluded.clicks, unique_clicks = r.unique_clicks + excluded.unique_clicks, machine_clicks = r.machine_clicks + excluded.machine_clicks, unsubscribes = r.unsubscribes + excluded.unsubscribes, conversions = r.conversions + excluded.conversions, unique_conversions = r.unique_conversions + excluded.unique_conversions, revenue = r.revenue + excluded.revenue, bounces = r.bounces + excluded.bounces, complaints = r.complaints + excluded.complaints;

CREATE TABLE "local_deliveries" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"message_id" text NOT NULL,
	"user_id" text NOT NULL,
	"channel" text NOT NULL,
	"payload" jsonb NOT NULL,
	"delivered_at" timestamp with time zone NOT NULL,
	CONSTRAINT "local_deliveries_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "planned_for" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "local_deliveries_ws_message_idx" ON "local_deliveries" USING btree ("workspace_id","message_id");--> statement-breakpoint
CREATE INDEX "jobs_status_lease_idx" ON "jobs" USING btree ("status","lease_until");--> statement-breakpoint
CREATE INDEX "messages_ws_campaign_step_user_idx" ON "messages" USING btree ("workspace_id","campaign_id","step_key","user_id");
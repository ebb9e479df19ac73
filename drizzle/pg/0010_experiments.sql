DROP INDEX "experiments_ws_campaign_idx";--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "state" jsonb DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "test_schedule_id" text;--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "rollout_schedule_id" text;--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "created_by" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "updated_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "experiments_ws_campaign_uq" ON "experiments" USING btree ("workspace_id","campaign_id");
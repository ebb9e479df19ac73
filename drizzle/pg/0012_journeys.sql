CREATE TABLE "dead_letters" (
	"id" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"subject" text NOT NULL,
	"stream_seq" bigint,
	"payload_digest" text NOT NULL,
	"reason" text NOT NULL,
	"payload" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "enrollment_steps" (
	"workspace_id" text NOT NULL,
	"enrollment_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"step" text NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"left_at" timestamp with time zone,
	"outcome" text,
	CONSTRAINT "enrollment_steps_workspace_id_enrollment_id_step_pk" PRIMARY KEY("workspace_id","enrollment_id","step")
);
--> statement-breakpoint
CREATE TABLE "enrollments" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"journey_version" integer NOT NULL,
	"user_id" text NOT NULL,
	"entry_event_id" text NOT NULL,
	"entered_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"step" text NOT NULL,
	"seq" integer NOT NULL,
	"phase" text NOT NULL,
	"waiting_for" text,
	"waiting_since" timestamp with time zone,
	"next_at" timestamp with time zone,
	"trigger_properties" jsonb NOT NULL,
	"end_reason" text,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "enrollments_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "journey_versions" (
	"workspace_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"version" integer NOT NULL,
	"definition" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "journey_versions_workspace_id_campaign_id_version_pk" PRIMARY KEY("workspace_id","campaign_id","version")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_message_uq" ON "dead_letters" USING btree ("source","subject","stream_seq","payload_digest");--> statement-breakpoint
CREATE INDEX "dead_letters_time_idx" ON "dead_letters" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "enrollment_steps_campaign_idx" ON "enrollment_steps" USING btree ("workspace_id","campaign_id","step");--> statement-breakpoint
CREATE UNIQUE INDEX "enrollments_entry_uq" ON "enrollments" USING btree ("workspace_id","campaign_id","entry_event_id");--> statement-breakpoint
CREATE INDEX "enrollments_user_idx" ON "enrollments" USING btree ("workspace_id","user_id","campaign_id","entered_at");--> statement-breakpoint
CREATE INDEX "enrollments_campaign_idx" ON "enrollments" USING btree ("workspace_id","campaign_id","step");
CREATE TABLE "user_event_summary" (
	"workspace_id" text NOT NULL,
	"user_id" text NOT NULL,
	"event_type" text NOT NULL,
	"count" integer NOT NULL,
	"value_sum" double precision DEFAULT 0 NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	CONSTRAINT "user_event_summary_workspace_id_user_id_event_type_pk" PRIMARY KEY("workspace_id","user_id","event_type")
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "last_event_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "user_event_summary_type_last_idx" ON "user_event_summary" USING btree ("workspace_id","event_type","last_at","user_id");--> statement-breakpoint
CREATE INDEX "engagement_ws_kind_time_idx" ON "engagement_events" USING btree ("workspace_id","kind","occurred_at");--> statement-breakpoint
CREATE INDEX "events_ws_type_user_time_idx" ON "events" USING btree ("workspace_id","type","user_id","occurred_at","value");--> statement-breakpoint
CREATE INDEX "messages_ws_time_idx" ON "messages" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE INDEX "user_scores_churn_idx" ON "user_scores" USING btree ("workspace_id","churn_risk");--> statement-breakpoint
CREATE INDEX "user_scores_rfm_idx" ON "user_scores" USING btree ("workspace_id","rfm_segment");--> statement-breakpoint
CREATE INDEX "users_ws_last_event_idx" ON "users" USING btree ("workspace_id","last_event_at");
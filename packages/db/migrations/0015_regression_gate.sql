ALTER TABLE "availability_rules" DISABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP TABLE "availability_rules" CASCADE;--> statement-breakpoint
DROP INDEX "agent_test_runs_version_idx";--> statement-breakpoint
ALTER TABLE "agent_test_runs" ALTER COLUMN "results" SET DEFAULT '[]'::jsonb;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ALTER COLUMN "passed" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "kind" text DEFAULT 'cases' NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "status" text DEFAULT 'queued' NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "cases_hash" text;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "replay_limit" integer;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "summary" jsonb;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "error" text;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "requested_by" text NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "finished_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "agent_test_cases_name_key" ON "agent_test_cases" USING btree ("agent_id","name");--> statement-breakpoint
CREATE INDEX "agent_test_runs_agent_idx" ON "agent_test_runs" USING btree ("agent_id","created_at");--> statement-breakpoint
CREATE INDEX "agent_test_runs_version_idx" ON "agent_test_runs" USING btree ("version_id","created_at");--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD CONSTRAINT "agent_test_runs_kind_check" CHECK ("agent_test_runs"."kind" in ('cases', 'replay'));--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD CONSTRAINT "agent_test_runs_status_check" CHECK ("agent_test_runs"."status" in ('queued', 'running', 'done', 'error'));--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD CONSTRAINT "agent_test_runs_passed_check" CHECK ("agent_test_runs"."kind" = 'cases' or "agent_test_runs"."passed" is null);
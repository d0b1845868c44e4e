ALTER TABLE "agent_test_runs" ALTER COLUMN "version_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "bundle" jsonb;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD COLUMN "bundle_hash" text;--> statement-breakpoint
CREATE INDEX "agent_test_runs_bundle_idx" ON "agent_test_runs" USING btree ("agent_id","bundle_hash") WHERE "agent_test_runs"."bundle_hash" is not null;--> statement-breakpoint
ALTER TABLE "agent_test_runs" ADD CONSTRAINT "agent_test_runs_target_check" CHECK (("agent_test_runs"."version_id" is null) = ("agent_test_runs"."bundle" is not null) and ("agent_test_runs"."bundle" is null) = ("agent_test_runs"."bundle_hash" is null));
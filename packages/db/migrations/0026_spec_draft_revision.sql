ALTER TABLE "spec_drafts" ADD COLUMN "revision" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "spec_drafts" ADD COLUMN "source" text DEFAULT 'console' NOT NULL;--> statement-breakpoint
ALTER TABLE "spec_drafts" ADD CONSTRAINT "spec_drafts_source_check" CHECK ("spec_drafts"."source" in ('console', 'apply', 'wizard'));
--> statement-breakpoint
-- Drafts written before these columns: no author means provisioning (`lx apply`) wrote them.
UPDATE "spec_drafts" SET "source" = 'apply' WHERE "updated_by_id" IS NULL;

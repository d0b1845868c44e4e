CREATE SEQUENCE "public"."spec_drafts_revision_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
ALTER TABLE "spec_drafts" ALTER COLUMN "revision" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "spec_drafts" ALTER COLUMN "revision" SET DEFAULT nextval('spec_drafts_revision_seq');--> statement-breakpoint
-- Revisions handed out from here on are above every revision a draft has now (an open editor holds one of those).
SELECT setval('spec_drafts_revision_seq', coalesce((SELECT max("revision") FROM "spec_drafts"), 0) + 1, false);

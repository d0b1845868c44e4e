ALTER TABLE "templates" DROP CONSTRAINT "templates_status_check";--> statement-breakpoint
ALTER TABLE "phone_numbers" ADD COLUMN "waba_id" text;--> statement-breakpoint
CREATE INDEX "phone_numbers_waba_idx" ON "phone_numbers" USING btree ("waba_id") WHERE "phone_numbers"."waba_id" is not null;--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_status_check" CHECK ("templates"."status" in ('approved', 'pending', 'rejected', 'paused', 'disabled'));
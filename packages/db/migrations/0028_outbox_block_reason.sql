ALTER TABLE "outbox_messages" ADD COLUMN "block_reason" text;--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD COLUMN "block_template" text;--> statement-breakpoint
-- NOT VALID: the column is new and null everywhere, so nothing to scan; rows written from now on are checked.
ALTER TABLE "outbox_messages" ADD CONSTRAINT "outbox_messages_block_reason_check" CHECK ("outbox_messages"."block_reason" in ('no_template', 'template_not_approved')) NOT VALID;--> statement-breakpoint
-- IF NOT EXISTS: on a large outbox, build it beforehand without blocking writes (README, "Upgrading").
CREATE INDEX IF NOT EXISTS "outbox_messages_message_idx" ON "outbox_messages" USING btree ("message_id") WHERE "outbox_messages"."message_id" is not null;--> statement-breakpoint
-- Rows blocked before the column existed: their reason from the sender's sentence (a handful of rows,
-- read through outbox_messages_attention_idx).
UPDATE "outbox_messages" SET
  "block_reason" = CASE WHEN "last_error" LIKE 'template %' THEN 'template_not_approved' ELSE 'no_template' END,
  "block_template" = CASE WHEN "last_error" LIKE 'template %' THEN substring("last_error" from '^template (.+?)/\S+ is not approved') END
WHERE "status" = 'blocked' AND "block_reason" IS NULL
  AND ("last_error" ~ '^template .+?/\S+ is not approved' OR "last_error" = 'outside the 24-hour window and no re-engagement template');

ALTER TABLE "phone_numbers" ADD COLUMN "first_answered_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "audit_events_tenant_type_created_idx" ON "audit_events" USING btree ("tenant_id","type","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
-- Backfill: the first delivered or read text send of each number so far (a one-time read of the outbox).
UPDATE "phone_numbers" n SET "first_answered_at" = a.at
FROM (
  SELECT phone_number_id, min(coalesce(delivered_at, read_at, updated_at)) AS at
  FROM "outbox_messages"
  WHERE kind = 'text' AND status IN ('delivered', 'read')
  GROUP BY phone_number_id
) a
WHERE n.id = a.phone_number_id;

ALTER TABLE "conversations" DROP CONSTRAINT "conversations_customer_check";--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "retention_days" integer;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "erased_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "conversations_retention_idx" ON "conversations" USING btree ("tenant_id",(coalesce("last_message_at", "created_at"))) WHERE "conversations"."erased_at" is null;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_retention_days_check" CHECK ("tenants"."retention_days" between 7 and 3650);--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_customer_check" CHECK ("conversations"."customer_wa_id" is not null or "conversations"."customer_user_id" is not null or "conversations"."erased_at" is not null);--> statement-breakpoint
-- The audit trail stays append-only, with one exception the law requires: erasing a customer's data
-- (LGPD art. 18 VI) may blank what an event's data/before/after say about them. Only inside a
-- transaction that declared it (set_config('lx.redacting', 'on', true): the erasure in
-- queries/customers.ts), only those three columns, and never a delete.
CREATE OR REPLACE FUNCTION lx_audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND current_setting('lx.redacting', true) = 'on'
     AND NEW.id = OLD.id
     AND NEW.tenant_id IS NOT DISTINCT FROM OLD.tenant_id
     AND NEW.actor_type = OLD.actor_type
     AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
     AND NEW.actor_label = OLD.actor_label
     AND NEW.type = OLD.type
     AND NEW.subject_type IS NOT DISTINCT FROM OLD.subject_type
     AND NEW.subject_id IS NOT DISTINCT FROM OLD.subject_id
     AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id
     AND NEW.created_at = OLD.created_at THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_events are append-only' USING ERRCODE = 'check_violation';
END $$;

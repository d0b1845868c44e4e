ALTER TABLE "tenants" ADD COLUMN "webhook_secret_previous_enc" text;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "webhook_secret_previous_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_webhook_secret_previous_check" CHECK (("tenants"."webhook_secret_previous_enc" is null) = ("tenants"."webhook_secret_previous_until" is null));
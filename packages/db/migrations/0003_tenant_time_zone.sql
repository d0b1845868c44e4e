-- Metrics count days in the tenant's time zone (set by lx apply and the onboarding wizard from the
-- first agent's spec.agent.timezone). Existing tenants get the default, the agency's home zone. The
-- check makes PostgreSQL itself reject a zone it does not know ("time zone … not recognized").
ALTER TABLE "tenants" ADD COLUMN "time_zone" text DEFAULT 'America/Sao_Paulo' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD CONSTRAINT "tenants_time_zone_check" CHECK ((timestamptz '2000-01-01 00:00:00+00' at time zone "tenants"."time_zone") is not null);
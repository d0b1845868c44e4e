import { relations, sql } from "drizzle-orm";
import { check, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import { RETENTION_DAYS_MAX, RETENTION_DAYS_MIN } from "@lx/shared/schemas";

import { timestamps, tstz } from "./_columns.ts";
import { inList, slugCheck, TENANT_STATUSES } from "./_enums.ts";
import { agents } from "./agents.ts";
import { phoneNumbers } from "./phone-numbers.ts";

/** Where the agency's first clients are; the column's default. */
export const DEFAULT_TENANT_TIME_ZONE = "America/Sao_Paulo";

export type TenantRouting =
  | { mode: "number" }
  | { mode: "menu"; prompt: string; options: { title: string; agent: string }[] };

export const tenants = pgTable(
  "tenants",
  {
    id: uuid().primaryKey().defaultRandom(),
    slug: text().notNull(),
    name: text().notNull(),
    status: text({ enum: TENANT_STATUSES }).notNull().default("active"),
    routing: jsonb().$type<TenantRouting>().notNull().default({ mode: "number" }),
    /**
     * IANA time zone of the business (`America/Sao_Paulo`): metrics count days in it. Set by
     * `lx apply` and the onboarding wizard from the first agent's `spec.agent.timezone`.
     */
    timeZone: text().notNull().default(DEFAULT_TENANT_TIME_ZONE),
    /** Secret for X-LX-Signature on outgoing webhooks, encrypted with LX_SECRET_KEY. */
    webhookSecretEnc: text(),
    /**
     * The signing secret before the last rotation, encrypted like the current one, while receivers
     * catch up: outgoing webhooks also carry `X-LX-Signature-Previous` made with it until
     * `webhookSecretPreviousUntil`, then it is erased (null both: no overlap).
     */
    webhookSecretPreviousEnc: text(),
    webhookSecretPreviousUntil: tstz(),
    /** The CRM plugin's API token (Pipedrive api_token, RD Station CRM token), encrypted; `lx apply` crmToken. */
    crmTokenEnc: text(),
    /**
     * Days a conversation is kept after its last message; then the workers erase its customer's data
     * as an erasure request would (packages/db queries/customers.ts). Null: kept until erased by hand.
     */
    retentionDays: integer(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("tenants_slug_key").on(t.slug),
    check("tenants_status_check", inList(t.status, TENANT_STATUSES)),
    check("tenants_slug_check", slugCheck(t.slug)),
    check(
      "tenants_webhook_secret_previous_check",
      sql`(${t.webhookSecretPreviousEnc} is null) = (${t.webhookSecretPreviousUntil} is null)`,
    ),
    check("tenants_retention_days_check", sql`${t.retentionDays} between ${sql.raw(String(RETENTION_DAYS_MIN))} and ${sql.raw(String(RETENTION_DAYS_MAX))}`),
    // PostgreSQL must know the zone too (metrics use `at time zone`): an unknown name makes this
    // expression raise "time zone … not recognized", so a bad value can never be stored.
    check(
      "tenants_time_zone_check",
      sql`(timestamptz '2000-01-01 00:00:00+00' at time zone ${t.timeZone}) is not null`,
    ),
  ],
);

export const tenantsRelations = relations(tenants, ({ many }) => ({
  agents: many(agents),
  phoneNumbers: many(phoneNumbers),
}));

export type Tenant = typeof tenants.$inferSelect;
export type NewTenant = typeof tenants.$inferInsert;

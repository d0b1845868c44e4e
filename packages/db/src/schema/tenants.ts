import { relations } from "drizzle-orm";
import { check, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import { timestamps } from "./_columns.ts";
import { inList, slugCheck, TENANT_STATUSES } from "./_enums.ts";
import { agents } from "./agents.ts";
import { phoneNumbers } from "./phone-numbers.ts";

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
    /** Secret for X-LX-Signature on outgoing webhooks, encrypted with LX_SECRET_KEY. */
    webhookSecretEnc: text(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("tenants_slug_key").on(t.slug),
    check("tenants_status_check", inList(t.status, TENANT_STATUSES)),
    check("tenants_slug_check", slugCheck(t.slug)),
  ],
);

export const tenantsRelations = relations(tenants, ({ many }) => ({
  agents: many(agents),
  phoneNumbers: many(phoneNumbers),
}));

export type Tenant = typeof tenants.$inferSelect;
export type NewTenant = typeof tenants.$inferInsert;

import { index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { timestamps } from "./_columns.ts";
import { conversations } from "./conversations.ts";
import { tenants } from "./tenants.ts";

/** Deals the CRM plugin created, with the backend's answer (n8n, Pipedrive, RD Station). */
export const crmDeals = pgTable(
  "crm_deals",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    conversationId: uuid().references(() => conversations.id),
    title: text().notNull(),
    fields: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    backend: text().notNull(),
    externalId: text(),
    status: text().notNull().default("created"),
    response: jsonb().$type<unknown>(),
    ...timestamps,
  },
  (t) => [index("crm_deals_tenant_idx").on(t.tenantId, t.createdAt)],
);

export type CrmDeal = typeof crmDeals.$inferSelect;

import { check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import { timestamps } from "./_columns.ts";
import {
  inList,
  TEMPLATE_CATEGORIES,
  TEMPLATE_PURPOSES,
  TEMPLATE_STATUSES,
} from "./_enums.ts";
import { tenants } from "./tenants.ts";

/** Meta message templates a tenant has approved, by name and language. */
export const templates = pgTable(
  "templates",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    name: text().notNull(),
    language: text().notNull(),
    category: text({ enum: TEMPLATE_CATEGORIES }).notNull(),
    purpose: text({ enum: TEMPLATE_PURPOSES }),
    body: text().notNull(),
    status: text({ enum: TEMPLATE_STATUSES }).notNull().default("approved"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("templates_tenant_name_language_key").on(t.tenantId, t.name, t.language),
    index("templates_tenant_purpose_idx").on(t.tenantId, t.purpose),
    check("templates_category_check", inList(t.category, TEMPLATE_CATEGORIES)),
    check("templates_purpose_check", inList(t.purpose, TEMPLATE_PURPOSES)),
    check("templates_status_check", inList(t.status, TEMPLATE_STATUSES)),
  ],
);

export type Template = typeof templates.$inferSelect;
export type NewTemplate = typeof templates.$inferInsert;

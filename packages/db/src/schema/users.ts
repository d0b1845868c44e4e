import { relations, sql } from "drizzle-orm";
import { check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import { timestamps, tstz } from "./_columns.ts";
import { inList, USER_ROLES } from "./_enums.ts";
import { sessions } from "./sessions.ts";
import { tenants } from "./tenants.ts";

/** Operators (agency staff, all tenants) and clients (one tenant, read-only plus approvals). */
export const users = pgTable(
  "users",
  {
    id: uuid().primaryKey().defaultRandom(),
    email: text().notNull(),
    name: text(),
    passwordHash: text().notNull(),
    role: text({ enum: USER_ROLES }).notNull(),
    tenantId: uuid().references(() => tenants.id),
    lastLoginAt: tstz(),
    disabledAt: tstz(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("users_email_key").on(sql`lower(${t.email})`),
    index("users_tenant_idx").on(t.tenantId),
    check("users_role_check", inList(t.role, USER_ROLES)),
    // A client belongs to exactly one tenant; an operator to none.
    check(
      "users_role_tenant_check",
      sql`(${t.role} = 'client' and ${t.tenantId} is not null) or (${t.role} = 'operator' and ${t.tenantId} is null)`,
    ),
  ],
);

export const usersRelations = relations(users, ({ one, many }) => ({
  tenant: one(tenants, { fields: [users.tenantId], references: [tenants.id] }),
  sessions: many(sessions),
}));

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

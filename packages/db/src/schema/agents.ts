import { relations } from "drizzle-orm";
import { foreignKey, index, pgTable, text, unique, uniqueIndex, uuid, check, type PgTableExtraConfigValue } from "drizzle-orm/pg-core";

import { timestamps } from "./_columns.ts";
import { slugCheck } from "./_enums.ts";
import { agentVersions } from "./agent-versions.ts";
import { tenants } from "./tenants.ts";

/**
 * An agent of a tenant. `activeVersionId` is the one live version (so "one active version per agent"
 * is structural); the composite foreign key makes it impossible to activate another agent's version.
 */
export const agents = pgTable(
  "agents",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    slug: text().notNull(),
    name: text().notNull(),
    activeVersionId: uuid(),
    ...timestamps,
  },
  (t): PgTableExtraConfigValue[] => [
    uniqueIndex("agents_tenant_slug_key").on(t.tenantId, t.slug),
    unique("agents_id_tenant_key").on(t.id, t.tenantId),
    index("agents_tenant_idx").on(t.tenantId),
    check("agents_slug_check", slugCheck(t.slug)),
    foreignKey({
      name: "agents_active_version_fk",
      columns: [t.activeVersionId, t.id],
      foreignColumns: [agentVersions.id, agentVersions.agentId],
    }),
  ],
);

export const agentsRelations = relations(agents, ({ one, many }) => ({
  tenant: one(tenants, { fields: [agents.tenantId], references: [tenants.id] }),
  activeVersion: one(agentVersions, { fields: [agents.activeVersionId], references: [agentVersions.id] }),
  versions: many(agentVersions, { relationName: "agentVersions" }),
}));

export type Agent = typeof agents.$inferSelect;
export type NewAgent = typeof agents.$inferInsert;

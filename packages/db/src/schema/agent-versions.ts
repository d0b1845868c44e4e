import { relations, sql } from "drizzle-orm";
import { check, foreignKey, index, integer, jsonb, pgTable, text, unique, uuid, type PgTableExtraConfigValue } from "drizzle-orm/pg-core";

import type { CompiledAgentBundle, TAgentSpec } from "@lx/shared";

import { createdAt, tstz } from "./_columns.ts";
import { APPROVAL_STATUSES, inList } from "./_enums.ts";
import { agents } from "./agents.ts";
import { tenants } from "./tenants.ts";
import { users } from "./users.ts";

/**
 * A published, immutable agent version: the spec and its compiled bundle frozen together.
 * A trigger (migration 0001) rejects any UPDATE of the frozen columns and every DELETE; only the
 * client-approval columns may change.
 */
export const agentVersions = pgTable(
  "agent_versions",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    agentId: uuid().notNull(),
    version: text().notNull(),
    major: integer().notNull(),
    minor: integer().notNull(),
    patch: integer().notNull(),
    spec: jsonb().$type<TAgentSpec>().notNull(),
    bundle: jsonb().$type<CompiledAgentBundle>().notNull(),
    specHash: text().notNull(),
    bundleHash: text().notNull(),
    changelog: text().notNull().default(""),
    createdById: uuid().references(() => users.id),
    /** Who published it, readable without a join ("ana@agency", "cli"). */
    createdByLabel: text().notNull(),
    approvalStatus: text({ enum: APPROVAL_STATUSES }).notNull().default("pending"),
    approvedById: uuid().references(() => users.id),
    approvedAt: tstz(),
    ...createdAt,
  },
  (t): PgTableExtraConfigValue[] => [
    unique("agent_versions_agent_version_key").on(t.agentId, t.version),
    unique("agent_versions_agent_semver_key").on(t.agentId, t.major, t.minor, t.patch),
    unique("agent_versions_id_agent_key").on(t.id, t.agentId),
    index("agent_versions_agent_created_idx").on(t.agentId, t.createdAt),
    index("agent_versions_bundle_hash_idx").on(t.agentId, t.bundleHash),
    foreignKey({
      name: "agent_versions_agent_tenant_fk",
      columns: [t.agentId, t.tenantId],
      foreignColumns: [agents.id, agents.tenantId],
    }),
    check("agent_versions_approval_check", inList(t.approvalStatus, APPROVAL_STATUSES)),
    check(
      "agent_versions_semver_check",
      sql`${t.version} = ${t.major}::text || '.' || ${t.minor}::text || '.' || ${t.patch}::text and ${t.major} >= 1 and ${t.minor} >= 0 and ${t.patch} >= 0`,
    ),
    check("agent_versions_hash_check", sql`${t.specHash} ~ '^[0-9a-f]{64}$' and ${t.bundleHash} ~ '^[0-9a-f]{64}$'`),
  ],
);

export const agentVersionsRelations = relations(agentVersions, ({ one }) => ({
  agent: one(agents, {
    fields: [agentVersions.agentId],
    references: [agents.id],
    relationName: "agentVersions",
  }),
  tenant: one(tenants, { fields: [agentVersions.tenantId], references: [tenants.id] }),
}));

export type AgentVersion = typeof agentVersions.$inferSelect;
export type NewAgentVersion = typeof agentVersions.$inferInsert;

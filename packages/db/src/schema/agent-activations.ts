import { check, foreignKey, index, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { createdAt } from "./_columns.ts";
import { ACTIVATION_KINDS, ACTOR_TYPES, inList } from "./_enums.ts";
import { agentVersions } from "./agent-versions.ts";
import { agents } from "./agents.ts";
import { tenants } from "./tenants.ts";

/**
 * The history of which version was live when. Rollback walks it back: it activates the version that
 * was live before the current one was activated.
 */
export const agentActivations = pgTable(
  "agent_activations",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    agentId: uuid()
      .notNull()
      .references(() => agents.id),
    versionId: uuid().notNull(),
    previousVersionId: uuid(),
    kind: text({ enum: ACTIVATION_KINDS }).notNull(),
    actorType: text({ enum: ACTOR_TYPES }).notNull(),
    actorLabel: text().notNull(),
    ...createdAt,
  },
  (t) => [
    index("agent_activations_agent_idx").on(t.agentId, t.createdAt),
    foreignKey({
      name: "agent_activations_version_fk",
      columns: [t.versionId, t.agentId],
      foreignColumns: [agentVersions.id, agentVersions.agentId],
    }),
    foreignKey({
      name: "agent_activations_previous_fk",
      columns: [t.previousVersionId, t.agentId],
      foreignColumns: [agentVersions.id, agentVersions.agentId],
    }),
    check("agent_activations_kind_check", inList(t.kind, ACTIVATION_KINDS)),
    check("agent_activations_actor_check", inList(t.actorType, ACTOR_TYPES)),
  ],
);

export type AgentActivation = typeof agentActivations.$inferSelect;

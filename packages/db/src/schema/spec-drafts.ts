import { jsonb, pgTable, uuid } from "drizzle-orm/pg-core";

import { tstz } from "./_columns.ts";
import { agentVersions } from "./agent-versions.ts";
import { agents } from "./agents.ts";
import { users } from "./users.ts";

/**
 * The editable draft of an agent's spec (one per agent, autosaved by the console). It may be invalid
 * while being edited; only a valid draft compiles and publishes.
 */
export const specDrafts = pgTable("spec_drafts", {
  agentId: uuid()
    .primaryKey()
    .references(() => agents.id),
  spec: jsonb().$type<unknown>().notNull(),
  /** The version the draft started from, for "changed since" hints. */
  baseVersionId: uuid().references(() => agentVersions.id),
  updatedById: uuid().references(() => users.id),
  updatedAt: tstz().notNull().defaultNow(),
});

export type SpecDraft = typeof specDrafts.$inferSelect;

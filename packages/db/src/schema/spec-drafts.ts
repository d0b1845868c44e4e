import { check, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { tstz } from "./_columns.ts";
import { inList } from "./_enums.ts";
import { agentVersions } from "./agent-versions.ts";
import { agents } from "./agents.ts";
import { users } from "./users.ts";

export const SPEC_DRAFT_SOURCES = ["console", "apply", "wizard"] as const;
export type SpecDraftSource = (typeof SPEC_DRAFT_SOURCES)[number];

/**
 * The editable draft of an agent's spec (one per agent, autosaved by the console). It may be invalid
 * while being edited; only a valid draft compiles and publishes.
 */
export const specDrafts = pgTable(
  "spec_drafts",
  {
    agentId: uuid()
      .primaryKey()
      .references(() => agents.id),
    spec: jsonb().$type<unknown>().notNull(),
    /** The version the draft started from, for "changed since" hints. */
    baseVersionId: uuid().references(() => agentVersions.id),
    updatedById: uuid().references(() => users.id),
    updatedAt: tstz().notNull().defaultNow(),
    /**
     * Bumped by every write (the console's autosave, `lx apply`, the onboarding wizard). The editor
     * sends the revision it loaded, and a save over a newer one is refused (optimistic concurrency).
     */
    revision: integer().notNull().default(1),
    /** Who wrote it last: "console" (an operator's save), "apply" (`lx apply`), "wizard" (onboarding). */
    source: text().$type<SpecDraftSource>().notNull().default("console"),
  },
  (t) => [check("spec_drafts_source_check", inList(t.source, SPEC_DRAFT_SOURCES))],
);

export type SpecDraft = typeof specDrafts.$inferSelect;

import { sql } from "drizzle-orm";
import { bigint, check, jsonb, pgSequence, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { tstz } from "./_columns.ts";
import { inList } from "./_enums.ts";
import { agentVersions } from "./agent-versions.ts";
import { agents } from "./agents.ts";
import { users } from "./users.ts";

export const SPEC_DRAFT_SOURCES = ["console", "apply", "wizard"] as const;
export type SpecDraftSource = (typeof SPEC_DRAFT_SOURCES)[number];

/**
 * Draft revisions come from one sequence, not a per-row counter: a discarded draft's row is deleted,
 * and a counter restarting at 1 in the next draft let an editor still holding revision 1 of the old
 * one overwrite the new one unwarned. A sequence never hands out the same number twice.
 */
export const specDraftRevisions = pgSequence("spec_drafts_revision_seq");

/** The next draft revision (every write of a draft takes one). */
export const nextDraftRevision = sql`nextval('spec_drafts_revision_seq')`;

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
     * A new number on every write (the console's autosave, `lx apply`, the onboarding wizard), from
     * spec_drafts_revision_seq. The editor sends the revision it loaded, and a save over another one
     * is refused (optimistic concurrency).
     */
    revision: bigint({ mode: "number" }).notNull().default(nextDraftRevision),
    /** Who wrote it last: "console" (an operator's save), "apply" (`lx apply`), "wizard" (onboarding). */
    source: text().$type<SpecDraftSource>().notNull().default("console"),
  },
  (t) => [check("spec_drafts_source_check", inList(t.source, SPEC_DRAFT_SOURCES))],
);

export type SpecDraft = typeof specDrafts.$inferSelect;

import { check, index, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { createdAt, tstz } from "./_columns.ts";
import { HANDOFF_TRIGGERS, inList } from "./_enums.ts";
import { conversations } from "./conversations.ts";
import { tenants } from "./tenants.ts";
import { users } from "./users.ts";

/** One stretch of a conversation owned by humans: start, trigger, reason, end. Feeds handoff metrics. */
export const handoffs = pgTable(
  "handoffs",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    conversationId: uuid()
      .notNull()
      .references(() => conversations.id),
    trigger: text({ enum: HANDOFF_TRIGGERS }).notNull(),
    reason: text().notNull().default(""),
    startedAt: tstz().notNull().defaultNow(),
    firstHumanReplyAt: tstz(),
    endedAt: tstz(),
    endedById: uuid().references(() => users.id),
    /** "human" (handed back), "timeout" (resumeAfterMinutes), "closed". */
    endReason: text(),
    ...createdAt,
  },
  (t) => [
    index("handoffs_conversation_idx").on(t.conversationId, t.startedAt),
    index("handoffs_tenant_started_idx").on(t.tenantId, t.startedAt),
    check("handoffs_trigger_check", inList(t.trigger, HANDOFF_TRIGGERS)),
  ],
);

export type Handoff = typeof handoffs.$inferSelect;

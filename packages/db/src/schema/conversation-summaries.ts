import { bigint, index, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { createdAt } from "./_columns.ts";
import { conversations } from "./conversations.ts";
import { tenants } from "./tenants.ts";

/**
 * Every summary a conversation had, appended by the summarize job in the transaction that moves
 * `conversations.summary` forward. The live reply reads only the conversation's current summary;
 * this history lets a replay (docs/regression.md) regenerate an old reply with the summary it was
 * written with.
 */
export const conversationSummaries = pgTable(
  "conversation_summaries",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    conversationId: uuid()
      .notNull()
      .references(() => conversations.id),
    /** Messages with id ≤ this are folded into `summary`. */
    upToMessageId: bigint({ mode: "number" }).notNull(),
    summary: text().notNull(),
    ...createdAt,
  },
  (t) => [index("conversation_summaries_conversation_idx").on(t.conversationId, t.createdAt)],
);

export type ConversationSummary = typeof conversationSummaries.$inferSelect;

import { bigint, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { tstz } from "./_columns.ts";
import { conversations } from "./conversations.ts";

/**
 * Per-conversation lock with a TTL, renewed by the holder's heartbeat. A crashed worker stops
 * renewing; once `expiresAt` passes another worker may take it (and audits the expiry).
 */
export const conversationLocks = pgTable("conversation_locks", {
  conversationId: uuid()
    .primaryKey()
    .references(() => conversations.id),
  lockedBy: text().notNull(),
  jobId: bigint({ mode: "number" }),
  acquiredAt: tstz().notNull().defaultNow(),
  heartbeatAt: tstz().notNull().defaultNow(),
  expiresAt: tstz().notNull(),
});

export type ConversationLock = typeof conversationLocks.$inferSelect;

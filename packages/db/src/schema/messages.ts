import { relations, sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import { createdAt } from "./_columns.ts";
import { inList, MESSAGE_AUTHORS, MESSAGE_DIRECTIONS } from "./_enums.ts";
import { agentVersions } from "./agent-versions.ts";
import { conversations } from "./conversations.ts";
import { tenants } from "./tenants.ts";
import { users } from "./users.ts";

export type PolicyVerdict = { rule: string; action: "allow" | "rewrite" | "block" | "handoff"; detail?: string };

/**
 * Every message of a conversation, both ways. `id` is a bigint identity so that the order of arrival
 * is the order of ids (context building and per-conversation ordering rely on it).
 */
export const messages = pgTable(
  "messages",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    conversationId: uuid()
      .notNull()
      .references(() => conversations.id),
    direction: text({ enum: MESSAGE_DIRECTIONS }).notNull(),
    author: text({ enum: MESSAGE_AUTHORS }).notNull(),
    /** Meta message type: text, image, audio, interactive, button, location, reaction, … */
    type: text().notNull().default("text"),
    /** Plain-text rendering used for the model's context and the inbox. */
    body: text().notNull().default(""),
    payload: jsonb().$type<Record<string, unknown>>(),
    /** Inbound: Meta's message id. Outbound: the wamid once Meta accepted it. */
    metaMessageId: text(),
    /** The customer message this one replies to (WhatsApp context). */
    contextMetaMessageId: text(),
    /** The agent version that wrote a bot message. */
    agentVersionId: uuid().references(() => agentVersions.id),
    authorUserId: uuid().references(() => users.id),
    /** For bot replies: the highest inbound message id this reply covered (a burst answers several). */
    answersUpToId: bigint({ mode: "number" }),
    /**
     * For bot replies: the conversation summary the reply's context had, by its
     * `conversation_summaries.up_to_message_id` (0: none), so a replay gives it the very same one.
     * Null on replies written before migration 0022 (a replay then takes the latest summary older
     * than the answered message).
     */
    contextSummaryUpToId: bigint({ mode: "number" }),
    tokensIn: integer(),
    tokensOut: integer(),
    latencyMs: integer(),
    policyVerdicts: jsonb().$type<PolicyVerdict[]>(),
    ...createdAt,
  },
  (t) => [
    index("messages_conversation_idx").on(t.conversationId, t.id),
    index("messages_tenant_created_idx").on(t.tenantId, t.createdAt),
    uniqueIndex("messages_inbound_meta_key")
      .on(t.tenantId, t.metaMessageId)
      .where(sql`${t.direction} = 'in' and ${t.metaMessageId} is not null`),
    index("messages_version_idx").on(t.agentVersionId).where(sql`${t.agentVersionId} is not null`),
    // The inbox's search of the last message's text (listConversations' planSearch), through pg_trgm
    // (migration 0031). Notes are never searched, so they are left out.
    index("messages_body_trgm_idx")
      .using("gin", t.body.op("gin_trgm_ops"))
      .where(sql`${t.type} <> 'note'`),
    check("messages_direction_check", inList(t.direction, MESSAGE_DIRECTIONS)),
    check("messages_author_check", inList(t.author, MESSAGE_AUTHORS)),
    check(
      "messages_author_direction_check",
      sql`(${t.direction} = 'in' and ${t.author} = 'customer') or (${t.direction} = 'out' and ${t.author} <> 'customer')`,
    ),
  ],
);

export const messagesRelations = relations(messages, ({ one }) => ({
  conversation: one(conversations, { fields: [messages.conversationId], references: [conversations.id] }),
  agentVersion: one(agentVersions, { fields: [messages.agentVersionId], references: [agentVersions.id] }),
}));

export type Message = typeof messages.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;

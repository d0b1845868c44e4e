import { relations, sql } from "drizzle-orm";
import { bigint, check, index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import { timestamps, tstz } from "./_columns.ts";
import { CONVERSATION_MODES, inList } from "./_enums.ts";
import { agents } from "./agents.ts";
import { messages } from "./messages.ts";
import { phoneNumbers } from "./phone-numbers.ts";
import { tenants } from "./tenants.ts";
import { users } from "./users.ts";

export type MenuState = { status: "awaiting_choice"; asked: number } | { status: "chosen"; agentSlug: string };

/**
 * One customer on one business number. The customer key is the wa_id or, for username users who
 * arrive without a phone number, Meta's user_id.
 */
export const conversations = pgTable(
  "conversations",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    phoneNumberId: uuid()
      .notNull()
      .references(() => phoneNumbers.id),
    /** Null while a menu-routed conversation has not chosen yet. */
    agentId: uuid().references(() => agents.id),
    customerKey: text().notNull(),
    customerWaId: text(),
    customerUserId: text(),
    customerName: text(),
    mode: text({ enum: CONVERSATION_MODES }).notNull().default("bot"),
    menuState: jsonb().$type<MenuState>(),
    lastCustomerMessageAt: tstz(),
    lastMessageAt: tstz(),
    summary: text().notNull().default(""),
    /** Messages with id ≤ this are folded into `summary`. */
    summaryUpToMessageId: bigint({ mode: "number" }),
    assignedUserId: uuid().references(() => users.id),
    handoffStartedAt: tstz(),
    /** The bot takes the conversation back at this time if no human answered. */
    botResumeAt: tstz(),
    /**
     * The customer's data was erased (a data subject's request, or the tenant's retention window):
     * the customer's identifiers, name, summary and every message text are gone; counts, timings,
     * tokens and versions stay for the metrics. Never answered, replied to or exported again.
     */
    erasedAt: tstz(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("conversations_customer_key").on(t.phoneNumberId, t.customerKey),
    // The inbox order (listConversations: newest activity first, keyset on (activity, id)): the page is
    // read off the index. On (tenant_id, last_message_at) alone every poll sorted all the tenant's
    // conversations (100,000: 37 ms, with an on-disk sort; now 0.2 ms).
    index("conversations_tenant_activity_idx").on(
      t.tenantId,
      sql`(coalesce(${t.lastMessageAt}, ${t.createdAt})) desc`,
      t.id.desc(),
    ),
    // The retention sweep: a tenant's conversations not erased yet, oldest activity first (erased ones
    // would otherwise be read again by every sweep, for ever).
    index("conversations_retention_idx")
      .on(t.tenantId, sql`(coalesce(${t.lastMessageAt}, ${t.createdAt}))`)
      .where(sql`${t.erasedAt} is null`),
    index("conversations_tenant_mode_idx").on(t.tenantId, t.mode),
    // The inbox's search (listConversations): a substring of the customer's name or number, through
    // pg_trgm (migration 0031 creates the extension). Without them every search read each conversation.
    index("conversations_customer_name_trgm_idx").using("gin", t.customerName.op("gin_trgm_ops")),
    index("conversations_customer_key_trgm_idx").using("gin", t.customerKey.op("gin_trgm_ops")),
    index("conversations_resume_idx").on(t.botResumeAt).where(sql`${t.botResumeAt} is not null`),
    check("conversations_mode_check", inList(t.mode, CONVERSATION_MODES)),
    check("conversations_customer_check", sql`${t.customerWaId} is not null or ${t.customerUserId} is not null or ${t.erasedAt} is not null`),
  ],
);

export const conversationsRelations = relations(conversations, ({ one, many }) => ({
  tenant: one(tenants, { fields: [conversations.tenantId], references: [tenants.id] }),
  agent: one(agents, { fields: [conversations.agentId], references: [agents.id] }),
  phoneNumber: one(phoneNumbers, { fields: [conversations.phoneNumberId], references: [phoneNumbers.id] }),
  messages: many(messages),
}));

export type Conversation = typeof conversations.$inferSelect;
export type NewConversation = typeof conversations.$inferInsert;

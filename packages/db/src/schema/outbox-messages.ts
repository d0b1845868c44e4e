import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import { timestamps, tstz } from "./_columns.ts";
import { inList, OUTBOX_BLOCK_REASONS, OUTBOX_KINDS, OUTBOX_STATUSES } from "./_enums.ts";
import { conversations } from "./conversations.ts";
import { messages } from "./messages.ts";
import { phoneNumbers } from "./phone-numbers.ts";
import { tenants } from "./tenants.ts";

/**
 * Messages waiting to go out through the Graph API, written in the same transaction that completes
 * the job that produced them. Sent strictly in id order per conversation; `id` is the
 * `biz_opaque_callback_data` Meta echoes in status callbacks.
 */
export const outboxMessages = pgTable(
  "outbox_messages",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    conversationId: uuid().references(() => conversations.id),
    phoneNumberId: uuid()
      .notNull()
      .references(() => phoneNumbers.id),
    /** The messages row this send materialises (null for mark-read receipts). */
    messageId: bigint({ mode: "number" }).references(() => messages.id),
    kind: text({ enum: OUTBOX_KINDS }).notNull(),
    /** Recipient: wa_id, or user_id for username users. */
    recipient: text().notNull(),
    /** Meta's request body, without `to`/`messaging_product` (added at send time). */
    payload: jsonb().$type<Record<string, unknown>>().notNull(),
    /**
     * The customer message (its wamid) this send also marks as read: a bot reply carries its read
     * receipt, sent alongside it, instead of a separate `mark_read` row to write, claim and settle.
     */
    readReceiptFor: text(),
    status: text({ enum: OUTBOX_STATUSES }).notNull().default("queued"),
    attempts: integer().notNull().default(0),
    maxAttempts: integer().notNull().default(6),
    nextAttemptAt: tstz().notNull().defaultNow(),
    lockedBy: text(),
    lockedAt: tstz(),
    wamid: text(),
    lastErrorCode: integer(),
    lastError: text(),
    /**
     * Why a `blocked` row was blocked, for the console to say in its own words (`last_error` keeps
     * the English sentence the operations screen shows raw); null on every other row, and on rows
     * blocked before the column existed.
     */
    blockReason: text({ enum: OUTBOX_BLOCK_REASONS }),
    /** The re-engagement template that was not approved (`template_not_approved`). */
    blockTemplate: text(),
    sentAt: tstz(),
    deliveredAt: tstz(),
    readAt: tstz(),
    failedAt: tstz(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("outbox_messages_wamid_key").on(t.wamid).where(sql`${t.wamid} is not null`),
    index("outbox_messages_ready_idx")
      .on(t.nextAttemptAt, t.id)
      .where(sql`${t.status} in ('queued', 'ambiguous')`),
    index("outbox_messages_open_conv_idx")
      .on(t.conversationId, t.id)
      .where(sql`${t.status} in ('queued', 'sending', 'ambiguous')`),
    index("outbox_messages_tenant_created_idx").on(t.tenantId, t.createdAt),
    // A message's send: the inbox thread (every message's delivery, polled every 2.5 s) and the list's
    // preview (was the last message sent as written?). Without it each lookup read the tenant's sends.
    index("outbox_messages_message_idx")
      .on(t.messageId)
      .where(sql`${t.messageId} is not null`),
    // Sends that need an operator (the worker's lx_outbox_pending gauge, the operations screen): a
    // handful among every send ever made, which counting by status would otherwise read in full.
    // The operations screen's "sends of the last 24 h" across tenants (rows are appended in
    // created_at order, so a BRIN index is a few pages; a tenant's view uses the btree above).
    index("outbox_messages_created_brin").using("brin", t.createdAt),
    index("outbox_messages_attention_idx")
      .on(t.status)
      .where(sql`${t.status} in ('failed', 'dead', 'blocked')`),
    check("outbox_messages_kind_check", inList(t.kind, OUTBOX_KINDS)),
    check("outbox_messages_status_check", inList(t.status, OUTBOX_STATUSES)),
    check("outbox_messages_block_reason_check", inList(t.blockReason, OUTBOX_BLOCK_REASONS)),
  ],
);

export type OutboxMessage = typeof outboxMessages.$inferSelect;
export type NewOutboxMessage = typeof outboxMessages.$inferInsert;

import { sql } from "drizzle-orm";
import { bigint, check, index, jsonb, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";

import { tstz } from "./_columns.ts";
import { inList, WEBHOOK_EVENT_KINDS, WEBHOOK_EVENT_STATUSES } from "./_enums.ts";
import { tenants } from "./tenants.ts";

/**
 * What Meta sent us, one row per inbound message (or status, or unusable payload). The unique
 * (tenant_id, meta_message_id) is the idempotency key: Meta delivers at least once, we store once.
 * A log written on the webhook's hot path and read by time only: besides the key, one BRIN index on
 * `received_at` (append order, a few pages for any number of rows, next to nothing per insert).
 * Processing state lives on the job (message_queue), not here.
 */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: uuid().references(() => tenants.id),
    metaMessageId: text(),
    kind: text({ enum: WEBHOOK_EVENT_KINDS }).notNull(),
    status: text({ enum: WEBHOOK_EVENT_STATUSES }).notNull().default("received"),
    phoneNumberId: text(),
    payload: jsonb().$type<unknown>().notNull(),
    error: text(),
    receivedAt: tstz().notNull().defaultNow(),
  },
  (t) => [
    unique("webhook_events_tenant_meta_message_key").on(t.tenantId, t.metaMessageId),
    index("webhook_events_received_brin").using("brin", t.receivedAt),
    // The few payloads kept but not used (malformed, unknown statuses), per tenant: an erasure looks
    // through them for the customer (queries/customers.ts). Rows written as received never enter it.
    index("webhook_events_ignored_idx").on(t.tenantId).where(sql`${t.status} = 'ignored'`),
    // The payloads no tenant claims (a malformed envelope, a field we do not handle), not expired yet:
    // the workers expire them after TENANTLESS_EVENT_RETENTION_DAYS and an erasure looks through the
    // recent ones (queries/customers.ts). Expired rows leave it, so it stays a few weeks of rare rows.
    index("webhook_events_tenantless_idx")
      .on(t.receivedAt)
      .where(sql`${t.tenantId} is null and ${t.payload} <> '{"expired": true}'::jsonb`),
    check("webhook_events_kind_check", inList(t.kind, WEBHOOK_EVENT_KINDS)),
    check("webhook_events_status_check", inList(t.status, WEBHOOK_EVENT_STATUSES)),
  ],
);

export type WebhookEvent = typeof webhookEvents.$inferSelect;
export type NewWebhookEvent = typeof webhookEvents.$inferInsert;

import { sql } from "drizzle-orm";
import { bigint, check, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { createdAt, tstz } from "./_columns.ts";
import { inList, JOB_STATUSES } from "./_enums.ts";
import { conversations } from "./conversations.ts";
import { messages } from "./messages.ts";
import { tenants } from "./tenants.ts";
import { webhookEvents } from "./webhook-events.ts";

/**
 * The job queue. Jobs of one conversation run strictly one at a time and in id order: the claim
 * takes a job only when no earlier job of its conversation is still open (head-of-line claim, see
 * apps/worker/src/queue/claim.ts). Jobs without a conversation (schedulers) run freely.
 */
export const messageQueue = pgTable(
  "message_queue",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: uuid().references(() => tenants.id),
    conversationId: uuid().references(() => conversations.id),
    /** Job catalog key, e.g. "conversation.reply". */
    task: text().notNull(),
    payload: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    status: text({ enum: JOB_STATUSES }).notNull().default("queued"),
    runAt: tstz().notNull().defaultNow(),
    attempts: integer().notNull().default(0),
    maxAttempts: integer().notNull().default(8),
    lockedBy: text(),
    lockedAt: tstz(),
    /** A running job whose lease passed this time is presumed dead and is reclaimed. */
    leaseExpiresAt: tstz(),
    lastError: text(),
    webhookEventId: bigint({ mode: "number" }).references(() => webhookEvents.id),
    messageId: bigint({ mode: "number" }).references(() => messages.id),
    /** Optional idempotency key: at most one open job per key. */
    jobKey: text(),
    finishedAt: tstz(),
    ...createdAt,
  },
  (t) => [
    // The claim scans queued jobs by run_at; the head-of-line check probes open jobs per conversation.
    index("message_queue_ready_idx").on(t.runAt, t.id).where(sql`${t.status} = 'queued'`),
    index("message_queue_open_conv_idx")
      .on(t.conversationId, t.id)
      .where(sql`${t.status} in ('queued', 'running')`),
    index("message_queue_lease_idx").on(t.leaseExpiresAt).where(sql`${t.status} = 'running'`),
    index("message_queue_dead_idx").on(t.tenantId, t.finishedAt).where(sql`${t.status} = 'dead'`),
    index("message_queue_job_key_idx")
      .on(t.jobKey)
      .where(sql`${t.jobKey} is not null and ${t.status} in ('queued', 'running')`),
    // Finished jobs are pruned by age (apps/worker/src/queue/prune.ts): BRIN on the append-ordered
    // created_at finds the old part of the table without a btree maintained on every insert.
    index("message_queue_created_brin").using("brin", t.createdAt),
    check("message_queue_status_check", inList(t.status, JOB_STATUSES)),
    check("message_queue_attempts_check", sql`${t.attempts} >= 0 and ${t.maxAttempts} >= 1`),
  ],
);

export type Job = typeof messageQueue.$inferSelect;
export type NewJob = typeof messageQueue.$inferInsert;

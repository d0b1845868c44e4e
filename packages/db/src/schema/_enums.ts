import { sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * Statuses are text columns with CHECK constraints instead of pg enums: adding a value is a
 * one-line migration with no `ALTER TYPE` transaction caveats. The lists are the one source of truth
 * for both the CHECK and the TypeScript unions.
 */
export const USER_ROLES = ["operator", "client"] as const;
export const NUMBER_KINDS = ["meta", "sandbox"] as const;
export const APPROVAL_STATUSES = ["pending", "approved", "rejected"] as const;
export const ACTIVATION_KINDS = ["activate", "rollback"] as const;
export const CONVERSATION_MODES = ["bot", "pending_human", "human", "closed"] as const;
export const MESSAGE_DIRECTIONS = ["in", "out"] as const;
export const MESSAGE_AUTHORS = ["customer", "bot", "human", "system"] as const;
export const WEBHOOK_EVENT_KINDS = ["message", "status", "other"] as const;
export const WEBHOOK_EVENT_STATUSES = ["received", "queued", "processed", "ignored"] as const;
export const JOB_STATUSES = ["queued", "running", "done", "dead", "cancelled"] as const;
export const OUTBOX_KINDS = ["text", "template", "interactive", "media", "reaction", "mark_read"] as const;
/**
 * queued → sending → sent → delivered → read; failed (Meta's failed status), dead (gave up),
 * blocked (24-hour rule with no template), cancelled (stale after a handoff), ambiguous (request may
 * have reached Meta; waiting for a status callback before any re-send).
 */
export const OUTBOX_STATUSES = [
  "queued",
  "sending",
  "ambiguous",
  "sent",
  "delivered",
  "read",
  "failed",
  "dead",
  "blocked",
  "cancelled",
] as const;
/**
 * Why a send was `blocked` by the 24-hour rule: the agent names no re-engagement template, or the
 * one it names is not approved for the tenant (undeclared, pending, paused, rejected…).
 */
export const OUTBOX_BLOCK_REASONS = ["no_template", "template_not_approved"] as const;
export const TEMPLATE_CATEGORIES = ["utility", "marketing", "authentication"] as const;
export const TEMPLATE_PURPOSES = ["reengagement", "reminder", "handoff", "other"] as const;
/** A template's state at Meta: only `approved` ones are sent (paused and disabled by Meta's quality rating). */
export const TEMPLATE_STATUSES = ["approved", "pending", "rejected", "paused", "disabled"] as const;
export const HANDOFF_TRIGGERS = ["keyword", "model", "policy", "failure", "operator"] as const;
export const APPOINTMENT_STATUSES = ["booked", "confirmed", "cancelled", "done", "no_show"] as const;
/** A regression run: its test cases, or a replay of real conversations (the lists live with their zod schemas). */
export { TEST_RUN_KINDS, TEST_RUN_STATUSES } from "@lx/shared/schemas";
/** Who acts in the audit log (with the platform's own actors' labels: packages/shared schemas/audit.ts). */
export { ACTOR_TYPES } from "@lx/shared/schemas";
/** A tenant's lifecycle (the console's tenant page and its zod input share the list). */
export { TENANT_STATUSES } from "@lx/shared/schemas";

/** `CHECK (col IN (...))` for a status list. */
export function inList(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} in (${sql.join(
    values.map((v) => sql.raw(`'${v.replace(/'/g, "''")}'`)),
    sql`, `,
  )})`;
}

/** Lowercase slug used in URLs and the CLI. */
export function slugCheck(column: AnyPgColumn): SQL {
  return sql`${column} ~ '^[a-z0-9][a-z0-9-]{0,62}$'`;
}

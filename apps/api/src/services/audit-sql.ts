import type { Database } from "@lx/db/client";
import type { AuditInput } from "@lx/db/queries";

/** The postgres.js pool or a transaction opened with `db.$client.begin` (TransactionSql extends Sql). */
export type Sql = Database["$client"];

/**
 * `insertAuditEvent` for a postgres.js transaction: the services in this folder that write with a
 * WHERE clause run on `db.$client` (apps/api has no `drizzle-orm` of its own), and the audit row must
 * share their transaction (STYLE rule 20). Same columns and defaults as the drizzle version.
 * Goes away when these services move to packages/db.
 */
export async function insertAuditEventSql(sql: Sql, e: AuditInput): Promise<void> {
  const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));
  await sql`
    insert into audit_events
      (tenant_id, actor_type, actor_id, actor_label, type, subject_type, subject_id,
       before, after, data, request_id)
    values
      (${e.tenantId ?? null}, ${e.actor.type}, ${e.actor.id ?? null}, ${e.actor.label}, ${e.type},
       ${e.subjectType ?? null}, ${e.subjectId === undefined ? null : String(e.subjectId)},
       ${json(e.before)}::jsonb, ${json(e.after)}::jsonb, ${json(e.data)}::jsonb, ${e.requestId ?? null})`;
}

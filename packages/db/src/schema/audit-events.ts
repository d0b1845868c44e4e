import { sql } from "drizzle-orm";
import { bigint, check, index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { createdAt } from "./_columns.ts";
import { ACTOR_TYPES, inList } from "./_enums.ts";
import { tenants } from "./tenants.ts";

/**
 * The audit trail: who did what to which thing, with before/after. Written in the same transaction
 * as the change it records. Append-only (a trigger rejects UPDATE and DELETE).
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: uuid().references(() => tenants.id),
    actorType: text({ enum: ACTOR_TYPES }).notNull(),
    actorId: text(),
    actorLabel: text().notNull(),
    /** Dotted event type: version.published, version.activated, webhook.duplicate, auth.login, … */
    type: text().notNull(),
    subjectType: text(),
    subjectId: text(),
    before: jsonb().$type<unknown>(),
    after: jsonb().$type<unknown>(),
    data: jsonb().$type<Record<string, unknown>>(),
    requestId: text(),
    ...createdAt,
  },
  (t) => [
    index("audit_events_tenant_created_idx").on(t.tenantId, t.createdAt.desc(), t.id.desc()),
    index("audit_events_type_created_idx").on(t.type, t.createdAt.desc()),
    // A tenant's latest event of a type (the setup checklist's evidence, the audit log filtered by
    // tenant and type): without it, a type the tenant never had read the tenant's whole history.
    index("audit_events_tenant_type_created_idx").on(t.tenantId, t.type, t.createdAt.desc(), t.id.desc()),
    index("audit_events_created_idx").on(t.createdAt.desc(), t.id.desc()),
    index("audit_events_subject_idx").on(t.subjectType, t.subjectId),
    // The audit log's actor filter (queries/audit.ts): a label whole or by its start, whatever its
    // case — text_pattern_ops makes `lower(actor_label) like 'ana%'` an index range.
    index("audit_events_actor_label_created_idx").on(
      sql`lower(${t.actorLabel}) text_pattern_ops`,
      t.createdAt.desc(),
      t.id.desc(),
    ),
    // …or an actor id (users' events only: most events have none).
    index("audit_events_actor_id_created_idx")
      .on(t.actorId, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.actorId} is not null`),
    check("audit_events_actor_check", inList(t.actorType, ACTOR_TYPES)),
  ],
);

export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;

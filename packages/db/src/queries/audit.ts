import { auditEvents } from "../schema/index.ts";
import type { Executor } from "../client.ts";

export type AuditActor = {
  type: "user" | "cli" | "system" | "worker" | "meta";
  id?: string | null;
  /** Human-readable: an e-mail, "cli", "worker-3f2a". */
  label: string;
};

export const CLI_ACTOR: AuditActor = { type: "cli", label: "cli" };
export const SYSTEM_ACTOR: AuditActor = { type: "system", label: "system" };

export type AuditInput = {
  tenantId?: string | null;
  actor: AuditActor;
  type: string;
  subjectType?: string;
  subjectId?: string | number;
  before?: unknown;
  after?: unknown;
  data?: Record<string, unknown>;
  requestId?: string;
};

/** Writes one audit event; pass the transaction that makes the change it records (STYLE rule 20). */
export async function insertAuditEvent(db: Executor, e: AuditInput): Promise<void> {
  await db.insert(auditEvents).values({
    tenantId: e.tenantId ?? null,
    actorType: e.actor.type,
    actorId: e.actor.id ?? null,
    actorLabel: e.actor.label,
    type: e.type,
    subjectType: e.subjectType ?? null,
    subjectId: e.subjectId === undefined ? null : String(e.subjectId),
    before: e.before ?? null,
    after: e.after ?? null,
    data: e.data ?? null,
    requestId: e.requestId ?? null,
  });
}

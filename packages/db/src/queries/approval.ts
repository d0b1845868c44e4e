import { and, count, desc, eq, inArray, isNull, sql } from "drizzle-orm";

import { approvalAllowsActivation, type ApprovalGate } from "@lx/shared/domain";
import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { agentVersions, auditEvents, users } from "../schema/index.ts";

import { insertAuditEvent, type AuditActor } from "./audit.ts";

export type { ApprovalGate };

/**
 * The client-approval gate ("we configure, the client approves", PRODUCT.md). A tenant with at least
 * one active (not disabled) client user gets a version live only once that client approved it;
 * otherwise activation is INVALID_STATE unless the operator overrides (`force`, audited as
 * `version.approval_overridden`). A tenant without a client login (an agency onboarding before the
 * client has one, the demo's first apply, the test suites) activates freely: there is nobody to
 * approve. Rollback is not gated: it goes back to a version that was live before (a safety action).
 */
/** True when the tenant has an active client user, i.e. versions need the client's approval to go live. */
export async function tenantRequiresApproval(db: Executor, tenantId: string): Promise<boolean> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.role, "client"), isNull(users.disabledAt)));
  return (row?.n ?? 0) > 0;
}

/** A version's approval gate, given whether its tenant requires approval. */
export function approvalGateOf(required: boolean, status: "pending" | "approved" | "rejected"): ApprovalGate {
  return required ? status : "not_required";
}


/**
 * The latest rejection note of each version of an agent (version → note), for the version list.
 * Filtered by tenant (STYLE rule 18).
 */
export async function rejectionNotes(
  db: Executor,
  p: { tenantId: string; agentId: string },
): Promise<Map<string, string>> {
  const rows = await db
    .selectDistinctOn([sql`${auditEvents.after} ->> 'version'`], {
      version: sql<string>`${auditEvents.after} ->> 'version'`,
      note: sql<string | null>`${auditEvents.data} ->> 'note'`,
    })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.tenantId, p.tenantId),
        eq(auditEvents.type, "version.rejected"),
        eq(auditEvents.subjectType, "agent"),
        eq(auditEvents.subjectId, p.agentId),
      ),
    )
    .orderBy(sql`${auditEvents.after} ->> 'version'`, desc(auditEvents.createdAt), desc(auditEvents.id));
  const notes = new Map<string, string>();
  for (const r of rows) {
    const note = r.note?.trim();
    if (note) {
      notes.set(r.version, note);
    }
  }
  return notes;
}

/** The client's latest decision on a version: what, who (the account's e-mail), when, with its note. */
export type ApprovalDecision = {
  status: "approved" | "rejected";
  byLabel: string;
  at: Date;
  note: string | null;
};

/**
 * The latest decision (`version.approved` / `version.rejected`, from the audit trail written with
 * it) on each version of an agent (version → decision), for the version list: the client sees its
 * own decision and note again. Filtered by tenant (STYLE rule 18).
 */
export async function lastDecisions(
  db: Executor,
  p: { tenantId: string; agentId: string },
): Promise<Map<string, ApprovalDecision>> {
  const rows = await db
    .selectDistinctOn([sql`${auditEvents.after} ->> 'version'`], {
      version: sql<string>`${auditEvents.after} ->> 'version'`,
      type: auditEvents.type,
      byLabel: auditEvents.actorLabel,
      at: auditEvents.createdAt,
      note: sql<string | null>`${auditEvents.data} ->> 'note'`,
    })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.tenantId, p.tenantId),
        inArray(auditEvents.type, ["version.approved", "version.rejected"]),
        eq(auditEvents.subjectType, "agent"),
        eq(auditEvents.subjectId, p.agentId),
      ),
    )
    .orderBy(sql`${auditEvents.after} ->> 'version'`, desc(auditEvents.createdAt), desc(auditEvents.id));
  return new Map(
    rows.map((r) => [
      r.version,
      {
        status: r.type === "version.approved" ? "approved" : "rejected",
        byLabel: r.byLabel,
        at: r.at,
        note: r.note?.trim() ? r.note.trim() : null,
      },
    ]),
  );
}

/**
 * Activation's approval check: a version the client has not approved goes live only with `force`,
 * and the override is audited (`version.approval_overridden`, with the version and its approval
 * status) in the caller's transaction. Returns the gate.
 */
export async function checkApprovalGate(
  db: Executor,
  p: {
    tenantId: string;
    agentId: string;
    agentSlug: string;
    versionId: string;
    version: string;
    force: boolean;
    actor: AuditActor;
    requestId?: string;
  },
): Promise<ApprovalGate> {
  const [row] = await db
    .select({ approvalStatus: agentVersions.approvalStatus })
    .from(agentVersions)
    .where(and(eq(agentVersions.id, p.versionId), eq(agentVersions.tenantId, p.tenantId)))
    // Shares the lock a decision takes (decideVersionApproval, FOR UPDATE): a rejection made while this
    // activation runs waits for it, and one already under way is read once committed, never half-seen.
    .for("share");
  if (!row) {
    throw new AppError("NOT_FOUND", { message: `unknown version ${p.version}` });
  }
  const gate = approvalGateOf(await tenantRequiresApproval(db, p.tenantId), row.approvalStatus);
  if (approvalAllowsActivation(gate)) {
    return gate;
  }
  const note =
    gate === "rejected"
      ? ((await rejectionNotes(db, { tenantId: p.tenantId, agentId: p.agentId })).get(p.version) ?? null)
      : null;
  if (!p.force) {
    const why =
      gate === "rejected"
        ? `the client rejected it${note ? ` ("${note}")` : ""}`
        : "the client has not approved it yet";
    throw new AppError("INVALID_STATE", {
      message: `client approval: version ${p.version} of agent "${p.agentSlug}" cannot go live, ${why} (ask the client to approve it, or override with --force)`,
      reason: gate === "rejected" ? { code: "approval.rejected", version: p.version, note } : { code: "approval.pending", version: p.version },
    });
  }
  await insertAuditEvent(db, {
    tenantId: p.tenantId,
    actor: p.actor,
    type: "version.approval_overridden",
    subjectType: "agent",
    subjectId: p.agentId,
    data: { version: p.version, approvalStatus: gate, ...(note ? { note } : {}) },
    requestId: p.requestId,
  });
  return gate;
}

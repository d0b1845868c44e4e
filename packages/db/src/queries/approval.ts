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

/** The client's latest decision on a version: what, who (the account's e-mail), when, with its note. */
export type ApprovalDecision = {
  status: "approved" | "rejected";
  byLabel: string;
  at: Date;
  note: string | null;
};

/** What the audit trail says about the client's decisions on one version. */
export type VersionDecisions = {
  /** The latest decision (`version.approved` / `version.rejected`): the client sees its own decision and note again. */
  last: ApprovalDecision;
  /** The note of the latest rejection (null without one, or when it had no note), whatever came after it. */
  rejectionNote: string | null;
};

/**
 * The client's decisions on each version of an agent (version → decisions), or on one version
 * (`version`), from the audit events written with them, in one read: the version list shows the
 * latest decision, activation quotes the rejection's note. A version has a few decisions at most,
 * read newest first through audit_events_subject_idx. Filtered by tenant (STYLE rule 18).
 */
export async function versionDecisions(
  db: Executor,
  p: { tenantId: string; agentId: string; version?: string },
): Promise<Map<string, VersionDecisions>> {
  const versionOf = sql<string>`${auditEvents.after} ->> 'version'`;
  const rows = await db
    .select({
      version: versionOf,
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
        p.version === undefined ? undefined : eq(versionOf, p.version),
      ),
    )
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id));
  const decisions = new Map<string, VersionDecisions>();
  const rejectionRead = new Set<string>();
  for (const r of rows) {
    const note = r.note?.trim() || null;
    const rejected = r.type === "version.rejected";
    let d = decisions.get(r.version);
    if (!d) {
      d = { last: { status: rejected ? "rejected" : "approved", byLabel: r.byLabel, at: r.at, note }, rejectionNote: null };
      decisions.set(r.version, d);
    }
    if (rejected && !rejectionRead.has(r.version)) {
      d.rejectionNote = note;
      rejectionRead.add(r.version);
    }
  }
  return decisions;
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
      ? ((await versionDecisions(db, { tenantId: p.tenantId, agentId: p.agentId, version: p.version })).get(p.version)
          ?.rejectionNote ?? null)
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

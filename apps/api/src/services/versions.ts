/**
 * Version reads, compile preview and client approval. Belongs in packages/db (queries/versions.ts)
 * once moved; see services/auth.ts for why writes use `db.$client`.
 */
import type { Database } from "@lx/db/client";
import { compileSpec, getActiveBundle, type AuditActor } from "@lx/db/queries";
import { diffBundles, type BundleDiff, type CompiledAgentBundle, type TAgentSpec } from "@lx/shared";
import { AppError } from "@lx/shared/errors";

import { insertAuditEventSql } from "./audit-sql.ts";

export type ApprovalStatus = "pending" | "approved" | "rejected";

export type VersionDetailRow = {
  id: string;
  agentId: string;
  version: string;
  spec: TAgentSpec;
  bundle: CompiledAgentBundle;
  specHash: string;
  bundleHash: string;
  changelog: string;
  createdByLabel: string;
  createdAt: Date;
  approvalStatus: ApprovalStatus;
  approvedAt: Date | null;
};

/** One version of an agent with its spec and frozen bundle, or NOT_FOUND. Filtered by tenant. */
export async function getVersionDetail(
  db: Database,
  p: { tenantId: string; agentId: string; agentSlug: string; version: string },
): Promise<VersionDetailRow> {
  const row = await db.query.agentVersions.findFirst({
    columns: {
      id: true,
      agentId: true,
      version: true,
      spec: true,
      bundle: true,
      specHash: true,
      bundleHash: true,
      changelog: true,
      createdByLabel: true,
      createdAt: true,
      approvalStatus: true,
      approvedAt: true,
    },
    where: (v, { and, eq }) =>
      and(eq(v.tenantId, p.tenantId), eq(v.agentId, p.agentId), eq(v.version, p.version)),
  });
  if (!row) {
    throw new AppError("NOT_FOUND", { message: `agent "${p.agentSlug}" has no version ${p.version}` });
  }
  return row;
}

export type CompilePreview =
  | { ok: false; errors: { path: string; message: string }[] }
  | {
      ok: true;
      bundle: CompiledAgentBundle;
      /** The live version the diff is against (null: nothing active yet, the diff is against nothing). */
      activeVersion: string | null;
      /** The candidate's bundle equals the live one: publishing it would change nothing live. */
      sameAsActive: boolean;
      diff: BundleDiff;
    };

/** Validates and compiles a spec and diffs it against the agent's live version. Writes nothing. */
export async function previewCompile(
  db: Database,
  p: { agentId: string; spec: unknown },
): Promise<CompilePreview> {
  const compiled = compileSpec(p.spec);
  if (!compiled.ok) {
    return { ok: false, errors: compiled.errors };
  }
  const active = await getActiveBundle(db, p.agentId);
  return {
    ok: true,
    bundle: compiled.bundle,
    activeVersion: active?.version ?? null,
    sameAsActive: active?.bundle.bundleHash === compiled.bundle.bundleHash,
    diff: diffBundles(active?.bundle ?? null, compiled.bundle),
  };
}

export type ApprovalInput = {
  tenantId: string;
  agentId: string;
  agentSlug: string;
  version: string;
  decision: "approved" | "rejected";
  note?: string;
  actor: AuditActor;
  requestId?: string;
};

export type ApprovalResult = { version: string; approvalStatus: ApprovalStatus; changed: boolean };

/**
 * Records the client's decision on a version ("we configure, the client approves"). Only the
 * approval columns change (the immutability trigger allows exactly those); the decider and time go in
 * approvedById/approvedAt for either decision. Audited as `version.approved` / `version.rejected` in
 * the same transaction. Repeating the current decision is a no-op.
 */
export async function decideVersionApproval(db: Database, input: ApprovalInput): Promise<ApprovalResult> {
  return db.$client.begin(async (sql) => {
    const [current] = await sql<{ id: string; approvalStatus: ApprovalStatus }[]>`
      select id, approval_status as "approvalStatus"
      from agent_versions
      where tenant_id = ${input.tenantId} and agent_id = ${input.agentId} and version = ${input.version}
      for update`;
    if (!current) {
      throw new AppError("NOT_FOUND", {
        message: `agent "${input.agentSlug}" has no version ${input.version}`,
      });
    }
    if (current.approvalStatus === input.decision) {
      return { version: input.version, approvalStatus: current.approvalStatus, changed: false };
    }
    await sql`
      update agent_versions
      set approval_status = ${input.decision}, approved_by_id = ${input.actor.id ?? null}, approved_at = now()
      where id = ${current.id} and tenant_id = ${input.tenantId}`;
    await insertAuditEventSql(sql, {
      tenantId: input.tenantId,
      actor: input.actor,
      type: input.decision === "approved" ? "version.approved" : "version.rejected",
      subjectType: "agent",
      subjectId: input.agentId,
      before: { version: input.version, approvalStatus: current.approvalStatus },
      after: { version: input.version, approvalStatus: input.decision },
      data: { agentSlug: input.agentSlug, ...(input.note ? { note: input.note } : {}) },
      requestId: input.requestId,
    });
    return { version: input.version, approvalStatus: input.decision, changed: true };
  });
}

import { and, desc, eq, sql } from "drizzle-orm";

import {
  compile,
  diffBundles,
  formatSemver,
  nextVersion,
  parseAgentSpec,
  parseSemver,
  type BundleDiff,
  type CompiledAgentBundle,
  type TAgentSpec,
} from "@lx/shared";
import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { agentActivations, agents, agentVersions } from "../schema/index.ts";
import type { GateState } from "@lx/shared/domain";

import {
  approvalGateOf,
  checkApprovalGate,
  tenantRequiresApproval,
  versionDecisions,
  type ApprovalDecision,
  type ApprovalGate,
} from "./approval.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { checkActivationGate, gateRunOfVersion, versionGates } from "./regression.ts";

export type Bump = "patch" | "minor" | "major";

export type VersionDto = {
  id: string;
  agentId: string;
  version: string;
  specHash: string;
  bundleHash: string;
  changelog: string;
  createdByLabel: string;
  createdAt: Date;
  approvalStatus: "pending" | "approved" | "rejected";
  approvedAt: Date | null;
  /**
   * The client-approval gate: `not_required` when the tenant has no active client user, else the
   * approval status (only `approved` goes live without an override).
   */
  approvalGate: ApprovalGate;
  /** The note the client left when rejecting it (the latest rejection), or null. */
  rejectionNote: string | null;
  /** The client's latest decision (who, when, its note) while it stands; null while pending. */
  decision: ApprovalDecision | null;
  active: boolean;
  /** The version's regression gate (docs/regression.md). */
  gate: GateState;
  /** A rollback now would make this version live again (at most one version of an agent is). */
  rollbackTarget: boolean;
};

const versionColumns = {
  id: agentVersions.id,
  agentId: agentVersions.agentId,
  version: agentVersions.version,
  specHash: agentVersions.specHash,
  bundleHash: agentVersions.bundleHash,
  changelog: agentVersions.changelog,
  createdByLabel: agentVersions.createdByLabel,
  createdAt: agentVersions.createdAt,
  approvalStatus: agentVersions.approvalStatus,
  approvedAt: agentVersions.approvedAt,
};

/** Locks the agent row for the rest of the transaction: publishes and activations of one agent queue up. */
async function lockAgent(tx: Executor, tenantId: string, agentId: string) {
  const [agent] = await tx
    .select()
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.tenantId, tenantId)))
    .for("update");
  if (!agent) {
    throw new AppError("NOT_FOUND", { message: `unknown agent ${agentId}` });
  }
  return agent;
}

async function latestVersion(tx: Executor, agentId: string) {
  const [row] = await tx
    .select({ id: agentVersions.id, version: agentVersions.version, bundleHash: agentVersions.bundleHash })
    .from(agentVersions)
    .where(eq(agentVersions.agentId, agentId))
    .orderBy(desc(agentVersions.major), desc(agentVersions.minor), desc(agentVersions.patch))
    .limit(1);
  return row ?? null;
}

export type CompileResult =
  | { ok: true; spec: TAgentSpec; bundle: CompiledAgentBundle }
  | { ok: false; errors: { path: string; message: string }[] };

/** Validates and compiles a spec; invalid specs come back as path-named errors, not exceptions. */
export function compileSpec(spec: unknown, docs?: { title: string; content: string }[]): CompileResult {
  const parsed = parseAgentSpec(spec);
  if (!parsed.ok) {
    return { ok: false, errors: parsed.errors };
  }
  return { ok: true, spec: parsed.spec, bundle: compile(parsed.spec, docs) };
}

export type PublishInput = {
  tenantId: string;
  agentId: string;
  spec: unknown;
  docs?: { title: string; content: string }[];
  bump?: Bump;
  changelog?: string;
  actor: AuditActor;
  requestId?: string;
};

/**
 * Publishes a new immutable version. Refused (CONFLICT) when the bundle equals the latest version's.
 * The agent row lock serialises concurrent publishes, so two callers never get the same number
 * (the unique (agent_id, version) constraint is the backstop).
 */
export async function publishVersion(db: Executor, input: PublishInput): Promise<VersionDto> {
  const compiled = compileSpec(input.spec, input.docs);
  if (!compiled.ok) {
    throw new AppError("INVALID_INPUT", {
      message: `invalid spec: ${compiled.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
    });
  }
  const { spec, bundle } = compiled;
  return db.transaction(async (tx) => {
    const agent = await lockAgent(tx, input.tenantId, input.agentId);
    const latest = await latestVersion(tx, agent.id);
    if (latest?.bundleHash === bundle.bundleHash) {
      throw new AppError("CONFLICT", {
        message: `nothing to publish: the bundle equals version ${latest.version}`,
        reason: { code: "version.unchanged" },
      });
    }
    const version = nextVersion(latest?.version ?? null, input.bump ?? "patch");
    const sv = parseSemver(version);
    if (!sv) {
      throw new Error(`nextVersion produced an invalid version "${version}"`);
    }
    const [row] = await tx
      .insert(agentVersions)
      .values({
        tenantId: input.tenantId,
        agentId: agent.id,
        version: formatSemver(sv),
        major: sv.major,
        minor: sv.minor,
        patch: sv.patch,
        spec,
        bundle,
        specHash: bundle.specHash,
        bundleHash: bundle.bundleHash,
        changelog: input.changelog ?? "",
        createdById: input.actor.type === "user" ? (input.actor.id ?? null) : null,
        createdByLabel: input.actor.label,
      })
      .returning(versionColumns);
    if (!row) {
      throw new Error("insert returned no row");
    }
    await insertAuditEvent(tx, {
      tenantId: input.tenantId,
      actor: input.actor,
      type: "version.published",
      subjectType: "agent",
      subjectId: agent.id,
      before: latest ? { version: latest.version, bundleHash: latest.bundleHash } : null,
      after: { version: row.version, bundleHash: row.bundleHash, specHash: row.specHash },
      data: { agentSlug: agent.slug, changelog: row.changelog },
      requestId: input.requestId,
    });
    const gate = (await versionGates(tx, { tenantId: input.tenantId, agentId: agent.id })).get(row.id) ?? "no_cases";
    const approvalGate = approvalGateOf(await tenantRequiresApproval(tx, input.tenantId), row.approvalStatus);
    return { ...row, approvalGate, rejectionNote: null, decision: null, active: agent.activeVersionId === row.id, gate, rollbackTarget: false };
  });
}

export type ActivateInput = {
  tenantId: string;
  agentId: string;
  version: string;
  actor: AuditActor;
  requestId?: string;
  /**
   * Go live although a gate holds the version back — the client's approval (audited as
   * `version.approval_overridden`) and/or the regression gate (`version.gate_overridden`).
   */
  force?: boolean;
};

/**
 * `gate`: the version's regression gate when it was activated (`no_cases` when the agent has none);
 * `approval`: its client-approval gate then (`not_required` when the tenant has no client user).
 */
export type ActivationResult = {
  changed: boolean;
  from: string | null;
  to: string;
  gate?: GateState;
  approval?: ApprovalGate;
};

async function versionLabel(tx: Executor, id: string | null): Promise<string | null> {
  if (!id) {
    return null;
  }
  const [v] = await tx.select({ version: agentVersions.version }).from(agentVersions).where(eq(agentVersions.id, id));
  return v?.version ?? null;
}

/** Makes a version the live one (effective for the next message); audited; no-op when already live. */
export async function activateVersion(db: Executor, input: ActivateInput): Promise<ActivationResult> {
  return db.transaction(async (tx) => {
    const agent = await lockAgent(tx, input.tenantId, input.agentId);
    const [target] = await tx
      .select({ id: agentVersions.id, version: agentVersions.version })
      .from(agentVersions)
      .where(and(eq(agentVersions.agentId, agent.id), eq(agentVersions.version, input.version)));
    if (!target) {
      throw new AppError("NOT_FOUND", { message: `agent "${agent.slug}" has no version ${input.version}` });
    }
    const from = await versionLabel(tx, agent.activeVersionId);
    if (agent.activeVersionId === target.id) {
      return { changed: false, from, to: target.version };
    }
    // The client's approval first (is the version wanted at all?), then the regression gate; `force`
    // overrides both, each override audited on its own.
    const approval = await checkApprovalGate(tx, {
      tenantId: input.tenantId,
      agentId: agent.id,
      agentSlug: agent.slug,
      versionId: target.id,
      version: target.version,
      force: input.force ?? false,
      actor: input.actor,
      requestId: input.requestId,
    });
    const gate = await checkActivationGate(tx, {
      tenantId: input.tenantId,
      agentId: agent.id,
      versionId: target.id,
      version: target.version,
      force: input.force ?? false,
      actor: input.actor,
      requestId: input.requestId,
    });
    await switchActive(tx, {
      tenantId: input.tenantId,
      agent,
      toId: target.id,
      kind: "activate",
      actor: input.actor,
    });
    await insertAuditEvent(tx, {
      tenantId: input.tenantId,
      actor: input.actor,
      type: "version.activated",
      subjectType: "agent",
      subjectId: agent.id,
      before: { version: from },
      after: { version: target.version },
      data: { agentSlug: agent.slug, gate, approval },
      requestId: input.requestId,
    });
    return { changed: true, from, to: target.version, gate, approval };
  });
}

export type RollbackInput = {
  tenantId: string;
  agentId: string;
  actor: AuditActor;
  requestId?: string;
  /** The switch the caller confirmed: CONFLICT unless the live version and its target are still these. */
  expect?: { from: string; to: string };
};

/**
 * Goes back to the version that was live before the current one was activated. Repeated rollbacks
 * walk further back through the activation history; with nothing earlier it is INVALID_STATE.
 * Not gated (neither the client's approval nor the regression gate): it is the safety action back to
 * a version that was already live.
 */
export async function rollbackVersion(db: Executor, input: RollbackInput): Promise<ActivationResult> {
  return db.transaction(async (tx) => {
    const agent = await lockAgent(tx, input.tenantId, input.agentId);
    if (!agent.activeVersionId) {
      throw new AppError("INVALID_STATE", {
        message: `agent "${agent.slug}" has no active version to roll back from`,
        reason: { code: "rollback.nothing_live" },
      });
    }
    const previousId = await rollbackTargetId(tx, { id: agent.id, activeVersionId: agent.activeVersionId });
    const from = await versionLabel(tx, agent.activeVersionId);
    if (!previousId) {
      throw new AppError("INVALID_STATE", {
        message: `agent "${agent.slug}" has no earlier active version to roll back to: no version was live before ${from ?? "?"}`,
        reason: { code: "rollback.nothing_before", version: from ?? "?" },
      });
    }
    const to = (await versionLabel(tx, previousId)) ?? "?";
    if (input.expect && (input.expect.from !== from || input.expect.to !== to)) {
      throw new AppError("CONFLICT", {
        message: `agent "${agent.slug}": the rollback asked for was ${input.expect.from} → ${input.expect.to}, but it would now be ${from ?? "?"} → ${to} (the live version changed meanwhile)`,
        reason: { code: "rollback.live_changed", live: from ?? "?", restore: to },
      });
    }
    await switchActive(tx, { tenantId: input.tenantId, agent, toId: previousId, kind: "rollback", actor: input.actor });
    await insertAuditEvent(tx, {
      tenantId: input.tenantId,
      actor: input.actor,
      type: "version.rolled_back",
      subjectType: "agent",
      subjectId: agent.id,
      before: { version: from },
      after: { version: to },
      data: { agentSlug: agent.slug },
      requestId: input.requestId,
    });
    return { changed: true, from, to };
  });
}

/**
 * The version a rollback would make live, or null. The activations are a stack: each activation
 * pushes the switch it made (to its version, from the one live before), each rollback pops the last
 * one and makes live what was live before it. So repeated rollbacks walk back through the history
 * and stop at the agent's first live version, even when a version was activated more than once
 * (1.0.0 → 1.0.1 → 1.0.2 → 1.0.0 rolls back to 1.0.2, 1.0.1, 1.0.0, then refuses; looking up the
 * current version's last activation instead went round in a circle).
 */
async function rollbackTargetId(
  db: Executor,
  agent: { id: string; activeVersionId: string | null },
): Promise<string | null> {
  if (!agent.activeVersionId) {
    return null;
  }
  const history = await db
    .select({ versionId: agentActivations.versionId, previousVersionId: agentActivations.previousVersionId, kind: agentActivations.kind })
    .from(agentActivations)
    .where(eq(agentActivations.agentId, agent.id))
    .orderBy(agentActivations.createdAt, agentActivations.id);
  const stack: { versionId: string; previousVersionId: string | null }[] = [];
  for (const step of history) {
    if (step.kind === "activate") {
      stack.push(step);
    } else {
      stack.pop();
    }
  }
  const top = stack.at(-1);
  return top?.versionId === agent.activeVersionId ? top.previousVersionId : null;
}

async function switchActive(
  tx: Executor,
  p: {
    tenantId: string;
    agent: { id: string; activeVersionId: string | null };
    toId: string;
    kind: "activate" | "rollback";
    actor: AuditActor;
  },
) {
  await tx
    .update(agents)
    .set({ activeVersionId: p.toId })
    .where(and(eq(agents.id, p.agent.id), eq(agents.tenantId, p.tenantId)));
  await tx.insert(agentActivations).values({
    tenantId: p.tenantId,
    agentId: p.agent.id,
    versionId: p.toId,
    previousVersionId: p.agent.activeVersionId,
    kind: p.kind,
    actorType: p.actor.type,
    actorLabel: p.actor.label,
    // clock_timestamp, not now(): two switches in one transaction still have an order.
    createdAt: sql`clock_timestamp()`,
  });
}

/** Versions of an agent, newest first, with the live one and the one a rollback would restore marked. */
export async function listVersions(
  db: Executor,
  { tenantId, agentId }: { tenantId: string; agentId: string },
): Promise<VersionDto[]> {
  const rows = await db
    .select({ ...versionColumns, activeVersionId: agents.activeVersionId })
    .from(agentVersions)
    .innerJoin(agents, eq(agents.id, agentVersions.agentId))
    .where(and(eq(agentVersions.agentId, agentId), eq(agentVersions.tenantId, tenantId)))
    .orderBy(desc(agentVersions.major), desc(agentVersions.minor), desc(agentVersions.patch));
  const gates = await versionGates(db, { tenantId, agentId });
  const target = await rollbackTargetId(db, { id: agentId, activeVersionId: rows[0]?.activeVersionId ?? null });
  const approvalRequired = await tenantRequiresApproval(db, tenantId);
  const decisions = await versionDecisions(db, { tenantId, agentId });
  return rows.map(({ activeVersionId, ...r }) => {
    // The audit's latest decision, while it is the version's status (a decision is audited with it).
    const last = decisions.get(r.version)?.last;
    const decision = last?.status === r.approvalStatus ? last : null;
    return {
      ...r,
      approvalGate: approvalGateOf(approvalRequired, r.approvalStatus),
      rejectionNote: decision?.status === "rejected" ? decision.note : null,
      decision,
      active: r.id === activeVersionId,
      gate: gates.get(r.id) ?? "no_cases",
      rollbackTarget: r.id === target,
    };
  });
}

/** The frozen bundle of the live version, as the worker loads it. */
export async function getActiveBundle(db: Executor, agentId: string) {
  const [row] = await db
    .select({ versionId: agentVersions.id, version: agentVersions.version, bundle: agentVersions.bundle })
    .from(agents)
    .innerJoin(agentVersions, eq(agentVersions.id, agents.activeVersionId))
    .where(eq(agents.id, agentId));
  return row ?? null;
}

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
  db: Executor,
  p: { tenantId: string; agentId: string; agentSlug: string; version: string },
): Promise<VersionDetailRow> {
  const [row] = await db
    .select({
      id: agentVersions.id,
      agentId: agentVersions.agentId,
      version: agentVersions.version,
      spec: agentVersions.spec,
      bundle: agentVersions.bundle,
      specHash: agentVersions.specHash,
      bundleHash: agentVersions.bundleHash,
      changelog: agentVersions.changelog,
      createdByLabel: agentVersions.createdByLabel,
      createdAt: agentVersions.createdAt,
      approvalStatus: agentVersions.approvalStatus,
      approvedAt: agentVersions.approvedAt,
    })
    .from(agentVersions)
    .where(versionOf(p))
    .limit(1);
  if (!row) {
    throw versionNotFound(p);
  }
  return row;
}

type VersionRef = { tenantId: string; agentId: string; agentSlug: string; version: string };

/** The condition that picks version `p.version` of the agent (the tenant's). */
function versionOf(p: VersionRef) {
  return and(eq(agentVersions.tenantId, p.tenantId), eq(agentVersions.agentId, p.agentId), eq(agentVersions.version, p.version));
}

function versionNotFound(p: VersionRef): AppError {
  return new AppError("NOT_FOUND", { message: `agent "${p.agentSlug}" has no version ${p.version}` });
}

export type VersionChanges = {
  version: string;
  changelog: string;
  /**
   * What the diff is against. "previous": the version that was live before this one was (last)
   * activated; "live": the version live now, for a version never activated (what going live would
   * change). Null: nothing (this version was the agent's first live one, or nothing is live yet).
   */
  against: { version: string; basis: "previous" | "live" } | null;
  diff: BundleDiff;
  /** The finished run of the current test cases that decides the version's gate, or null. */
  gateRun: { id: string; passed: boolean; finishedAt: Date } | null;
};

/**
 * What a version changes (prompt and configuration) against the version live before it, for the
 * client who approves it (read-only). NOT_FOUND for a version of another tenant or agent.
 */
export async function getVersionChanges(
  db: Executor,
  p: { tenantId: string; agentId: string; agentSlug: string; version: string },
): Promise<VersionChanges> {
  const [row] = await db
    .select({
      id: agentVersions.id,
      version: agentVersions.version,
      bundle: agentVersions.bundle,
      changelog: agentVersions.changelog,
      activeVersionId: agents.activeVersionId,
    })
    .from(agentVersions)
    .innerJoin(agents, and(eq(agents.id, agentVersions.agentId), eq(agents.tenantId, p.tenantId)))
    .where(versionOf(p))
    .limit(1);
  if (!row) {
    throw versionNotFound(p);
  }
  const [activation] = await db
    .select({ previousVersionId: agentActivations.previousVersionId })
    .from(agentActivations)
    .where(
      and(
        eq(agentActivations.tenantId, p.tenantId),
        eq(agentActivations.agentId, p.agentId),
        eq(agentActivations.versionId, row.id),
        eq(agentActivations.kind, "activate"),
      ),
    )
    .orderBy(desc(agentActivations.createdAt))
    .limit(1);
  let againstId: string | null;
  let basis: "previous" | "live";
  if (activation) {
    againstId = activation.previousVersionId;
    basis = "previous";
  } else {
    againstId = row.activeVersionId === row.id ? null : row.activeVersionId;
    basis = "live";
  }
  const [before] = againstId
    ? await db
        .select({ version: agentVersions.version, bundle: agentVersions.bundle })
        .from(agentVersions)
        .where(and(eq(agentVersions.id, againstId), eq(agentVersions.tenantId, p.tenantId)))
        .limit(1)
    : [];
  return {
    version: row.version,
    changelog: row.changelog,
    against: before ? { version: before.version, basis } : null,
    diff: diffBundles(before?.bundle ?? null, row.bundle),
    gateRun: await gateRunOfVersion(db, { tenantId: p.tenantId, agentId: p.agentId, versionId: row.id }),
  };
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

/**
 * Validates and compiles a spec and diffs it against the agent's live version. Writes nothing.
 * Like `getActiveBundle`, but filtered by tenant too (STYLE rule 18).
 */
export async function previewCompile(
  db: Executor,
  p: { tenantId: string; agentId: string; spec: unknown },
): Promise<CompilePreview> {
  const compiled = compileSpec(p.spec);
  if (!compiled.ok) {
    return { ok: false, errors: compiled.errors };
  }
  const [active] = await db
    .select({ version: agentVersions.version, bundle: agentVersions.bundle })
    .from(agents)
    .innerJoin(
      agentVersions,
      and(eq(agentVersions.id, agents.activeVersionId), eq(agentVersions.tenantId, p.tenantId)),
    )
    .where(and(eq(agents.id, p.agentId), eq(agents.tenantId, p.tenantId)));
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
export async function decideVersionApproval(db: Executor, input: ApprovalInput): Promise<ApprovalResult> {
  return db.transaction(async (tx) => {
    // Locked so two concurrent decisions on one version are audited in order, each with its real `before`.
    const [current] = await tx
      .select({ id: agentVersions.id, approvalStatus: agentVersions.approvalStatus })
      .from(agentVersions)
      .where(
        and(
          eq(agentVersions.tenantId, input.tenantId),
          eq(agentVersions.agentId, input.agentId),
          eq(agentVersions.version, input.version),
        ),
      )
      .for("update");
    if (!current) {
      throw new AppError("NOT_FOUND", {
        message: `agent "${input.agentSlug}" has no version ${input.version}`,
      });
    }
    if (current.approvalStatus === input.decision) {
      return { version: input.version, approvalStatus: current.approvalStatus, changed: false };
    }
    await tx
      .update(agentVersions)
      .set({ approvalStatus: input.decision, approvedById: input.actor.id ?? null, approvedAt: sql`now()` })
      .where(and(eq(agentVersions.id, current.id), eq(agentVersions.tenantId, input.tenantId)));
    await insertAuditEvent(tx, {
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

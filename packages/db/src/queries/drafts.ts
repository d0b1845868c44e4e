/**
 * Spec drafts: the one editable, autosaved spec of an agent (`spec_drafts`, keyed by agent). A draft
 * may be an invalid AgentSpec while it is being edited; only a valid one compiles and publishes.
 * Every read and write is filtered by tenant through the agent row (STYLE rule 18).
 */
import { and, eq, sql } from "drizzle-orm";

import type { CompiledAgentBundle } from "@lx/shared";
import { AppError } from "@lx/shared/errors";
import { parseAgentSpec } from "@lx/shared/schemas";

import type { Executor } from "../client.ts";
import { agents, agentVersions, nextDraftRevision, specDrafts, users, type SpecDraftSource } from "../schema/index.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { compileSpec } from "./versions.ts";

export type DraftView = {
  /** "draft": a saved draft; "active": no draft yet, the live version's spec; "none": neither. */
  source: "draft" | "active" | "none";
  /** null only when source is "none". */
  spec: unknown;
  /** The version the draft started from (for "active": the live version itself). */
  baseVersion: string | null;
  /** The agent's live version now. */
  activeVersion: string | null;
  updatedAt: Date | null;
  /** The e-mail of the operator who saved the draft last (null when no user did). */
  updatedByLabel: string | null;
  /**
   * Who saved the draft last: "user" (an operator in the spec editor, `updatedByLabel`), "apply"
   * (`lx apply`, provisioning, no user) or "wizard" (the console's onboarding wizard, run by
   * `updatedByLabel`); null without a draft.
   */
  updatedBy: DraftAuthor | null;
  /** The draft's revision (bumped by every write), for `saveDraft`'s `expectedRevision`; 0 without a draft. */
  revision: number;
};

export type DraftAuthor = "user" | "apply" | "wizard";

function authorOf(source: SpecDraftSource): DraftAuthor {
  return source === "console" ? "user" : source;
}

type AgentRef = { tenantId: string; agentId: string };

async function requireAgentOfTenant(db: Executor, { tenantId, agentId }: AgentRef) {
  const [row] = await db
    .select({ id: agents.id, slug: agents.slug, activeVersionId: agents.activeVersionId })
    .from(agents)
    .where(and(eq(agents.id, agentId), eq(agents.tenantId, tenantId)))
    .limit(1);
  if (!row) {
    throw new AppError("NOT_FOUND", { message: `unknown agent ${agentId}` });
  }
  return row;
}

/** The agent's draft, or (without one) its live version's spec, or nothing at all. */
export async function getDraftOrActive(db: Executor, ref: AgentRef): Promise<DraftView> {
  const agent = await requireAgentOfTenant(db, ref);
  const [active] = agent.activeVersionId
    ? await db
        .select({ version: agentVersions.version, spec: agentVersions.spec })
        .from(agentVersions)
        .where(and(eq(agentVersions.id, agent.activeVersionId), eq(agentVersions.tenantId, ref.tenantId)))
        .limit(1)
    : [];
  const [draft] = await db
    .select({
      spec: specDrafts.spec,
      baseVersion: agentVersions.version,
      updatedAt: specDrafts.updatedAt,
      updatedByLabel: users.email,
      source: specDrafts.source,
      revision: specDrafts.revision,
    })
    .from(specDrafts)
    .leftJoin(agentVersions, eq(agentVersions.id, specDrafts.baseVersionId))
    .leftJoin(users, eq(users.id, specDrafts.updatedById))
    .where(eq(specDrafts.agentId, agent.id))
    .limit(1);
  const activeVersion = active?.version ?? null;
  if (draft) {
    const { source, ...rest } = draft;
    return { ...rest, source: "draft", updatedBy: authorOf(source), activeVersion };
  }
  if (active) {
    return {
      source: "active",
      spec: active.spec,
      baseVersion: active.version,
      activeVersion,
      updatedAt: null,
      updatedByLabel: null,
      updatedBy: null,
      revision: 0,
    };
  }
  return {
    source: "none",
    spec: null,
    baseVersion: null,
    activeVersion,
    updatedAt: null,
    updatedByLabel: null,
    updatedBy: null,
    revision: 0,
  };
}

export type SaveDraftInput = AgentRef & {
  spec: Record<string, unknown>;
  /** The version the editor started from; must be one of this agent's versions. */
  baseVersion: string | null;
  /**
   * The revision the editor loaded (0: there was no draft). When set, a draft written since (by
   * another tab, operator, `lx apply` or a discard) is not overwritten: CONFLICT naming who saved it
   * and when. Unset: last writer wins.
   */
  expectedRevision?: number;
  actor: AuditActor;
  requestId?: string;
};

export type SaveDraftResult = { updatedAt: Date; baseVersion: string | null; valid: boolean; revision: number };

/** Upserts the agent's draft and audits `draft.saved`, in one transaction. */
export async function saveDraft(db: Executor, input: SaveDraftInput): Promise<SaveDraftResult> {
  return db.transaction(async (tx) => {
    const agent = await requireAgentOfTenant(tx, input);
    let baseVersionId: string | null = null;
    if (input.baseVersion !== null) {
      const [base] = await tx
        .select({ id: agentVersions.id })
        .from(agentVersions)
        .where(
          and(
            eq(agentVersions.agentId, agent.id),
            eq(agentVersions.tenantId, input.tenantId),
            eq(agentVersions.version, input.baseVersion),
          ),
        )
        .limit(1);
      if (!base) {
        throw new AppError("NOT_FOUND", {
          message: `agent "${agent.slug}" has no version ${input.baseVersion}`,
        });
      }
      baseVersionId = base.id;
    }
    const updatedById = input.actor.type === "user" ? (input.actor.id ?? null) : null;
    const values = { spec: input.spec, baseVersionId, updatedById, source: "console" as const };
    const returning = { updatedAt: specDrafts.updatedAt, revision: specDrafts.revision };
    const expected = input.expectedRevision;
    // Each branch is one atomic statement, so two concurrent saves from the same base cannot both win.
    const [row] =
      expected === undefined
        ? await tx
            .insert(specDrafts)
            .values({ agentId: agent.id, ...values })
            .onConflictDoUpdate({
              target: specDrafts.agentId,
              set: { ...values, updatedAt: sql`now()`, revision: nextDraftRevision },
            })
            .returning(returning)
        : expected === 0
          ? await tx
              .insert(specDrafts)
              .values({ agentId: agent.id, ...values })
              .onConflictDoNothing({ target: specDrafts.agentId })
              .returning(returning)
          : await tx
              .update(specDrafts)
              .set({ ...values, updatedAt: sql`now()`, revision: nextDraftRevision })
              .where(and(eq(specDrafts.agentId, agent.id), eq(specDrafts.revision, expected)))
              .returning(returning);
    if (!row) {
      throw await staleDraftError(tx, agent.id);
    }
    const valid = parseAgentSpec(input.spec).ok;
    // The spec itself is not copied into the trail (autosave would fill it with near-identical copies).
    await insertAuditEvent(tx, {
      tenantId: input.tenantId,
      actor: input.actor,
      type: "draft.saved",
      subjectType: "agent",
      subjectId: agent.id,
      data: {
        agentSlug: agent.slug,
        baseVersion: input.baseVersion,
        valid,
        chars: JSON.stringify(input.spec).length,
      },
      requestId: input.requestId,
    });
    return { updatedAt: row.updatedAt, baseVersion: input.baseVersion, valid, revision: row.revision };
  });
}

/** CONFLICT for a save from a stale revision, naming who wrote the newer draft and when (or that it was discarded). */
async function staleDraftError(db: Executor, agentId: string): Promise<AppError> {
  const [newer] = await db
    .select({ updatedAt: specDrafts.updatedAt, source: specDrafts.source, email: users.email })
    .from(specDrafts)
    .leftJoin(users, eq(users.id, specDrafts.updatedById))
    .where(eq(specDrafts.agentId, agentId))
    .limit(1);
  if (!newer) {
    return new AppError("CONFLICT", {
      message: "the draft was discarded after this editor loaded it",
      reason: { code: "draft.discarded" },
    });
  }
  const who =
    newer.source === "apply"
      ? "lx apply"
      : `${newer.email ?? "someone"}${newer.source === "wizard" ? " (onboarding wizard)" : ""}`;
  const when = newer.updatedAt.toISOString();
  return new AppError("CONFLICT", {
    message: `the draft was saved by ${who} at ${when}, after this editor loaded it`,
    reason: { code: "draft.stale", source: newer.source, by: newer.email ?? null, at: when },
  });
}

/** Deletes the agent's draft (the editor falls back to the live spec); audited when there was one. */
export async function discardDraft(
  db: Executor,
  input: AgentRef & { actor: AuditActor; requestId?: string },
): Promise<{ discarded: boolean }> {
  return db.transaction(async (tx) => {
    const agent = await requireAgentOfTenant(tx, input);
    const deleted = await tx
      .delete(specDrafts)
      .where(eq(specDrafts.agentId, agent.id))
      .returning({ agentId: specDrafts.agentId });
    if (deleted.length === 0) {
      return { discarded: false };
    }
    await insertAuditEvent(tx, {
      tenantId: input.tenantId,
      actor: input.actor,
      type: "draft.discarded",
      subjectType: "agent",
      subjectId: agent.id,
      data: { agentSlug: agent.slug },
      requestId: input.requestId,
    });
    return { discarded: true };
  });
}

/**
 * The agent's saved draft, compiled as publishing it would (a test run of the draft freezes this
 * bundle). INVALID_STATE when the agent has no draft, INVALID_INPUT (naming the errors) when it does
 * not compile.
 */
export async function compileDraft(db: Executor, ref: AgentRef): Promise<CompiledAgentBundle> {
  const draft = await getDraftOrActive(db, ref);
  if (draft.source !== "draft") {
    throw new AppError("INVALID_STATE", {
      message: "the agent has no draft: edit its spec first",
      reason: { code: "draft.none" },
    });
  }
  const compiled = compileSpec(draft.spec);
  if (!compiled.ok) {
    throw new AppError("INVALID_INPUT", {
      message: `the draft does not compile: ${compiled.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
      reason: { code: "draft.invalid" },
    });
  }
  return compiled.bundle;
}

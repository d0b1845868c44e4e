import type { TRPCRouterRecord } from "@trpc/server";

import {
  activateVersion,
  decideVersionApproval,
  getVersionChanges,
  getVersionDetail,
  listVersions,
  previewCompile,
  publishVersion,
  requireAgent,
  rollbackVersion,
  templateWarnings,
  userActor,
} from "@lx/db/queries";
import { AppError } from "@lx/shared/errors";
import {
  ZActivateVersionInput,
  ZApproveVersionInput,
  ZCompileSpecInput,
  ZGetVersionInput,
  ZListVersionsInput,
  ZPublishVersionInput,
  ZRollbackVersionInput,
} from "@lx/shared/schemas";

import { iso, toBundleSummary, toVersionDetailDto, toVersionDto, withIntegrationOrigins } from "../dto.ts";
import { tenantOperatorProcedure, tenantReadProcedure } from "../init.ts";

/** Activation result as the console shows it. */
function toActivationDto(agentSlug: string, r: { changed: boolean; from: string | null; to: string }) {
  return { agentSlug, changed: r.changed, from: r.from, to: r.to };
}

export const versionsRouter = {
  /** An agent's versions, newest first, the live one marked (operators, or the tenant's client). */
  list: tenantReadProcedure.input(ZListVersionsInput).query(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const rows = await listVersions(ctx.db, { tenantId: ctx.tenant.id, agentId: agent.id });
    return rows.map(toVersionDto);
  }),

  /**
   * One version with its spec and bundle summary (operators, or the tenant's client, who reads the
   * tenant's integration URLs — handoff notice, n8n webhooks, CRM base URL — as their origin only).
   */
  byVersion: tenantReadProcedure.input(ZGetVersionInput).query(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const row = await getVersionDetail(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      agentSlug: agent.slug,
      version: input.version,
    });
    // A client sees the tenant's integration URLs as their origin only (dto.ts withIntegrationOrigins).
    return toVersionDetailDto(row, agent.activeVersionId === row.id, ctx.session.user.role);
  }),

  /**
   * What a version changes against the version live before it (prompt line diff + structured config
   * diff), with the test run behind its gate: what the tenant's client reviews before approving
   * (operators, or the tenant's client; read-only; a client reads integration URLs as their origin).
   */
  changes: tenantReadProcedure.input(ZGetVersionInput).query(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const changes = await getVersionChanges(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      agentSlug: agent.slug,
      version: input.version,
    });
    const diff =
      ctx.session.user.role === "client"
        ? {
            ...changes.diff,
            config: changes.diff.config.map((c) => ({
              ...c,
              before: withIntegrationOrigins(c.before, c.path),
              after: withIntegrationOrigins(c.after, c.path),
            })),
          }
        : changes.diff;
    return {
      ...changes,
      diff,
      gateRun: changes.gateRun ? { ...changes.gateRun, finishedAt: iso(changes.gateRun.finishedAt) } : null,
    };
  }),

  /**
   * Operators: validates and compiles a spec without saving anything. Invalid → `{ ok: false, errors }`
   * with dotted paths; valid → bundle summary, warnings, stats and the diff against the live version.
   */
  compile: tenantOperatorProcedure.input(ZCompileSpecInput).mutation(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const preview = await previewCompile(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      spec: input.spec,
    });
    if (!preview.ok) {
      return { ok: false as const, errors: preview.errors };
    }
    return {
      ok: true as const,
      bundle: toBundleSummary(preview.bundle),
      // The compiler's own, and what the tenant's templates say of the ones the spec names.
      warnings: [
        ...preview.bundle.warnings,
        ...(await templateWarnings(ctx.db, { tenantId: ctx.tenant.id, templates: preview.bundle.templates })),
      ],
      stats: preview.bundle.stats,
      activeVersion: preview.activeVersion,
      sameAsActive: preview.sameAsActive,
      diff: preview.diff,
    };
  }),

  /**
   * Operators: publishes a new immutable version (CONFLICT when the bundle equals the latest). The
   * changelog is required (BAD_REQUEST naming it when empty): the client approves by it.
   */
  publish: tenantOperatorProcedure.input(ZPublishVersionInput).mutation(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const version = await publishVersion(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      spec: input.spec,
      bump: input.bump,
      changelog: input.changelog,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return toVersionDto(version);
  }),

  /**
   * Operators: makes a version the live one (audited; a no-op when it already is). Two gates refuse
   * it (INVALID_STATE, with a `reason`) unless `force`: the client's approval, when the
   * tenant has an active client user and the version is not approved (override audited as
   * `version.approval_overridden`), and the regression gate, when its test cases failed or were not
   * run on it (`version.gate_overridden`).
   */
  activate: tenantOperatorProcedure.input(ZActivateVersionInput).mutation(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const result = await activateVersion(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      version: input.version,
      force: input.force,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return toActivationDto(agent.slug, result);
  }),

  /**
   * Operators: goes back to the version live before the current one (INVALID_STATE, with the reason
   * as `reason`, when none; `list` marks the target as `rollbackTarget`). With `expect`, CONFLICT
   * when the live version or its target is no longer the one the caller saw.
   */
  rollback: tenantOperatorProcedure.input(ZRollbackVersionInput).mutation(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const result = await rollbackVersion(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      expect: input.expect,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return toActivationDto(agent.slug, result);
  }),

  /**
   * The client of the tenant approves or rejects a version — the one write a client may do, and
   * only the client may do it ("we configure, the client approves"): operators get FORBIDDEN (to
   * go live without the client's approval they activate with the override, which is audited).
   * Audited as `version.approved` / `version.rejected`.
   */
  approve: tenantReadProcedure.input(ZApproveVersionInput).mutation(async ({ ctx, input }) => {
    if (ctx.session.user.role !== "client") {
      throw new AppError("FORBIDDEN", {
        message:
          "only the tenant's client can approve or reject a version: the client decides (to activate without the client's approval, use the override: force)",
        reason: { code: "approval.client_only" },
      });
    }
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    return decideVersionApproval(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      agentSlug: agent.slug,
      version: input.version,
      decision: input.decision,
      note: input.note,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),
} satisfies TRPCRouterRecord;

import type { TRPCRouterRecord } from "@trpc/server";

import { discardDraft, getDraftOrActive, requireAgent, saveDraft, userActor } from "@lx/db/queries";
import { ZDiscardDraftInput, ZGetDraftInput, ZSaveDraftInput } from "@lx/shared/schemas";

import { iso } from "../dto.ts";
import { tenantOperatorProcedure } from "../init.ts";

/**
 * The spec editor's draft of an agent (one per agent, autosaved). Operators only: a draft is work in
 * progress, never shown to the tenant's client.
 */
export const draftsRouter = {
  /** The saved draft, or (without one) the live version's spec — `source` says which. */
  get: tenantOperatorProcedure.input(ZGetDraftInput).query(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const draft = await getDraftOrActive(ctx.db, { tenantId: ctx.tenant.id, agentId: agent.id });
    return {
      agentSlug: agent.slug,
      source: draft.source,
      spec: draft.spec,
      baseVersion: draft.baseVersion,
      activeVersion: draft.activeVersion,
      updatedAt: iso(draft.updatedAt),
      updatedByLabel: draft.updatedByLabel,
      updatedBy: draft.updatedBy,
      revision: draft.revision,
    };
  }),

  /**
   * Upserts the draft (valid or not) and audits `draft.saved`. With `expectedRevision` (the console
   * always sends it), a draft written since is not overwritten: CONFLICT naming who saved it and when.
   */
  save: tenantOperatorProcedure.input(ZSaveDraftInput).mutation(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const saved = await saveDraft(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      spec: input.spec,
      baseVersion: input.baseVersion,
      expectedRevision: input.expectedRevision,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return {
      updatedAt: iso(saved.updatedAt),
      baseVersion: saved.baseVersion,
      valid: saved.valid,
      revision: saved.revision,
    };
  }),

  /** Deletes the draft, so the editor starts again from the live spec (audited `draft.discarded`). */
  discard: tenantOperatorProcedure.input(ZDiscardDraftInput).mutation(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    return discardDraft(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),
} satisfies TRPCRouterRecord;

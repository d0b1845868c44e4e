import type { TRPCRouterRecord } from "@trpc/server";

import { createAgent, listAgentsByTenant, userActor } from "@lx/db/queries";
import { ZCreateAgentInput, ZListAgentsInput } from "@lx/shared/schemas";

import { toAgentDto } from "../dto.ts";
import { tenantOperatorProcedure, tenantReadProcedure } from "../init.ts";

export const agentsRouter = {
  /** The tenant's agents with their live version (operators, or the client of that tenant). */
  list: tenantReadProcedure.input(ZListAgentsInput).query(async ({ ctx }) => {
    const rows = await listAgentsByTenant(ctx.db, { tenantId: ctx.tenant.id });
    return rows.map(toAgentDto);
  }),

  /**
   * Operators: a new agent of the tenant with a draft to edit (a copy of another agent's spec, or a
   * starter spec); it answers nobody until a version is published and activated (`agent.created`).
   * CONFLICT for a slug the tenant has.
   */
  create: tenantOperatorProcedure.input(ZCreateAgentInput).mutation(async ({ ctx, input }) => {
    return createAgent(ctx.db, {
      tenantId: ctx.tenant.id,
      slug: input.slug,
      name: input.name,
      copyFrom: input.copyFrom,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),
} satisfies TRPCRouterRecord;

import type { TRPCRouterRecord } from "@trpc/server";

import { listAgentsByTenant } from "@lx/db/queries";
import { ZListAgentsInput } from "@lx/shared/schemas";

import { toAgentDto } from "../dto.ts";
import { tenantReadProcedure } from "../init.ts";

export const agentsRouter = {
  /** The tenant's agents with their live version (operators, or the client of that tenant). */
  list: tenantReadProcedure.input(ZListAgentsInput).query(async ({ ctx }) => {
    const rows = await listAgentsByTenant(ctx.db, { tenantId: ctx.tenant.id });
    return rows.map(toAgentDto);
  }),
} satisfies TRPCRouterRecord;

import type { TRPCRouterRecord } from "@trpc/server";

import { listAgentsByTenant } from "../../services/agents.ts";
import { toAgentDto } from "../dto.ts";
import { tenantReadProcedure } from "../init.ts";
import { ZListAgentsInput } from "../inputs.ts";

export const agentsRouter = {
  /** The tenant's agents with their live version (operators, or the client of that tenant). */
  list: tenantReadProcedure.input(ZListAgentsInput).query(async ({ ctx }) => {
    const rows = await listAgentsByTenant(ctx.db, ctx.tenant.id);
    return rows.map(toAgentDto);
  }),
} satisfies TRPCRouterRecord;

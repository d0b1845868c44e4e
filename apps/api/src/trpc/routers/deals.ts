import type { TRPCRouterRecord } from "@trpc/server";

import { listDeals } from "@lx/db/queries";
import { ZListDealsInput } from "@lx/shared/schemas";

import { tenantReadProcedure } from "../init.ts";

/** The CRM plugin's deals, read by operators and the tenant's own client (another tenant's: NOT_FOUND). */
export const dealsRouter = {
  list: tenantReadProcedure.input(ZListDealsInput).query(async ({ ctx, input }) => {
    return listDeals(ctx.db, { tenantId: ctx.tenant.id, cursor: input.cursor, limit: input.limit });
  }),
} satisfies TRPCRouterRecord;

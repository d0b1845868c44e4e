import type { TRPCRouterRecord } from "@trpc/server";

import { getTenantCounts, getTenantForUser, listTenantsWithCounts } from "../../services/tenants.ts";
import { toTenantWithCountsDto } from "../dto.ts";
import { authedProcedure, operatorProcedure, tenantReadProcedure } from "../init.ts";
import { ZGetTenantByIdInput, ZGetTenantBySlugInput } from "../inputs.ts";

export const tenantsRouter = {
  /** Operators: every tenant with its number and agent counts. */
  list: operatorProcedure.query(async ({ ctx }) => {
    const rows = await listTenantsWithCounts(ctx.db);
    return rows.map(toTenantWithCountsDto);
  }),

  /** Operators, or the client of that tenant (anyone else: NOT_FOUND). */
  byId: authedProcedure.input(ZGetTenantByIdInput).query(async ({ ctx, input }) => {
    const tenant = await getTenantForUser(ctx.db, ctx.session.user, { id: input.id });
    return toTenantWithCountsDto({ ...tenant, ...(await getTenantCounts(ctx.db, tenant.id)) });
  }),

  /** Operators, or the client of that tenant (anyone else: NOT_FOUND). */
  bySlug: tenantReadProcedure.input(ZGetTenantBySlugInput).query(async ({ ctx }) => {
    return toTenantWithCountsDto({ ...ctx.tenant, ...(await getTenantCounts(ctx.db, ctx.tenant.id)) });
  }),
} satisfies TRPCRouterRecord;

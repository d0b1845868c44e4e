import type { TRPCRouterRecord } from "@trpc/server";

import { getTenantCounts, getTenantForUser, listTenantsWithCounts } from "@lx/db/queries";
import { ZGetTenantByIdInput, ZGetTenantBySlugInput } from "@lx/shared/schemas";

import { toTenantWithCountsDto } from "../dto.ts";
import { authedProcedure, operatorProcedure, tenantReadProcedure } from "../init.ts";

export const tenantsRouter = {
  /** Operators: every tenant with its number and agent counts. */
  list: operatorProcedure.query(async ({ ctx }) => {
    const rows = await listTenantsWithCounts(ctx.db);
    return rows.map(toTenantWithCountsDto);
  }),

  /** Operators, or the client of that tenant (anyone else: NOT_FOUND). */
  byId: authedProcedure.input(ZGetTenantByIdInput).query(async ({ ctx, input }) => {
    const tenant = await getTenantForUser(ctx.db, { user: ctx.session.user, ref: { id: input.id } });
    const counts = await getTenantCounts(ctx.db, { tenantId: tenant.id });
    return toTenantWithCountsDto({ ...tenant, ...counts });
  }),

  /** Operators, or the client of that tenant (anyone else: NOT_FOUND). */
  bySlug: tenantReadProcedure.input(ZGetTenantBySlugInput).query(async ({ ctx }) => {
    const counts = await getTenantCounts(ctx.db, { tenantId: ctx.tenant.id });
    return toTenantWithCountsDto({ ...ctx.tenant, ...counts });
  }),
} satisfies TRPCRouterRecord;

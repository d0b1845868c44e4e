import type { TRPCRouterRecord } from "@trpc/server";

import {
  countWaitingForHuman,
  getTenantCounts,
  getTenantForUser,
  listTenantsWithCounts,
  setTenantRouting,
  setTenantStatus,
  userActor,
} from "@lx/db/queries";
import {
  ZGetTenantByIdInput,
  ZGetTenantBySlugInput,
  ZSetRoutingInput,
  ZSetTenantStatusInput,
} from "@lx/shared/schemas";

import { toTenantWithCountsDto } from "../dto.ts";
import { authedProcedure, operatorProcedure, tenantOperatorProcedure, tenantReadProcedure } from "../init.ts";

export const tenantsRouter = {
  /**
   * Operators: every tenant with its number and agent counts and how many of its customers wait for
   * a human (`waitingCount`: conversations in `pending_human`).
   */
  list: operatorProcedure.query(async ({ ctx }) => {
    const rows = await listTenantsWithCounts(ctx.db);
    return rows.map(toTenantWithCountsDto);
  }),

  /**
   * Operators: how many customers, across all tenants, wait for a human (conversations in
   * `pending_human`) — the navigation's badge and the tab title's "(3)", polled.
   */
  waitingCount: operatorProcedure.query(async ({ ctx }) => {
    return { total: await countWaitingForHuman(ctx.db) };
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

  /**
   * Operators: pause the tenant's bot (its customers' messages still arrive in the inbox; humans can
   * reply; nothing is answered or reminded automatically on its Meta numbers), archive it (the same,
   * for a client who left), or make it active again (`tenant.status_changed`).
   */
  setStatus: tenantOperatorProcedure.input(ZSetTenantStatusInput).mutation(async ({ ctx, input }) => {
    return setTenantStatus(ctx.db, {
      tenantId: ctx.tenant.id,
      status: input.status,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /**
   * Operators: routing by number, or an initial menu whose options name the tenant's agents
   * (`tenant.routing_changed`); the next message follows it. INVALID_INPUT for an unknown agent.
   */
  setRouting: tenantOperatorProcedure.input(ZSetRoutingInput).mutation(async ({ ctx, input }) => {
    return setTenantRouting(ctx.db, {
      tenantId: ctx.tenant.id,
      routing: input.routing,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),
} satisfies TRPCRouterRecord;

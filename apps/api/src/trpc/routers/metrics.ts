import type { TRPCRouterRecord } from "@trpc/server";

import { getTenantMetrics, recordMetricsView } from "@lx/db/queries";
import { ZGetTenantMetricsInput } from "@lx/shared/schemas";

import { tenantReadProcedure } from "../init.ts";

export const metricsRouter = {
  /**
   * The tenant's metrics per day (in the tenant's time zone) and per agent version — read-only, for the client of that
   * tenant and for operators (another tenant's client: NOT_FOUND). Viewing is recorded as the audit
   * event `metrics.viewed` (once per session and day), which the setup checklist reads.
   */
  tenant: tenantReadProcedure.input(ZGetTenantMetricsInput).query(async ({ ctx, input }) => {
    const metrics = await getTenantMetrics(ctx.db, { tenantId: ctx.tenant.id, days: input.days, traffic: input.traffic });
    await recordMetricsView(ctx.db, {
      tenantId: ctx.tenant.id,
      user: ctx.session.user,
      sessionId: ctx.session.sessionId,
      requestId: ctx.requestId,
    });
    return metrics;
  }),
} satisfies TRPCRouterRecord;

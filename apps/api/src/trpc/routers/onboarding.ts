import type { TRPCRouterRecord } from "@trpc/server";

import { onboardTenant, userActor } from "@lx/db/queries";
import { ZOnboardTenantInput } from "@lx/shared/schemas";

import { operatorProcedure } from "../init.ts";

export const onboardingRouter = {
  /**
   * Operators: the onboarding wizard's result — a new tenant, its first agent (1.0.0 published, and
   * active unless `activate: false`) and its numbers, through `lx apply`'s engine. INVALID_INPUT names
   * every bad path; a taken slug or number is CONFLICT. Audited (`apply.completed`, `tenant.onboarded`).
   */
  create: operatorProcedure.input(ZOnboardTenantInput).mutation(async ({ ctx, input }) => {
    const report = await onboardTenant(ctx.db, {
      input,
      secretKey: ctx.secretKey,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return { tenantSlug: report.tenant, agentSlug: report.agentSlug, changes: report.changes };
  }),
} satisfies TRPCRouterRecord;

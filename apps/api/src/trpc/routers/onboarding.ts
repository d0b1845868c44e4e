import type { TRPCRouterRecord } from "@trpc/server";

import { onboardTenant, userActor } from "@lx/db/queries";
import { ZOnboardTenantInput } from "@lx/shared/schemas";

import { operatorProcedure } from "../init.ts";

export const onboardingRouter = {
  /**
   * Operators: the onboarding wizard's result — a new tenant, its agents (each 1.0.0 published, and
   * active unless `activate: false`), its templates, routing (by number or menu) and numbers, through
   * `lx apply`'s engine. INVALID_INPUT names every bad path (the apply file's); a taken slug or number
   * is CONFLICT. Audited (`apply.completed`, `tenant.onboarded`).
   */
  create: operatorProcedure.input(ZOnboardTenantInput).mutation(async ({ ctx, input }) => {
    const report = await onboardTenant(ctx.db, {
      input,
      secretKey: ctx.secretKey,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return { tenantSlug: report.tenant, agentSlugs: report.agentSlugs, changes: report.changes };
  }),
} satisfies TRPCRouterRecord;

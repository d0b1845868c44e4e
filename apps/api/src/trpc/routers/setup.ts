import type { TRPCRouterRecord } from "@trpc/server";

import { getSetupChecklist } from "@lx/db/queries";
import { ZGetSetupChecklistInput } from "@lx/shared/schemas";

import { tenantOperatorProcedure } from "../init.ts";

export const setupRouter = {
  /**
   * Operators: the tenant's "setup delivered" checklist (PRODUCT.md "Delivery"), every item computed
   * from what the system recorded (deliveries, activations, audit events).
   */
  checklist: tenantOperatorProcedure.input(ZGetSetupChecklistInput).query(async ({ ctx }) => {
    return getSetupChecklist(ctx.db, { tenantId: ctx.tenant.id });
  }),
} satisfies TRPCRouterRecord;

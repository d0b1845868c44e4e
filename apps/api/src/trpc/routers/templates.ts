import type { TRPCRouterRecord } from "@trpc/server";

import { listTenantTemplates } from "@lx/db/queries";
import { ZListTemplatesInput } from "@lx/shared/schemas";

import { tenantOperatorProcedure } from "../init.ts";

export const templatesRouter = {
  /**
   * Operators: the tenant's Meta templates, each with its status at Meta (kept current by Meta's
   * `message_template_status_update` webhooks), Meta's latest change and the active agents that send
   * it; whether Meta's changes can reach them at all (a number with its WABA id), and the templates
   * an active version names that the tenant lacks.
   */
  list: tenantOperatorProcedure.input(ZListTemplatesInput).query(async ({ ctx }) => {
    return listTenantTemplates(ctx.db, { tenantId: ctx.tenant.id });
  }),
} satisfies TRPCRouterRecord;

import type { TRPCRouterRecord } from "@trpc/server";

import { createTemplate, listTenantTemplates, removeTemplate, updateTemplate, userActor } from "@lx/db/queries";
import {
  ZCreateTemplateInput,
  ZListTemplatesInput,
  ZRemoveTemplateInput,
  ZUpdateTemplateInput,
} from "@lx/shared/schemas";

import { tenantOperatorProcedure } from "../init.ts";

/** The tenant's Meta templates (operators only; clients FORBIDDEN). Every change is audited. */
export const templatesRouter = {
  /**
   * Each template with its status at Meta (kept current by Meta's `message_template_status_update`
   * webhooks), Meta's latest change and the active agents that send it; whether Meta's changes can
   * reach them at all (a number with its WABA id), and the templates an active version names that
   * the tenant lacks.
   */
  list: tenantOperatorProcedure.input(ZListTemplatesInput).query(async ({ ctx }) => {
    return listTenantTemplates(ctx.db, { tenantId: ctx.tenant.id });
  }),

  /** Declares a template Meta approved (`template.created`); CONFLICT when that name and language exist. */
  create: tenantOperatorProcedure.input(ZCreateTemplateInput).mutation(async ({ ctx, input }) => {
    return createTemplate(ctx.db, {
      tenantId: ctx.tenant.id,
      template: input.template,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /** Changes its category, use or text (`template.updated`); its name and language stay. */
  update: tenantOperatorProcedure.input(ZUpdateTemplateInput).mutation(async ({ ctx, input }) => {
    return updateTemplate(ctx.db, {
      tenantId: ctx.tenant.id,
      templateId: input.templateId,
      template: input.template,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /** Removes it (`template.removed`); INVALID_STATE while an active version sends it. */
  remove: tenantOperatorProcedure.input(ZRemoveTemplateInput).mutation(async ({ ctx, input }) => {
    await removeTemplate(ctx.db, {
      tenantId: ctx.tenant.id,
      templateId: input.templateId,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return { removed: true };
  }),
} satisfies TRPCRouterRecord;

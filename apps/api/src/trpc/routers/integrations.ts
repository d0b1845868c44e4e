import type { TRPCRouterRecord } from "@trpc/server";

import {
  clearCrmToken,
  getTenantIntegrations,
  replaceWebhookSecret,
  setCrmToken,
  userActor,
  type SessionUser,
} from "@lx/db/queries";
import type { SecretKeys } from "@lx/shared/crypto";
import {
  ZClearCrmTokenInput,
  ZGetIntegrationsInput,
  ZRotateWebhookSecretInput,
  ZSetCrmTokenInput,
  ZSetWebhookSecretInput,
} from "@lx/shared/schemas";

import { tenantOperatorProcedure } from "../init.ts";

/** The tenant, the key that seals and who changes a secret (for the audit), from the context. */
function changeBy(ctx: {
  tenant: { id: string };
  secretKey: SecretKeys;
  session: { user: SessionUser };
  requestId: string;
}) {
  return {
    tenantId: ctx.tenant.id,
    secretKey: ctx.secretKey,
    actor: userActor(ctx.session.user),
    requestId: ctx.requestId,
  };
}

/**
 * The tenant's outgoing-webhook signing secret and CRM token (operators only; clients FORBIDDEN).
 * Secrets go in, and come out only once: the answer of `rotateWebhookSecret`. Every change is audited
 * without them.
 */
export const integrationsRouter = {
  /**
   * Whether each secret is set, where each agent's active version uses them (handoff notice, n8n
   * calendar, CRM), and the warnings (a Pipedrive/RD Station version without a CRM token; a signing
   * version without a signing secret).
   */
  get: tenantOperatorProcedure.input(ZGetIntegrationsInput).query(async ({ ctx }) => {
    return getTenantIntegrations(ctx.db, { tenantId: ctx.tenant.id });
  }),

  /**
   * A new random signing secret, stored sealed and answered here once, to copy into the receivers
   * (`tenant.webhook_secret_rotated`, generated). For `overlapHours` (default 24; 0: none, when the
   * old secret leaked) requests also carry `X-LX-Signature-Previous` made with the one replaced.
   */
  rotateWebhookSecret: tenantOperatorProcedure.input(ZRotateWebhookSecretInput).mutation(async ({ ctx, input }) => {
    return { secret: await replaceWebhookSecret(ctx.db, { ...changeBy(ctx), overlapHours: input.overlapHours }) };
  }),

  /**
   * The signing secret the receivers already check, pasted (`tenant.webhook_secret_rotated`, given);
   * not answered back. The same overlap as a rotation.
   */
  setWebhookSecret: tenantOperatorProcedure.input(ZSetWebhookSecretInput).mutation(async ({ ctx, input }) => {
    await replaceWebhookSecret(ctx.db, { ...changeBy(ctx), given: input.secret, overlapHours: input.overlapHours });
    return { set: true };
  }),

  /** Sets or replaces the CRM token (`tenant.crm_token_set`); never answered back. */
  setCrmToken: tenantOperatorProcedure.input(ZSetCrmTokenInput).mutation(async ({ ctx, input }) => {
    return setCrmToken(ctx.db, { ...changeBy(ctx), token: input.token });
  }),

  /** Clears it (`tenant.crm_token_cleared`); INVALID_STATE while an active version uses Pipedrive or RD Station. */
  clearCrmToken: tenantOperatorProcedure.input(ZClearCrmTokenInput).mutation(async ({ ctx }) => {
    return clearCrmToken(ctx.db, changeBy(ctx));
  }),
} satisfies TRPCRouterRecord;

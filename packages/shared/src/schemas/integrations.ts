/**
 * zod inputs of the console's integration procedures (apps/api `integrations.*`): the tenant's two
 * stored secrets, the outgoing-webhook signing secret (`X-LX-Signature`) and the CRM token, which
 * `lx apply` sets as `webhookSecret` and `crmToken`. zod only: the browser console imports this file.
 */
import { z } from "zod";

import { pastedSecret, ZTenantScopeInput } from "./console.ts";

/** The shortest signing secret the console takes (a generated one is 43 characters). */
export const WEBHOOK_SECRET_MIN_LENGTH = 16;
/** The shortest CRM token the console takes (Pipedrive's api_token has 40, RD Station's 24). */
export const CRM_TOKEN_MIN_LENGTH = 8;
const SECRET_MAX_LENGTH = 1024;

/** Whether each secret is set and where the active versions use them (operators). */
export const ZGetIntegrationsInput = ZTenantScopeInput;
export type TGetIntegrationsInput = z.infer<typeof ZGetIntegrationsInput>;

/** How long the secret a rotation replaces still signs (`X-LX-Signature-Previous`), by default. */
export const WEBHOOK_SECRET_OVERLAP_HOURS_DEFAULT = 24;
/** The longest overlap: a week. */
export const WEBHOOK_SECRET_OVERLAP_HOURS_MAX = 168;

/**
 * Hours the replaced secret still signs beside the new one (`X-LX-Signature-Previous`), so receivers
 * can be updated without refusing calls; 0: none (the old secret leaked).
 */
const overlapHours = z.int().min(0).max(WEBHOOK_SECRET_OVERLAP_HOURS_MAX).default(WEBHOOK_SECRET_OVERLAP_HOURS_DEFAULT);

/** A new signing secret made by the server, answered once. */
export const ZRotateWebhookSecretInput = ZTenantScopeInput.extend({ overlapHours });
export type TRotateWebhookSecretInput = z.infer<typeof ZRotateWebhookSecretInput>;

/** The signing secret the tenant's receiver already checks, pasted. */
export const ZSetWebhookSecretInput = ZTenantScopeInput.extend({
  secret: pastedSecret("secret", { min: WEBHOOK_SECRET_MIN_LENGTH, max: SECRET_MAX_LENGTH }),
  overlapHours,
});
export type TSetWebhookSecretInput = z.infer<typeof ZSetWebhookSecretInput>;

/** The CRM plugin's token (Pipedrive api_token, RD Station CRM token), set or replaced. */
export const ZSetCrmTokenInput = ZTenantScopeInput.extend({
  token: pastedSecret("token", { min: CRM_TOKEN_MIN_LENGTH, max: SECRET_MAX_LENGTH }),
});
export type TSetCrmTokenInput = z.infer<typeof ZSetCrmTokenInput>;

export const ZClearCrmTokenInput = ZTenantScopeInput;
export type TClearCrmTokenInput = z.infer<typeof ZClearCrmTokenInput>;

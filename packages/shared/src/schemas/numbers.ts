/**
 * zod inputs of the console's number procedures (apps/api `numbers.*`), shared with the console's
 * number form: the apply file's rules for a number, with the token pasted itself. zod only: the
 * browser console imports this file.
 */
import { z } from "zod";

import { NUMBER_KINDS, ZApplyNumber } from "./apply-file.ts";
import { pastedSecret, ZSlugRef, ZTenantScopeInput } from "./console.ts";

/** A Graph API token as the console takes it: the token itself (the console has no environment). */
export const ZPastedToken = pastedSecret("token");

const numberFields = ZApplyNumber.pick({ displayPhoneNumber: true, wabaId: true }).extend({
  kind: z.enum(NUMBER_KINDS),
  /** The agent answering it when the tenant routes by number. */
  agentSlug: ZSlugRef,
});

/** A new number of the tenant (`numbers.add`). */
export const ZAddNumberInput = ZTenantScopeInput.extend({
  number: numberFields.extend({
    phoneNumberId: ZApplyNumber.shape.phoneNumberId,
    accessToken: ZPastedToken,
  }),
});
export type TAddNumberInput = z.infer<typeof ZAddNumberInput>;

/**
 * A number's display, kind, agent and WABA (`numbers.update`); its Meta id stays (it is how Meta
 * names it), its token is replaced only when one is given.
 */
export const ZUpdateNumberInput = ZTenantScopeInput.extend({
  numberId: z.uuid(),
  number: numberFields.extend({ accessToken: ZPastedToken.optional() }),
});
export type TUpdateNumberInput = z.infer<typeof ZUpdateNumberInput>;

/**
 * A number no customer has written to (`numbers.remove`): one added with a mistyped Meta id, or to the
 * wrong tenant. A number with conversations is paused instead.
 */
export const ZRemoveNumberInput = ZTenantScopeInput.extend({ numberId: z.uuid() });
export type TRemoveNumberInput = z.infer<typeof ZRemoveNumberInput>;

export const ZListTenantNumbersInput = ZTenantScopeInput;
export type TListTenantNumbersInput = z.infer<typeof ZListTenantNumbersInput>;

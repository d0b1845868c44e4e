/**
 * zod input schemas of a customer's data rights (apps/api `customers.*`, operators only): export
 * everything kept about one customer of a tenant, erase it, and the tenant's retention window.
 * LGPD (Lei 13.709/2018) art. 18: access (II), elimination (VI); art. 15–16: end of processing.
 * zod only: the browser console imports this file.
 */
import { z } from "zod";

import { ZTenantScopeInput } from "./console.ts";

/** The shortest retention window a tenant can set (a typo of "3" must not erase last week's chats). */
export const RETENTION_DAYS_MIN = 7;
/** Ten years. */
export const RETENTION_DAYS_MAX = 3650;

const customerRef = {
  conversationId: z.uuid().optional(),
  customer: z.string().trim().min(3, "required").max(128).optional(),
};

function oneCustomer(v: { conversationId?: string; customer?: string }): boolean {
  return (v.conversationId === undefined) !== (v.customer === undefined);
}
const oneCustomerIssue = { message: "name the customer by conversationId or by customer, not both", path: ["customer"] };

/**
 * The customer to export or erase: one of their conversations (the console), or their WhatsApp
 * number / Meta user id as the request names it (the CLI; `+55 11 91234-5678` and `5511912345678`
 * are the same number). Every conversation of that customer with the tenant's numbers is included.
 */
export const ZCustomerRefInput = ZTenantScopeInput.extend(customerRef).refine(oneCustomer, oneCustomerIssue);
export type TCustomerRefInput = z.infer<typeof ZCustomerRefInput>;

/** Erasure cannot be undone: the caller repeats the word, as the console's dialog asks. */
export const ERASE_CONFIRMATION = "APAGAR";

export const ZEraseCustomerInput = ZTenantScopeInput.extend({
  ...customerRef,
  confirm: z.literal(ERASE_CONFIRMATION, { error: `type ${ERASE_CONFIRMATION} to confirm` }),
}).refine(oneCustomer, oneCustomerIssue);
export type TEraseCustomerInput = z.infer<typeof ZEraseCustomerInput>;

/** Null: conversations are kept until erased by hand. */
export const ZSetRetentionInput = ZTenantScopeInput.extend({
  days: z.int().min(RETENTION_DAYS_MIN).max(RETENTION_DAYS_MAX).nullable(),
});
export type TSetRetentionInput = z.infer<typeof ZSetRetentionInput>;

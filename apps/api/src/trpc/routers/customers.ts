import type { TRPCRouterRecord } from "@trpc/server";

import { eraseCustomer, exportCustomer, setTenantRetention, userActor } from "@lx/db/queries";
import { ZCustomerRefInput, ZEraseCustomerInput, ZSetRetentionInput } from "@lx/shared/schemas";

import { tenantOperatorProcedure } from "../init.ts";

/**
 * A customer's data rights (LGPD art. 18; operators only, clients FORBIDDEN): export everything the
 * tenant keeps about one customer, erase it, and set the tenant's retention window. A customer is
 * named by one of their conversations or by their number / Meta user id, and always within
 * `ctx.tenant`. Every call is audited with the operator and the request id, never with the number.
 */
export const customersRouter = {
  /** The customer's conversations, messages, handoffs, appointments and deals as one document (`customer.exported`). */
  export: tenantOperatorProcedure.input(ZCustomerRefInput).mutation(async ({ ctx, input }) => {
    return exportCustomer(ctx.db, {
      tenantId: ctx.tenant.id,
      conversationId: input.conversationId,
      customer: input.customer,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /**
   * Erases the customer's data for good (`customer.erased`); CONFLICT while a reply to them is being
   * written or sent. The result lists what lives in the tenant's own systems (n8n bookings, CRM
   * deals) for the operator to erase there.
   */
  erase: tenantOperatorProcedure.input(ZEraseCustomerInput).mutation(async ({ ctx, input }) => {
    return eraseCustomer(ctx.db, {
      tenantId: ctx.tenant.id,
      conversationId: input.conversationId,
      customer: input.customer,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /** Days a conversation is kept after its last message, or null (`tenant.retention_changed`). */
  setRetention: tenantOperatorProcedure.input(ZSetRetentionInput).mutation(async ({ ctx, input }) => {
    return setTenantRetention(ctx.db, {
      tenantId: ctx.tenant.id,
      days: input.days,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),
} satisfies TRPCRouterRecord;

import type { TRPCRouterRecord } from "@trpc/server";

import { cancelAppointment, listAppointments } from "@lx/db/queries";
import { ZCancelAppointmentInput, ZListAppointmentsInput } from "@lx/shared/schemas";

import { tenantOperatorProcedure, tenantReadProcedure } from "../init.ts";

/**
 * The calendar plugin's appointments (docs/conversations.md "Tools"). Reading: operators, and the
 * tenant's own client (another tenant's client: NOT_FOUND). Cancelling: operators only (audited),
 * optionally telling the customer through the outbox.
 */
export const appointmentsRouter = {
  list: tenantReadProcedure.input(ZListAppointmentsInput).query(async ({ ctx, input }) => {
    return listAppointments(ctx.db, { tenantId: ctx.tenant.id, when: input.when, cursor: input.cursor, limit: input.limit });
  }),

  cancel: tenantOperatorProcedure.input(ZCancelAppointmentInput).mutation(async ({ ctx, input }) => {
    const cancelled = await cancelAppointment(ctx.db, {
      tenantId: ctx.tenant.id,
      appointmentId: input.appointmentId,
      user: ctx.session.user,
      notifyCustomer: input.notifyCustomer,
    });
    if (cancelled.notified) {
      ctx.wakeOutbox?.();
    }
    return cancelled;
  }),
} satisfies TRPCRouterRecord;

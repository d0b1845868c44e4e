/**
 * zod input schemas of the appointments view (apps/api `appointments.*`): the calendar plugin's
 * bookings, read by operators and by the tenant's client; cancelled by operators.
 */
import { z } from "zod";

import { ZTenantScopeInput } from "./console.ts";

export const APPOINTMENTS_PAGE_MAX = 100;

export const ZListAppointmentsInput = ZTenantScopeInput.extend({
  /** `upcoming`: not ended yet, soonest first; `past`: ended, latest first. */
  when: z.enum(["upcoming", "past"]).default("upcoming"),
  cursor: z.string().max(200).optional(),
  limit: z.int().min(1).max(APPOINTMENTS_PAGE_MAX).default(50),
});
export type TListAppointmentsInput = z.infer<typeof ZListAppointmentsInput>;

export const ZCancelAppointmentInput = ZTenantScopeInput.extend({ appointmentId: z.uuid() });
export type TCancelAppointmentInput = z.infer<typeof ZCancelAppointmentInput>;

/**
 * zod input schemas of the plugins' console views: the calendar plugin's appointments (apps/api
 * `appointments.*`: read by operators and the tenant's client, cancelled by operators) and the CRM
 * plugin's deals (`deals.list`, read-only).
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

export const ZCancelAppointmentInput = ZTenantScopeInput.extend({
  appointmentId: z.uuid(),
  /** Tell the customer on WhatsApp (a message through the outbox, in the agent's language). */
  notifyCustomer: z.boolean().default(false),
});
export type TCancelAppointmentInput = z.infer<typeof ZCancelAppointmentInput>;

export const DEALS_PAGE_MAX = 100;

/** The CRM plugin's deals (apps/api `deals.list`), newest first. */
export const ZListDealsInput = ZTenantScopeInput.extend({
  cursor: z.string().max(200).optional(),
  limit: z.int().min(1).max(DEALS_PAGE_MAX).default(50),
});
export type TListDealsInput = z.infer<typeof ZListDealsInput>;

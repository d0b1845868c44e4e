import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import { createdAt, timestamps, tstz } from "./_columns.ts";
import { APPOINTMENT_STATUSES, inList } from "./_enums.ts";
import { conversations } from "./conversations.ts";
import { tenants } from "./tenants.ts";

export const appointments = pgTable(
  "appointments",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    conversationId: uuid().references(() => conversations.id),
    customerKey: text().notNull(),
    customerName: text(),
    service: text(),
    startsAt: tstz().notNull(),
    endsAt: tstz().notNull(),
    status: text({ enum: APPOINTMENT_STATUSES }).notNull().default("booked"),
    /** The customer answered its reminder with "2": the next booking of the conversation replaces it. */
    rescheduleRequestedAt: tstz(),
    /** "local" or "webhook" (booked through the tenant's n8n/Make). */
    source: text().notNull().default("local"),
    externalId: text(),
    ...timestamps,
  },
  (t) => [
    index("appointments_tenant_starts_idx").on(t.tenantId, t.startsAt),
    // The reminders scan: appointments still to come that hold a slot, across tenants.
    index("appointments_holding_starts_idx")
      .on(t.startsAt)
      .where(sql`${t.status} in ('booked', 'confirmed')`),
    // Two bookings can never take the same local slot.
    uniqueIndex("appointments_slot_key")
      .on(t.tenantId, t.startsAt)
      .where(sql`${t.status} in ('booked', 'confirmed') and ${t.source} = 'local'`),
    check("appointments_status_check", inList(t.status, APPOINTMENT_STATUSES)),
    check("appointments_time_check", sql`${t.endsAt} > ${t.startsAt}`),
  ],
);

/** One reminder per appointment and offset, ever: the unique key makes the scheduler idempotent. */
export const reminderDeliveries = pgTable(
  "reminder_deliveries",
  {
    id: uuid().primaryKey().defaultRandom(),
    appointmentId: uuid()
      .notNull()
      .references(() => appointments.id),
    offsetMinutes: integer().notNull(),
    outboxMessageId: text(),
    ...createdAt,
  },
  (t) => [uniqueIndex("reminder_deliveries_key").on(t.appointmentId, t.offsetMinutes)],
);

export type Appointment = typeof appointments.$inferSelect;
export type ReminderDelivery = typeof reminderDeliveries.$inferSelect;

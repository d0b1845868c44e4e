/**
 * The built-in calendar (the calendar plugin's `local` backend): a tenant's appointments in
 * PostgreSQL. The slots themselves come from the agent version's opening hours (@lx/shared/domain
 * calendar); this file reads what is taken and books, one booking of a tenant at a time.
 */
import { sql } from "drizzle-orm";

import type { Executor } from "../client.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { isoText } from "./conversations.ts";

/** Statuses that hold a slot. */
const HOLDING = sql`('booked', 'confirmed')`;

export type AppointmentRow = {
  id: string;
  startsAt: Date;
  endsAt: Date;
  service: string | null;
  customerName: string | null;
};

type RawAppointment = { id: string; starts_at: string; ends_at: string; service: string | null; customer_name: string | null };

const toAppointment = (r: RawAppointment): AppointmentRow => ({
  id: r.id,
  startsAt: new Date(r.starts_at),
  endsAt: new Date(r.ends_at),
  service: r.service,
  customerName: r.customer_name,
});

/** The tenant's appointments that hold time in [from, to). */
export async function takenSlots(
  db: Executor,
  p: { tenantId: string; from: Date; to: Date },
): Promise<{ start: Date; end: Date }[]> {
  const rows = await db.execute<{ starts_at: string; ends_at: string }>(sql`
    select ${isoText(sql`starts_at`)} as starts_at, ${isoText(sql`ends_at`)} as ends_at from appointments
    where tenant_id = ${p.tenantId}::uuid and status in ${HOLDING}
      and starts_at < ${p.to.toISOString()}::timestamptz and ends_at > ${p.from.toISOString()}::timestamptz
    order by starts_at`);
  return rows.map((r) => ({ start: new Date(r.starts_at), end: new Date(r.ends_at) }));
}

export type BookingResult =
  | { status: "booked" | "already_booked"; appointment: AppointmentRow }
  | { status: "taken" };

/**
 * Books [startsAt, endsAt) for a conversation. One transaction under a per-tenant advisory lock, so
 * two customers asking for the same time concurrently get one booking and one "taken" (overlaps are
 * checked, not only equal starts). Idempotent per conversation: the same conversation booking the
 * same start again (a retried reply job, a model repeating itself) gets its existing appointment.
 * Audited (`appointment.booked`).
 */
export async function bookAppointment(
  db: Executor,
  p: {
    tenantId: string;
    conversationId: string;
    customerKey: string;
    customerName: string | null;
    service: string | null;
    startsAt: Date;
    endsAt: Date;
    actor: AuditActor;
  },
): Promise<BookingResult> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('lx.calendar'), hashtext(${p.tenantId}))`);
    const start = p.startsAt.toISOString();
    const end = p.endsAt.toISOString();
    const [mine] = await tx.execute<RawAppointment>(sql`
      select id, ${isoText(sql`starts_at`)} as starts_at, ${isoText(sql`ends_at`)} as ends_at, service, customer_name from appointments
      where tenant_id = ${p.tenantId}::uuid and conversation_id = ${p.conversationId}::uuid
        and starts_at = ${start}::timestamptz and status in ${HOLDING}`);
    if (mine) {
      return { status: "already_booked", appointment: toAppointment(mine) };
    }
    const [clash] = await tx.execute<{ id: string }>(sql`
      select id from appointments
      where tenant_id = ${p.tenantId}::uuid and status in ${HOLDING}
        and starts_at < ${end}::timestamptz and ends_at > ${start}::timestamptz
      limit 1`);
    if (clash) {
      return { status: "taken" };
    }
    const [row] = await tx.execute<RawAppointment>(sql`
      insert into appointments (tenant_id, conversation_id, customer_key, customer_name, service, starts_at, ends_at, source)
      values (${p.tenantId}::uuid, ${p.conversationId}::uuid, ${p.customerKey}, ${p.customerName}, ${p.service},
              ${start}::timestamptz, ${end}::timestamptz, 'local')
      returning id, ${isoText(sql`starts_at`)} as starts_at, ${isoText(sql`ends_at`)} as ends_at, service, customer_name`);
    if (!row) {
      throw new Error("bookAppointment: no row");
    }
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: "appointment.booked",
      subjectType: "conversation",
      subjectId: p.conversationId,
      data: { appointmentId: row.id, startsAt: start, endsAt: end, service: p.service },
    });
    return { status: "booked", appointment: toAppointment(row) };
  });
}

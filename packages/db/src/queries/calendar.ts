/**
 * The built-in calendar (the calendar plugin's `local` backend): a tenant's appointments in
 * PostgreSQL. The slots themselves come from the agent version's opening hours (@lx/shared/domain
 * calendar); this file reads what is taken and books, one booking of a tenant at a time.
 */
import { sql } from "drizzle-orm";

import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { userActor, type SessionUser } from "./auth.ts";
import { cursorText, decodeConversationCursor, isoText, keysetPage } from "./conversations.ts";
import { enqueueOutboundText } from "./outbound.ts";

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

/** An appointment to write for a conversation. */
export type NewAppointment = {
  tenantId: string;
  conversationId: string;
  customerKey: string;
  customerName: string | null;
  service: string | null;
  startsAt: Date;
  endsAt: Date;
  actor: AuditActor;
};

/** `appointment.booked`, on the conversation. */
async function auditBooked(db: Executor, p: NewAppointment, appointmentId: string, data: Record<string, unknown>): Promise<void> {
  await insertAuditEvent(db, {
    tenantId: p.tenantId,
    actor: p.actor,
    type: "appointment.booked",
    subjectType: "conversation",
    subjectId: p.conversationId,
    data: { appointmentId, startsAt: p.startsAt.toISOString(), endsAt: p.endsAt.toISOString(), service: p.service, ...data },
  });
}

export type BookingResult =
  | { status: "booked" | "already_booked"; appointment: AppointmentRow; replaced?: { id: string; startsAt: Date } }
  | { status: "taken" };

/**
 * Books [startsAt, endsAt) for a conversation. One transaction under a per-tenant advisory lock, so
 * two customers asking for the same time concurrently get one booking and one "taken" (overlaps are
 * checked, not only equal starts). Idempotent per conversation: the same conversation booking the
 * same start again (a retried reply job, a model repeating itself) gets its existing appointment.
 * Audited (`appointment.booked`).
 */
export async function bookAppointment(db: Executor, p: NewAppointment): Promise<BookingResult> {
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
    // The conversation's own appointment waiting to be moved does not stand in the way of its replacement.
    const [clash] = await tx.execute<{ id: string }>(sql`
      select id from appointments
      where tenant_id = ${p.tenantId}::uuid and status in ${HOLDING}
        and starts_at < ${end}::timestamptz and ends_at > ${start}::timestamptz
        and not (conversation_id = ${p.conversationId}::uuid and reschedule_requested_at is not null)
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
    await auditBooked(tx, p, row.id, { source: "local" });
    // A reschedule: the appointment the customer asked to move gives way to this one.
    const replaced = await tx.execute<{ id: string; starts_at: string }>(sql`
      update appointments set status = 'cancelled', updated_at = now()
      where tenant_id = ${p.tenantId}::uuid and conversation_id = ${p.conversationId}::uuid
        and reschedule_requested_at is not null and status in ${HOLDING} and id <> ${row.id}::uuid
      returning id, ${isoText(sql`starts_at`)} as starts_at`);
    for (const old of replaced) {
      await insertAuditEvent(tx, {
        tenantId: p.tenantId,
        actor: p.actor,
        type: "appointment.rescheduled",
        subjectType: "appointment",
        subjectId: old.id,
        before: { status: "booked", startsAt: old.starts_at },
        after: { status: "cancelled", replacedBy: row.id, startsAt: start },
        data: { conversationId: p.conversationId },
      });
    }
    const [first] = replaced;
    return {
      status: "booked",
      appointment: toAppointment(row),
      ...(first ? { replaced: { id: first.id, startsAt: new Date(first.starts_at) } } : {}),
    };
  });
}

/**
 * Keeps a copy of an appointment the tenant's own calendar booked (the calendar plugin's webhook
 * backend answered `booked: true`), so the console lists it and the reminders plugin reminds it. The
 * tenant's calendar is the authority: no overlap check here. Once per conversation and start (a
 * re-run reply job answers the same booking again). Audited `appointment.booked` with source webhook.
 */
export async function recordExternalAppointment(
  db: Executor,
  p: NewAppointment & { externalId: string | null },
): Promise<{ id: string } | null> {
  return db.transaction(async (tx) => {
    const start = p.startsAt.toISOString();
    const [row] = await tx.execute<{ id: string }>(sql`
      insert into appointments (tenant_id, conversation_id, customer_key, customer_name, service, starts_at, ends_at, source, external_id)
      select ${p.tenantId}::uuid, ${p.conversationId}::uuid, ${p.customerKey}, ${p.customerName}, ${p.service},
             ${start}::timestamptz, ${p.endsAt.toISOString()}::timestamptz, 'webhook', ${p.externalId}
      where not exists (
        select 1 from appointments
        where tenant_id = ${p.tenantId}::uuid and conversation_id = ${p.conversationId}::uuid
          and starts_at = ${start}::timestamptz and status in ${HOLDING})
      returning id`);
    if (!row) {
      return null;
    }
    await auditBooked(tx, p, row.id, { source: "webhook", externalId: p.externalId });
    return row;
  });
}

/**
 * The reminders' "reply 1 to confirm or 2 to reschedule": when the customer answers a conversation's
 * latest outgoing message and that message is a reminder of a booked appointment still to come,
 * `confirm` makes it `confirmed` (audited `appointment.confirmed`); `reschedule` marks it to be
 * replaced by the conversation's next booking (`reschedule_requested_at`, audited
 * `appointment.reschedule_requested`; it keeps its slot until then). Returns the appointment, or null.
 */
export async function answerReminder(
  db: Executor,
  p: { tenantId: string; conversationId: string; answerMessageId: number; answer: "confirm" | "reschedule"; actor: AuditActor },
): Promise<{ id: string; startsAt: string; service: string | null } | null> {
  return db.transaction(async (tx) => {
    const confirm = p.answer === "confirm";
    const [row] = await tx.execute<{ id: string; starts_at: string; service: string | null }>(sql`
      with reminded as (
        select d.appointment_id
        from messages m
        join outbox_messages o on o.message_id = m.id
        join reminder_deliveries d on d.outbox_message_id = o.id::text
        where m.id = (select max(x.id) from messages x
                      where x.conversation_id = ${p.conversationId}::uuid and x.direction = 'out'
                        and x.id < ${p.answerMessageId}::bigint)
      )
      update appointments a
      set ${confirm ? sql`status = 'confirmed'` : sql`reschedule_requested_at = now()`}, updated_at = now()
      where a.id in (select appointment_id from reminded) and a.tenant_id = ${p.tenantId}::uuid
        and ${confirm ? sql`a.status = 'booked'` : sql`a.status in ${HOLDING}`} and a.starts_at > now()
      returning a.id, ${isoText(sql`a.starts_at`)} as starts_at, a.service`);
    if (!row) {
      return null;
    }
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: confirm ? "appointment.confirmed" : "appointment.reschedule_requested",
      subjectType: "appointment",
      subjectId: row.id,
      ...(confirm ? { before: { status: "booked" }, after: { status: "confirmed" } } : {}),
      data: { conversationId: p.conversationId, answerMessageId: p.answerMessageId },
    });
    return { id: row.id, startsAt: row.starts_at, service: row.service };
  });
}

export type AppointmentListRow = {
  id: string;
  startsAt: string;
  endsAt: string;
  service: string | null;
  customerName: string | null;
  customerKey: string;
  status: string;
  source: string;
  conversationId: string | null;
  createdAt: string;
};

/**
 * A tenant's appointments for the console: `upcoming` (not ended yet, soonest first) or `past`
 * (latest first), any status; keyset-paged on (starts_at, id) with the inbox's cursor format; with
 * the tenant's time zone, in which the console shows them.
 */
export async function listAppointments(
  db: Executor,
  p: { tenantId: string; when: "upcoming" | "past"; cursor?: string; limit: number; now?: Date },
): Promise<{ items: AppointmentListRow[]; nextCursor: string | null; timeZone: string }> {
  const now = (p.now ?? new Date()).toISOString();
  const [tenant] = await db.execute<{ time_zone: string }>(sql`select time_zone from tenants where id = ${p.tenantId}::uuid`);
  const cursor = p.cursor ? decodeConversationCursor(p.cursor) : null;
  const upcoming = p.when === "upcoming";
  const rows = await db.execute<{
    id: string;
    starts_at: string;
    ends_at: string;
    service: string | null;
    customer_name: string | null;
    customer_key: string;
    status: string;
    source: string;
    conversation_id: string | null;
    created_at: string;
    cursor_at: string;
  }>(sql`
    select a.id, ${isoText(sql`a.starts_at`)} as starts_at, ${isoText(sql`a.ends_at`)} as ends_at, a.service,
           coalesce(a.customer_name, c.customer_name) as customer_name, a.customer_key, a.status, a.source,
           a.conversation_id, ${isoText(sql`a.created_at`)} as created_at, ${cursorText(sql`a.starts_at`)} as cursor_at
    from appointments a
    left join conversations c on c.id = a.conversation_id
    where a.tenant_id = ${p.tenantId}::uuid
      and ${upcoming ? sql`a.ends_at > ${now}::timestamptz` : sql`a.ends_at <= ${now}::timestamptz`}
      ${
        cursor === null
          ? sql``
          : upcoming
            ? sql`and (a.starts_at, a.id) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
            : sql`and (a.starts_at, a.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
      }
    order by ${upcoming ? sql`a.starts_at, a.id` : sql`a.starts_at desc, a.id desc`}
    limit ${p.limit + 1}`);
  return {
    ...keysetPage(rows, p.limit, (r) => ({
      id: r.id,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      service: r.service,
      customerName: r.customer_name,
      customerKey: r.customer_key,
      status: r.status,
      source: r.source,
      conversationId: r.conversation_id,
      createdAt: r.created_at,
    })),
    /** The tenant's zone (`tenants.time_zone`), in which the console shows the times. */
    timeZone: tenant?.time_zone ?? "UTC",
  };
}

/**
 * An operator cancels a booked or confirmed appointment: the slot is free again and no reminder is
 * sent for it; with `notifyCustomer`, the customer gets a message in the agent's language through the
 * outbox, in the same transaction. Audited (`appointment.cancelled`, before/after). Another tenant's appointment reads as
 * missing (NOT_FOUND); one already cancelled, done or missed cannot be (CONFLICT).
 */
export async function cancelAppointment(
  db: Executor,
  p: { tenantId: string; appointmentId: string; user: Pick<SessionUser, "id" | "email">; notifyCustomer?: boolean },
): Promise<{ id: string; status: "cancelled"; notified: boolean }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.execute<{
      id: string;
      status: string;
      conversation_id: string | null;
      starts_at: string;
      service: string | null;
      number_id: string | null;
      customer_key: string | null;
      language: string | null;
      time_zone: string;
    }>(sql`
      select a.id, a.status, a.conversation_id, ${isoText(sql`a.starts_at`)} as starts_at, a.service,
             c.phone_number_id as number_id, c.customer_key, av.bundle->'agent'->>'language' as language,
             coalesce(av.bundle->'agent'->>'timezone', t.time_zone) as time_zone
      from appointments a
      join tenants t on t.id = a.tenant_id
      left join conversations c on c.id = a.conversation_id
      left join phone_numbers n on n.id = c.phone_number_id
      left join agents ag on ag.id = coalesce(c.agent_id, n.agent_id)
      left join agent_versions av on av.id = ag.active_version_id
      where a.id = ${p.appointmentId}::uuid and a.tenant_id = ${p.tenantId}::uuid
      for update of a`);
    if (!row) {
      throw new AppError("NOT_FOUND", { message: "appointment not found" });
    }
    if (row.status !== "booked" && row.status !== "confirmed") {
      throw new AppError("CONFLICT", { message: `the appointment is ${row.status}` });
    }
    await tx.execute(sql`update appointments set status = 'cancelled', updated_at = now() where id = ${row.id}::uuid`);
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: userActor(p.user),
      type: "appointment.cancelled",
      subjectType: "appointment",
      subjectId: row.id,
      before: { status: row.status },
      after: { status: "cancelled" },
      data: { conversationId: row.conversation_id, startsAt: row.starts_at, notifyCustomer: p.notifyCustomer === true },
    });
    const { conversation_id: conversationId, number_id: numberId, customer_key: recipient } = row;
    const notify = p.notifyCustomer === true && conversationId !== null && numberId !== null && recipient !== null;
    if (notify) {
      await enqueueOutboundText(tx, {
        tenantId: p.tenantId,
        conversationId,
        numberId,
        recipient,
        author: "human",
        authorUserId: p.user.id,
        text: cancellationNotice({ startsAt: row.starts_at, service: row.service, language: row.language ?? "pt-BR", timeZone: row.time_zone }),
      });
    }
    return { id: row.id, status: "cancelled" as const, notified: notify };
  });
}

/** What the customer reads when an operator cancels their appointment (outside the 24-hour window the sender substitutes the re-engagement template, as for any free-form message). */
export function cancellationNotice(p: { startsAt: string; service: string | null; language: string; timeZone: string }): string {
  let when = p.startsAt;
  try {
    when = new Intl.DateTimeFormat(p.language, { timeZone: p.timeZone, dateStyle: "full", timeStyle: "short" }).format(new Date(p.startsAt));
  } catch {
    // An unknown language or zone keeps the ISO time.
  }
  const pt = p.language.toLowerCase().startsWith("pt");
  const es = p.language.toLowerCase().startsWith("es");
  const what = p.service ? ` (${p.service})` : "";
  if (pt) {
    return `Olá! Seu agendamento de ${when}${what} foi cancelado. Se quiser, é só responder aqui para marcarmos outro horário.`;
  }
  if (es) {
    return `¡Hola! Su cita del ${when}${what} fue cancelada. Si quiere, responda aquí y buscamos otro horario.`;
  }
  return `Hello! Your appointment on ${when}${what} has been cancelled. Reply here if you would like another time.`;
}

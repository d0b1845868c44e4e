import type { Executor } from "@lx/db/client";
import { bookAppointment, recordExternalAppointment, takenSlots } from "@lx/db/queries";
import type { SecretKeys } from "@lx/shared/crypto";
import { ZBundleCalendar, type BundleCalendar } from "@lx/shared/compiler";
import { dateInZone, daySlots, freeSlots, isoInZone, parseCalendarDate, type Slot } from "@lx/shared/domain";

import type { Logger } from "../logger.ts";
import { failureLogFields } from "./outgoing-webhook.ts";
import { callToolWebhook } from "./tool-webhook.ts";

/** What a calendar tool call needs besides its arguments. */
export type CalendarToolContext = {
  db: Executor;
  /** The agent version's calendar plugin (`bundle.plugins.calendar`). */
  calendar: BundleCalendar;
  timeZone: string;
  conversation: { tenantId: string; conversationId: string; customerKey: string; agentId: string | null };
  workerId: string;
  secretKey: SecretKeys;
  now: Date;
  /** Base backoff of the webhook backend's retries (CONTRACT: at most 2, same request id). */
  retryBackoffMs?: number;
  /** The reply's logger: a failed call is logged by its system, status and kind (never its text). */
  logger?: Logger;
};

/** At most this many slots go back to the model for one day (the earliest). */
const MAX_SLOTS = 24;

/**
 * check_availability and book_slot (AGENT_SPEC "Tools"). The answer is JSON for the model: a result,
 * or `{ error }` it can act on (ask again, offer other times); never a thrown error, so one bad
 * argument does not fail the customer's reply.
 */
export async function runCalendarTool(
  name: "check_availability" | "book_slot",
  args: Record<string, unknown>,
  ctx: CalendarToolContext,
): Promise<unknown> {
  // Bundles compiled before the hours travelled with the version parse with none.
  const calendar = ZBundleCalendar.parse(ctx.calendar);
  if (calendar.backend === "webhook") {
    return callWebhookBackend(name, args, { ...ctx, calendar });
  }
  return name === "check_availability" ? checkAvailability(args, { ...ctx, calendar }) : bookSlot(args, { ...ctx, calendar });
}

/** The length of an appointment for `service`: its durationMinutes, else the slot length. */
function durationFor(calendar: BundleCalendar, service: unknown): { minutes: number; service: string | null } | { error: unknown } {
  if (service === undefined || service === null || service === "") {
    return { minutes: calendar.slotMinutes, service: null };
  }
  if (typeof service !== "string") {
    return { error: { error: "service must be a string" } };
  }
  if (calendar.services.length === 0) {
    return { minutes: calendar.slotMinutes, service };
  }
  const wanted = service.trim().toLocaleLowerCase();
  const known = calendar.services.find((s) => s.name.toLocaleLowerCase() === wanted);
  if (!known) {
    return { error: { error: `unknown service "${service}"`, services: calendar.services.map((s) => s.name) } };
  }
  return { minutes: known.minutes, service: known.name };
}

/** Every slot of a day for an appointment of `minutes`, taken or not. */
function slotsOfDay(date: string, minutes: number, ctx: CalendarToolContext): Slot[] {
  return daySlots({ date, hours: ctx.calendar.hours, timeZone: ctx.timeZone, stepMinutes: ctx.calendar.slotMinutes, durationMinutes: minutes });
}

/** The day's slots that start in the future and overlap no booking. */
async function freeSlotsOfDay(date: string, minutes: number, ctx: CalendarToolContext): Promise<{ all: Slot[]; free: Slot[] }> {
  const all = slotsOfDay(date, minutes, ctx);
  const first = all[0];
  const last = all.at(-1);
  if (!first || !last) {
    return { all, free: [] };
  }
  const taken = await takenSlots(ctx.db, { tenantId: ctx.conversation.tenantId, from: first.start, to: last.end });
  return { all, free: freeSlots(all, taken, ctx.now) };
}

async function checkAvailability(args: Record<string, unknown>, ctx: CalendarToolContext): Promise<unknown> {
  const date = typeof args.date === "string" ? args.date.trim() : "";
  if (!parseCalendarDate(date)) {
    return { error: "date must be a calendar day, YYYY-MM-DD" };
  }
  const duration = durationFor(ctx.calendar, args.service);
  if ("error" in duration) {
    return duration.error;
  }
  const { all, free } = await freeSlotsOfDay(date, duration.minutes, ctx);
  return {
    date,
    timeZone: ctx.timeZone,
    service: duration.service,
    durationMinutes: duration.minutes,
    ...(all.length === 0 ? { closed: true } : {}),
    ...(date < dateInZone(ctx.now, ctx.timeZone) ? { past: true } : {}),
    slots: free.slice(0, MAX_SLOTS).map((slot) => isoInZone(slot.start, ctx.timeZone)),
    ...(free.length > MAX_SLOTS ? { more: free.length - MAX_SLOTS } : {}),
  };
}

/** ISO-8601 with an offset or Z: a time without one would be read in this server's zone. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

async function bookSlot(args: Record<string, unknown>, ctx: CalendarToolContext): Promise<unknown> {
  const raw = typeof args.start === "string" ? args.start.trim() : "";
  const start = ISO_WITH_OFFSET.test(raw) ? new Date(raw) : null;
  if (!start || Number.isNaN(start.getTime())) {
    return { booked: false, error: "start must be a slot exactly as check_availability returned it (ISO-8601 with offset)" };
  }
  const duration = durationFor(ctx.calendar, args.service);
  if ("error" in duration) {
    return { booked: false, ...(duration.error as object) };
  }
  if (start <= ctx.now) {
    return { booked: false, reason: "past" };
  }
  // Only whether it is a slot at all: whether it is free is decided under the booking's lock.
  const slot = slotsOfDay(dateInZone(start, ctx.timeZone), duration.minutes, ctx).find((s) => s.start.getTime() === start.getTime());
  if (!slot) {
    return { booked: false, reason: "not_a_slot", hint: "call check_availability and offer one of its slots" };
  }
  const name = typeof args.name === "string" && args.name.trim() !== "" ? args.name.trim().slice(0, 200) : null;
  const result = await bookAppointment(ctx.db, {
    tenantId: ctx.conversation.tenantId,
    conversationId: ctx.conversation.conversationId,
    customerKey: ctx.conversation.customerKey,
    customerName: name,
    service: duration.service,
    startsAt: slot.start,
    endsAt: slot.end,
    actor: { type: "worker", label: ctx.workerId },
  });
  if (result.status === "taken") {
    return { booked: false, reason: "taken", hint: "call check_availability again and offer another slot" };
  }
  return {
    booked: true,
    appointment: {
      id: result.appointment.id,
      start: isoInZone(result.appointment.startsAt, ctx.timeZone),
      end: isoInZone(result.appointment.endsAt, ctx.timeZone),
      service: result.appointment.service,
      name: result.appointment.customerName,
    },
    // A reschedule: the appointment the customer asked to move is cancelled.
    ...(result.status === "booked" && result.replaced ? { replaced: { start: isoInZone(result.replaced.startsAt, ctx.timeZone), cancelled: true } } : {}),
  };
}

/**
 * The tenant's own calendar (n8n, Make…): its JSON answer goes to the model as is. A failure is told
 * to the model by its status and kind, not by the error's text (an error page may quote the customer,
 * and nothing would make it more useful to the model than "confirm later").
 */
async function callWebhookBackend(name: string, args: Record<string, unknown>, ctx: CalendarToolContext): Promise<unknown> {
  if (!ctx.calendar.webhookUrl) {
    return { error: "the calendar is not configured (no webhookUrl)" };
  }
  const res = await callToolWebhook({ ...ctx, url: ctx.calendar.webhookUrl, tool: name, args });
  if (!res.ok) {
    ctx.logger?.warn({ ...failureLogFields("calendar_webhook", res), tool: name }, "calendar call failed");
    const why = res.status !== null ? `HTTP ${res.status}` : res.kind === "too_large" ? "its answer was too large" : res.kind.replace("_", " ");
    return { error: `the calendar could not be reached (${why}); tell the customer you will confirm later`, status: res.status };
  }
  if (name === "book_slot") {
    await keepExternalBooking(args, res.json, ctx);
  }
  return res.json;
}

/**
 * A booking the tenant's calendar confirmed (`{ booked: true, appointment?: { id?, start?, end? } }`,
 * docs/conversations.md) is copied into `appointments`, for the console and the reminders. An answer
 * in another shape is only passed to the model.
 */
async function keepExternalBooking(args: Record<string, unknown>, answer: unknown, ctx: CalendarToolContext): Promise<void> {
  const a = (answer ?? {}) as { booked?: unknown; id?: unknown; appointment?: { id?: unknown; start?: unknown; end?: unknown } };
  if (a.booked !== true) {
    return;
  }
  const startText = typeof a.appointment?.start === "string" ? a.appointment.start : typeof args.start === "string" ? args.start : "";
  const start = ISO_WITH_OFFSET.test(startText) ? new Date(startText) : null;
  if (!start || Number.isNaN(start.getTime())) {
    return;
  }
  const duration = durationFor(ctx.calendar, args.service);
  const minutes = "error" in duration ? ctx.calendar.slotMinutes : duration.minutes;
  const endText = typeof a.appointment?.end === "string" && ISO_WITH_OFFSET.test(a.appointment.end) ? a.appointment.end : null;
  const end = endText ? new Date(endText) : new Date(start.getTime() + minutes * 60_000);
  const id = a.appointment?.id ?? a.id;
  await recordExternalAppointment(ctx.db, {
    tenantId: ctx.conversation.tenantId,
    conversationId: ctx.conversation.conversationId,
    customerKey: ctx.conversation.customerKey,
    customerName: typeof args.name === "string" && args.name.trim() !== "" ? args.name.trim().slice(0, 200) : null,
    service: "error" in duration ? (typeof args.service === "string" ? args.service : null) : duration.service,
    startsAt: start,
    endsAt: end > start ? end : new Date(start.getTime() + minutes * 60_000),
    externalId: typeof id === "string" || typeof id === "number" ? String(id) : null,
    actor: { type: "worker", label: ctx.workerId },
  });
}

import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import { closeDb, createDb, type Database } from "@lx/db/client";
import { dbTest as test, seedAgent, seedConversation, seedNumber, seedTenant, TEST_SECRET_KEY } from "@lx/db/testing";
import { startFakeWebhookReceiver } from "@lx/sandbox";
import { compile, type BundleCalendar } from "@lx/shared/compiler";
import { dateInZone, daySlots, isoInZone } from "@lx/shared/domain";
import { havenSpec } from "@lx/shared/testing";

import { eventually, startStack } from "../testing/stack.ts";
import { runCalendarTool, type CalendarToolContext } from "./calendar-tools.ts";
import { currentTimeSection } from "./generate.ts";

const TZ = havenSpec.agent.timezone;
const calendar = compile(havenSpec).plugins.calendar!;

/** A Thursday well after the clock the tests pass in (Haven: Thursday 08:00–19:00, 30-minute grid). */
const DAY = "2031-01-09";
const NOW = new Date("2031-01-01T12:00:00Z");

async function setup(db: Database) {
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id, spec: havenSpec });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const conversation = async () => {
    const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, agentId: agent.id });
    return { tenantId: tenant.id, conversationId: c.id, customerKey: c.customerKey, agentId: agent.id };
  };
  const ctx = async (over: Partial<CalendarToolContext> = {}): Promise<CalendarToolContext> => ({
    db,
    calendar,
    timeZone: TZ,
    conversation: await conversation(),
    workerId: "test-worker",
    secretKey: TEST_SECRET_KEY,
    now: NOW,
    retryBackoffMs: 1,
    ...over,
  });
  return { tenant, agent, ctx };
}

type Availability = { slots: string[]; closed?: true; durationMinutes: number; service: string | null; error?: string };
type Booking = { booked: boolean; reason?: string; error?: string; appointment?: { id: string; start: string; end: string; service: string | null } };

describe("calendar plugin, local backend", () => {
  test("check_availability lists the day's free slots in the business' zone, per service length", async ({ db }) => {
    const { ctx } = await setup(db);
    const c = await ctx();
    const free = (await runCalendarTool("check_availability", { date: DAY }, c)) as Availability;
    // 08:00 to 18:30, every 30 minutes, 30 minutes long; in São Paulo time with its offset.
    expect(free.slots).toHaveLength(22);
    expect(free.slots[0]).toBe(`${DAY}T08:00:00-03:00`);
    expect(free.slots.at(-1)).toBe(`${DAY}T18:30:00-03:00`);
    // "Limpeza de pele" takes 60 minutes: the last start is 18:00.
    const long = (await runCalendarTool("check_availability", { date: DAY, service: "limpeza de pele" }, c)) as Availability;
    expect(long).toMatchObject({ service: "Limpeza de pele", durationMinutes: 60 });
    expect(long.slots.at(-1)).toBe(`${DAY}T18:00:00-03:00`);
    // Sunday: closed.
    expect(await runCalendarTool("check_availability", { date: "2031-01-12" }, c)).toMatchObject({ closed: true, slots: [] });
  });

  test("booking takes the slot (and any that overlap it) for everyone; the same conversation booking again gets its appointment", async ({ db }) => {
    const { tenant, ctx } = await setup(db);
    const maria = await ctx();
    const booked = (await runCalendarTool("book_slot", { start: `${DAY}T10:00:00-03:00`, service: "Limpeza de pele", name: "Maria" }, maria)) as Booking;
    expect(booked).toMatchObject({
      booked: true,
      appointment: { start: `${DAY}T10:00:00-03:00`, end: `${DAY}T11:00:00-03:00`, service: "Limpeza de pele" },
    });
    const again = (await runCalendarTool("book_slot", { start: `${DAY}T13:00:00Z`, service: "Limpeza de pele" }, maria)) as Booking;
    expect(again.appointment?.id).toBe(booked.appointment?.id);

    const joao = await ctx();
    const free = (await runCalendarTool("check_availability", { date: DAY }, joao)) as Availability;
    expect(free.slots).not.toContain(`${DAY}T10:00:00-03:00`);
    expect(free.slots).not.toContain(`${DAY}T10:30:00-03:00`);
    expect(free.slots).toContain(`${DAY}T11:00:00-03:00`);
    // A 40-minute consultation at 09:30 would run into it.
    expect(await runCalendarTool("book_slot", { start: `${DAY}T09:30:00-03:00`, service: "Consulta dermatológica" }, joao)).toMatchObject({
      booked: false,
      reason: "taken",
    });
    const rows = await db.execute<{ n: number; audits: number }>(sql`
      select (select count(*)::int from appointments where tenant_id = ${tenant.id}) as n,
             (select count(*)::int from audit_events where tenant_id = ${tenant.id} and type = 'appointment.booked') as audits`);
    expect(rows[0]).toEqual({ n: 1, audits: 1 });
  });

  test("an appointment the customer asked to move gives way to the conversation's next booking, even one overlapping it", async ({ db }) => {
    const { ctx } = await setup(db);
    const c = await ctx();
    const first = (await runCalendarTool("book_slot", { start: `${DAY}T10:00:00-03:00`, service: "Limpeza de pele" }, c)) as Booking;
    await db.execute(sql`update appointments set reschedule_requested_at = now() where id = ${first.appointment!.id}::uuid`);
    // 10:30 overlaps the old 10:00–11:00 one, which is this conversation's and being moved.
    const moved = (await runCalendarTool("book_slot", { start: `${DAY}T10:30:00-03:00`, service: "Limpeza de pele" }, c)) as Booking & {
      replaced?: { start: string; cancelled: boolean };
    };
    expect(moved).toMatchObject({ booked: true, replaced: { start: `${DAY}T10:00:00-03:00`, cancelled: true } });
    const rows = await db.execute<{ id: string; status: string }>(sql`
      select id, status from appointments where conversation_id = ${c.conversation.conversationId}::uuid order by starts_at`);
    expect(rows).toEqual([
      { id: first.appointment!.id, status: "cancelled" },
      { id: moved.appointment!.id, status: "booked" },
    ]);
    // Another customer's request to move frees nothing for this one.
    const other = await ctx();
    expect(await runCalendarTool("book_slot", { start: `${DAY}T10:30:00-03:00` }, other)).toMatchObject({ booked: false, reason: "taken" });
  });

  test("bad arguments get an answer the model can act on, and book nothing", async ({ db }) => {
    const { tenant, ctx } = await setup(db);
    const c = await ctx();
    expect(await runCalendarTool("check_availability", { date: "amanhã" }, c)).toMatchObject({ error: expect.stringContaining("YYYY-MM-DD") });
    expect(await runCalendarTool("check_availability", { date: DAY, service: "Botox" }, c)).toMatchObject({
      error: 'unknown service "Botox"',
      services: ["Consulta dermatológica", "Limpeza de pele", "Retorno"],
    });
    expect(await runCalendarTool("book_slot", { start: `${DAY}T10:00:00` }, c)).toMatchObject({ booked: false, error: expect.stringContaining("offset") });
    expect(await runCalendarTool("book_slot", { start: `${DAY}T10:10:00-03:00` }, c)).toMatchObject({ booked: false, reason: "not_a_slot" });
    expect(await runCalendarTool("book_slot", { start: `${DAY}T19:00:00-03:00` }, c)).toMatchObject({ booked: false, reason: "not_a_slot" });
    expect(await runCalendarTool("book_slot", { start: "2030-12-31T10:00:00-03:00" }, c)).toMatchObject({ booked: false, reason: "past" });
    const [row] = await db.execute<{ n: number }>(sql`select count(*)::int as n from appointments where tenant_id = ${tenant.id}`);
    expect(row?.n).toBe(0);
  });

  test("eight customers booking the same slot at once on separate connections: one booking", async ({ db, dbUrl }) => {
    const { tenant, ctx } = await setup(db);
    const pools = Array.from({ length: 8 }, () => createDb(dbUrl, { max: 1 }));
    onTestFinished(() => Promise.all(pools.map((p) => closeDb(p))).then(() => undefined));
    const contexts = await Promise.all(pools.map((pool) => ctx({ db: pool })));
    const results = (await Promise.all(
      contexts.map((c) => runCalendarTool("book_slot", { start: `${DAY}T15:00:00-03:00` }, c)),
    )) as Booking[];
    expect(results.filter((r) => r.booked)).toHaveLength(1);
    expect(results.filter((r) => r.reason === "taken")).toHaveLength(7);
    const [row] = await db.execute<{ n: number }>(sql`select count(*)::int as n from appointments where tenant_id = ${tenant.id}`);
    expect(row?.n).toBe(1);
  });

  test("a version compiled before the hours travelled with it has no slots, and says so", async ({ db }) => {
    const { ctx } = await setup(db);
    const { hours: _hours, services: _services, ...old } = calendar;
    const c = await ctx({ calendar: old as BundleCalendar });
    expect(await runCalendarTool("check_availability", { date: DAY }, c)).toMatchObject({ closed: true, slots: [] });
  });

  test("slots follow the zone's own clock: a day in New York across the daylight-saving change", async ({ db }) => {
    const { ctx } = await setup(db);
    const sunday = { ...calendar, hours: [{ day: "sun" as const, open: "01:00", close: "04:00" }], slotMinutes: 60 };
    const c = await ctx({ calendar: sunday, timeZone: "America/New_York", now: new Date("2027-03-01T00:00:00Z") });
    const free = (await runCalendarTool("check_availability", { date: "2027-03-14" }, c)) as Availability;
    expect(free.slots).toEqual(["2027-03-14T01:00:00-05:00", "2027-03-14T03:00:00-04:00"]);
    expect(daySlots({ date: "2027-03-14", hours: sunday.hours, timeZone: "America/New_York", stepMinutes: 60, durationMinutes: 60 }).map((s) => dateInZone(s.start, "America/New_York"))).toEqual(["2027-03-14", "2027-03-14"]);
    expect(isoInZone(new Date("2027-03-14T07:00:00Z"), "America/New_York")).toBe("2027-03-14T03:00:00-04:00");
  });
});

describe("calendar plugin, webhook backend", () => {
  test("calls the tenant's endpoint signed, with a request id that a retried reply repeats, and hands its answer to the model", async ({ db }) => {
    const receiver = await startFakeWebhookReceiver({ secret: "test-webhook-secret" });
    onTestFinished(() => receiver.stop());
    receiver.setToolResponse("check_availability", { slots: ["2031-01-09T10:00:00-03:00"], source: "n8n" });
    const { tenant, agent, ctx } = await setup(db);
    const c = await ctx({ calendar: { ...calendar, backend: "webhook", webhookUrl: `${receiver.url}/n8n/calendar` } });
    const answer = await runCalendarTool("check_availability", { date: DAY, service: "Retorno" }, c);
    expect(answer).toEqual({ slots: ["2031-01-09T10:00:00-03:00"], source: "n8n" });
    const [call] = receiver.requests;
    expect(call?.signatureValid).toBe(true);
    expect(call?.path).toBe("/n8n/calendar");
    expect(call?.json).toMatchObject({
      tool: "check_availability",
      arguments: { date: DAY, service: "Retorno" },
      tenant: tenant.slug,
      agent: agent.slug,
      conversation: { id: c.conversation.conversationId, waId: c.conversation.customerKey },
      requestId: call?.requestId,
    });
    // The same call again (a reply job re-run after a crash): the same request id, to deduplicate on.
    await runCalendarTool("check_availability", { service: "Retorno", date: DAY }, c);
    expect(receiver.requests[1]?.requestId).toBe(call?.requestId);

    // A booking it confirms is kept as an appointment (source webhook), once, for the console and the reminders.
    receiver.setToolResponse("book_slot", { booked: true, appointment: { id: "n8n-42", start: `${DAY}T11:00:00-03:00` } });
    const booking = { start: `${DAY}T11:00:00-03:00`, service: "Limpeza de pele", name: "Ana" };
    expect(await runCalendarTool("book_slot", booking, c)).toMatchObject({ booked: true });
    await runCalendarTool("book_slot", booking, c);
    const kept = await db.execute<{ source: string; external_id: string; service: string; customer_name: string; minutes: number }>(sql`
      select source, external_id, service, customer_name, extract(epoch from ends_at - starts_at)::int / 60 as minutes
      from appointments where conversation_id = ${c.conversation.conversationId}::uuid`);
    expect(kept).toEqual([{ source: "webhook", external_id: "n8n-42", service: "Limpeza de pele", customer_name: "Ana", minutes: 60 }]);
    receiver.setToolResponse("book_slot", { booked: false, reason: "taken" });
    await runCalendarTool("book_slot", { start: `${DAY}T12:00:00-03:00` }, c);
    expect(await db.execute(sql`select 1 from appointments where conversation_id = ${c.conversation.conversationId}::uuid`)).toHaveLength(1);

    // Down (5xx on every attempt): retried twice, then the model is told, and nothing throws.
    receiver.failNext(3, { kind: "status", status: 503 });
    expect(await runCalendarTool("book_slot", { start: `${DAY}T10:00:00-03:00` }, c)).toMatchObject({
      error: expect.stringContaining("could not be reached"),
      status: 503,
    });
    expect(receiver.requests.filter((r) => r.tool === "book_slot" && r.status === 503)).toHaveLength(3);
  });
});

describe("calendar plugin in a conversation", () => {
  test("the model checks, books and confirms through the tool loop; the customer gets the confirmation and the booking is stored", async ({ db, dbUrl }) => {
    const s = await startStack(db, dbUrl);
    onTestFinished(() => s.stop());
    // A Thursday three weeks or more from now, in São Paulo.
    const day = new Date(Date.now() + 21 * 86_400_000);
    while (day.getUTCDay() !== 4) {
      day.setUTCDate(day.getUTCDate() + 1);
    }
    const date = day.toISOString().slice(0, 10);
    type ChatMessage = { role: string; content: string | null; tool_calls?: { function: { name: string } }[] };
    s.llm.setReply((req) => {
      const messages = (req.body as { messages: ChatMessage[] }).messages;
      const last = messages.at(-1);
      if (last?.role === "user") {
        return { toolCalls: [{ name: "check_availability", arguments: { date, service: "Limpeza de pele" } }] };
      }
      const result = JSON.parse(last?.content ?? "{}") as { slots?: string[]; booked?: boolean; appointment?: { start: string } };
      if (result.slots) {
        return { toolCalls: [{ name: "book_slot", arguments: { start: result.slots[1], service: "Limpeza de pele", name: "Maria Souza" } }] };
      }
      return { text: result.booked ? `Agendado: ${result.appointment?.start}` : "Não consegui agendar." };
    });
    await s.startWorker();
    await s.customer("5511988880001", { name: "Maria" }).text("Quero marcar uma limpeza de pele na quinta");
    const sent = await eventually(
      async () => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent"),
      (r) => r.length === 1,
    );
    expect(sent[0]?.text).toBe(`Agendado: ${date}T08:30:00-03:00`);
    const [appointment] = await db.execute<{ starts_at: string; ends_at: string; service: string; customer_name: string; customer_key: string }>(sql`
      select starts_at::text, ends_at::text, service, customer_name, customer_key from appointments where tenant_id = ${s.tenantId}`);
    expect(appointment).toMatchObject({ service: "Limpeza de pele", customer_name: "Maria Souza", customer_key: "5511988880001" });
    expect(new Date(appointment!.starts_at).toISOString()).toBe(new Date(`${date}T08:30:00-03:00`).toISOString());
    expect(new Date(appointment!.ends_at).getTime() - new Date(appointment!.starts_at).getTime()).toBe(60 * 60_000);
    // The model knew today's date in the business' zone, saw both tools offered and each result as a tool message.
    const system = (s.llm.requests[0]?.body as { messages: ChatMessage[] }).messages[0]?.content ?? "";
    expect(system).toContain(`## Current date and time\n${dateInZone(new Date(), TZ)}`);
    expect(system).toContain("(America/Sao_Paulo, UTC-03:00)");
    expect(s.llm.requests).toHaveLength(3);
    const tools = (s.llm.requests[0]?.body as { tools?: { function: { name: string } }[] }).tools?.map((t) => t.function.name);
    expect(tools).toEqual(expect.arrayContaining(["check_availability", "book_slot"]));
    const final = (s.llm.requests[2]?.body as { messages: ChatMessage[] }).messages;
    expect(final.filter((m) => m.role === "tool")).toHaveLength(2);
  });
});

describe("the reply's current time", () => {
  test("is the business' local date and time, with its offset and in its language", () => {
    const at = new Date("2026-11-26T12:05:00Z");
    expect(currentTimeSection(at, "America/Sao_Paulo", "pt-BR")).toBe(
      "## Current date and time\n2026-11-26 09:05 (America/Sao_Paulo, UTC-03:00) — quinta-feira, 26 de novembro de 2026 às 09:05",
    );
    expect(currentTimeSection(at, "UTC", "en")).toBe("## Current date and time\n2026-11-26 12:05 (UTC, UTC+00:00) — Thursday, November 26, 2026 at 12:05 PM");
  });
});

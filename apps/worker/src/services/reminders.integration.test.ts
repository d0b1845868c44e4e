import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import { closeDb, createDb, type Database } from "@lx/db/client";
import { templates } from "@lx/db/schema";
import { setTenantStatus } from "@lx/db/queries";
import { dbTest as test, seedAgent, seedConversation, seedNumber, seedTenant, TEST_ACTOR } from "@lx/db/testing";
import { havenSpec } from "@lx/shared/testing";

import { eventually, startStack } from "../testing/stack.ts";
import { scanReminders } from "./reminders.ts";

const REMINDER_BODY = "Olá {{1}}! Lembrete da sua {{2}} na Haven Clínica em {{3}}. Responda 1 para confirmar ou 2 para remarcar.";
const MIN = 60_000;

async function approveReminderTemplate(db: Database, tenantId: string) {
  await db.insert(templates).values({
    tenantId,
    name: "lembrete_consulta_v1",
    language: "pt_BR",
    category: "utility",
    purpose: "reminder",
    body: REMINDER_BODY,
  });
}

async function setup(db: Database, o: { template?: boolean } = {}) {
  // Haven: reminders 1,440 and 120 minutes before, template lembrete_consulta_v1.
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id, spec: havenSpec });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  if (o.template !== false) {
    await approveReminderTemplate(db, tenant.id);
  }
  const appointment = async (p: { startsIn: number; bookedAgo: number; status?: string; name?: string }) => {
    const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, agentId: agent.id, name: "Maria Souza" });
    const now = Date.now();
    const [row] = await db.execute<{ id: string }>(sql`
      insert into appointments (tenant_id, conversation_id, customer_key, customer_name, service, starts_at, ends_at, status, created_at)
      values (${tenant.id}::uuid, ${c.id}::uuid, ${c.customerKey}, ${p.name ?? null}, 'Limpeza de pele',
              ${new Date(now + p.startsIn).toISOString()}::timestamptz, ${new Date(now + p.startsIn + 60 * MIN).toISOString()}::timestamptz,
              ${p.status ?? "booked"}, ${new Date(now - p.bookedAgo).toISOString()}::timestamptz)
      returning id`);
    return { id: row!.id, conversationId: c.id, customerKey: c.customerKey };
  };
  return { tenant, agent, number, appointment };
}

const outboxOf = (db: Database, conversationId: string) =>
  db.execute<{ kind: string; payload: { template: { name: string; components?: { parameters: { text: string }[] }[] } }; body: string; type: string }>(sql`
    select o.kind, o.payload, m.body, m.type from outbox_messages o join messages m on m.id = o.message_id
    where o.conversation_id = ${conversationId}::uuid order by o.id`);

describe("appointment reminders", () => {
  test("the offset closest to the appointment is sent once, as the agent's template with name, service and time; earlier ones are passed over", async ({ db }) => {
    const { appointment } = await setup(db);
    // Starts in 90 minutes, booked three days ago: the 24-hour and the 2-hour reminders are both due.
    const a = await appointment({ startsIn: 90 * MIN, bookedAgo: 3 * 24 * 60 * MIN });
    const first = await scanReminders(db, { now: new Date(), workerId: "w1" });
    expect(first).toEqual({ queued: 1, skipped: 1, blocked: 0 });
    const [sent, ...more] = await outboxOf(db, a.conversationId);
    expect(more).toEqual([]);
    expect(sent).toMatchObject({ kind: "template", type: "template", payload: { template: { name: "lembrete_consulta_v1" } } });
    const params = sent!.payload.template.components?.[0]?.parameters.map((p) => p.text);
    expect(params?.slice(0, 2)).toEqual(["Maria", "Limpeza de pele"]);
    expect(sent!.body).toContain("Olá Maria! Lembrete da sua Limpeza de pele na Haven Clínica em ");
    expect(sent!.body).not.toContain("{{");
    const deliveries = await db.execute<{ offset_minutes: number; sent: boolean }>(sql`
      select offset_minutes, outbox_message_id is not null as sent from reminder_deliveries where appointment_id = ${a.id}::uuid order by offset_minutes`);
    expect(deliveries).toEqual([
      { offset_minutes: 120, sent: true },
      { offset_minutes: 1440, sent: false },
    ]);
    // Scanning again queues nothing: once per appointment and offset, ever.
    expect(await scanReminders(db, { now: new Date(), workerId: "w1" })).toEqual({ queued: 0, skipped: 0, blocked: 0 });
    expect(await outboxOf(db, a.conversationId)).toHaveLength(1);
    const [audit] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from audit_events where subject_id = ${a.conversationId} and type = 'reminder.queued'`);
    expect(audit?.n).toBe(1);
  });

  test("nothing before its time, for a booking made after it, for a cancelled or past appointment; blocked without an approved template", async ({ db }) => {
    const { appointment } = await setup(db);
    const early = await appointment({ startsIn: 30 * 60 * MIN, bookedAgo: 2 * 24 * 60 * MIN });
    const late = await appointment({ startsIn: 90 * MIN, bookedAgo: 10 * MIN });
    const cancelled = await appointment({ startsIn: 90 * MIN, bookedAgo: 3 * 24 * 60 * MIN, status: "cancelled" });
    const past = await appointment({ startsIn: -10 * MIN, bookedAgo: 3 * 24 * 60 * MIN });
    expect(await scanReminders(db, { now: new Date(), workerId: "w1" })).toEqual({ queued: 0, skipped: 0, blocked: 0 });
    for (const a of [early, late, cancelled, past]) {
      expect(await outboxOf(db, a.conversationId)).toEqual([]);
    }
    // Six hours later the 24-hour reminder of the early one is due.
    expect(await scanReminders(db, { now: new Date(Date.now() + 6 * 60 * MIN + MIN), workerId: "w1" })).toMatchObject({ queued: 1 });
    expect(await outboxOf(db, early.conversationId)).toHaveLength(1);

    const other = await setup(db, { template: false });
    const unsendable = await other.appointment({ startsIn: 90 * MIN, bookedAgo: 3 * 24 * 60 * MIN });
    expect(await scanReminders(db, { now: new Date(), workerId: "w1" })).toEqual({ queued: 0, skipped: 1, blocked: 1 });
    expect(await outboxOf(db, unsendable.conversationId)).toEqual([]);
    const [audit] = await db.execute<{ data: { reason: string } }>(sql`
      select data from audit_events where subject_id = ${unsendable.conversationId} and type = 'reminder.blocked'`);
    expect(audit?.data.reason).toContain("not approved");
  });

  test("four workers scanning at once queue each reminder once", async ({ db, dbUrl }) => {
    const { appointment } = await setup(db);
    const due = await Promise.all(Array.from({ length: 6 }, (_, i) => appointment({ startsIn: (90 + i) * MIN, bookedAgo: 3 * 24 * 60 * MIN })));
    const pools = Array.from({ length: 4 }, () => createDb(dbUrl, { max: 1 }));
    onTestFinished(() => Promise.all(pools.map((p) => closeDb(p))).then(() => undefined));
    const scans = await Promise.all(pools.map((pool, i) => scanReminders(pool, { now: new Date(), workerId: `w${i}` })));
    expect(scans.reduce((n, s) => n + s.queued, 0)).toBe(6);
    for (const a of due) {
      expect(await outboxOf(db, a.conversationId)).toHaveLength(1);
    }
  });

  test("a paused tenant sends no reminder; resumed, the one still due goes out", async ({ db }) => {
    const { tenant, appointment } = await setup(db);
    const a = await appointment({ startsIn: 90 * MIN, bookedAgo: 3 * 24 * 60 * MIN });
    await setTenantStatus(db, { tenantId: tenant.id, status: "paused", actor: TEST_ACTOR });
    await scanReminders(db, { now: new Date(), workerId: "w1" });
    expect(await outboxOf(db, a.conversationId)).toHaveLength(0);
    await setTenantStatus(db, { tenantId: tenant.id, status: "active", actor: TEST_ACTOR });
    await scanReminders(db, { now: new Date(), workerId: "w1" });
    expect(await outboxOf(db, a.conversationId)).toHaveLength(1);
  });

  test("a running worker scans on its own and the customer gets the template through the Graph API", async ({ db, dbUrl }) => {
    const s = await startStack(db, dbUrl);
    onTestFinished(() => s.stop());
    await approveReminderTemplate(db, s.tenantId);
    const conversation = await seedConversation(db, { tenantId: s.tenantId, numberId: s.numberId, agentId: s.agentId, waId: "5511977770001", name: "Joana" });
    const now = Date.now();
    await db.execute(sql`
      insert into appointments (tenant_id, conversation_id, customer_key, service, starts_at, ends_at, created_at)
      values (${s.tenantId}::uuid, ${conversation.id}::uuid, '5511977770001', 'Consulta dermatológica',
              ${new Date(now + 100 * MIN).toISOString()}::timestamptz, ${new Date(now + 140 * MIN).toISOString()}::timestamptz,
              ${new Date(now - 2 * 24 * 60 * MIN).toISOString()}::timestamptz)`);
    await s.startWorker({ reminderScanMs: 100 });
    const [sent] = await eventually(
      // (Other tests' tenants share the database: their reminders go to other numbers.)
      async () => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent" && r.type === "template" && r.to === "+5511977770001"),
      (r) => r.length === 1,
    );
    expect(sent?.body).toMatchObject({ template: { name: "lembrete_consulta_v1", language: { code: "pt_BR" } } });

    // "Responda 1 para confirmar": the customer's "1" confirms it (audited), and the model is told.
    const statusOf = async () =>
      (await db.execute<{ status: string }>(sql`select status from appointments where conversation_id = ${conversation.id}::uuid`))[0]?.status;
    await s.customer("5511977770001").text("1");
    await eventually(statusOf, (status) => status === "confirmed");
    const system = await eventually(
      async () => (s.llm.requests.at(-1)?.body as { messages?: { content: string }[] } | undefined)?.messages?.[0]?.content ?? "",
      (text) => text.includes("## Appointment confirmed"),
    );
    expect(system).toContain("Consulta dermatológica");
    const [audit] = await db.execute<{ after: unknown }>(sql`
      select after from audit_events where type = 'appointment.confirmed' and data->>'conversationId' = ${conversation.id}`);
    expect(audit?.after).toEqual({ status: "confirmed" });
  });

  test("a \"2\" answering the reminder moves the appointment: the model is asked to, and its next booking replaces the old one", async ({ db, dbUrl }) => {
    const s = await startStack(db, dbUrl);
    onTestFinished(() => s.stop());
    await approveReminderTemplate(db, s.tenantId);
    const conversation = await seedConversation(db, { tenantId: s.tenantId, numberId: s.numberId, agentId: s.agentId, waId: "5511977770003" });
    // In 100 minutes: its 2-hour reminder is due now.
    const old = new Date(Date.now() + 100 * MIN);
    await db.execute(sql`
      insert into appointments (tenant_id, conversation_id, customer_key, service, starts_at, ends_at, created_at)
      values (${s.tenantId}::uuid, ${conversation.id}::uuid, '5511977770003', 'Retorno', ${old.toISOString()}::timestamptz,
              ${new Date(old.getTime() + 20 * MIN).toISOString()}::timestamptz, ${new Date(Date.now() - 2 * 24 * 60 * MIN).toISOString()}::timestamptz)`);
    expect(await scanReminders(db, { now: new Date(), workerId: "w1" })).toMatchObject({ queued: 1 });
    // The model offers a time on a Thursday at least three weeks out and books it when the customer picks it.
    const day = new Date(Date.now() + 21 * 86_400_000);
    while (day.getUTCDay() !== 4) {
      day.setUTCDate(day.getUTCDate() + 1);
    }
    const start = `${day.toISOString().slice(0, 10)}T10:00:00-03:00`;
    s.llm.setReply((req) => {
      const messages = (req.body as { messages: { role: string; content: string | null }[] }).messages;
      const last = messages.at(-1);
      if (last?.role === "user" && last.content === "quinta às 10") {
        return { toolCalls: [{ name: "book_slot", arguments: { start, service: "Retorno" } }] };
      }
      if (last?.role === "tool") {
        return { text: `Remarcado: ${last.content ?? ""}` };
      }
      return { text: "Claro! Qual dia e horário fica melhor?" };
    });
    await s.startWorker();
    const customer = s.customer("5511977770003");
    const texts = () => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent" && r.to === "+5511977770003" && r.type === "text");
    await customer.text("2");
    await eventually(async () => texts().length, (n) => n === 1);
    const askedToMove = (s.llm.requests.at(-1)?.body as { messages: { content: string }[] }).messages[0]?.content ?? "";
    expect(askedToMove).toContain("## Appointment to move");
    await customer.text("quinta às 10");
    const [, done] = await eventually(async () => texts(), (r) => r.length === 2);
    expect(done?.text).toContain('"booked":true');
    expect(done?.text).toContain('"replaced":{');
    const rows = await db.execute<{ status: string; starts_at: string }>(sql`
      select status, starts_at::text from appointments where conversation_id = ${conversation.id}::uuid order by starts_at`);
    expect(rows.map((r) => r.status)).toEqual(["cancelled", "booked"]);
    expect(new Date(rows[1]!.starts_at).toISOString()).toBe(new Date(start).toISOString());
    const [audit] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from audit_events where type = 'appointment.rescheduled' and data->>'conversationId' = ${conversation.id}`);
    expect(audit?.n).toBe(1);
  });

  test("only a \"1\" answering the reminder itself confirms", async ({ db, dbUrl }) => {
    const s = await startStack(db, dbUrl);
    onTestFinished(() => s.stop());
    await approveReminderTemplate(db, s.tenantId);
    const conversation = await seedConversation(db, { tenantId: s.tenantId, numberId: s.numberId, agentId: s.agentId, waId: "5511977770002" });
    const now = Date.now();
    await db.execute(sql`
      insert into appointments (tenant_id, conversation_id, customer_key, starts_at, ends_at, created_at)
      values (${s.tenantId}::uuid, ${conversation.id}::uuid, '5511977770002',
              ${new Date(now + 100 * MIN).toISOString()}::timestamptz, ${new Date(now + 130 * MIN).toISOString()}::timestamptz,
              ${new Date(now - 2 * 24 * 60 * MIN).toISOString()}::timestamptz)`);
    expect(await scanReminders(db, { now: new Date(), workerId: "w1" })).toMatchObject({ queued: 1 });
    await s.startWorker();
    const customer = s.customer("5511977770002");
    const answered = async (n: number) =>
      eventually(
        async () => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent" && r.to === "+5511977770002" && r.type === "text").length,
        (count) => count === n,
      );
    // "2" (reschedule) is left to the model; the bot's own reply is then the latest message, so a later "1" confirms nothing.
    await customer.text("2");
    await answered(1);
    await customer.text("1");
    await answered(2);
    const [row] = await db.execute<{ status: string }>(sql`select status from appointments where conversation_id = ${conversation.id}::uuid`);
    expect(row?.status).toBe("booked");
  });
});

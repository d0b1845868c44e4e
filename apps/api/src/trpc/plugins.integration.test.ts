import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import type { Database } from "@lx/db/client";
import { dbTest, seedAgent, seedConversation, seedNumber, seedTenant, seedUser } from "@lx/db/testing";

import { callerFor, codeOf, sessionFor } from "../testing/harness.ts";

const HOUR = 3600_000;

async function setup(db: Database) {
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, name: "Maria Souza" });
  const book = async (startsInHours: number, service: string) => {
    const start = new Date(Date.now() + startsInHours * HOUR);
    const [row] = await db.execute<{ id: string }>(sql`
      insert into appointments (tenant_id, conversation_id, customer_key, service, starts_at, ends_at)
      values (${tenant.id}::uuid, ${c.id}::uuid, ${c.customerKey}, ${service}, ${start.toISOString()}::timestamptz,
              ${new Date(start.getTime() + HOUR / 2).toISOString()}::timestamptz)
      returning id`);
    return row!.id;
  };
  const operator = await seedUser(db, { role: "operator" });
  const client = await seedUser(db, { role: "client", tenantId: tenant.id });
  return {
    tenant,
    conversation: c,
    book,
    op: callerFor(db, await sessionFor(db, operator.email, operator.password)).caller,
    cl: callerFor(db, await sessionFor(db, client.email, client.password)).caller,
  };
}


describe("deals through the API", () => {
  dbTest("newest first, paged, with the conversation's customer; only the tenant's own", async ({ db }) => {
    const f = await setup(db);
    for (const [i, title] of ["Primeiro", "Segundo", "Terceiro"].entries()) {
      await db.execute(sql`
        insert into crm_deals (tenant_id, conversation_id, title, fields, backend, external_id, created_at)
        values (${f.tenant.id}::uuid, ${f.conversation.id}::uuid, ${title}, ${JSON.stringify({ interesse: title })}::jsonb,
                'pipedrive', ${String(100 + i)}, now() - make_interval(mins => ${10 - i}))`);
    }
    const first = await f.cl.deals.list({ tenantSlug: f.tenant.slug, limit: 2 });
    expect(first.items.map((d) => d.title)).toEqual(["Terceiro", "Segundo"]);
    expect(first.items[0]).toMatchObject({ backend: "pipedrive", externalId: "102", fields: { interesse: "Terceiro" }, customerName: "Maria Souza" });
    const rest = await f.op.deals.list({ tenantSlug: f.tenant.slug, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(rest).toMatchObject({ items: [{ title: "Primeiro" }], nextCursor: null });
    const other = await setup(db);
    expect((await other.cl.deals.list({ tenantSlug: other.tenant.slug })).items).toEqual([]);
    expect(await codeOf(other.cl.deals.list({ tenantSlug: f.tenant.slug }))).toBe("NOT_FOUND");
  });
});

describe("appointments through the API", () => {
  dbTest("upcoming soonest first and past latest first, paged; the client reads its own", async ({ db }) => {
    const f = await setup(db);
    const ids = [await f.book(30, "C"), await f.book(2, "A"), await f.book(5, "B"), await f.book(-48, "old"), await f.book(-3, "recent")];
    const scope = { tenantSlug: f.tenant.slug };
    const first = await f.cl.appointments.list({ ...scope, limit: 2 });
    expect(first.items.map((a) => a.service)).toEqual(["A", "B"]);
    expect(first.items[0]).toMatchObject({ customerName: "Maria Souza", customerKey: f.conversation.customerKey, status: "booked", source: "local" });
    const second = await f.cl.appointments.list({ ...scope, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((a) => a.service)).toEqual(["C"]);
    expect(second.nextCursor).toBeNull();
    const past = await f.op.appointments.list({ ...scope, when: "past" });
    expect(past.items.map((a) => a.service)).toEqual(["recent", "old"]);
    expect(ids).toHaveLength(5);
  });

  dbTest("an operator cancels (audited, the slot is free again); twice is a CONFLICT; a client cannot", async ({ db }) => {
    const f = await setup(db);
    const id = await f.book(24, "Limpeza de pele");
    const scope = { tenantSlug: f.tenant.slug, appointmentId: id };
    expect(await codeOf(f.cl.appointments.cancel(scope))).toBe("FORBIDDEN");
    expect(await f.op.appointments.cancel(scope)).toEqual({ id, status: "cancelled", notified: false });
    expect((await f.op.appointments.list({ tenantSlug: f.tenant.slug })).items[0]).toMatchObject({ id, status: "cancelled" });
    expect(await codeOf(f.op.appointments.cancel(scope))).toBe("CONFLICT");
    const [audit] = await db.execute<{ before: unknown; after: unknown }>(sql`
      select before, after from audit_events where type = 'appointment.cancelled' and subject_id = ${id}`);
    expect(audit).toEqual({ before: { status: "booked" }, after: { status: "cancelled" } });
    expect(await db.execute(sql`select 1 from outbox_messages where conversation_id = ${f.conversation.id}::uuid`)).toHaveLength(0);

    // With notifyCustomer, the customer gets a message in the agent's language, from the operator, through the outbox.
    const told = await f.book(48, "Retorno");
    expect(await f.op.appointments.cancel({ tenantSlug: f.tenant.slug, appointmentId: told, notifyCustomer: true })).toMatchObject({
      status: "cancelled",
      notified: true,
    });
    const [notice] = await db.execute<{ author: string; body: string; recipient: string; kind: string }>(sql`
      select m.author, m.body, o.recipient, o.kind from messages m join outbox_messages o on o.message_id = m.id
      where m.conversation_id = ${f.conversation.id}::uuid`);
    expect(notice).toMatchObject({ author: "human", recipient: f.conversation.customerKey, kind: "text" });
    expect(notice?.body).toMatch(/^Olá! Seu agendamento de .+ \(Retorno\) foi cancelado\./);

    // Bad input and other tenants' appointments.
    const other = await setup(db);
    const foreign = await other.book(24, "X");
    expect(await codeOf(f.op.appointments.cancel({ tenantSlug: f.tenant.slug, appointmentId: foreign }))).toBe("NOT_FOUND");
    expect(await codeOf(f.op.appointments.cancel({ tenantSlug: f.tenant.slug, appointmentId: "nope" }))).toBe("BAD_REQUEST");
    expect(await codeOf(f.op.appointments.list({ tenantSlug: f.tenant.slug, cursor: "junk" }))).toBe("BAD_REQUEST");
  });
});

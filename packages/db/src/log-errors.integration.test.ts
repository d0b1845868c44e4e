import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { messages } from "./schema/index.ts";
import { serializeError } from "./log-errors.ts";
import { dbTest as test, seedConversation, seedNumber, seedTenant } from "./testing/index.ts";

/** The error a statement threw, as a log line would carry it. */
async function logged(statement: Promise<unknown>): Promise<{ json: string; value: Record<string, unknown> }> {
  const err = await statement.then(
    () => {
      throw new Error("the statement should have failed");
    },
    (e: unknown) => e,
  );
  const value = serializeError(err) as Record<string, unknown>;
  return { json: JSON.stringify(value), value };
}

describe("errors in logs carry no statement values (real PostgreSQL errors through drizzle)", () => {
  test("a unique violation: the key's name and the constraint, not the customer's number or words", async ({ db }) => {
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const conv = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5511987654321" });
    const row = {
      tenantId: tenant.id,
      conversationId: conv.id,
      direction: "in",
      author: "customer",
      body: "Meu CPF é 123.456.789-00, sou a Joana Prado",
      metaMessageId: "wamid.SEGREDO-5511987654321",
    } as const;
    await db.insert(messages).values(row);
    const { json, value } = await logged(db.insert(messages).values(row));
    expect(value).toMatchObject({ type: "DatabaseError", code: "23505", constraint: "messages_inbound_meta_key", table: "messages" });
    expect(value.detail).toBe("Key (tenant_id, meta_message_id)=(…) already exists.");
    expect(value.query).toMatch(/^insert into "messages"/);
    expect(value.stack).toMatch(/^ {4}at /);
    for (const secret of ["123.456.789-00", "Joana", "5511987654321", "SEGREDO", tenant.id]) {
      expect(json).not.toContain(secret);
    }
  });

  test("a failing row and a bad input: neither the row nor the input is quoted", async ({ db }) => {
    const tenant = await seedTenant(db);
    const notNull = await logged(
      db.execute(sql`insert into messages (tenant_id, conversation_id, direction, author, body)
                     values (${tenant.id}, null, 'in', 'customer', ${"oi, aqui é a Joana Prado"})`),
    );
    expect(notNull.value).toMatchObject({ code: "23502", column: "conversation_id", detail: "Failing row contains (…)." });
    expect(notNull.json).not.toContain("Joana");
    const syntax = await logged(db.execute(sql`select ${"Joana Prado 5511987654321"}::uuid`));
    expect(syntax.value).toMatchObject({ code: "22P02", message: 'invalid input syntax for type uuid: "…"' });
    expect(syntax.json).not.toContain("Joana");
    expect(syntax.json).not.toContain("5511987654321");
  });

  test("other errors keep their message, own fields and cause, without a statement's values", () => {
    const inner = Object.assign(new Error("Failed query: select $1\nparams: Joana Prado"), { params: ["Joana Prado"] });
    const outer = Object.assign(new Error("could not store the reply", { cause: inner }), { jobId: 42 });
    const value = serializeError(outer) as Record<string, unknown>;
    expect(value).toMatchObject({ type: "Error", message: "could not store the reply", jobId: 42 });
    expect(value.cause).toMatchObject({ type: "DatabaseError", query: "select $1" });
    expect(JSON.stringify(value)).not.toContain("Joana");
    expect(serializeError("plain text")).toBe("plain text");
  });
});

import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { dbTest, seedConversation, seedInbound, seedNumber, seedTenant, seedUser } from "@lx/db/testing";

import { callerFor, codeOf, sessionFor } from "../testing/harness.ts";


describe("customers.* (a data subject's request through the console API)", () => {
  dbTest("export and erase within the tenant only; erase needs the confirmation word and waits for a running reply", async ({ db }) => {
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5531977776666", name: "Bruno" });
    await seedInbound(db, { tenantId: tenant.id, conversationId: c.id, body: "meu CPF é 123" });
    const other = await seedTenant(db);
    const operator = await seedUser(db, { role: "operator" });
    const { caller } = callerFor(db, await sessionFor(db, operator.email, operator.password));
    const scope = { tenantSlug: tenant.slug };

    const doc = await caller.customers.export({ ...scope, conversationId: c.id });
    expect(doc.conversations[0]?.messages[0]?.text).toBe("meu CPF é 123");
    // The same conversation named under another tenant reads as missing; a bad reference is refused.
    expect(await codeOf(caller.customers.export({ tenantSlug: other.slug, conversationId: c.id }))).toBe("NOT_FOUND");
    expect(await codeOf(caller.customers.export({ ...scope }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.customers.export({ ...scope, conversationId: c.id, customer: "5531977776666" }))).toBe("BAD_REQUEST");

    // No confirmation word, no erasure.
    expect(await codeOf(caller.customers.erase({ ...scope, conversationId: c.id, confirm: "apagar" as "APAGAR" }))).toBe("BAD_REQUEST");
    await db.execute(sql`
      insert into message_queue (tenant_id, conversation_id, task, status, locked_by, locked_at)
      values (${tenant.id}::uuid, ${c.id}::uuid, 'conversation.reply', 'running', 'w1', now())`);
    await expect(caller.customers.erase({ ...scope, conversationId: c.id, confirm: "APAGAR" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(/being written or sent right now/),
    });
    await db.execute(sql`update message_queue set status = 'done', finished_at = now() where conversation_id = ${c.id}::uuid`);
    const erased = await caller.customers.erase({ ...scope, conversationId: c.id, confirm: "APAGAR" });
    expect(erased).toMatchObject({ conversationIds: [c.id], messages: 1 });
    const thread = await caller.conversations.byId({ ...scope, conversationId: c.id });
    expect(thread.conversation.erasedAt).toEqual(expect.any(String));
    expect(await codeOf(caller.conversations.reply({ ...scope, conversationId: c.id, text: "oi" }))).toBe("PRECONDITION_FAILED");

    expect(await caller.customers.setRetention({ ...scope, days: 180 })).toEqual({ days: 180, changed: true });
    expect((await caller.tenants.bySlug(scope)).retentionDays).toBe(180);
    expect(await codeOf(caller.customers.setRetention({ ...scope, days: 6 }))).toBe("BAD_REQUEST");
  });
});

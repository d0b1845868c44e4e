import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import { setTenantStatus } from "@lx/db/queries";
import { dbTest as test, seedNumber, TEST_ACTOR } from "@lx/db/testing";
import { createCustomer } from "@lx/sandbox";

import { APP_SECRET, eventually, startStack } from "../testing/stack.ts";

describe("a paused tenant", () => {
  test("its bot answers nobody on its Meta numbers (messages still arrive), its sandbox keeps answering, and it answers again once resumed", async ({ db, dbUrl }) => {
    const s = await startStack(db, dbUrl);
    onTestFinished(() => s.stop());
    const sandbox = await seedNumber(db, { tenantId: s.tenantId, agentId: s.agentId, kind: "sandbox" });
    await s.startWorker();
    const sends = (waId: string) => s.graph.requests.filter((r) => r.kind === "send" && r.to === `+${waId}`);
    const jobsDone = async () =>
      (await db.execute<{ n: number }>(sql`select count(*)::int as n from message_queue where tenant_id = ${s.tenantId}::uuid and status = 'done'`))[0]?.n ?? 0;

    await setTenantStatus(db, { tenantId: s.tenantId, status: "paused", actor: TEST_ACTOR });
    await s.customer("5511955550101").text("Vocês abrem amanhã?");
    await createCustomer({ webhookUrl: s.webhookUrl, appSecret: APP_SECRET, phoneNumberId: sandbox.phoneNumberId, waId: "5511955550102", name: "Teste" }).text("Oi, sandbox");
    // Both jobs are done: the sandbox one with a reply, the paused one in silence (no model call,
    // no read receipt, no send), its message kept for the inbox.
    await eventually(jobsDone, (n) => n === 2);
    await eventually(async () => sends("5511955550102"), (r) => r.length === 1);
    expect(s.llm.requests.map((r) => r.lastUserText)).toEqual(["Oi, sandbox"]);
    expect(s.graph.requests.filter((r) => r.to?.replace(/^\+/, "") === "5511955550101")).toEqual([]);
    const [kept] = await db.execute<{ body: string }>(sql`
      select m.body from messages m join conversations c on c.id = m.conversation_id
      where c.customer_key = '5511955550101' and c.tenant_id = ${s.tenantId}::uuid`);
    expect(kept?.body).toBe("Vocês abrem amanhã?");

    await setTenantStatus(db, { tenantId: s.tenantId, status: "active", actor: TEST_ACTOR });
    await s.customer("5511955550101").text("Alô?");
    await eventually(async () => sends("5511955550101"), (r) => r.length === 1);
    const [audit] = await db.execute<{ before: unknown; after: unknown }>(sql`
      select before, after from audit_events where type = 'tenant.status_changed' and tenant_id = ${s.tenantId}::uuid order by id limit 1`);
    expect(audit).toEqual({ before: { status: "active" }, after: { status: "paused" } });
  });
});

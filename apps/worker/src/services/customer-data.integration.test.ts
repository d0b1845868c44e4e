import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import { eraseCustomer, setTenantRetention, storeIgnoredEvent, TENANTLESS_EVENT_RETENTION_DAYS, type AuditActor } from "@lx/db/queries";
import { dbTest as test, seedConversation, seedInbound } from "@lx/db/testing";
import { AppError } from "@lx/shared/errors";

import { eventually, startStack } from "../testing/stack.ts";

const DPO: AuditActor = { type: "user", label: "dpo@agencia.test" };

const sendsTo = (s: Awaited<ReturnType<typeof startStack>>, waId: string) =>
  s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent" && r.to === `+${waId}`);

describe("a customer's data erased while the runtime runs", () => {
  test("erasure waits for the reply being written, then goes through; the customer's next message starts afresh", async ({ db, dbUrl }) => {
    // The model takes 1.5 s: the erasure is asked for while the reply is being written.
    const s = await startStack(db, dbUrl, { llmLatencyMs: 1500 });
    onTestFinished(() => s.stop());
    await s.startWorker();
    const wa = "5511966660001";
    await s.customer(wa).text("Meu exame de glicemia é terça");
    await eventually(async () => s.llm.requests.length, (n) => n === 1);

    const erase = () => eraseCustomer(db, { tenantId: s.tenantId, customer: `+${wa}`, actor: DPO });
    await expect(erase()).rejects.toMatchObject({ code: "CONFLICT" });
    // Asked again until the reply is out (a few seconds at most), as the console's operator would.
    const attempt = async () => {
      try {
        return await erase();
      } catch (err) {
        if (err instanceof AppError && err.code === "CONFLICT") {
          return null;
        }
        throw err;
      }
    };
    const result = await eventually(attempt, (r) => r !== null);
    expect(result).toMatchObject({ messages: 2, jobsCancelled: 0 });
    // Between the reply's job and its send the erasure may land: the reply was either out before it
    // or cancelled by it (a queued send is), never both.
    const sentBefore = sendsTo(s, wa).length;
    expect(sentBefore + (result?.sendsCancelled ?? 0)).toBe(1);
    const [old] = await db.execute<{ bodies: string[]; erased: boolean }>(sql`
      select array_agg(m.body order by m.id) as bodies, c.erased_at is not null as erased
      from conversations c join messages m on m.conversation_id = c.id
      where c.id = ${result!.conversationIds[0]}::uuid group by c.id`);
    expect(old).toEqual({ bodies: ["", ""], erased: true });

    // The customer writes again: a new conversation, answered, whose context knows nothing of the past.
    await s.customer(wa).text("Oi de novo");
    await eventually(async () => sendsTo(s, wa), (r) => r.length === sentBefore + 1);
    const context = JSON.stringify(s.llm.requests.at(-1)?.body);
    expect(context).toContain("Oi de novo");
    expect(context).not.toContain("glicemia");
    const [fresh] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from conversations where tenant_id = ${s.tenantId}::uuid and customer_key = ${wa}`);
    expect(fresh?.n).toBe(1);
  });

  test("a running worker erases the conversations idle past the tenant's retention window, and expires the old payloads no tenant claims", async ({
    db,
    dbUrl,
  }) => {
    const s = await startStack(db, dbUrl);
    onTestFinished(() => s.stop());
    const idle = await seedConversation(db, { tenantId: s.tenantId, numberId: s.numberId, waId: "5511966660002", lastMessageAt: new Date(Date.now() - 10 * 86_400_000) });
    await seedInbound(db, { tenantId: s.tenantId, conversationId: idle.id, body: "mensagem de dez dias atrás" });
    const recent = await seedConversation(db, { tenantId: s.tenantId, numberId: s.numberId, waId: "5511966660003", lastMessageAt: new Date(Date.now() - 86_400_000) });
    await setTenantRetention(db, { tenantId: s.tenantId, days: 7, actor: DPO });
    // Two payloads no tenant claims (a number nobody has, a malformed change): one past the window.
    const tenantless = async (daysAgo: number) => {
      await storeIgnoredEvent(db, { payload: { messages: [{ from: "5511966660009", text: { body: "meu exame" } }] }, error: "change without metadata" });
      const [row] = await db.execute<{ id: number }>(sql`
        update webhook_events set received_at = now() - ${daysAgo} * interval '1 day'
        where id = (select max(id) from webhook_events) returning id::int`);
      return row!.id;
    };
    const expiring = await tenantless(TENANTLESS_EVENT_RETENTION_DAYS + 1);
    const young = await tenantless(TENANTLESS_EVENT_RETENTION_DAYS - 1);
    await s.startWorker({ pruneEveryMs: 100 });

    const erasedOf = async () => {
      const rows = await db.execute<{ id: string; erased: boolean }>(sql`
        select id, erased_at is not null as erased from conversations where id in (${idle.id}::uuid, ${recent.id}::uuid)`);
      return Object.fromEntries(rows.map((r) => [r.id, r.erased]));
    };
    await eventually(erasedOf, (erased) => erased[idle.id] === true);
    expect(await erasedOf()).toEqual({ [idle.id]: true, [recent.id]: false });
    const [event] = await db.execute<{ actor_type: string; data: { reason: string } }>(sql`
      select actor_type, data from audit_events where type = 'customer.erased' and subject_id = ${idle.id}`);
    expect(event).toMatchObject({ actor_type: "worker", data: { reason: "retention" } });

    const payloads = () =>
      db.execute<{ id: number; payload: unknown; error: string }>(sql`
        select id::int, payload, error from webhook_events where id in (${expiring}, ${young}) order by id`);
    await eventually(payloads, (rows) => rows[0]?.id === expiring && JSON.stringify(rows[0]?.payload) === '{"expired":true}');
    expect(await payloads()).toEqual([
      { id: expiring, payload: { expired: true }, error: "change without metadata" },
      { id: young, payload: { messages: [{ from: "5511966660009", text: { body: "meu exame" } }] }, error: "change without metadata" },
    ]);
  });
});

import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { startHandoff } from "@lx/db/queries";
import { dbTest, seedAgent, seedNumber, seedTenant, seedUser } from "@lx/db/testing";

import { testCustomerFor } from "../services/sandbox-chat.ts";
import { callerFor, codeOf, loopbackSandbox, sessionFor } from "../testing/harness.ts";

async function setup(db: Database, options: { stepTimeoutMs?: number } = {}) {
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
  const { agent: sales } = await seedAgent(db, { tenantId: tenant.id, slug: "vendas" });
  const sandboxNumber = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id, kind: "sandbox" });
  // The sales agent only has an official number: the test chat never writes to it.
  await seedNumber(db, { tenantId: tenant.id, agentId: sales.id, kind: "meta" });
  const operator = await seedUser(db, { role: "operator" });
  const session = await sessionFor(db, operator.email, operator.password);
  const op = callerFor(db, session, { sandbox: loopbackSandbox(db, options.stepTimeoutMs ?? 1000) });
  return { tenant, agent, sandboxNumber, operator, session, op };
}


/**
 * Stands in for the worker and the Meta sandbox: answers a handoff keyword by starting the handoff
 * (the same @lx/db service the worker calls) and reports every queued text send as delivered.
 */
function fakeWorkerAndSandbox(db: Database) {
  let running = true;
  const loop = (async () => {
    while (running) {
      const jobs = await db.$client<
        {
          id: string;
          message_id: string;
          conversation_id: string;
          tenant_id: string;
          phone_number_id: string;
          customer_key: string;
        }[]
      >`
        select q.id, q.message_id, q.conversation_id, q.tenant_id, c.phone_number_id, c.customer_key
        from message_queue q join conversations c on c.id = q.conversation_id
        where q.status = 'queued' and q.task = 'conversation.reply'`;
      for (const job of jobs) {
        await db.transaction(async (tx) => {
          await startHandoff(tx, {
            tenantId: job.tenant_id,
            conversationId: job.conversation_id,
            numberId: job.phone_number_id,
            recipient: job.customer_key,
            trigger: "keyword",
            reason: "keyword (fake worker)",
            message: "Vou chamar alguém da equipe.",
            agentVersionId: null,
            answersUpToId: Number(job.message_id),
            resumeAfterMinutes: null,
            notifyWebhookUrl: null,
            actor: { type: "worker", label: "fake-worker" },
          });
          await tx.execute(
            `update message_queue set status = 'done', finished_at = now() where id = ${Number(job.id)}`,
          );
        });
      }
      await db.$client`
        update outbox_messages set status = 'delivered', sent_at = now(), delivered_at = now()
        where status = 'queued' and kind = 'text'`;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

describe("sandbox: test chat", () => {
  dbTest(
    "sends as the operator's test customer through the real webhook, into the agent's sandbox number",
    async ({ db }) => {
      const f = await setup(db);
      const sent = await f.op.caller.sandbox.send({
        tenantSlug: f.tenant.slug,
        agentSlug: "recepcao",
        text: "Oi, é um teste",
      });
      expect(sent.waId).toBe(testCustomerFor(f.operator));
      expect(sent.metaMessageId).toMatch(/^wamid\./);
      const thread = await f.op.caller.conversations.byId({
        tenantSlug: f.tenant.slug,
        conversationId: sent.conversationId,
      });
      expect(thread.conversation).toMatchObject({
        customerWaId: sent.waId,
        customerName: `Teste (${f.operator.email})`,
        number: { id: f.sandboxNumber.id, kind: "sandbox" },
        agent: { slug: "recepcao" },
      });
      expect(thread.messages.map((m) => [m.author, m.body])).toEqual([["customer", "Oi, é um teste"]]);
      // The webhook queued the reply job, as for any customer.
      const [job] = await db.$client<{ task: string; status: string }[]>`
      select task, status from message_queue where conversation_id = ${sent.conversationId}`;
      expect(job).toEqual({ task: "conversation.reply", status: "queued" });

      // The same customer again: the same conversation. Another customer: another one.
      const again = await f.op.caller.sandbox.send({
        tenantSlug: f.tenant.slug,
        agentSlug: "recepcao",
        text: "segunda",
      });
      expect(again.conversationId).toBe(sent.conversationId);
      const other = await f.op.caller.sandbox.send({
        tenantSlug: f.tenant.slug,
        text: "outro cliente",
        waId: "5511977776666",
        name: "Maria",
      });
      expect(other.conversationId).not.toBe(sent.conversationId);

      const target = await f.op.caller.sandbox.target({ tenantSlug: f.tenant.slug, agentSlug: "recepcao" });
      expect(target).toMatchObject({
        enabled: true,
        number: { id: f.sandboxNumber.id },
        testCustomer: sent.waId,
        activeVersion: "1.0.0",
      });
      expect(typeof target.handoffKeyword).toBe("string");
    },
  );

  dbTest("refuses official numbers, a server without sandbox mode and bad input", async ({ db }) => {
    const f = await setup(db);
    const scope = { tenantSlug: f.tenant.slug };
    expect(await codeOf(f.op.caller.sandbox.send({ ...scope, agentSlug: "vendas", text: "oi" }))).toBe(
      "PRECONDITION_FAILED",
    );
    expect(await f.op.caller.sandbox.target({ ...scope, agentSlug: "vendas" })).toMatchObject({
      number: null,
    });
    expect(await codeOf(f.op.caller.sandbox.send({ ...scope, text: "   " }))).toBe("BAD_REQUEST");
    expect(await codeOf(f.op.caller.sandbox.send({ ...scope, text: "oi", waId: "+55 11" }))).toBe(
      "BAD_REQUEST",
    );
    expect(await codeOf(f.op.caller.sandbox.send({ ...scope, agentSlug: "nao-existe", text: "oi" }))).toBe(
      "NOT_FOUND",
    );
    const off = callerFor(db, f.session, { sandbox: null }).caller;
    expect(await codeOf(off.sandbox.send({ ...scope, text: "oi" }))).toBe("PRECONDITION_FAILED");
    expect(await codeOf(off.sandbox.handoffTest({ ...scope, agentSlug: "recepcao" }))).toBe(
      "PRECONDITION_FAILED",
    );
    expect((await off.sandbox.target({ ...scope, agentSlug: "recepcao" })).enabled).toBe(false);
    const [row] = await db.$client<{ n: number }[]>`
      select count(*)::int as n from messages where tenant_id = ${f.tenant.id}`;
    expect(row?.n).toBe(0);
  });
});

describe("sandbox: handoff test", () => {
  dbTest(
    "passes every step when the worker and the sandbox do their part, and records handoff_test.passed",
    async ({ db }) => {
      const f = await setup(db, { stepTimeoutMs: 10_000 });
      const stop = fakeWorkerAndSandbox(db);
      onTestFinished(stop);
      const result = await f.op.caller.sandbox.handoffTest({
        tenantSlug: f.tenant.slug,
        agentSlug: "recepcao",
      });
      await stop();
      expect(result.failure).toBeNull();
      expect(result.passed).toBe(true);
      expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
        ["send_keyword", true],
        ["pending_human", true],
        ["handoff_delivered", true],
        ["take_over", true],
        ["human_reply_delivered", true],
        ["hand_back", true],
      ]);
      const thread = await f.op.caller.conversations.byId({
        tenantSlug: f.tenant.slug,
        conversationId: result.conversationId ?? "",
      });
      expect(thread.conversation.mode).toBe("bot");
      expect(thread.messages.map((m) => m.author)).toEqual(["customer", "system", "human", "system"]);
      expect(thread.messages[0]?.body).toBe(result.keyword);

      const checklist = await f.op.caller.setup.checklist({ tenantSlug: f.tenant.slug });
      expect(checklist.items.find((i) => i.key === "handoff_test")).toMatchObject({
        status: "done",
        evidence: f.operator.email,
      });
      const [event] = await db.$client<{ data: { agentSlug: string; steps: unknown[] } }[]>`
      select data from audit_events where tenant_id = ${f.tenant.id} and type = 'handoff_test.passed'`;
      expect(event?.data.agentSlug).toBe("recepcao");
      expect(event?.data.steps).toHaveLength(6);
    },
  );

  dbTest("fails at the step that did not happen and records handoff_test.failed with it", async ({ db }) => {
    // No worker: the conversation never leaves bot mode.
    const f = await setup(db, { stepTimeoutMs: 500 });
    const result = await f.op.caller.sandbox.handoffTest({
      tenantSlug: f.tenant.slug,
      agentSlug: "recepcao",
    });
    expect(result.passed).toBe(false);
    expect(result.failure).toEqual({
      step: "pending_human",
      error: "the move to pending_human did not happen within 1 s",
    });
    expect(result.steps.map((s) => [s.step, s.ok])).toEqual([
      ["send_keyword", true],
      ["pending_human", false],
    ]);
    const events = await db.$client<{ type: string; data: { step: string } }[]>`
      select type, data from audit_events where tenant_id = ${f.tenant.id} and type like 'handoff_test.%'`;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "handoff_test.failed", data: { step: "pending_human" } });
    const checklist = await f.op.caller.setup.checklist({ tenantSlug: f.tenant.slug });
    expect(checklist.items.find((i) => i.key === "handoff_test")?.status).toBe("pending");
  });
});

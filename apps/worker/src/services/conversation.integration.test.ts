import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { enqueueOutboundText } from "@lx/db/queries";
import { seedAgent } from "@lx/db/testing";
import { dbTest as test } from "@lx/db/testing";
import type { TAgentSpec } from "@lx/shared";
import { havenSpec } from "@lx/shared/testing";

import { eventually, startStack, type Stack } from "../testing/stack.ts";

const base: TAgentSpec = {
  ...havenSpec,
  model: { provider: "openai", name: "gpt-4o-mini" },
  context: { ...havenSpec.context, burstWindowMs: 0 },
};

async function stack(db: Database, dbUrl: string, spec: TAgentSpec = base, llmLatencyMs = 0): Promise<Stack> {
  const s = await startStack(db, dbUrl, { spec, llmLatencyMs });
  onTestFinished(() => s.stop());
  return s;
}

const sends = (s: Stack) => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent");
const systemOf = (body: unknown) => ((body as { messages: { role: string; content: string }[] }).messages[0]?.content ?? "");

describe("multi-agent routing by menu", () => {
  async function menuStack(db: Database, dbUrl: string) {
    const s = await stack(db, dbUrl);
    const [sdr] = await db.execute<{ slug: string }>(sql`select slug from agents where id = ${s.agentId}`);
    const suporte = await seedAgent(db, {
      tenantId: s.tenantId,
      slug: "suporte",
      spec: { ...base, agent: { ...base.agent, name: "Bruno", role: "support" } },
    });
    const routing = { mode: "menu", prompt: "Olá! Com quem você quer falar?", options: [{ title: "Vendas", agent: sdr!.slug }, { title: "Suporte", agent: "suporte" }] };
    await db.execute(sql`update tenants set routing = ${JSON.stringify(routing)}::jsonb where id = ${s.tenantId}`);
    await s.startWorker();
    return { s, suporteId: suporte.agent.id };
  }

  test("the first message gets the menu as buttons; the tapped choice sticks and that agent answers", async ({ db, dbUrl }) => {
    const { s, suporteId } = await menuStack(db, dbUrl);
    const c = s.customer("5511980000001");
    await c.text("Oi, preciso de ajuda");
    const menu = await s.graph.waitFor((r) => r.kind === "send" && r.type === "interactive", 10_000);
    expect(menu.body?.interactive).toMatchObject({ type: "button", body: { text: "Olá! Com quem você quer falar?" } });
    expect(s.llm.requests).toHaveLength(0);

    await c.buttonReply({ replyId: "agent:suporte", title: "2 Suporte" });
    await eventually(async () => sends(s).filter((r) => r.type === "text").length, (n) => n === 1);
    expect(systemOf(s.llm.requests.at(-1)?.body)).toContain("Você é Bruno");
    const [conv] = await db.execute<{ agent_id: string }>(sql`select agent_id from conversations where customer_key = '5511980000001'`);
    expect(conv?.agent_id).toBe(suporteId);

    await c.text("Outra pergunta");
    await eventually(async () => sends(s).filter((r) => r.type === "text").length, (n) => n === 2);
    expect(sends(s).filter((r) => r.type === "interactive")).toHaveLength(1);
    expect(systemOf(s.llm.requests.at(-1)?.body)).toContain("Você é Bruno");
  });

  test("a typed number works; an unclear answer re-asks once, then the first option is the default", async ({ db, dbUrl }) => {
    const { s } = await menuStack(db, dbUrl);
    const typed = s.customer("5511980000002");
    await typed.text("oi");
    await eventually(async () => sends(s).filter((r) => r.type === "interactive").length, (n) => n === 1);
    await typed.text("2");
    await eventually(async () => sends(s).filter((r) => r.type === "text").length, (n) => n === 1);
    expect(systemOf(s.llm.requests.at(-1)?.body)).toContain("Você é Bruno");

    const lost = s.customer("5511980000003");
    await lost.text("oi");
    await eventually(async () => sends(s).filter((r) => r.type === "interactive").length, (n) => n === 2);
    await lost.text("banana");
    await eventually(async () => sends(s).filter((r) => r.type === "interactive").length, (n) => n === 3);
    await lost.text("abacaxi");
    await eventually(async () => sends(s).filter((r) => r.type === "text").length, (n) => n === 2);
    expect(systemOf(s.llm.requests.at(-1)?.body)).toContain(`Você é ${havenSpec.agent.name}`);
  });
});

describe("bursts and context", () => {
  test("with burstWindowMs, messages within the window get one reply; every message is answered once", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, { ...base, context: { ...base.context, burstWindowMs: 700 } });
    await s.startWorker();
    const c = s.customer("5511980000010");
    await c.text("Oi");
    await c.text("queria saber o preço");
    await c.text("da limpeza de pele");
    await eventually(() => db.execute(sql`select 1 from message_queue where tenant_id = ${s.tenantId} and status = 'done'`), (r) => r.length === 3);
    await eventually(async () => sends(s).filter((r) => r.type === "text").length, (n) => n >= 1);
    const texts = sends(s).filter((r) => r.type === "text").map((r) => r.text);
    expect(texts).toEqual(["Resposta para: Oi\nqueria saber o preço\nda limpeza de pele"]);
    const [bot] = await db.execute<{ up_to: string; last_in: string }>(sql`
      select (select answers_up_to_id::text from messages where tenant_id = ${s.tenantId} and author = 'bot') as up_to,
             (select max(id)::text from messages where tenant_id = ${s.tenantId} and direction = 'in') as last_in`);
    expect(bot?.up_to).toBe(bot?.last_in);
    // Routing by number: the conversation has the number's agent.
    const [conv] = await db.execute<{ agent_id: string | null }>(sql`select agent_id from conversations where tenant_id = ${s.tenantId}`);
    expect(conv?.agent_id).toBe(s.agentId);
  });

  test("a conversation without an agent gets it remembered by its reply; a busy conversation row is skipped, not waited for", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, base, 300);
    const free = s.customer("5511980000014");
    const busy = s.customer("5511980000015");
    const agentOf = async (key: string) =>
      (await db.execute<{ agent_id: string | null }>(sql`select agent_id from conversations where customer_key = ${key}`))[0]?.agent_id ?? null;
    // Both started with no agent (say, under menu routing): the ingest gave them none.
    await free.text("primeira");
    await busy.text("primeira");
    await db.execute(sql`update conversations set agent_id = null where customer_key in ('5511980000014', '5511980000015')`);
    // Another session holds the second conversation's row for the whole reply.
    const holder = await db.$client.reserve();
    try {
      await holder`begin`;
      await holder`select 1 from conversations where customer_key = '5511980000015' for no key update`;
      await s.startWorker();
      await eventually(async () => sends(s).length, (n) => n === 2, 10_000);
      await eventually(() => agentOf("5511980000014"), (id) => id === s.agentId);
      expect(await agentOf("5511980000015")).toBeNull();
      await holder`rollback`;
    } finally {
      holder.release();
    }
  });

  test("a customer message arriving while the reply is being written is not ignored", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, { ...base, context: { ...base.context, burstWindowMs: 100 } }, 800);
    await s.startWorker();
    const c = s.customer("5511980000011");
    await c.text("Primeira pergunta");
    await s.llm.waitFor(() => true, 10_000);
    await c.text("e mais uma coisa");
    await eventually(async () => sends(s).filter((r) => r.type === "text").length, (n) => n >= 1, 20_000);
    await eventually(() => db.execute(sql`select 1 from message_queue where tenant_id = ${s.tenantId} and status = 'done'`), (r) => r.length === 2);
    const texts = sends(s).filter((r) => r.type === "text").map((r) => r.text);
    expect(texts).toEqual(["Resposta para: Primeira pergunta\ne mais uma coisa"]);
  });

  test("the model sees the conversation so far in order, the latest recentMessages of it, ending at the message answered", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, { ...base, context: { recentMessages: 4, summarizeAfter: 40, burstWindowMs: 0 } });
    s.llm.setReply((req) => ({ text: `resposta ${req.index}` }));
    await s.startWorker();
    const c = s.customer("5511980000013");
    for (let i = 1; i <= 3; i++) {
      await c.text(`pergunta ${i}`);
      await eventually(async () => sends(s).length, (n) => n === i);
    }
    const chat = s.llm.requests.map((r) => (r.body as { messages: { role: string; content: string }[] }).messages.slice(1));
    const answers = chat.map((_, i) => ({ role: "assistant", content: `resposta ${s.llm.requests[i]!.index}` }));
    expect(chat).toEqual([
      [{ role: "user", content: "pergunta 1" }],
      [{ role: "user", content: "pergunta 1" }, answers[0], { role: "user", content: "pergunta 2" }],
      // Five turns so far; the window is the latest four.
      [answers[0], { role: "user", content: "pergunta 2" }, answers[1], { role: "user", content: "pergunta 3" }],
    ]);
  });

  test("the model's context is what the customer got: replies never delivered are left out, one sent as a template reads as that template", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, { ...base, context: { recentMessages: 20, summarizeAfter: 40, burstWindowMs: 0 } });
    s.llm.setReply((req) => ({ text: `resposta ${req.index}` }));
    let refuse = "";
    s.graph.failWhere((r) => r.body.biz_opaque_callback_data === refuse, { kind: "error", code: 131026 });
    await s.startWorker();
    const c = s.customer("5511980000016", { name: "Maria Silva" });
    await c.text("pergunta 1");
    await eventually(async () => sends(s).length, (n) => n === 1);
    const [conv] = await db.execute<{ id: string; number_id: string }>(
      sql`select id, phone_number_id as number_id from conversations where customer_key = '5511980000016' and tenant_id = ${s.tenantId}`,
    );
    const outbox = (id: number) => db.execute<{ status: string; kind: string }>(sql`select status, kind from outbox_messages where id = ${id}`);
    const queue = (text: string) =>
      enqueueOutboundText(db, { tenantId: s.tenantId, conversationId: conv!.id, numberId: conv!.number_id, recipient: "5511980000016", author: "bot", text });
    // The window closes; then one text is blocked (no template approved), one goes as the approved
    // re-engagement template, one is dead-lettered (Meta refuses its template), one was cancelled.
    await db.execute(sql`update conversations set last_customer_message_at = now() - interval '30 hours' where id = ${conv!.id}`);
    const blocked = await queue("bloqueada: nunca chegou");
    await eventually(() => outbox(blocked.outboxId), (r) => r[0]?.status === "blocked");
    await db.execute(sql`
      insert into templates (tenant_id, name, language, category, purpose, body, status)
      values (${s.tenantId}, 'retomada_v1', 'pt_BR', 'utility', 'reengagement', 'Olá {{1}}, podemos continuar?', 'approved')`);
    const templated = await queue("trocada pelo template");
    await eventually(() => outbox(templated.outboxId), (r) => r[0]?.status === "sent" || r[0]?.status === "delivered");
    const cancelled = await queue("cancelada: veio um humano");
    await db.execute(sql`update outbox_messages set status = 'cancelled' where id = ${cancelled.outboxId}`);
    const dead = await queue("morta: Meta recusou");
    refuse = String(dead.outboxId);
    await eventually(() => outbox(dead.outboxId), (r) => r[0]?.status === "dead");

    await c.text("pergunta 2");
    await eventually(async () => s.llm.requests.length, (n) => n === 2);
    const chat = (s.llm.requests[1]!.body as { messages: { role: string; content: string }[] }).messages.slice(1);
    expect(chat).toEqual([
      { role: "user", content: "pergunta 1" },
      { role: "assistant", content: `resposta ${s.llm.requests[0]!.index}\nOlá Maria, podemos continuar?` },
      { role: "user", content: "pergunta 2" },
    ]);
  });

  test("the summary folds the turns as the customer got them: a blocked reply is left out, a templated one reads as the template", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, { ...base, context: { recentMessages: 2, summarizeAfter: 2, burstWindowMs: 0 } });
    s.llm.setReply((req) => ({ text: systemOf(req.body).startsWith("[summarize]") ? "Resumo." : `resposta ${req.index}` }));
    await s.startWorker();
    const c = s.customer("5511980000017", { name: "Maria Silva" });
    await c.text("mensagem 1");
    await eventually(async () => sends(s).length, (n) => n === 1);
    const [conv] = await db.execute<{ id: string; number_id: string }>(
      sql`select id, phone_number_id as number_id from conversations where customer_key = '5511980000017' and tenant_id = ${s.tenantId}`,
    );
    const status = async (id: number) => (await db.execute<{ status: string }>(sql`select status from outbox_messages where id = ${id}`))[0]?.status;
    const queue = (text: string) =>
      enqueueOutboundText(db, { tenantId: s.tenantId, conversationId: conv!.id, numberId: conv!.number_id, recipient: "5511980000017", author: "bot", text });
    await db.execute(sql`update conversations set last_customer_message_at = now() - interval '30 hours' where id = ${conv!.id}`);
    const blocked = await queue("bloqueada: nunca chegou");
    await eventually(() => status(blocked.outboxId), (st) => st === "blocked");
    await db.execute(sql`
      insert into templates (tenant_id, name, language, category, purpose, body, status)
      values (${s.tenantId}, 'retomada_v1', 'pt_BR', 'utility', 'reengagement', 'Olá {{1}}, podemos continuar?', 'approved')`);
    const templated = await queue("trocada pelo template");
    await eventually(() => status(templated.outboxId), (st) => st === "sent" || st === "delivered");
    await c.text("mensagem 2");
    const summarize = await s.llm.waitFor((r) => systemOf(r.body).startsWith("[summarize]"), 15_000);
    const folded = (summarize.body as { messages: { role: string; content: string }[] }).messages.at(-1)?.content ?? "";
    expect(folded).toContain(`New messages:\ncustomer: mensagem 1\nbot: resposta ${s.llm.requests[0]!.index}\nbot: Olá Maria, podemos continuar?`);
    expect(folded).not.toContain("bloqueada");
    expect(folded).not.toContain("trocada pelo template");
  });

  test("past summarizeAfter, older turns are folded into the summary off the reply path and used as context", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, { ...base, context: { recentMessages: 4, summarizeAfter: 2, burstWindowMs: 0 } });
    s.llm.setReply((req) => {
      const sys = systemOf(req.body);
      return { text: sys.startsWith("[summarize]") ? "Resumo: cliente Maria quer limpeza de pele." : `ok ${req.index}` };
    });
    await s.startWorker();
    const c = s.customer("5511980000012");
    for (let i = 1; i <= 5; i++) {
      await c.text(`mensagem ${i}`);
      await eventually(async () => sends(s).filter((r) => r.type === "text").length, (n) => n === i);
    }
    const [conv] = await eventually(
      () => db.execute<{ summary: string; up_to: string | null }>(sql`select summary, summary_up_to_message_id::text as up_to from conversations where customer_key = '5511980000012'`),
      (r) => (r[0]?.summary ?? "") !== "",
    );
    expect(conv?.summary).toBe("Resumo: cliente Maria quer limpeza de pele.");
    await c.text("mensagem 6");
    await eventually(async () => sends(s).filter((r) => r.type === "text").length, (n) => n === 6);
    const last = s.llm.requests.filter((r) => !systemOf(r.body).startsWith("[summarize]")).at(-1);
    expect(systemOf(last?.body)).toContain("Resumo: cliente Maria quer limpeza de pele.");
    const turns = (last?.body as { messages: unknown[] }).messages;
    expect(turns.length).toBeLessThanOrEqual(1 + 4);
  });
});

import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { handBackConversation, sendHumanReply, takeOverConversation } from "@lx/db/queries";
import { dbTest as test, seedUser } from "@lx/db/testing";
import { startFakeWebhookReceiver } from "@lx/sandbox";
import type { TAgentSpec } from "@lx/shared";
import { havenSpec } from "@lx/shared/testing";

import { eventually, startStack, type Stack } from "../testing/stack.ts";

const spec = (over: Partial<TAgentSpec["handoff"]> = {}): TAgentSpec => ({
  ...havenSpec,
  model: { provider: "openai", name: "gpt-4o-mini" },
  context: { ...havenSpec.context, burstWindowMs: 0 },
  handoff: { ...havenSpec.handoff, ...over },
});

async function stack(db: Database, dbUrl: string, s: TAgentSpec): Promise<Stack> {
  const st = await startStack(db, dbUrl, { spec: s });
  onTestFinished(() => st.stop());
  return st;
}

const textsTo = (s: Stack) => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent").map((r) => r.text);
const mode = async (db: Database, waId: string) =>
  (await db.execute<{ mode: string }>(sql`select mode from conversations where customer_key = ${waId}`))[0]?.mode;
const audits = async (db: Database, tenantId: string, type: string) =>
  (await db.execute(sql`select 1 from audit_events where tenant_id = ${tenantId} and type = ${type}`)).length;

describe("human handoff", () => {
  test("keyword → message once → signed notice → bot silent → human reply → hand back → bot answers with the marker in context", async ({ db, dbUrl }) => {
    const receiver = await startFakeWebhookReceiver({ secret: "test-webhook-secret" });
    onTestFinished(() => receiver.stop());
    const s = await stack(db, dbUrl, spec({ notifyWebhookUrl: `${receiver.url}/n8n/handoff` }));
    const operator = await seedUser(db, { role: "operator" });
    await s.startWorker();
    const maria = s.customer("5511970000001", { name: "Maria" });

    await maria.text("Oi, qual o preço da consulta?");
    await eventually(async () => textsTo(s).length, (n) => n === 1);
    // As if that first reply had never reached her (Meta reported it failed): the notice's turns
    // are what she saw, so it is left out.
    const firstReply = textsTo(s)[0]!;
    await db.execute(sql`update outbox_messages set status = 'failed' where tenant_id = ${s.tenantId}::uuid and kind = 'text'`);
    await maria.text("Quero falar com um ATENDENTE, por favor!");
    await eventually(() => mode(db, "5511970000001"), (m) => m === "pending_human");
    await eventually(async () => textsTo(s).length, (n) => n === 2);
    expect(textsTo(s)[1]).toBe(havenSpec.handoff.message);

    const notice = await receiver.waitFor((r) => r.event === "handoff.started", 10_000);
    expect(notice.signatureValid).toBe(true);
    expect(notice.requestId).toMatch(/^handoff-/);
    const body = notice.json as { tenant: string; conversation: { waId: string }; trigger: string; recentTurns: { text: string }[] };
    expect(body.trigger).toBe("keyword");
    expect(body.conversation.waId).toBe("5511970000001");
    expect(body.recentTurns.map((t) => t.text)).toContain("Quero falar com um ATENDENTE, por favor!");
    expect(body.recentTurns.map((t) => t.text)).toContain("Oi, qual o preço da consulta?");
    expect(body.recentTurns.map((t) => t.text)).not.toContain(firstReply);
    // Each turn's time in ISO 8601 (UTC), as every time in the payloads: not PostgreSQL's text.
    const ats = (body as unknown as { recentTurns: { at: string }[] }).recentTurns.map((t) => t.at);
    expect(ats.every((at) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at) && new Date(at).toISOString() === at)).toBe(true);
    // The reason, read from the handoff when the notice is sent (the job's payload carries no customer text).
    const [handoff] = await db.execute<{ reason: string }>(sql`
      select h.reason from handoffs h join conversations c on c.id = h.conversation_id where c.customer_key = '5511970000001'`);
    expect(handoff?.reason).not.toBe("");
    expect((notice.json as { reason: string }).reason).toBe(handoff?.reason);
    const [job] = await db.execute<{ payload: Record<string, unknown> }>(sql`
      select payload from message_queue where task = 'handoff.notify' and tenant_id = ${s.tenantId}::uuid`);
    expect(Object.keys(job?.payload ?? {}).sort()).toEqual(["conversationId", "handoffId", "trigger", "url"]);

    // While a human owns it the bot stays silent and makes no LLM call — and a second keyword sends nothing.
    const llmCalls = s.llm.requests.length;
    await maria.text("Alguém aí? atendente");
    await eventually(
      () => db.execute(sql`select 1 from message_queue where status = 'done' and message_id = (select max(id) from messages where direction = 'in' and tenant_id = ${s.tenantId})`),
      (r) => r.length === 1,
    );
    expect(s.llm.requests.length).toBe(llmCalls);
    expect(textsTo(s)).toHaveLength(2);
    expect(await audits(db, s.tenantId, "handoff.started")).toBe(1);

    const [conv] = await db.execute<{ id: string }>(sql`select id from conversations where customer_key = '5511970000001'`);
    const user = { id: operator.id, email: operator.email };
    await takeOverConversation(db, { tenantId: s.tenantId, conversationId: conv!.id, user });
    expect(await mode(db, "5511970000001")).toBe("human");
    await sendHumanReply(db, { tenantId: s.tenantId, conversationId: conv!.id, user, text: "Oi Maria, aqui é a Paula da recepção. A consulta custa R$ 350." });
    await eventually(async () => textsTo(s).length, (n) => n === 3);
    expect(textsTo(s)[2]).toContain("aqui é a Paula");

    await handBackConversation(db, { tenantId: s.tenantId, conversationId: conv!.id, user });
    expect(await mode(db, "5511970000001")).toBe("bot");
    await maria.text("Obrigada! E tem horário amanhã?");
    await eventually(async () => textsTo(s).length, (n) => n === 4);
    expect(textsTo(s)[3]).toBe("Resposta para: Obrigada! E tem horário amanhã?");
    const last = s.llm.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    const context = JSON.stringify(last.messages);
    expect(context).toContain("[human agent] Oi Maria, aqui é a Paula");
    expect(context).toContain("[handoff ended: a human agent handled this conversation");
    expect(await audits(db, s.tenantId, "handoff.ended")).toBe(1);
    expect(await audits(db, s.tenantId, "handoff.notified")).toBe(1);
  });

  test("the model's handoff_to_human tool hands off (when allowed)", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, spec());
    s.llm.enqueueReply({ toolCalls: [{ name: "handoff_to_human", arguments: { reason: "cliente irritado" } }] });
    await s.startWorker();
    await s.customer("5511970000002").text("Isso é um absurdo, estou muito insatisfeita");
    await eventually(() => mode(db, "5511970000002"), (m) => m === "pending_human");
    await eventually(async () => textsTo(s).length, (n) => n === 1);
    expect(textsTo(s)).toEqual([havenSpec.handoff.message]);
    const [h] = await db.execute<{ trigger: string; reason: string }>(sql`select trigger, reason from handoffs where tenant_id = ${s.tenantId}`);
    expect(h).toEqual({ trigger: "model", reason: "cliente irritado" });
  });

  test("a bot that keeps failing hands off instead of going quiet", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, spec());
    s.llm.failNext(100, { status: 500 });
    await db.execute(sql`alter table message_queue alter column max_attempts set default 2`);
    await s.startWorker({ retryBaseMs: 10 });
    await s.customer("5511970000003").text("Oi?");
    await eventually(() => mode(db, "5511970000003"), (m) => m === "pending_human", 30_000);
    await eventually(async () => textsTo(s).length, (n) => n === 1);
    expect(textsTo(s)).toEqual([havenSpec.handoff.message]);
    expect(await audits(db, s.tenantId, "job.dead")).toBe(1);
    const [h] = await db.execute<{ trigger: string }>(sql`select trigger from handoffs where tenant_id = ${s.tenantId}`);
    expect(h?.trigger).toBe("failure");
    await db.execute(sql`alter table message_queue alter column max_attempts set default 8`);
  });

  test("Sentinel hands off after a second blocked reply in a row", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, spec());
    s.llm.setReply(() => ({ text: "Com esse tratamento garantimos resultado!" }));
    await s.startWorker();
    const c = s.customer("5511970000004");
    await c.text("Funciona mesmo?");
    await eventually(async () => textsTo(s).length, (n) => n === 1);
    expect(textsTo(s)[0]).toBe(havenSpec.policies?.fallbackMessage);
    await c.text("Mas garante?");
    await eventually(() => mode(db, "5511970000004"), (m) => m === "pending_human");
    await eventually(async () => textsTo(s).length, (n) => n === 2);
    expect(textsTo(s)[1]).toBe(havenSpec.handoff.message);
    expect(await audits(db, s.tenantId, "policy.hit")).toBe(2);
  });

  test("nobody answered within resumeAfterMinutes: the bot takes the conversation back", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, spec({ resumeAfterMinutes: 1 }));
    await s.startWorker();
    await s.customer("5511970000005").text("humano");
    await eventually(() => mode(db, "5511970000005"), (m) => m === "pending_human");
    await db.execute(sql`update conversations set bot_resume_at = now() - interval '1 second' where customer_key = '5511970000005'`);
    await eventually(() => mode(db, "5511970000005"), (m) => m === "bot");
    expect(await audits(db, s.tenantId, "handoff.timeout")).toBe(1);
  });

  test("a reply made stale by a takeover while it was being written is dropped and audited", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, spec());
    const operator = await seedUser(db, { role: "operator" });
    s.llm.setLatency(1_500);
    await s.startWorker();
    await s.customer("5511970000006").text("Oi, tudo bem?");
    await s.llm.waitFor(() => true, 10_000);
    const [conv] = await db.execute<{ id: string }>(sql`select id from conversations where customer_key = '5511970000006'`);
    await takeOverConversation(db, { tenantId: s.tenantId, conversationId: conv!.id, user: { id: operator.id, email: operator.email } });
    await eventually(() => audits(db, s.tenantId, "reply.stale"), (n) => n === 1);
    await eventually(() => db.execute(sql`select 1 from message_queue where status = 'done' and tenant_id = ${s.tenantId}`), (r) => r.length === 1);
    expect(textsTo(s)).toEqual([]);
  });
});

import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import type { Database } from "../client.ts";
import { OUTBOX_STATUSES } from "../schema/index.ts";
import { dbTest, seedConversation, seedInbound, seedNumber, seedOutbound, seedTenant } from "../testing/index.ts";
import { getConversationThread, listConversations } from "./conversations.ts";
import { asSentBody, lastSendJoin, reachedAsTemplateName, sendReachedCustomer, UNDELIVERED_SEND_STATUSES } from "./delivery.ts";

const TEMPLATE_PAYLOAD = {
  type: "template",
  template: {
    name: "retomada_v1",
    language: { code: "pt_BR" },
    components: [{ type: "body", parameters: [{ type: "text", text: "Maria" }] }],
  },
};

/** The rule as every reader applies it: each message of the conversation as the customer got it. */
async function asTheCustomerGotThem(db: Database, conversationId: string) {
  return db.execute<{ own: string; body: string; reached: boolean; template: string | null }>(sql`
    select m.body as own, ${asSentBody("m")} as body, ${sendReachedCustomer} as reached, ${reachedAsTemplateName("m")} as template
    from messages m
    ${lastSendJoin("m")}
    where m.conversation_id = ${conversationId}::uuid
    order by m.id`);
}

describe("delivery: did a message reach the customer (one rule for the model's context, the summary, the handoff notice and the inbox)", () => {
  dbTest("by its latest send: given up on (blocked, dead, cancelled, failed) it did not; a free-form one sent as a template reads as the template", async ({ db }) => {
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id });
    const scope = { tenantId: tenant.id, conversationId: c.id, numberId: number.id };
    await db.execute(sql`
      insert into templates (tenant_id, name, language, category, purpose, body, status)
      values (${tenant.id}, 'retomada_v1', 'pt_BR', 'utility', 'reengagement', 'Olá {{1}}, podemos continuar?', 'approved')`);
    const asTemplate = async (outboxId: number | undefined, name = "retomada_v1") =>
      db.execute(sql`
        update outbox_messages set kind = 'template',
               payload = ${JSON.stringify({ ...TEMPLATE_PAYLOAD, template: { ...TEMPLATE_PAYLOAD.template, name } })}::jsonb
        where id = ${outboxId ?? 0}`);

    await seedInbound(db, { ...scope, body: "pergunta do cliente" });
    // One reply per send status.
    for (const status of OUTBOX_STATUSES) {
      await seedOutbound(db, { ...scope, author: "bot", body: `status ${status}`, status });
    }
    // A reply with no send (the model's context note) reached nobody's phone, but nothing was given up.
    await seedOutbound(db, { ...scope, author: "bot", type: "note", body: "nota", outbox: false });
    // Two sends: the latest counts (a 131047 queues the message again as a new row).
    const retried = await seedOutbound(db, { ...scope, author: "bot", body: "falhou, depois entregue", status: "failed" });
    await db.execute(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload, status)
      values (${tenant.id}, ${c.id}, ${number.id}, ${retried.message.id}, 'text', '5511900000000', '{}'::jsonb, 'delivered')`);
    const requeuedThenDead = await seedOutbound(db, { ...scope, author: "human", body: "entregue, depois morta", status: "delivered" });
    await db.execute(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload, status)
      values (${tenant.id}, ${c.id}, ${number.id}, ${requeuedThenDead.message.id}, 'text', '5511900000000', '{}'::jsonb, 'dead')`);
    // Free-form replies the 24-hour rule sent as the re-engagement template.
    const templated = await seedOutbound(db, { ...scope, author: "human", body: "texto do operador", status: "delivered" });
    await asTemplate(templated.outbox?.id);
    const gone = await seedOutbound(db, { ...scope, author: "bot", body: "template apagado", status: "read" });
    await asTemplate(gone.outbox?.id, "removido_v0");
    const templatedFailed = await seedOutbound(db, { ...scope, author: "bot", body: "template recusado", status: "failed" });
    await asTemplate(templatedFailed.outbox?.id);
    // A template written as one (a reminder) is itself, not "replaced".
    const reminder = await seedOutbound(db, { ...scope, author: "system", type: "template", body: "Lembrete: amanhã às 10h", status: "delivered" });
    await asTemplate(reminder.outbox?.id);

    const rows = await asTheCustomerGotThem(db, c.id);
    const undelivered: readonly string[] = UNDELIVERED_SEND_STATUSES;
    expect(rows.map((r) => [r.own, r.reached, r.body, r.template])).toEqual([
      ["pergunta do cliente", true, "pergunta do cliente", null],
      ...OUTBOX_STATUSES.map((st) => [`status ${st}`, !undelivered.includes(st), `status ${st}`, null]),
      ["nota", true, "nota", null],
      ["falhou, depois entregue", true, "falhou, depois entregue", null],
      ["entregue, depois morta", false, "entregue, depois morta", null],
      ["texto do operador", true, "Olá Maria, podemos continuar?", "retomada_v1"],
      ["template apagado", true, "[template removido_v0]", "removido_v0"],
      ["template recusado", false, "Olá Maria, podemos continuar?", null],
      ["Lembrete: amanhã às 10h", true, "Lembrete: amanhã às 10h", null],
    ]);
    expect([...UNDELIVERED_SEND_STATUSES].sort()).toEqual(["blocked", "cancelled", "dead", "failed"]);

    // The inbox reads the same send: the thread shows each message's latest send, and the list's
    // preview of a last message follows the rule.
    const thread = await getConversationThread(db, { tenantId: tenant.id, conversationId: c.id, limit: 100 });
    const statusOf = (id: number) => thread.messages.find((m) => m.id === id)?.delivery?.status;
    expect(statusOf(retried.message.id)).toBe("delivered");
    expect(statusOf(requeuedThenDead.message.id)).toBe("dead");
    const preview = async () => (await listConversations(db, { tenantId: tenant.id, limit: 5 })).items.find((i) => i.id === c.id)?.lastMessage;
    expect(await preview()).toMatchObject({ body: "Lembrete: amanhã às 10h", sentAsTemplate: null, blocked: false });
    const last = await seedOutbound(db, { ...scope, author: "human", body: "por último", status: "delivered" });
    await asTemplate(last.outbox?.id);
    expect(await preview()).toMatchObject({ body: "por último", sentAsTemplate: "retomada_v1", blocked: false });
    await db.execute(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload, status)
      values (${tenant.id}, ${c.id}, ${number.id}, ${last.message.id}, 'text', '5511900000000', '{}'::jsonb, 'cancelled')`);
    expect(await preview()).toMatchObject({ body: "por último", sentAsTemplate: null, blocked: true });
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";

import { sql } from "drizzle-orm";

import { INBOX_COUNT_CAP } from "@lx/shared/schemas";
import { havenSpec } from "@lx/shared/testing";
import { describe, expect } from "vitest";

import type { Database } from "../client.ts";
import { MIGRATIONS_FOLDER } from "../migrate.ts";
import {
  dbTest,
  seedAgent,
  seedConversation,
  seedInbound,
  seedNumber,
  seedOutbound,
  seedTenant,
  seedUser,
} from "../testing/index.ts";
import { getConversationThread, listConversations, SEARCH_MESSAGE_HITS_MAX } from "./conversations.ts";
import { handBackConversation, sendHumanReply, takeOverConversation } from "./handoff.ts";

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

async function setup(db: Database) {
  const tenant = await seedTenant(db);
  const sales = await seedAgent(db, { tenantId: tenant.id, slug: "vendas" });
  const support = await seedAgent(db, { tenantId: tenant.id, slug: "suporte" });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: sales.agent.id });
  const other = await seedTenant(db);
  const otherAgent = await seedAgent(db, { tenantId: other.id });
  const otherNumber = await seedNumber(db, { tenantId: other.id, agentId: otherAgent.agent.id });
  const operator = await seedUser(db, { role: "operator" });
  return { tenant, sales, support, number, other, otherNumber, operator };
}

describe("conversations: the inbox list", () => {
  dbTest("newest activity first, filters by agent, mode and search, pages with a cursor", async ({ db }) => {
    const f = await setup(db);
    // Five conversations, one minute apart; the newest is c4.
    const convs = [];
    for (let i = 0; i < 5; i++) {
      const c = await seedConversation(db, {
        tenantId: f.tenant.id,
        numberId: f.number.id,
        // c3 was moved to the support agent; the others answer through the number's agent.
        agentId: i === 3 ? f.support.agent.id : null,
        waId: `55119000000${i}`,
        name: i === 2 ? "Mariana Souza" : `Cliente ${i}`,
        mode: i === 1 ? "pending_human" : i === 4 ? "human" : "bot",
        lastMessageAt: minutesAgo(10 - i),
      });
      await seedInbound(db, {
        tenantId: f.tenant.id,
        conversationId: c.id,
        body: i === 0 ? "Quero remarcar minha sessão de pilates" : `olá ${i}`,
        at: minutesAgo(10 - i),
      });
      convs.push(c);
    }
    // Another tenant's conversation never shows.
    const foreign = await seedConversation(db, {
      tenantId: f.other.id,
      numberId: f.otherNumber.id,
      name: "Mariana de outra empresa",
      lastMessageAt: new Date(),
    });
    await seedInbound(db, { tenantId: f.other.id, conversationId: foreign.id, body: "pilates" });

    const all = await listConversations(db, { tenantId: f.tenant.id, limit: 25 });
    expect(all.items.map((c) => c.id)).toEqual([...convs].reverse().map((c) => c.id));
    expect(all.nextCursor).toBeNull();
    expect(all.counts).toEqual({ bot: 3, pending_human: 1, human: 1, closed: 0 });
    const first = all.items.at(-1);
    expect(first).toMatchObject({
      customerName: "Cliente 0",
      customerWaId: "551190000000",
      mode: "bot",
      agent: { slug: "vendas" },
      number: { id: f.number.id, kind: "meta" },
      lastMessage: { body: "Quero remarcar minha sessão de pilates", author: "customer" },
    });

    const bySupport = await listConversations(db, { tenantId: f.tenant.id, agentId: f.support.agent.id, limit: 25 });
    expect(bySupport.items.map((c) => c.id)).toEqual([convs[3]?.id]);
    expect(bySupport.counts).toEqual({ bot: 1, pending_human: 0, human: 0, closed: 0 });

    const pending = await listConversations(db, { tenantId: f.tenant.id, mode: "pending_human", limit: 25 });
    expect(pending.items.map((c) => c.id)).toEqual([convs[1]?.id]);

    const byName = await listConversations(db, { tenantId: f.tenant.id, search: "mariana", limit: 25 });
    expect(byName.items.map((c) => c.id)).toEqual([convs[2]?.id]);
    const byText = await listConversations(db, { tenantId: f.tenant.id, search: "PILATES", limit: 25 });
    expect(byText.items.map((c) => c.id)).toEqual([convs[0]?.id]);
    // A number typed with punctuation matches the digits of the customer key.
    const byNumber = await listConversations(db, { tenantId: f.tenant.id, search: "+55 11 9000-0004", limit: 25 });
    expect(byNumber.items.map((c) => c.id)).toEqual([convs[4]?.id]);
    // LIKE wildcards are literal.
    expect((await listConversations(db, { tenantId: f.tenant.id, search: "%", limit: 25 })).items).toEqual([]);
    // The counts per mode honour the search, so the chips agree with what the search lists.
    expect(byName.counts).toEqual({ bot: 1, pending_human: 0, human: 0, closed: 0 });
    expect(byNumber.counts).toEqual({ bot: 0, pending_human: 0, human: 1, closed: 0 });
    expect((await listConversations(db, { tenantId: f.tenant.id, search: "nobody", limit: 25 })).counts).toEqual({
      bot: 0,
      pending_human: 0,
      human: 0,
      closed: 0,
    });
    expect(
      (await listConversations(db, { tenantId: f.tenant.id, agentId: f.sales.agent.id, search: "olá", limit: 25 })).counts,
    ).toEqual({ bot: 1, pending_human: 1, human: 1, closed: 0 });

    // Pages of two: no gaps, no repeats.
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await listConversations(db, { tenantId: f.tenant.id, limit: 2, cursor });
      seen.push(...result.items.map((c) => c.id));
      if (!result.nextCursor) {
        break;
      }
      cursor = result.nextCursor;
    }
    expect(seen).toEqual(all.items.map((c) => c.id));
    await expect(listConversations(db, { tenantId: f.tenant.id, limit: 2, cursor: "nonsense" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });

  dbTest("a page reads its conversations off the index and counts each mode up to the cap, not the tenant's whole list", async ({ db }) => {
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    await db.execute(sql`
      insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, last_message_at, created_at)
      select ${tenant.id}, ${number.id}, '55119' || lpad(g::text, 8, '0'), '55119' || lpad(g::text, 8, '0'),
             case when g % 7 = 0 then null else now() - g * interval '1 minute' end, now() - g * interval '1 minute'
      from generate_series(1, 5000) g`);
    await db.execute(sql`analyze conversations`);
    const { page, rows } = await db.transaction(async (tx) => {
      const out = await listConversations(tx, { tenantId: tenant.id, limit: 50 });
      const [read] = await tx.execute<{ rows: number }>(sql`
        select (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int as rows
        from pg_stat_xact_user_tables where relid = 'conversations'::regclass`);
      return { page: out, rows: read!.rows };
    });
    expect(page.items).toHaveLength(50);
    // Newest activity first, a conversation without messages by its creation.
    expect(page.items[0]!.customerKey).toBe("5511900000001");
    // Past the cap a count is "more than" (INBOX_COUNT_CAP + 1), the others exact.
    expect(page.counts).toEqual({ bot: INBOX_COUNT_CAP + 1, pending_human: 0, human: 0, closed: 0 });
    // The page (51 rows) and the capped count; 10,000 when every poll sorted and counted them all.
    expect(rows).toBeLessThan(INBOX_COUNT_CAP + 500);
  });
});

describe("conversations: the inbox search", () => {
  /** What the search matches, by definition: each conversation's last message (not a note) read one by one. */
  async function reference(db: Database, tenantId: string, term: string) {
    const like = `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const digits = term.replace(/\D/g, "");
    const rows = await db.execute<{ id: string; mode: string }>(sql`
      select c.id, c.mode from conversations c
      left join lateral (select m.body from messages m where m.conversation_id = c.id and m.type <> 'note'
                         order by m.id desc limit 1) lm on true
      where c.tenant_id = ${tenantId}::uuid
        and (c.customer_name ilike ${like} or c.customer_key ilike ${like} or lm.body ilike ${like}
             or (${digits.length >= 3} and c.customer_key like ${`%${digits}%`}))
      order by coalesce(c.last_message_at, c.created_at) desc, c.id desc`);
    const counts = { bot: 0, pending_human: 0, human: 0, closed: 0 } as Record<string, number>;
    for (const r of rows) {
      counts[r.mode]! += 1;
    }
    return { ids: rows.map((r) => r.id), counts };
  }

  async function searchAll(db: Database, tenantId: string, term: string) {
    const ids: string[] = [];
    let cursor: string | undefined;
    let counts;
    for (;;) {
      const page = await listConversations(db, { tenantId, search: term, limit: 40, cursor });
      ids.push(...page.items.map((c) => c.id));
      counts ??= page.counts;
      if (!page.nextCursor) {
        return { ids, counts };
      }
      cursor = page.nextCursor;
    }
  }

  dbTest("lists exactly the conversations whose name, number or last message matches, in the same order, rare or common", async ({ db }) => {
    const f = await setup(db);
    // 900 conversations per tenant (the other tenant a copy): names, numbers and modes in turn, 8
    // messages each that nearly all say "obrigado" (more than SEARCH_MESSAGE_HITS_MAX: the common term
    // reads the last messages), every ninth ending with a note, and a rare word in a few last messages,
    // in earlier messages and in notes (those must not match).
    for (const [tenantId, numberId] of [
      [f.tenant.id, f.number.id],
      [f.other.id, f.otherNumber.id],
    ] as const) {
      await db.execute(sql`
        insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, customer_name, mode, created_at, last_message_at)
        select ${tenantId}, ${numberId}, k, k,
               case when g % 50 = 0 then null else (array['Mariana', 'Ana Maria', 'João', 'Zélia'])[1 + g % 4] || ' ' || g end,
               (array['bot', 'bot', 'closed', 'human', 'pending_human'])[1 + g % 5],
               now() - g * interval '1 hour',
               -- Some share their activity time, so the order's tie-break on the id counts too.
               case when g % 97 = 0 then null else now() - (g / 3) * interval '1 hour' end
        from generate_series(1, 900) g, lateral (select '55119' || lpad((g * 7919 % 100000)::text, 8, '0') as k) x`);
      await db.execute(sql`
        insert into messages (tenant_id, conversation_id, direction, author, type, body, created_at)
        select c.tenant_id, c.id, case when i % 2 = 0 then 'in' else 'out' end, case when i % 2 = 0 then 'customer' else 'bot' end,
               case when i = 3 and n % 11 = 0 then 'image' else 'text' end,
               case when n % 13 = 0 and i = 7 then 'Protocolo RARISSIMO 42'
                    when n % 17 = 0 and i = 2 then 'rarissimo, mas não é a última'
                    else 'obrigado pela mensagem ' || i end,
               c.created_at + i * interval '1 minute'
        from (select c.*, row_number() over (order by c.customer_key) as n from conversations c where c.tenant_id = ${tenantId}) c,
             generate_series(0, 7) i
        where c.n % 61 <> 0`);
      await db.execute(sql`
        insert into messages (tenant_id, conversation_id, direction, author, type, body, created_at)
        select c.tenant_id, c.id, 'out', 'system', 'note', 'nota: rarissimo e mariana', c.created_at + interval '9 minutes'
        from (select c.*, row_number() over (order by c.customer_key) as n from conversations c where c.tenant_id = ${tenantId}) c
        where c.n % 9 = 0 and c.n % 61 <> 0`);
    }
    await db.execute(sql`analyze conversations`);
    await db.execute(sql`analyze messages`);

    for (const term of ["rarissimo", "Protocolo", "obrigado", "pela mensagem 7", "mari", "zélia 1", "7919", "+55 11 9", "ma", "x", "nada disso", "100%"]) {
      const expected = await reference(db, f.tenant.id, term);
      const got = await searchAll(db, f.tenant.id, term);
      expect({ term, ids: got.ids }).toEqual({ term, ids: expected.ids });
      expect({ term, counts: got.counts }).toEqual({ term, counts: expected.counts });
    }
    // Sanity of the data: the rare word matches a few last messages, the common one more than the
    // indexed path lists, and another tenant's copy never shows.
    expect((await reference(db, f.tenant.id, "rarissimo")).ids.length).toBeGreaterThan(10);
    expect((await reference(db, f.tenant.id, "obrigado")).ids.length).toBeGreaterThan(700);
    const [hits] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from messages where tenant_id = ${f.tenant.id} and body ilike '%obrigado%'`);
    expect(hits!.n).toBeGreaterThan(SEARCH_MESSAGE_HITS_MAX);
  });
});

describe("conversations: the thread", () => {
  dbTest("every message in order with version, verdicts, delivery status and author", async ({ db }) => {
    const f = await setup(db);
    const c = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, lastMessageAt: minutesAgo(5) });
    const scope = { tenantId: f.tenant.id, conversationId: c.id, numberId: f.number.id };
    const m1 = await seedInbound(db, { tenantId: f.tenant.id, conversationId: c.id, body: "Oi, quanto custa?", at: minutesAgo(5) });
    await seedOutbound(db, {
      ...scope,
      author: "bot",
      body: "A avaliação custa R$ 180.",
      at: minutesAgo(4),
      agentVersionId: f.sales.version.id,
      answersUpToId: m1.id,
      tokensIn: 1200,
      tokensOut: 40,
      policyVerdicts: [{ rule: "maxReplyChars", action: "rewrite", detail: "trimmed" }],
      status: "read",
    });
    const m2 = await seedInbound(db, { tenantId: f.tenant.id, conversationId: c.id, body: "quero um atendente", at: minutesAgo(3) });
    await seedOutbound(db, {
      ...scope,
      author: "system",
      body: "Vou chamar alguém da equipe.",
      at: minutesAgo(3),
      agentVersionId: f.sales.version.id,
      answersUpToId: m2.id,
      status: "failed",
      lastError: "131026 undeliverable",
    });
    await takeOverConversation(db, { tenantId: f.tenant.id, conversationId: c.id, user: f.operator });
    await sendHumanReply(db, { tenantId: f.tenant.id, conversationId: c.id, user: f.operator, text: "Oi! Sou a Carla." });
    await handBackConversation(db, { tenantId: f.tenant.id, conversationId: c.id, user: f.operator });

    const thread = await getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit: 300 });
    expect(thread.conversation).toMatchObject({ id: c.id, mode: "bot", agent: { slug: "vendas" } });
    expect(thread.hasOlder).toBe(false);
    expect(thread.olderCursor).toBeNull();
    expect(thread.messages.map((m) => [m.author, m.type, m.delivery?.status ?? null])).toEqual([
      ["customer", "text", null],
      ["bot", "text", "read"],
      ["customer", "text", null],
      ["system", "text", "failed"],
      ["human", "text", "queued"],
      ["system", "note", null],
    ]);
    const ids = thread.messages.map((m) => m.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const [, bot, , handoffMessage, human] = thread.messages;
    expect(bot).toMatchObject({
      answersUpToId: m1.id,
      agentVersion: { id: f.sales.version.id, version: "1.0.0", agentSlug: "vendas" },
      tokensIn: 1200,
      tokensOut: 40,
      policyVerdicts: [{ rule: "maxReplyChars", action: "rewrite", detail: "trimmed" }],
      delivery: { kind: "text", status: "read", attempts: 1 },
    });
    expect(bot?.delivery?.readAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(handoffMessage?.delivery).toMatchObject({ status: "failed", lastError: "131026 undeliverable" });
    expect(human).toMatchObject({
      body: "Oi! Sou a Carla.",
      authorUser: { email: f.operator.email },
      agentVersion: null,
      policyVerdicts: [],
    });
    expect(thread.handoffs).toHaveLength(1);
    expect(thread.handoffs[0]).toMatchObject({ trigger: "operator", endReason: "human" });
    expect(thread.handoffs[0]?.firstHumanReplyAt).not.toBeNull();

    // The newest messages only, with a flag.
    const tail = await getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit: 2 });
    expect(tail.hasOlder).toBe(true);
    expect(tail.olderCursor).toBe(ids.at(-2));
    expect(tail.messages.map((m) => m.id)).toEqual(ids.slice(-2));

    // The list's preview skips the model's context note.
    const list = await listConversations(db, { tenantId: f.tenant.id, limit: 5 });
    expect(list.items[0]?.lastMessage).toMatchObject({ body: "Oi! Sou a Carla.", author: "human" });
  });

  dbTest("outside the 24-hour window: a reply sent as the template names it; the thread names the agent's re-engagement template and its status", async ({ db }) => {
    const f = await setup(db);
    const c = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, lastMessageAt: minutesAgo(26 * 60) });
    const scope = { tenantId: f.tenant.id, conversationId: c.id, numberId: f.number.id };
    const swapped = await seedOutbound(db, { ...scope, author: "human", body: "Temos 20% de desconto hoje!", status: "read" });
    // What the worker's 24-hour rule does to a free-form row (outbox/settle.ts rewriteAsTemplate).
    await db.execute(sql`
      update outbox_messages set kind = 'template',
             payload = '{"type":"template","template":{"name":"retomada_v1","language":{"code":"pt_BR"}}}'::jsonb
      where id = ${swapped.outbox?.id ?? 0}`);
    await seedOutbound(db, { ...scope, author: "human", body: "E agora?", status: "blocked", lastError: "outside the 24-hour window and no re-engagement template" });

    let thread = await getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit: 300 });
    expect(thread.messages.map((m) => [m.body, m.delivery?.kind, m.delivery?.templateName])).toEqual([
      ["Temos 20% de desconto hoje!", "template", "retomada_v1"],
      ["E agora?", "text", null],
    ]);
    // The agent's spec names retomada_v1 (pt_BR), which the tenant has not declared: a reply is blocked.
    expect(thread.reengagement).toEqual({ read: true, template: { name: "retomada_v1", language: "pt_BR", status: null } });
    await db.execute(sql`
      insert into templates (tenant_id, name, language, category, purpose, body, status)
      values (${f.tenant.id}::uuid, 'retomada_v1', 'pt_BR', 'utility', 'reengagement', 'Olá {{1}}, podemos continuar?', 'paused')`);
    thread = await getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit: 300 });
    expect(thread.reengagement).toEqual({ read: true, template: { name: "retomada_v1", language: "pt_BR", status: "paused" } });
    await db.execute(sql`update templates set status = 'approved' where tenant_id = ${f.tenant.id}::uuid`);
    thread = await getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit: 300 });
    expect(thread.reengagement).toMatchObject({ read: true, template: { status: "approved" } });
    // Another tenant's template of the same name does not count.
    const foreign = await seedConversation(db, { tenantId: f.other.id, numberId: f.otherNumber.id });
    const other = await getConversationThread(db, { tenantId: f.other.id, conversationId: foreign.id, limit: 300 });
    expect(other.reengagement).toEqual({ read: true, template: { name: "retomada_v1", language: "pt_BR", status: null } });
  });

  dbTest("a blocked send carries its structured reason; sends blocked before it was recorded carry none", async ({ db }) => {
    const f = await setup(db);
    const c = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, lastMessageAt: minutesAgo(26 * 60) });
    const scope = { tenantId: f.tenant.id, conversationId: c.id, numberId: f.number.id };
    const error = "template retomada_v1/pt_BR is not approved for this tenant";
    const recorded = await seedOutbound(db, { ...scope, author: "human", body: "Oi?", status: "blocked", lastError: error });
    await db.execute(sql`
      update outbox_messages set block_reason = 'template_not_approved', block_template = 'retomada_v1'
      where id = ${recorded.outbox?.id ?? 0}`);
    // Blocked before the reason was recorded: only the worker's sentence.
    const noTemplate = "outside the 24-hour window and no re-engagement template";
    await seedOutbound(db, { ...scope, author: "human", body: "Antigo", status: "blocked", lastError: error });
    await seedOutbound(db, { ...scope, author: "human", body: "Sem modelo", status: "blocked", lastError: noTemplate });
    await seedOutbound(db, { ...scope, author: "human", body: "Outro", status: "blocked", lastError: "blocked by hand" });
    const blocks = async () =>
      (await getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit: 10 })).messages.map((m) => [
        m.body,
        m.delivery?.block ?? null,
        m.delivery?.lastError,
      ]);
    expect(await blocks()).toEqual([
      ["Oi?", { reason: "template_not_approved", template: "retomada_v1" }, error],
      ["Antigo", null, error],
      ["Sem modelo", null, noTemplate],
      ["Outro", null, "blocked by hand"],
    ]);
    // Migration 0028's last statement fills the reason in from the sentence for such rows.
    const migration = readFileSync(path.join(MIGRATIONS_FOLDER, "0028_outbox_block_reason.sql"), "utf8");
    await db.execute(sql.raw(migration.split("--> statement-breakpoint").at(-1) ?? ""));
    expect(await blocks()).toEqual([
      ["Oi?", { reason: "template_not_approved", template: "retomada_v1" }, error],
      ["Antigo", { reason: "template_not_approved", template: "retomada_v1" }, error],
      ["Sem modelo", { reason: "no_template", template: null }, noTemplate],
      ["Outro", null, "blocked by hand"],
    ]);
    // The reason is the database's to keep: anything else is refused.
    await expect(db.execute(sql`update outbox_messages set block_reason = 'other' where id = ${recorded.outbox?.id ?? 0}`)).rejects.toMatchObject({
      cause: { constraint_name: "outbox_messages_block_reason_check" },
    });
  });

  dbTest("the list's preview says when the last reply went as the re-engagement template, or was blocked", async ({ db }) => {
    const f = await setup(db);
    const c = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, lastMessageAt: minutesAgo(26 * 60) });
    const scope = { tenantId: f.tenant.id, conversationId: c.id, numberId: f.number.id };
    const preview = async () =>
      (await listConversations(db, { tenantId: f.tenant.id, limit: 5 })).items.find((item) => item.id === c.id)?.lastMessage;
    const swapped = await seedOutbound(db, { ...scope, author: "human", body: "Temos 20% de desconto hoje!", status: "queued" });
    expect(await preview()).toMatchObject({ body: "Temos 20% de desconto hoje!", sentAsTemplate: null, blocked: false });
    // The worker's 24-hour rule rewrites the row (outbox/settle.ts rewriteAsTemplate) and sends it.
    await db.execute(sql`
      update outbox_messages set kind = 'template', status = 'delivered',
             payload = '{"type":"template","template":{"name":"retomada_v1","language":{"code":"pt_BR"}}}'::jsonb
      where id = ${swapped.outbox?.id ?? 0}`);
    expect(await preview()).toMatchObject({ author: "human", sentAsTemplate: "retomada_v1", blocked: false });
    // A template Meta refused too (131047 on the template: dead-lettered) never reached them either.
    await db.execute(sql`update outbox_messages set status = 'dead' where id = ${swapped.outbox?.id ?? 0}`);
    expect(await preview()).toMatchObject({ body: "Temos 20% de desconto hoje!", sentAsTemplate: null, blocked: true });
    await seedOutbound(db, { ...scope, author: "human", body: "E agora?", status: "blocked", lastError: "outside the 24-hour window and no re-engagement template" });
    expect(await preview()).toMatchObject({ body: "E agora?", sentAsTemplate: null, blocked: true });
    // A customer's message, or a reply sent as written, is just its text.
    await seedInbound(db, { tenantId: f.tenant.id, conversationId: c.id, body: "Oi" });
    expect(await preview()).toMatchObject({ body: "Oi", author: "customer", sentAsTemplate: null, blocked: false });
  });

  dbTest("the list's preview says so for a menu or a media reply too, not only for text", async ({ db }) => {
    const f = await setup(db);
    const c = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, lastMessageAt: minutesAgo(26 * 60) });
    const scope = { tenantId: f.tenant.id, conversationId: c.id, numberId: f.number.id };
    const preview = async () =>
      (await listConversations(db, { tenantId: f.tenant.id, limit: 5 })).items.find((item) => item.id === c.id)?.lastMessage;
    // The bot's menu, sent as the re-engagement template outside the window.
    const menu = await seedOutbound(db, { ...scope, author: "bot", type: "interactive", kind: "interactive", body: "Escolha: 1. Agendar 2. Preços" });
    await db.execute(sql`
      update outbox_messages set kind = 'template', status = 'delivered',
             payload = '{"type":"template","template":{"name":"retomada_v1","language":{"code":"pt_BR"}}}'::jsonb
      where id = ${menu.outbox?.id ?? 0}`);
    expect(await preview()).toMatchObject({ type: "interactive", sentAsTemplate: "retomada_v1", blocked: false });
    // An operator's image the 24-hour rule blocked.
    const image = await seedOutbound(db, { ...scope, author: "human", type: "image", body: "[imagem] tabela.png", status: "blocked" });
    await db.execute(sql`update outbox_messages set kind = 'media' where id = ${image.outbox?.id ?? 0}`);
    expect(await preview()).toMatchObject({ type: "image", body: "[imagem] tabela.png", sentAsTemplate: null, blocked: true });
    // A menu that went as written is just its text.
    await seedOutbound(db, { ...scope, author: "bot", type: "interactive", kind: "interactive", body: "Escolha de novo", status: "read" });
    expect(await preview()).toMatchObject({ type: "interactive", body: "Escolha de novo", sentAsTemplate: null, blocked: false });
  });

  dbTest("the thread reads the re-engagement template only when the 24-hour window is closed or about to close", async ({ db }) => {
    const f = await setup(db);
    const thread = async (hoursAgo: number | null) => {
      const c = await seedConversation(db, {
        tenantId: f.tenant.id,
        numberId: f.number.id,
        ...(hoursAgo === null ? {} : { lastMessageAt: minutesAgo(hoursAgo * 60) }),
      });
      return getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit: 10 });
    };
    const named = { read: true, template: { name: "retomada_v1", language: "pt_BR", status: null } };
    // Open for hours yet: the composer sends as written, and the poll does not read the bundle — and
    // says so, unlike an agent that names no template (a console whose clock runs ahead told them apart
    // by its own clock, and said "blocked: no template" on an open window).
    expect((await thread(1)).reengagement).toEqual({ read: false });
    expect((await thread(22.5)).reengagement).toEqual({ read: false });
    // Within the last hour of the window, past it, or never opened: read.
    expect((await thread(23.5)).reengagement).toEqual(named);
    expect((await thread(30)).reengagement).toEqual(named);
    expect((await thread(null)).reengagement).toEqual(named);
    // An agent that names none, the window closed: read, and no template.
    const { templates: _named, ...bare } = havenSpec;
    const plain = await seedAgent(db, { tenantId: f.tenant.id, spec: bare });
    const c = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, agentId: plain.agent.id, lastMessageAt: minutesAgo(30 * 60) });
    expect((await getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit: 10 })).reengagement).toEqual({
      read: true,
      template: null,
    });
  });

  dbTest("a thread poll and a list page look up each message's send by index, not through the tenant's sends", async ({ db }) => {
    const f = await setup(db);
    const c = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, lastMessageAt: minutesAgo(5) });
    const busy = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, lastMessageAt: minutesAgo(1) });
    for (let i = 0; i < 10; i++) {
      await seedOutbound(db, { tenantId: f.tenant.id, conversationId: c.id, numberId: f.number.id, author: "bot", body: `resposta ${i}` });
    }
    // The tenant's history: 5,000 sends of another conversation.
    await db.execute(sql`
      with m as (
        insert into messages (tenant_id, conversation_id, direction, author, type, body)
        select ${f.tenant.id}::uuid, ${busy.id}::uuid, 'out', 'bot', 'text', 'resposta ' || g from generate_series(1, 5000) g
        returning id
      )
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload, status)
      select ${f.tenant.id}::uuid, ${busy.id}::uuid, ${f.number.id}::uuid, m.id, 'text', '5511900000000', '{"type":"text"}'::jsonb, 'read'
      from m`);
    await db.execute(sql`analyze outbox_messages`);
    await db.execute(sql`analyze messages`);
    const { thread, page, rows } = await db.transaction(async (tx) => {
      const thread = await getConversationThread(tx, { tenantId: f.tenant.id, conversationId: c.id, limit: 50 });
      const page = await listConversations(tx, { tenantId: f.tenant.id, limit: 25 });
      const [read] = await tx.execute<{ rows: number }>(sql`
        select (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int as rows
        from pg_stat_xact_user_tables where relid = 'outbox_messages'::regclass`);
      return { thread, page, rows: read!.rows };
    });
    expect(thread.messages.map((m) => m.delivery?.status)).toEqual(Array.from({ length: 10 }, () => "delivered"));
    expect(page.items.map((item) => item.lastMessage?.body)).toEqual(["resposta 5000", "resposta 9"]);
    // One send per message shown and per row listed; 50,000 when each lookup read the tenant's sends.
    expect(rows).toBeLessThan(100);
  });

  dbTest("a second take over does not steal the conversation and says who has it", async ({ db }) => {
    const f = await setup(db);
    const c = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id });
    const second = await seedUser(db, { role: "operator" });
    const scope = { tenantId: f.tenant.id, conversationId: c.id };
    const [a, b] = await Promise.all([
      takeOverConversation(db, { ...scope, user: f.operator }),
      takeOverConversation(db, { ...scope, user: second }),
    ]);
    const winner = a.changed ? f.operator : second;
    expect([a.changed, b.changed].sort()).toEqual([false, true]);
    for (const r of [a, b]) {
      expect(r.assignedTo).toMatchObject({ id: winner.id, email: winner.email });
    }
    const thread = await getConversationThread(db, { ...scope, limit: 10 });
    expect(thread.conversation.assignedTo).toBe(winner.email);
  });

  dbTest("pages back through a long thread by message id: no overlap, no gap, while new messages arrive", async ({ db }) => {
    const f = await setup(db);
    const c = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id });
    const elsewhere = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id });
    const seeded: number[] = [];
    for (let i = 0; i < 25; i++) {
      const m = await seedInbound(db, { tenantId: f.tenant.id, conversationId: c.id, body: `m${i}` });
      seeded.push(Number(m.id));
      // Another conversation's messages interleave in the id sequence; they never show here.
      if (i % 5 === 0) {
        await seedInbound(db, { tenantId: f.tenant.id, conversationId: elsewhere.id, body: `other ${i}` });
      }
    }
    const page = (before?: number | null) =>
      getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit: 10, before });
    const idsOf = (t: { messages: { id: number }[] }) => t.messages.map((m) => m.id);

    const newest = await page();
    expect(idsOf(newest)).toEqual(seeded.slice(15));
    expect(newest).toMatchObject({ hasOlder: true, olderCursor: seeded[15] });

    const middle = await page(newest.olderCursor);
    expect(idsOf(middle)).toEqual(seeded.slice(5, 15));
    expect(middle).toMatchObject({ hasOlder: true, olderCursor: seeded[5] });
    expect(middle.conversation.id).toBe(c.id);

    // New messages arriving meanwhile do not shift the older pages (a keyset, not an offset).
    for (let i = 0; i < 3; i++) {
      await seedInbound(db, { tenantId: f.tenant.id, conversationId: c.id, body: `new ${i}` });
    }
    const oldest = await page(middle.olderCursor);
    expect(idsOf(oldest)).toEqual(seeded.slice(0, 5));
    expect(oldest).toMatchObject({ hasOlder: false, olderCursor: null });
    expect([...idsOf(oldest), ...idsOf(middle), ...idsOf(newest)]).toEqual(seeded);
    expect(oldest.messages.map((m) => m.body)).toEqual(["m0", "m1", "m2", "m3", "m4"]);

    // Before the first message: an empty page. The newest page now has the three new ones.
    expect(await page(seeded[0])).toMatchObject({ messages: [], hasOlder: false, olderCursor: null });
    expect((await page()).messages.map((m) => m.body).slice(-3)).toEqual(["new 0", "new 1", "new 2"]);

    // `since`: the tail from a message on (what a reader with older pages polls) — the old newest
    // page and the three new ones, with the same view of what is older; past `limit`, the newest.
    const tail = (since: number, limit = 20) =>
      getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit, since });
    const fromNewest = await tail(seeded[15]!);
    expect(idsOf(fromNewest).slice(0, 10)).toEqual(seeded.slice(15));
    expect(fromNewest.messages.map((m) => m.body).slice(10)).toEqual(["new 0", "new 1", "new 2"]);
    expect(fromNewest).toMatchObject({ hasOlder: true, olderCursor: seeded[15] });
    expect(await tail(seeded[0]!, 100)).toMatchObject({ hasOlder: false, olderCursor: null });
    const capped = await tail(seeded[15]!, 4);
    expect(capped.messages.map((m) => m.body)).toEqual(["m24", "new 0", "new 1", "new 2"]);
    expect(capped).toMatchObject({ hasOlder: true, olderCursor: seeded[24] });

    // A cursor never reaches another tenant's conversation.
    const foreign = await seedConversation(db, { tenantId: f.other.id, numberId: f.otherNumber.id });
    await expect(
      getConversationThread(db, { tenantId: f.tenant.id, conversationId: foreign.id, limit: 10, before: seeded[20] }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  dbTest("another tenant's conversation is NOT_FOUND, like a missing one", async ({ db }) => {
    const f = await setup(db);
    const c = await seedConversation(db, { tenantId: f.other.id, numberId: f.otherNumber.id });
    await expect(
      getConversationThread(db, { tenantId: f.tenant.id, conversationId: c.id, limit: 10 }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      getConversationThread(db, {
        tenantId: f.tenant.id,
        conversationId: "00000000-0000-4000-8000-000000000000",
        limit: 10,
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

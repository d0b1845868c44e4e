import { describe, expect } from "vitest";

import type { Database } from "@lx/db/client";
import {
  dbTest,
  seedAgent,
  seedConversation,
  seedInbound,
  seedNumber,
  seedTenant,
  seedUser,
} from "@lx/db/testing";

import { havenSpec } from "@lx/shared/testing";

import { callerFor, codeOf, sessionFor } from "../testing/harness.ts";

async function setup(db: Database) {
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
  const { agent: sales } = await seedAgent(db, { tenantId: tenant.id, slug: "vendas" });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const conversation = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, name: "Joana" });
  await seedInbound(db, { tenantId: tenant.id, conversationId: conversation.id, body: "quero falar com alguém" });
  const other = await seedTenant(db);
  const otherAgent = await seedAgent(db, { tenantId: other.id });
  const otherNumber = await seedNumber(db, { tenantId: other.id, agentId: otherAgent.agent.id });
  const foreign = await seedConversation(db, { tenantId: other.id, numberId: otherNumber.id });
  const operator = await seedUser(db, { role: "operator" });
  const op = callerFor(db, await sessionFor(db, operator.email, operator.password), { requestId: "req-inbox" });
  return { tenant, agent, sales, number, conversation, other, foreign, operator, op };
}


describe("conversations router", () => {
  dbTest("an operator takes over, replies, hands back and moves a conversation, each audited", async ({ db }) => {
    const f = await setup(db);
    const { caller } = f.op;
    const scope = { tenantSlug: f.tenant.slug, conversationId: f.conversation.id };

    const list = await caller.conversations.list({ tenantSlug: f.tenant.slug, search: "joana" });
    expect(list.items.map((c) => c.id)).toEqual([f.conversation.id]);

    const owner = { id: f.operator.id, email: f.operator.email };
    expect(await caller.conversations.takeOver(scope)).toMatchObject({ mode: "human", changed: true, assignedTo: owner });
    expect(await caller.conversations.takeOver(scope)).toMatchObject({ mode: "human", changed: false, assignedTo: owner });
    // A second operator clicking "Assumir" meanwhile is told who has it; nothing changes.
    const second = await seedUser(db, { role: "operator" });
    const other = callerFor(db, await sessionFor(db, second.email, second.password)).caller;
    expect(await other.conversations.takeOver(scope)).toMatchObject({ changed: false, assignedTo: owner });
    const reply = await caller.conversations.reply({ ...scope, text: "  Oi Joana, aqui é a Carla.  " });
    expect(reply.messageId).toBeGreaterThan(0);

    let thread = await caller.conversations.byId(scope);
    expect(thread.conversation).toMatchObject({ mode: "human", assignedTo: f.operator.email });
    expect(thread.messages.at(-1)).toMatchObject({
      author: "human",
      body: "Oi Joana, aqui é a Carla.",
      authorUser: { email: f.operator.email },
      delivery: { status: "queued" },
    });

    expect(await caller.conversations.handBack(scope)).toEqual({ changed: true });
    expect(await caller.conversations.move({ ...scope, agentSlug: "vendas" })).toEqual({
      agent: { id: f.sales.id, slug: "vendas", name: f.sales.name },
    });
    thread = await caller.conversations.byId(scope);
    expect(thread.conversation).toMatchObject({ mode: "bot", assignedTo: null, agent: { slug: "vendas" } });

    const audit = await db.$client<{ type: string; actor_label: string }[]>`
      select type, actor_label from audit_events where tenant_id = ${f.tenant.id} and subject_id = ${f.conversation.id}
      order by id`;
    expect(audit.map((a) => a.type)).toEqual([
      "handoff.taken_over",
      "message.human_reply",
      "handoff.ended",
      "conversation.agent_changed",
    ]);
    expect(new Set(audit.map((a) => a.actor_label))).toEqual(new Set([f.operator.email]));
  });

  dbTest("byId says whether it read the re-engagement template (on the server's clock), so a console whose clock runs ahead does not take an open window for 'no template'", async ({ db }) => {
    const f = await setup(db);
    const { caller } = f.op;
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);
    // The customer wrote an hour ago: open for 23 hours more, not read.
    const open = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, lastMessageAt: hoursAgo(1) });
    const before = Date.now();
    const openThread = await caller.conversations.byId({ tenantSlug: f.tenant.slug, conversationId: open.id });
    expect(openThread.reengagement).toEqual({ read: false });
    // With the server's clock, which the console decides the window on.
    expect(Date.parse(openThread.serverNow)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(openThread.serverNow)).toBeLessThanOrEqual(Date.now());
    // Closed, on an agent that names retomada_v1 (Haven's spec) the tenant has not declared.
    const closed = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, lastMessageAt: hoursAgo(30) });
    expect((await caller.conversations.byId({ tenantSlug: f.tenant.slug, conversationId: closed.id })).reengagement).toEqual({
      read: true,
      template: { name: "retomada_v1", language: "pt_BR", status: null },
    });
    // Closed, on an agent that names none: read, and none.
    const { templates: _named, ...bare } = havenSpec;
    const { agent: plain } = await seedAgent(db, { tenantId: f.tenant.id, spec: bare });
    const none = await seedConversation(db, { tenantId: f.tenant.id, numberId: f.number.id, agentId: plain.id, lastMessageAt: hoursAgo(30) });
    expect((await caller.conversations.byId({ tenantSlug: f.tenant.slug, conversationId: none.id })).reengagement).toEqual({
      read: true,
      template: null,
    });
  });

  dbTest("the search finds a name, a number or a last message's text of this tenant only", async ({ db }) => {
    const f = await setup(db);
    const { caller } = f.op;
    await seedInbound(db, { tenantId: f.other.id, conversationId: f.foreign.id, body: "quero falar com alguém" });
    const search = async (term: string) =>
      (await caller.conversations.list({ tenantSlug: f.tenant.slug, search: term })).items.map((c) => c.id);
    expect(await search("falar com")).toEqual([f.conversation.id]);
    expect(await search("JOAN")).toEqual([f.conversation.id]);
    expect(await search(f.conversation.customerKey.slice(-6))).toEqual([f.conversation.id]);
    expect(await search(f.foreign.customerKey)).toEqual([]);
  });

  dbTest("byId pages back with the cursor it returns (olderCursor → cursor), as the console's infinite query does", async ({ db }) => {
    const f = await setup(db);
    const { caller } = f.op;
    for (let i = 1; i <= 4; i++) {
      await seedInbound(db, { tenantId: f.tenant.id, conversationId: f.conversation.id, body: `mensagem ${i}` });
    }
    const scope = { tenantSlug: f.tenant.slug, conversationId: f.conversation.id, limit: 2 };
    const bodies = (t: { messages: { body: string }[] }) => t.messages.map((m) => m.body);
    const first = await caller.conversations.byId({ ...scope, cursor: null });
    expect(bodies(first)).toEqual(["mensagem 3", "mensagem 4"]);
    expect(first.olderCursor).toBe(first.messages[0]?.id);
    const second = await caller.conversations.byId({ ...scope, cursor: first.olderCursor });
    expect(bodies(second)).toEqual(["mensagem 1", "mensagem 2"]);
    const third = await caller.conversations.byId({ ...scope, cursor: second.olderCursor });
    expect(bodies(third)).toEqual(["quero falar com alguém"]);
    expect(third).toMatchObject({ hasOlder: false, olderCursor: null, conversation: { id: f.conversation.id } });

    // A reader who loaded the second page polls the tail from the first page's oldest message on:
    // the first page and whatever arrived since, whatever `limit` says; never the pages below.
    await seedInbound(db, { tenantId: f.tenant.id, conversationId: f.conversation.id, body: "mensagem 5" });
    await seedInbound(db, { tenantId: f.tenant.id, conversationId: f.conversation.id, body: "mensagem 6" });
    const tail = await caller.conversations.byId({ ...scope, since: first.olderCursor });
    expect(bodies(tail)).toEqual(["mensagem 3", "mensagem 4", "mensagem 5", "mensagem 6"]);
    expect(tail).toMatchObject({ hasOlder: true, olderCursor: first.olderCursor });
    const all = await caller.conversations.byId({ ...scope, since: third.messages[0]?.id });
    expect(all.messages).toHaveLength(7);
    expect(all).toMatchObject({ hasOlder: false, olderCursor: null });
  });

  dbTest("errors: bad input is BAD_REQUEST, unknown agent or conversation NOT_FOUND", async ({ db }) => {
    const f = await setup(db);
    const { caller } = f.op;
    const scope = { tenantSlug: f.tenant.slug, conversationId: f.conversation.id };
    expect(await codeOf(caller.conversations.reply({ ...scope, text: "   " }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.conversations.reply({ ...scope, text: "x".repeat(4097) }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.conversations.byId({ ...scope, conversationId: "not-a-uuid" }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.conversations.byId({ ...scope, cursor: 0 }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.conversations.byId({ ...scope, cursor: 1.5 }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.conversations.byId({ ...scope, since: 0 }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.conversations.byId({ ...scope, cursor: 5, since: 3 }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.conversations.list({ tenantSlug: f.tenant.slug, cursor: "junk" }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.conversations.move({ ...scope, agentSlug: "nao-existe" }))).toBe("NOT_FOUND");
    expect(await codeOf(caller.conversations.list({ tenantSlug: f.tenant.slug, agentSlug: "nao-existe" }))).toBe(
      "NOT_FOUND",
    );
  });

  dbTest("security: another tenant's conversation through this tenant's slug is NOT_FOUND, untouched", async ({ db }) => {
    const f = await setup(db);
    const { caller } = f.op;
    const crossed = { tenantSlug: f.tenant.slug, conversationId: f.foreign.id };
    const calls = [
      () => caller.conversations.byId(crossed),
      () => caller.conversations.takeOver(crossed),
      () => caller.conversations.reply({ ...crossed, text: "oi" }),
      () => caller.conversations.handBack(crossed),
      () => caller.conversations.move({ ...crossed, agentSlug: "recepcao" }),
    ];
    for (const call of calls) {
      expect(await codeOf(call())).toBe("NOT_FOUND");
    }
    const [row] = await db.$client<{ mode: string; n: number }[]>`
      select mode, (select count(*)::int from messages where conversation_id = c.id) as n
      from conversations c where id = ${f.foreign.id}`;
    expect(row).toEqual({ mode: "bot", n: 0 });
  });
});

import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import type { Database } from "../client.ts";
import { dbTest, seedAgent, seedHandoff, seedNumber, seedOutbound, seedTenant, seedUser } from "../testing/index.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { getConversationThread } from "./conversations.ts";
import {
  customerKeyVariants,
  eraseCustomer,
  eraseExpiredConversations,
  expireTenantlessWebhookEvents,
  exportCustomer,
  normalizeCustomer,
  setTenantRetention,
  TENANTLESS_EVENT_RETENTION_DAYS,
} from "./customers.ts";
import { sendHumanReply } from "./handoff.ts";
import { ingestInboundMessage, storeIgnoredEvent, type NumberTarget } from "./inbound.ts";
import { deleteTestCase, listTestCases, saveTestCase, testCasesHash, versionGates } from "./regression.ts";

const ACTOR: AuditActor = { type: "user", id: null, label: "dpo@agencia.test" };
const WORKER: AuditActor = { type: "worker", label: "retention" };
/** drizzle wraps the database's error: the trigger's message is its cause's. */
const APPEND_ONLY = { cause: expect.objectContaining({ message: "audit_events are append-only" }) };
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);

// The customer whose data is asked for, a phrase only they wrote, and their name: new for each
// test (the tests of this file share one database, and each looks for these in all of it).
let WA = "";
let SECRET = "";
let NAME = "";
let customers = 0;

let seq = 0;
async function inbound(db: Database, t: NumberTarget, waId: string, body: string, name = NAME) {
  seq++;
  const r = await ingestInboundMessage(db, {
    target: t,
    customer: { waId, userId: null, name },
    metaMessageId: `wamid.erase.${process.pid}.${seq}`,
    type: "text",
    body,
    contextId: null,
    sentAt: new Date(),
    answerable: true,
    payload: { text: { body }, from: waId },
  });
  const [c] = await db.execute<{ id: string }>(sql`
    select conversation_id as id from messages where tenant_id = ${t.tenantId}::uuid and meta_message_id = ${`wamid.erase.${process.pid}.${seq}`}`);
  return { ...r, conversationId: c!.id };
}

async function setup(db: Database) {
  customers++;
  WA = `55119123456${String(customers).padStart(2, "0")}`;
  SECRET = `exame de sangue marcado para terça ${customers}x`;
  NAME = `Joana Pereira ${customers}x`;
  const tenant = await seedTenant(db);
  const { agent, version } = await seedAgent(db, { tenantId: tenant.id });
  const a = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const b = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const other = await seedTenant(db);
  const otherNumber = await seedNumber(db, { tenantId: other.id });
  const target = (n: { id: string; phoneNumberId: string }, tenantId = tenant.id): NumberTarget => ({
    tenantId,
    numberId: n.id,
    phoneNumberId: n.phoneNumberId,
    agentId: agent.id,
  });

  // The customer on number A: their message (webhook log + job), a bot reply with a policy verdict
  // quoting them, a summary, a handoff with a reason, a future and a past appointment, a deal.
  const first = await inbound(db, target(a), WA, `Oi, ${SECRET}`);
  const convA = first.conversationId;
  await seedOutbound(db, {
    tenantId: tenant.id,
    conversationId: convA,
    numberId: a.id,
    author: "bot",
    body: `Certo ${NAME}, anotei: ${SECRET}`,
    agentVersionId: version.id,
    tokensIn: 120,
    tokensOut: 30,
    policyVerdicts: [{ rule: "pii", action: "rewrite", detail: `masked ${WA}` }],
    status: "queued",
  });
  await db.execute(sql`update conversations set summary = ${`Cliente ${NAME} quer ${SECRET}`} where id = ${convA}::uuid`);
  await db.execute(sql`
    insert into conversation_summaries (tenant_id, conversation_id, up_to_message_id, summary)
      values (${tenant.id}::uuid, ${convA}::uuid, 1, ${`Cliente ${NAME} quer ${SECRET}`})`);
  await db.execute(sql`
    insert into appointments (tenant_id, conversation_id, customer_key, customer_name, service, starts_at, ends_at, status, source)
      values (${tenant.id}::uuid, ${convA}::uuid, ${WA}, ${NAME}, 'Hemograma', now() + interval '2 days', now() + interval '2 days 30 minutes', 'booked', 'local'),
             (${tenant.id}::uuid, ${convA}::uuid, ${WA}, ${NAME}, 'Consulta', now() - interval '20 days', now() - interval '20 days' + interval '30 minutes', 'done', 'webhook')`);
  await db.execute(sql`update appointments set external_id = 'n8n-991' where source = 'webhook' and conversation_id = ${convA}::uuid`);
  await db.execute(sql`
    insert into crm_deals (tenant_id, conversation_id, title, fields, backend, external_id)
      values (${tenant.id}::uuid, ${convA}::uuid, ${`Hemograma — ${NAME}`}, ${JSON.stringify({ phone: WA, note: SECRET })}::jsonb, 'pipedrive', '4242')`);
  await seedHandoff(db, { tenantId: tenant.id, conversationId: convA, trigger: "model", reason: `pediu humano: ${SECRET}`, startedAt: daysAgo(1), endedAt: new Date() });
  await insertAuditEvent(db, {
    tenantId: tenant.id,
    actor: WORKER,
    type: "handoff.started",
    subjectType: "conversation",
    subjectId: convA,
    before: { mode: "bot" },
    after: { mode: "pending_human" },
    data: { trigger: "model", reason: `pediu humano: ${SECRET}`, handoffId: "h1" },
  });
  await insertAuditEvent(db, {
    tenantId: tenant.id,
    actor: WORKER,
    type: "crm.deal_created",
    subjectType: "conversation",
    subjectId: convA,
    data: { dealId: "d1", backend: "pipedrive", externalId: "4242", title: `Hemograma — ${NAME}` },
  });
  // A regression replay of the conversation (the customer's words, the original and candidate replies).
  await db.execute(sql`
    insert into agent_test_runs (tenant_id, agent_id, version_id, kind, status, requested_by, results)
    values (${tenant.id}::uuid, ${agent.id}::uuid, ${version.id}::uuid, 'replay', 'done', 'test',
            ${JSON.stringify([
              { conversationId: convA, customer: "•••••••••5678", replies: [{ messageId: 1, customer: SECRET, original: { text: SECRET, version: "1.0.0" }, candidate: { text: SECRET, handoff: null, tools: [] }, changed: false }] },
              { conversationId: "00000000-0000-4000-8000-000000000000", customer: "•••1111", replies: [{ messageId: 2, customer: "outra pessoa", original: { text: "ok", version: "1.0.0" }, candidate: { text: "ok", handoff: null, tools: [] }, changed: false }] },
            ])}::jsonb)`);

  // A payload Meta sent about them that could not be used (kept, ignored).
  await storeIgnoredEvent(db, { tenantId: tenant.id, kind: "other", payload: { from: WA, note: "message without id/type" }, error: "message without id/type" });
  // The same customer on number B, already answered.
  const second = await inbound(db, target(b), WA, "Segunda conversa, outro número");
  await db.execute(sql`update message_queue set status = 'done', finished_at = now() where conversation_id = ${second.conversationId}::uuid`);
  // Another customer of the tenant, and the same number at another tenant: neither is touched.
  const bystander = await inbound(db, target(a), "5511900001111", "Sou outra pessoa", "Carlos");
  const foreign = await inbound(db, target(otherNumber, other.id), WA, "Mesma pessoa, outra empresa");

  // Test cases of the agent: one copied from the customer's conversation (named as the console names
  // it, after them), one copied from the other customer's, one written by hand; and a copy of theirs
  // an operator already deleted. A passing run of the cases is the gate's evidence.
  const scope = { tenantId: tenant.id, agentId: agent.id, actor: ACTOR };
  const expectations = [{ kind: "no_handoff" as const }];
  const copied = await saveTestCase(db, {
    ...scope,
    sourceConversationId: convA,
    testCase: { name: `Conversa com ${NAME}`, turns: [{ customer: `Oi, ${SECRET}` }], expectations },
  });
  const gone = await saveTestCase(db, {
    ...scope,
    sourceConversationId: convA,
    testCase: { name: "Cópia antiga", turns: [{ customer: `de novo: ${SECRET}` }], expectations },
  });
  await deleteTestCase(db, { ...scope, id: gone.id });
  const otherCopy = await saveTestCase(db, {
    ...scope,
    sourceConversationId: bystander.conversationId,
    testCase: { name: "Conversa com Carlos", turns: [{ customer: "Sou outra pessoa" }], expectations },
  });
  const handWritten = await saveTestCase(db, {
    ...scope,
    testCase: { name: "Preço", turns: [{ customer: "Quanto custa?" }], expectations },
  });
  // An edit of the copy keeps its source.
  const edited = await saveTestCase(db, {
    ...scope,
    id: copied.id,
    testCase: { name: `Conversa com ${NAME}`, turns: [{ customer: `Oi, ${SECRET}` }, { customer: "E sábado?" }], expectations },
  });
  expect(edited.sourceConversationId).toBe(convA);
  const caseResult = (c: { id: string; name: string; turns: { customer: string }[] }) => ({
    caseId: c.id,
    name: c.name,
    passed: true,
    transcript: [...c.turns.map((t) => ({ role: "customer", text: t.customer })), { role: "bot", text: `Certo, ${c.turns[0]!.customer}` }],
    expectations: [{ expectation: expectations[0], passed: true, detail: "the bot kept the conversation" }],
    handoff: null,
    toolsCalled: [],
    tokensIn: 10,
    tokensOut: 5,
  });
  const cases = await listTestCases(db, { tenantId: tenant.id, agentId: agent.id });
  await db.execute(sql`
    insert into agent_test_runs (tenant_id, agent_id, version_id, kind, status, requested_by, passed, cases_hash, finished_at, results)
    values (${tenant.id}::uuid, ${agent.id}::uuid, ${version.id}::uuid, 'cases', 'done', 'test', true, ${testCasesHash(cases)}, now(),
            ${JSON.stringify(cases.map(caseResult))}::jsonb),
           (${tenant.id}::uuid, ${agent.id}::uuid, ${version.id}::uuid, 'cases', 'done', 'test', true, 'old', now(),
            ${JSON.stringify([caseResult(gone), caseResult(handWritten)])}::jsonb)`);

  // A payload no tenant claims that names them (a malformed envelope), received as they wrote.
  await storeIgnoredEvent(db, { payload: { entry: [{ changes: [{ value: { messages: [{ from: WA, text: SECRET }] } }] }] }, error: "change without metadata" });
  return {
    tenant,
    agent,
    version,
    a,
    b,
    other,
    target,
    convA,
    convB: second.conversationId,
    bystander,
    foreign,
    cases: { copied, gone, otherCopy, handWritten },
  };
}

/** Every text and jsonb cell of the database holding `needle`, as "table.column" (tenant-filtered when `except` is given). */
async function cellsWith(db: Database, needle: string, exceptTenant?: string): Promise<string[]> {
  const columns = await db.execute<{ table_name: string; column_name: string; has_tenant: boolean }>(sql`
    select c.table_name, c.column_name,
           exists (select 1 from information_schema.columns t
                   where t.table_schema = 'public' and t.table_name = c.table_name and t.column_name = 'tenant_id') as has_tenant
    from information_schema.columns c
    join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name and tb.table_type = 'BASE TABLE'
    where c.table_schema = 'public' and c.data_type in ('text', 'jsonb')`);
  const found: string[] = [];
  for (const c of columns) {
    const skipTenant = exceptTenant && c.has_tenant ? sql`and tenant_id is distinct from ${exceptTenant}::uuid` : sql``;
    const [row] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from ${sql.identifier(c.table_name)}
      where ${sql.identifier(c.column_name)}::text like ${`%${needle}%`} ${skipTenant}`);
    if ((row?.n ?? 0) > 0) {
      found.push(`${c.table_name}.${c.column_name}`);
    }
  }
  return found.sort();
}

describe("customers: a data subject's rights", () => {
  dbTest("numbers are matched in any notation", () => {
    expect(normalizeCustomer("+55 (11) 91234-5678")).toBe("5511912345678");
    expect(normalizeCustomer(" BR.1a2b3c ")).toBe("BR.1a2b3c");
    // A Brazilian mobile is looked for with and without its ninth digit; other numbers as written.
    expect(customerKeyVariants("+55 11 99123-4567")).toEqual(["5511991234567", "551191234567"]);
    expect(customerKeyVariants("551191234567")).toEqual(["551191234567", "5511991234567"]);
    // A 9-digit mobile with no 8-digit past, and a landline, have one form.
    expect(customerKeyVariants("+55 11 91234-5678")).toEqual(["5511912345678"]);
    expect(customerKeyVariants("+55 11 3456-7890")).toEqual(["551134567890"]);
    expect(customerKeyVariants("+1 415 555 0100")).toEqual(["14155550100"]);
  });

  dbTest("export gathers every conversation of the customer, on every number of the tenant, and nothing of others", async ({ db }) => {
    const f = await setup(db);
    const doc = await exportCustomer(db, { tenantId: f.tenant.id, customer: `+55 11 ${WA.slice(4, 9)}-${WA.slice(9)}` });
    expect(doc.customer).toEqual({ identifiers: [WA], names: [NAME] });
    expect(doc.conversations.map((c) => c.id)).toEqual([f.convA, f.convB]);
    const [a] = doc.conversations;
    expect(a!.messages.map((m) => [m.direction, m.text])).toEqual([
      ["in", `Oi, ${SECRET}`],
      ["out", `Certo ${NAME}, anotei: ${SECRET}`],
    ]);
    expect(a!.summary).toContain(SECRET);
    expect(a!.handoffs).toMatchObject([{ trigger: "model", reason: `pediu humano: ${SECRET}` }]);
    expect(a!.appointments.map((x) => [x.service, x.status, x.source])).toEqual([
      ["Consulta", "done", "webhook"],
      ["Hemograma", "booked", "local"],
    ]);
    expect(a!.deals).toMatchObject([{ title: `Hemograma — ${NAME}`, backend: "pipedrive" }]);
    expect(JSON.stringify(doc)).not.toContain("Sou outra pessoa");
    expect(JSON.stringify(doc)).not.toContain("outra empresa");
    // The same document from either conversation.
    expect((await exportCustomer(db, { tenantId: f.tenant.id, conversationId: f.convB })).conversations).toHaveLength(2);
    // Another tenant's conversation reads as missing.
    await expect(exportCustomer(db, { tenantId: f.tenant.id, conversationId: f.foreign.conversationId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(exportCustomer(db, { tenantId: f.tenant.id, customer: "5511000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    // Stored under the old 8-digit form, found by the number as its owner writes it today.
    await inbound(db, f.target(f.a), "551181234567", "número antigo", "Dona Lia");
    const legacy = await exportCustomer(db, { tenantId: f.tenant.id, customer: "+55 (11) 98123-4567" });
    expect(legacy.customer).toEqual({ identifiers: ["551181234567"], names: ["Dona Lia"] });
  });

  dbTest("erasure leaves nothing of the customer anywhere, keeps every figure, and touches no one else", async ({ db }) => {
    const f = await setup(db);
    const figures = sql`
      select count(*)::int as messages, coalesce(sum(tokens_in), 0)::int as tokens_in,
             count(*) filter (where agent_version_id is not null)::int as versioned
      from messages where tenant_id = ${f.tenant.id}::uuid`;
    const [before] = await db.execute(figures);
    expect(await cellsWith(db, SECRET)).not.toEqual([]);
    expect((await versionGates(db, { tenantId: f.tenant.id, agentId: f.agent.id })).get(f.version.id)).toBe("passed");

    const result = await eraseCustomer(db, { tenantId: f.tenant.id, conversationId: f.convA, actor: ACTOR, requestId: "req-1" });
    expect(result).toMatchObject({
      conversationIds: [f.convA, f.convB],
      messages: 3,
      appointmentsCancelled: 1,
      jobsCancelled: 1,
      sendsCancelled: 1,
      testCasesDeleted: [{ id: f.cases.copied.id, agentSlug: f.agent.slug, name: `Conversa com ${NAME}` }],
      external: [
        { kind: "appointment", system: "webhook", externalId: "n8n-991" },
        { kind: "deal", system: "pipedrive", externalId: "4242" },
      ],
    });

    // Not a cell of the database still holds what they said, their name or (outside the other tenant) their number.
    expect(await cellsWith(db, SECRET)).toEqual([]);
    expect(await cellsWith(db, NAME, f.other.id)).toEqual([]);
    expect(await cellsWith(db, WA, f.other.id)).toEqual([]);

    // Every figure stays: messages, tokens, versions.
    expect((await db.execute(figures))[0]).toEqual(before);
    // The other customer and the other tenant are untouched.
    const bystander = await getConversationThread(db, { tenantId: f.tenant.id, conversationId: f.bystander.conversationId, limit: 10 });
    expect(bystander.conversation).toMatchObject({ customerWaId: "5511900001111", erasedAt: null });
    expect(bystander.messages.map((m) => m.body)).toEqual(["Sou outra pessoa"]);
    const foreign = await exportCustomer(db, { tenantId: f.other.id, customer: WA });
    expect(foreign.conversations[0]!.messages.map((m) => m.text)).toEqual(["Mesma pessoa, outra empresa"]);
    const [replay] = await db.execute<{ results: { customer: string }[] }>(sql`
      select results from agent_test_runs where tenant_id = ${f.tenant.id}::uuid and kind = 'replay'`);
    expect(replay!.results.map((r) => r.customer)).toEqual(["[erased]", "•••1111"]);

    // The case copied from their conversation is gone; the other customer's copy and the hand-written one stay.
    const left = await listTestCases(db, { tenantId: f.tenant.id, agentId: f.agent.id });
    expect(left.map((c) => [c.name, c.turns, c.sourceConversationId])).toEqual([
      ["Conversa com Carlos", [{ customer: "Sou outra pessoa" }], f.bystander.conversationId],
      ["Preço", [{ customer: "Quanto custa?" }], null],
    ]);
    // The runs of the copies (the one deleted now, and the one an operator deleted before) keep what
    // passed, not a word; the others' results are untouched. The gate asks for a new run.
    const runs = await db.execute<{ results: { caseId: string; name: string; passed: boolean; transcript: { text: string }[] }[] }>(sql`
      select results from agent_test_runs where tenant_id = ${f.tenant.id}::uuid and kind = 'cases' order by cases_hash = 'old' desc`);
    expect(runs.map((r) => r.results.map((x) => [x.caseId, x.name, x.passed, x.transcript.map((l) => l.text).join("|")]))).toEqual([
      [
        [f.cases.gone.id, "[erased]", true, "|"],
        [f.cases.handWritten.id, "Preço", true, "Quanto custa?|Certo, Quanto custa?"],
      ],
      expect.arrayContaining([
        [f.cases.copied.id, "[erased]", true, "||"],
        [f.cases.otherCopy.id, "Conversa com Carlos", true, "Sou outra pessoa|Certo, Sou outra pessoa"],
        [f.cases.handWritten.id, "Preço", true, "Quanto custa?|Certo, Quanto custa?"],
      ]),
    ]);
    expect((await versionGates(db, { tenantId: f.tenant.id, agentId: f.agent.id })).get(f.version.id)).toBe("not_run");

    // The thread is closed for good and says so; nothing can be sent to it.
    const thread = await getConversationThread(db, { tenantId: f.tenant.id, conversationId: f.convA, limit: 10 });
    expect(thread.conversation).toMatchObject({ mode: "closed", customerWaId: null, customerName: null });
    expect(thread.conversation.erasedAt).not.toBeNull();
    expect(thread.messages.map((m) => [m.body, m.tokensIn])).toEqual([["", null], ["", 120]]);
    expect(thread.messages[1]!.policyVerdicts).toEqual([{ rule: "pii", action: "rewrite" }]);
    expect(thread.handoffs).toMatchObject([{ trigger: "model", reason: "" }]);
    const operator = await seedUser(db, { role: "operator" });
    await expect(sendHumanReply(db, { tenantId: f.tenant.id, conversationId: f.convA, user: operator, text: "oi" })).rejects.toMatchObject({ code: "INVALID_STATE" });
    await expect(eraseCustomer(db, { tenantId: f.tenant.id, conversationId: f.convA, actor: ACTOR })).rejects.toMatchObject({ code: "INVALID_STATE" });
    await expect(exportCustomer(db, { tenantId: f.tenant.id, customer: WA })).rejects.toMatchObject({ code: "NOT_FOUND" });

    // Audit: the events keep their type, actor, ids and states; their free text is gone; the erasure is recorded without the number.
    const events = await db.execute<{ type: string; data: Record<string, unknown>; actor_label: string; request_id: string | null }>(sql`
      select type, data, actor_label, request_id from audit_events where tenant_id = ${f.tenant.id}::uuid and type in ('handoff.started', 'crm.deal_created', 'customer.erased') order by id`);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ["handoff.started", { trigger: "model", reason: "[erased]", handoffId: "h1" }],
      ["crm.deal_created", { dealId: "d1", backend: "pipedrive", externalId: "4242", title: "[erased]" }],
      [
        "customer.erased",
        expect.objectContaining({
          reason: "request",
          conversationIds: [f.convA, f.convB],
          messages: 3,
          // Which cases, never their names (a copy's default name is the customer's).
          testCasesDeleted: [{ id: f.cases.copied.id, agentSlug: f.agent.slug }],
        }),
      ],
    ]);
    // The copies' own events (created, updated, deleted) keep their type and agent, not the turns.
    const caseEvents = await db.execute<{ type: string; data: unknown; after: unknown }>(sql`
      select type, data, after from audit_events
      where tenant_id = ${f.tenant.id}::uuid and type like 'agent_test.case_%' and data->>'conversationId' = ${f.convA} order by id`);
    expect(caseEvents.map((e) => e.type)).toEqual([
      "agent_test.case_created",
      "agent_test.case_created",
      "agent_test.case_deleted",
      "agent_test.case_updated",
    ]);
    expect(caseEvents[0]).toMatchObject({ data: { conversationId: f.convA }, after: { turns: [{ customer: "[erased]" }] } });
    expect(events[2]).toMatchObject({ actor_label: "dpo@agencia.test", request_id: "req-1" });
    // Outside an erasure the trail is still append-only.
    await expect(db.execute(sql`update audit_events set data = '{}'::jsonb where tenant_id = ${f.tenant.id}::uuid`)).rejects.toMatchObject(APPEND_ONLY);
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('lx.redacting', 'on', true)`);
        await tx.execute(sql`update audit_events set type = 'x' where tenant_id = ${f.tenant.id}::uuid`);
      }),
    ).rejects.toMatchObject(APPEND_ONLY);

    // When the customer writes again, it is a new conversation: the past is not linked back.
    const again = await inbound(db, f.target(f.a), WA, "Oi de novo");
    expect(again.conversationId).not.toBe(f.convA);
    const fresh = await exportCustomer(db, { tenantId: f.tenant.id, customer: WA });
    expect(fresh.conversations.map((c) => c.messages.map((m) => m.text))).toEqual([["Oi de novo"]]);
  });

  dbTest("payloads no tenant claims: an erasure blanks the recent ones naming the customer; the workers expire every one after 30 days", async ({ db }) => {
    const f = await setup(db);
    const payloadOf = async (id: number) =>
      (await db.execute<{ payload: unknown; error: string | null }>(sql`select payload, error from webhook_events where id = ${id}`))[0];
    const store = async (tenantId: string | null, payload: unknown, daysAgo: number) => {
      await storeIgnoredEvent(db, { tenantId, payload, error: "not a WhatsApp webhook envelope" });
      const [row] = await db.execute<{ id: number }>(sql`select max(id)::int as id from webhook_events`);
      await db.execute(sql`update webhook_events set received_at = now() - ${daysAgo} * interval '1 day' where id = ${row!.id}`);
      return row!.id;
    };
    // Their conversations began now: a payload from hours before is theirs to erase; one from days
    // before is outside the erasure's reach (the expiry takes it); another customer's stays.
    const [setupEvent] = await db.execute<{ id: number }>(sql`
      select id::int from webhook_events where tenant_id is null and strpos(payload::text, ${WA}) > 0`);
    const hoursBefore = await store(null, { from: WA, note: SECRET }, 0.5);
    const daysBefore = await store(null, { from: WA }, 3);
    const someoneElse = await store(null, { from: "5511900001111" }, 0);

    await eraseCustomer(db, { tenantId: f.tenant.id, conversationId: f.convA, actor: ACTOR });
    expect(await payloadOf(setupEvent!.id)).toEqual({ payload: { erased: true }, error: null });
    expect(await payloadOf(hoursBefore)).toEqual({ payload: { erased: true }, error: null });
    expect(await payloadOf(daysBefore)).toEqual({ payload: { from: WA }, error: "not a WhatsApp webhook envelope" });
    expect(await payloadOf(someoneElse)).toEqual({ payload: { from: "5511900001111" }, error: "not a WhatsApp webhook envelope" });

    // The workers' expiry: every tenant-less payload older than the window loses its payload and keeps
    // why it was unusable; a younger one and a tenant's own (its erasure reaches those) stay.
    const expired = await store(null, { from: "5511900003333", text: "mensagem sem metadata" }, TENANTLESS_EVENT_RETENTION_DAYS + 1);
    const erasedOld = await store(null, { from: WA }, TENANTLESS_EVENT_RETENTION_DAYS + 2);
    await db.execute(sql`update webhook_events set payload = '{"erased": true}'::jsonb where id = ${erasedOld}`);
    const young = await store(null, { from: "5511900004444" }, TENANTLESS_EVENT_RETENTION_DAYS - 1);
    const tenants = await store(f.tenant.id, { from: "5511900005555" }, TENANTLESS_EVENT_RETENTION_DAYS + 1);
    expect(await expireTenantlessWebhookEvents(db, { batchSize: 1 })).toBe(2);
    expect(await expireTenantlessWebhookEvents(db)).toBe(0);
    expect(await payloadOf(expired)).toEqual({ payload: { expired: true }, error: "not a WhatsApp webhook envelope" });
    expect(await payloadOf(erasedOld)).toEqual({ payload: { expired: true }, error: "not a WhatsApp webhook envelope" });
    expect(await payloadOf(young)).toEqual({ payload: { from: "5511900004444" }, error: "not a WhatsApp webhook envelope" });
    expect(await payloadOf(tenants)).toEqual({ payload: { from: "5511900005555" }, error: "not a WhatsApp webhook envelope" });
    expect(await cellsWith(db, "mensagem sem metadata")).toEqual([]);
  });

  dbTest("a test case is copied only from a conversation of the tenant whose data was not erased", async ({ db }) => {
    const f = await setup(db);
    const testCase = { name: "Cópia", turns: [{ customer: "oi" }], expectations: [{ kind: "no_handoff" as const }] };
    const scope = { tenantId: f.tenant.id, agentId: f.agent.id, actor: ACTOR, testCase };
    await expect(saveTestCase(db, { ...scope, sourceConversationId: f.foreign.conversationId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await eraseCustomer(db, { tenantId: f.tenant.id, conversationId: f.convA, actor: ACTOR });
    await expect(saveTestCase(db, { ...scope, sourceConversationId: f.convA })).rejects.toMatchObject({ code: "INVALID_STATE" });
    expect((await listTestCases(db, { tenantId: f.tenant.id, agentId: f.agent.id })).map((c) => c.name)).not.toContain("Cópia");
  });

  dbTest("a reply being written or a send on its way holds the erasure back, changing nothing", async ({ db }) => {
    const f = await setup(db);
    await db.execute(sql`update message_queue set status = 'running', locked_by = 'w1', locked_at = now() where conversation_id = ${f.convA}::uuid`);
    await expect(eraseCustomer(db, { tenantId: f.tenant.id, customer: WA, actor: ACTOR })).rejects.toMatchObject({ code: "CONFLICT" });
    const doc = await exportCustomer(db, { tenantId: f.tenant.id, customer: WA });
    expect(doc.conversations[0]!.messages[0]!.text).toContain(SECRET);
    const [job] = await db.execute<{ status: string }>(sql`select status from message_queue where conversation_id = ${f.convA}::uuid`);
    expect(job!.status).toBe("running");

    await db.execute(sql`update message_queue set status = 'done', finished_at = now() where conversation_id = ${f.convA}::uuid`);
    await db.execute(sql`update outbox_messages set status = 'sending', locked_by = 'w1', locked_at = now() where conversation_id = ${f.convA}::uuid`);
    await expect(eraseCustomer(db, { tenantId: f.tenant.id, customer: WA, actor: ACTOR })).rejects.toMatchObject({ code: "CONFLICT" });
    await db.execute(sql`update outbox_messages set status = 'sent', sent_at = now() where conversation_id = ${f.convA}::uuid`);
    await expect(eraseCustomer(db, { tenantId: f.tenant.id, customer: WA, actor: ACTOR })).resolves.toMatchObject({ jobsCancelled: 0, sendsCancelled: 0 });
  });

  dbTest("the retention window erases conversations idle past it, once, and leaves recent and human-held ones", async ({ db }) => {
    const f = await setup(db);
    await db.execute(sql`update message_queue set status = 'done', finished_at = now() where tenant_id = ${f.tenant.id}::uuid`);
    await db.execute(sql`update outbox_messages set status = 'sent' where tenant_id = ${f.tenant.id}::uuid`);
    const old = await inbound(db, f.target(f.b), "5511955550001", "conversa antiga", "Antiga");
    const older = await inbound(db, f.target(f.b), "5511955550003", "conversa mais antiga", "Mais antiga");
    const held = await inbound(db, f.target(f.b), "5511955550002", "com um humano", "Atendida");
    const busy = await inbound(db, f.target(f.b), "5511955550004", "sendo respondida", "Ocupada");
    await db.execute(sql`update message_queue set status = 'done', finished_at = now() where tenant_id = ${f.tenant.id}::uuid`);
    await db.execute(sql`
      update conversations set last_message_at = now() - interval '40 days', created_at = now() - interval '41 days'
      where id in (${old.conversationId}::uuid, ${held.conversationId}::uuid, ${busy.conversationId}::uuid)`);
    await db.execute(sql`
      update conversations set last_message_at = now() - interval '50 days', created_at = now() - interval '51 days'
      where id = ${older.conversationId}::uuid`);
    // A reply to the busy one is being written (a job running): it waits for a later sweep.
    await db.execute(sql`update message_queue set status = 'running', locked_by = 'w1' where conversation_id = ${busy.conversationId}::uuid`);
    await db.execute(sql`update conversations set mode = 'human' where id = ${held.conversationId}::uuid`);
    await db.execute(sql`update conversations set last_message_at = now() - interval '40 days' where id = ${f.foreign.conversationId}::uuid`);

    // No window set: nothing goes.
    expect(await eraseExpiredConversations(db, { actor: WORKER })).toBe(0);
    await expect(setTenantRetention(db, { tenantId: f.tenant.id, days: 30, actor: ACTOR })).resolves.toEqual({ days: 30, changed: true });
    await expect(setTenantRetention(db, { tenantId: f.tenant.id, days: 30, actor: ACTOR })).resolves.toEqual({ days: 30, changed: false });
    await expect(setTenantRetention(db, { tenantId: f.tenant.id, days: 3, actor: ACTOR })).rejects.toThrow();

    // Batches of one: the two idle ones go, one per transaction; the busy and the human-held stay.
    expect(await eraseExpiredConversations(db, { actor: WORKER, batchSize: 1 })).toBe(2);
    expect(await eraseExpiredConversations(db, { actor: WORKER })).toBe(0);
    const states = await db.execute<{ id: string; erased: boolean }>(sql`
      select id, erased_at is not null as erased from conversations where id in (
        ${old.conversationId}::uuid, ${older.conversationId}::uuid, ${held.conversationId}::uuid, ${busy.conversationId}::uuid,
        ${f.convA}::uuid, ${f.foreign.conversationId}::uuid)`);
    expect(Object.fromEntries(states.map((s) => [s.id, s.erased]))).toEqual({
      [old.conversationId]: true,
      [older.conversationId]: true,
      [held.conversationId]: false,
      [busy.conversationId]: false,
      [f.convA]: false,
      [f.foreign.conversationId]: false,
    });
    // Once its reply is out, the next sweep takes it.
    await db.execute(sql`update message_queue set status = 'done', finished_at = now() where conversation_id = ${busy.conversationId}::uuid`);
    expect(await eraseExpiredConversations(db, { actor: WORKER })).toBe(1);
    expect(await cellsWith(db, "conversa antiga")).toEqual([]);
    const erasures = await db.execute<{ actor_label: string; data: { reason: string; conversationIds: string[] } }>(sql`
      select actor_label, data from audit_events where type = 'customer.erased' and tenant_id = ${f.tenant.id}::uuid order by id`);
    expect(erasures.map((e) => [e.actor_label, e.data.reason, e.data.conversationIds])).toEqual([
      ["retention", "retention", [older.conversationId]],
      ["retention", "retention", [old.conversationId]],
      ["retention", "retention", [busy.conversationId]],
    ]);
    const [changed] = await db.execute<{ before: unknown; after: unknown }>(sql`
      select before, after from audit_events where type = 'tenant.retention_changed' and tenant_id = ${f.tenant.id}::uuid`);
    expect(changed).toEqual({ before: { retentionDays: null }, after: { retentionDays: 30 } });
  });
});

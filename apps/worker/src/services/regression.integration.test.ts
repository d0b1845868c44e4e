import { Readable } from "node:stream";

import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import {
  activateVersion,
  compileSpec,
  eraseCustomer,
  getTestRun,
  listVersions,
  publishVersion,
  requestTestRun,
  saveDraft,
  saveTestCase,
  type TestRunDetail,
} from "@lx/db/queries";
import { runCli } from "@lx/api/cli";
import { dbTest as test, TEST_ACTOR, TEST_SECRET_KEY_HEX } from "@lx/db/testing";
import type { TAgentSpec } from "@lx/shared";
import type { TReplayConversation, TTestCaseBody, TTestCaseResult } from "@lx/shared/schemas";
import { havenSpec } from "@lx/shared/testing";

import { eventually, startStack, type Stack } from "../testing/stack.ts";

const spec: TAgentSpec = {
  ...havenSpec,
  model: { provider: "openai", name: "gpt-4o-mini" },
  context: { ...havenSpec.context, burstWindowMs: 0 },
};

async function stack(db: Database, dbUrl: string, agentSpec: TAgentSpec = spec): Promise<Stack> {
  const s = await startStack(db, dbUrl, { spec: agentSpec });
  onTestFinished(() => s.stop());
  return s;
}

const addCase = (s: Stack, testCase: TTestCaseBody) =>
  saveTestCase(s.db, { tenantId: s.tenantId, agentId: s.agentId, testCase, actor: TEST_ACTOR });

/** The system prompt of an LLM request (its first message). */
function system(body: { messages: { content?: unknown }[] } | undefined): string {
  const content = body?.messages[0]?.content;
  return typeof content === "string" ? content : "";
}

/**
 * A stack whose agent summarizes early (recent 4, summarize after 2 more), and an LLM that writes
 * "Resumo N: <about>" for the summarizer and "ok: <the customer's text>" for replies.
 */
async function summarizingStack(db: Database, dbUrl: string, about: string): Promise<Stack> {
  const s = await stack(db, dbUrl, { ...spec, context: { recentMessages: 4, summarizeAfter: 2, burstWindowMs: 0 } });
  let summaries = 0;
  s.llm.setReply((r) => ({
    text: system(r.body).startsWith("[summarize]") ? `Resumo ${++summaries}: ${about}` : `ok: ${r.lastUserText}`,
  }));
  return s;
}

async function runAndWait(s: Stack, version: string, kind: "cases" | "replay" = "cases"): Promise<TestRunDetail> {
  const run = await requestTestRun(s.db, { tenantId: s.tenantId, agentId: s.agentId, version, kind, replayLimit: 10, actor: TEST_ACTOR });
  expect(run.status).toBe("queued");
  return eventually(
    () => getTestRun(s.db, { tenantId: s.tenantId, agentId: s.agentId, id: run.id }),
    (r) => r.status === "done" || r.status === "error",
  );
}

const gates = async (s: Stack) =>
  Object.fromEntries((await listVersions(s.db, { tenantId: s.tenantId, agentId: s.agentId })).map((v) => [v.version, v.gate]));

/** Rows a test run must never write: the tenant's conversations, messages, sends, bookings and deals. */
const sideEffects = async (db: Database, tenantId: string) =>
  (
    await db.execute<{ n: number }>(sql`
      select ((select count(*) from conversations where tenant_id = ${tenantId}::uuid)
           + (select count(*) from messages where tenant_id = ${tenantId}::uuid)
           + (select count(*) from outbox_messages where tenant_id = ${tenantId}::uuid)
           + (select count(*) from appointments where tenant_id = ${tenantId}::uuid)
           + (select count(*) from crm_deals where tenant_id = ${tenantId}::uuid))::int as n`)
  )[0]?.n;

describe("regression gate: test cases", () => {
  test("each case is simulated against the version: passes, handoff by keyword, a failing expectation; nothing is sent or stored; the gate follows", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.llm.setReply((r) => ({ text: /quanto custa/i.test(r.lastUserText) ? "A avaliação custa R$ 150,00." : `Olá! Aqui é a ${spec.agent.name}.` }));
    await addCase(s, {
      name: "preço",
      turns: [{ customer: "Oi" }, { customer: "Quanto custa a avaliação?" }],
      expectations: [{ kind: "contains", text: "r$ 150" }, { kind: "no_handoff" }],
    });
    await addCase(s, {
      name: "pede humano",
      turns: [{ customer: "Quero falar com um atendente" }, { customer: "alô?" }],
      expectations: [{ kind: "handoff" }],
    });
    const failing = await addCase(s, {
      name: "desconto",
      turns: [{ customer: "Tem desconto?" }],
      expectations: [{ kind: "contains", text: "desconto" }],
    });
    expect(await gates(s)).toEqual({ "1.0.0": "not_run" });
    await s.startWorker();

    const run = await runAndWait(s, "1.0.0");
    expect(run).toMatchObject({ status: "done", passed: false, stale: false, summary: { total: 3, passed: 2, failed: 1 } });
    const byName = Object.fromEntries((run.results as TTestCaseResult[]).map((r) => [r.name, r]));
    expect(byName["preço"]).toMatchObject({ passed: true, handoff: null });
    expect(byName["preço"]?.transcript.map((l) => [l.role, l.text])).toEqual([
      ["customer", "Oi"],
      ["bot", `Olá! Aqui é a ${spec.agent.name}.`],
      ["customer", "Quanto custa a avaliação?"],
      ["bot", "A avaliação custa R$ 150,00."],
    ]);
    // The second turn's model call saw the first exchange, as a live reply would.
    const second = s.llm.requests.find((r) => r.lastUserText === "Quanto custa a avaliação?");
    expect(second?.body.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    // A keyword hands off without a model call; the rest of the conversation is not run.
    expect(byName["pede humano"]).toMatchObject({ passed: true, handoff: { trigger: "keyword", reason: '"atendente"' } });
    expect(byName["pede humano"]?.transcript).toEqual([
      { role: "customer", text: "Quero falar com um atendente" },
      { role: "system", text: spec.handoff.message, tools: [] },
      { role: "system", text: "1 more customer message(s) not run: a human has the conversation" },
    ]);
    expect(byName.desconto).toMatchObject({
      passed: false,
      expectations: [{ passed: false, detail: "no reply contains it" }],
    });
    expect(s.llm.requests.filter((r) => /atendente|alô/.test(r.lastUserText))).toHaveLength(0);
    expect(await sideEffects(db, s.tenantId)).toBe(0);
    expect(s.graph.requests).toHaveLength(0);

    // The gate: failed on 1.0.0; a new version has not been run; it goes live only with force (audited).
    await publishVersion(db, { tenantId: s.tenantId, agentId: s.agentId, spec: { ...spec, goals: [...spec.goals, "Oferecer desconto"] }, actor: TEST_ACTOR });
    expect(await gates(s)).toEqual({ "1.0.0": "failed", "1.0.1": "not_run" });
    const activate = (force: boolean) => activateVersion(db, { tenantId: s.tenantId, agentId: s.agentId, version: "1.0.1", actor: TEST_ACTOR, force });
    await expect(activate(false)).rejects.toMatchObject({ code: "INVALID_STATE", message: expect.stringContaining("have not been run") });
    s.llm.setReply((r) => ({ text: /desconto/i.test(r.lastUserText) ? "Sim, temos desconto à vista." : /quanto custa/i.test(r.lastUserText) ? "Custa R$ 150." : "Olá!" }));
    const second101 = await runAndWait(s, "1.0.1");
    expect(second101).toMatchObject({ status: "done", passed: true, summary: { total: 3, passed: 3, failed: 0 } });
    expect(await gates(s)).toEqual({ "1.0.0": "failed", "1.0.1": "passed" });
    expect(await activate(false)).toMatchObject({ changed: true, to: "1.0.1", gate: "passed" });

    // Editing a case makes every earlier verdict stale: the gate wants a new run.
    await saveTestCase(db, {
      tenantId: s.tenantId,
      agentId: s.agentId,
      id: failing.id,
      testCase: { name: "desconto", turns: [{ customer: "Tem desconto?" }], expectations: [{ kind: "contains", text: "à vista" }] },
      actor: TEST_ACTOR,
    });
    expect(await gates(s)).toEqual({ "1.0.0": "not_run", "1.0.1": "not_run" });
    expect((await getTestRun(db, { tenantId: s.tenantId, agentId: s.agentId, id: second101.id })).stale).toBe(true);
    const back = await activateVersion(db, { tenantId: s.tenantId, agentId: s.agentId, version: "1.0.0", actor: TEST_ACTOR, force: true });
    expect(back).toMatchObject({ changed: true, gate: "not_run" });
    const [override] = await db.execute<{ data: { version: string; gate: string } }>(sql`
      select data from audit_events where tenant_id = ${s.tenantId}::uuid and type = 'version.gate_overridden'`);
    expect(override?.data).toEqual({ version: "1.0.0", gate: "not_run" });
  });

  test("tools run dry: availability is read, a booking and a deal are answered as made and nothing is written", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    const day = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    s.llm.setReply((r) => {
      const toolTurns = r.body.messages.filter((m) => m.role === "tool").length;
      if (toolTurns === 0) {
        return { toolCalls: [{ name: "check_availability", arguments: { date: day } }] };
      }
      if (toolTurns === 1) {
        return { toolCalls: [{ name: "book_slot", arguments: { start: `${day}T10:00:00-03:00`, name: "Maria" } }] };
      }
      return { text: "Pronto, marcado!" };
    });
    await addCase(s, {
      name: "agenda",
      turns: [{ customer: "Quero marcar uma avaliação" }],
      expectations: [{ kind: "tool_called", tool: "book_slot" }, { kind: "contains", text: "marcado" }],
    });
    await s.startWorker();
    const run = await runAndWait(s, "1.0.0");
    const [result] = run.results as TTestCaseResult[];
    expect(result).toMatchObject({ passed: true, toolsCalled: ["check_availability", "book_slot"] });
    expect(result?.transcript[1]).toMatchObject({ role: "bot", text: "Pronto, marcado!", tools: ["check_availability", "book_slot"] });
    // What the model was told: the real availability of the local calendar, then a dry-run booking.
    const last = s.llm.requests.at(-1)?.body.messages.filter((m) => m.role === "tool").map((m) => JSON.parse(typeof m.content === "string" ? m.content : "null") as Record<string, unknown>);
    expect(last?.[0]).toMatchObject({ date: day, timeZone: spec.agent.timezone });
    expect(last?.[1]).toMatchObject({ booked: true, dryRun: true });
    expect(await sideEffects(db, s.tenantId)).toBe(0);
  });

  test("a model that stays down: the run is retried, then ends as an error with the reason", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.llm.failNext(50, { status: 500 });
    await addCase(s, { name: "oi", turns: [{ customer: "Oi" }], expectations: [{ kind: "no_handoff" }] });
    await s.startWorker();
    const run = await runAndWait(s, "1.0.0");
    expect(run).toMatchObject({ status: "error", passed: null, error: expect.stringContaining("500") });
    expect(s.llm.requests).toHaveLength(3);
    expect(await gates(s)).toEqual({ "1.0.0": "not_run" });
  });
});

describe("regression gate: replay", () => {
  test("the latest real replies are regenerated by the candidate from the context they had, beside the originals", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    await s.startWorker();
    const maria = s.customer("5511970000001", { name: "Maria" });
    await maria.text("Oi");
    await eventually(async () => s.graph.requests.filter((r) => r.kind === "send").length, (n) => n === 1);
    await maria.text("Quanto custa?");
    await eventually(async () => s.graph.requests.filter((r) => r.kind === "send").length, (n) => n === 2);
    const sends = s.graph.requests.length;

    await publishVersion(db, { tenantId: s.tenantId, agentId: s.agentId, spec: { ...spec, agent: { ...spec.agent, name: "Bia" } }, actor: TEST_ACTOR });
    s.llm.setReply((r) => ({ text: r.lastUserText === "Oi" ? "Resposta para: Oi" : "Custa R$ 150 (nova versão)." }));
    const before = s.llm.requests.length;
    const run = await runAndWait(s, "1.0.1", "replay");
    expect(run).toMatchObject({ status: "done", kind: "replay", passed: null, summary: { total: 2, changed: 1 } });
    const [conversation] = run.results as TReplayConversation[];
    expect(conversation?.customer).toBe("••••••••0001");
    expect(conversation?.replies.map((r) => [r.customer, r.original.text, r.original.version, r.candidate.text, r.changed])).toEqual([
      ["Oi", "Resposta para: Oi", "1.0.0", "Resposta para: Oi", false],
      ["Quanto custa?", "Resposta para: Quanto custa?", "1.0.0", "Custa R$ 150 (nova versão).", true],
    ]);
    // The second reply was regenerated from the conversation as it stood: without the reply being replayed.
    const replayed = s.llm.requests.slice(before).find((r) => r.lastUserText === "Quanto custa?");
    expect(replayed?.body.messages.slice(1).map((m) => [m.role, m.content])).toEqual([
      ["user", "Oi"],
      ["assistant", "Resposta para: Oi"],
      ["user", "Quanto custa?"],
    ]);
    // Replays send nothing and touch no conversation.
    expect(s.graph.requests.length).toBe(sends);
    const [counts] = await db.execute<{ messages: number }>(sql`select count(*)::int as messages from messages where tenant_id = ${s.tenantId}::uuid`);
    expect(counts?.messages).toBe(4);

    // Once Maria's data is erased, her conversation is no longer replayed, and the run that did has her words blanked.
    await eraseCustomer(db, { tenantId: s.tenantId, customer: "5511970000001", actor: TEST_ACTOR });
    const after = await runAndWait(s, "1.0.1", "replay");
    expect(after).toMatchObject({ status: "done", summary: { total: 0 } });
    const [blanked] = (await getTestRun(db, { tenantId: s.tenantId, agentId: s.agentId, id: run.id })).results as TReplayConversation[];
    expect(blanked?.replies.map((r) => [r.customer, r.original.text, r.candidate.text])).toEqual([
      ["", "", ""],
      ["", "", ""],
    ]);
  });

  test("a long conversation's replies are replayed with the summary the conversation had when each was written", async ({ db, dbUrl }) => {
    const s = await summarizingStack(db, dbUrl, "cliente Ana quer clareamento.");
    await s.startWorker();
    const ana = s.customer("5511970000002", { name: "Ana" });
    const sent = async (n: number) => eventually(async () => s.graph.requests.filter((r) => r.kind === "send").length, (x) => x === n);
    for (let i = 1; i <= 4; i++) {
      await ana.text(`mensagem ${i}`);
      await sent(i);
    }
    // Eight messages: past recentMessages + summarizeAfter, so the summarizer folds the oldest four.
    const [history] = await eventually(
      () => db.execute<{ summary: string; up_to: number }>(sql`
        select s.summary, s.up_to_message_id::int as up_to from conversation_summaries s
        join conversations c on c.id = s.conversation_id where c.customer_key = '5511970000002'`),
      (rows) => rows.length === 1,
    );
    const [conversation] = await db.execute<{ summary: string; up_to: number }>(sql`
      select summary, summary_up_to_message_id::int as up_to from conversations where customer_key = '5511970000002'`);
    expect(history).toEqual(conversation);
    expect(history?.summary).toBe("Resumo 1: cliente Ana quer clareamento.");
    await ana.text("mensagem 5");
    await sent(5);

    const before = s.llm.requests.length;
    const run = await runAndWait(s, "1.0.0", "replay");
    expect(run).toMatchObject({ status: "done", summary: { total: 5, changed: 0 } });
    const replayed = s.llm.requests.slice(before);
    const systemFor = (text: string) => system(replayed.find((r) => r.lastUserText === text)?.body);
    // The fifth reply was written with the summary; the fourth before it existed.
    expect(systemFor("mensagem 5")).toContain("Resumo 1: cliente Ana quer clareamento.");
    expect(systemFor("mensagem 4")).not.toContain("Resumo");
    expect(systemFor("mensagem 4")).toContain("Haven");
  });

  test("a summary written after a message arrived but before its reply is replayed with that reply", async ({ db, dbUrl }) => {
    const s = await summarizingStack(db, dbUrl, "cliente Bia quer botox.");
    const worker = await s.startWorker();
    const bia = s.customer("5511970000003", { name: "Bia" });
    const sent = async (n: number) => eventually(async () => s.graph.requests.filter((r) => r.kind === "send").length, (x) => x === n);
    for (let i = 1; i <= 4; i++) {
      await bia.text(`mensagem ${i}`);
      await sent(i);
    }
    const conversationId = await eventually(
      async () =>
        (await db.execute<{ id: string; up_to: number | null }>(sql`
          select id, summary_up_to_message_id::int as up_to from conversations where customer_key = '5511970000003'`))[0],
      (c) => c?.up_to !== null && c?.up_to !== undefined,
    ).then((c) => c!.id);
    await worker.stop();

    // "mensagem 5" arrives while no worker runs; then the summary moves on (as the summarizer writes
    // it: the conversation and its history in one step), and only then is the message answered.
    await bia.text("mensagem 5");
    const [fifth] = await db.execute<{ id: number }>(sql`
      select id::int from messages where conversation_id = ${conversationId} and body = 'mensagem 5'`);
    const [folded] = await db.execute<{ id: number }>(sql`
      select max(id)::int as id from messages where conversation_id = ${conversationId} and id < ${fifth!.id} and direction = 'out'`);
    await db.execute(sql`
      with moved as (
        update conversations set summary = 'Resumo 2: cliente Bia quer botox na sexta.', summary_up_to_message_id = ${folded!.id}
        where id = ${conversationId} returning tenant_id, id, summary_up_to_message_id, summary)
      insert into conversation_summaries (tenant_id, conversation_id, up_to_message_id, summary)
      select tenant_id, id, summary_up_to_message_id, summary from moved`);
    await s.startWorker();
    await sent(5);
    const live = s.llm.requests.find((r) => r.lastUserText === "mensagem 5");
    expect(system(live?.body)).toContain("Resumo 2: cliente Bia quer botox na sexta.");
    const [reply] = await db.execute<{ ref: number | null }>(sql`
      select context_summary_up_to_id::int as ref from messages where conversation_id = ${conversationId} and answers_up_to_id = ${fifth!.id}`);
    expect(reply?.ref).toBe(folded!.id);

    const replayedSystem = async (text: string) => {
      const before = s.llm.requests.length;
      const run = await runAndWait(s, "1.0.0", "replay");
      expect(run.status).toBe("done");
      return system(s.llm.requests.slice(before).find((r) => r.lastUserText === text)?.body);
    };
    // The replay gives the fifth reply the summary it had, written after "mensagem 5" arrived.
    expect(await replayedSystem("mensagem 5")).toContain("Resumo 2: cliente Bia quer botox na sexta.");
    // A reply from before the summary was recorded on replies: the latest summary older than its message.
    await db.execute(sql`update messages set context_summary_up_to_id = null where conversation_id = ${conversationId}`);
    const legacy = await replayedSystem("mensagem 5");
    expect(legacy).toContain("Resumo 1: cliente Bia quer botox.");
    expect(legacy).not.toContain("Resumo 2");
  });
});

describe("regression gate: the draft", () => {
  test("a run of the draft simulates with the draft's bundle, and its pass lets the version published from it go live", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.llm.setReply((r) => ({ text: system(r.body).includes("Bia") ? "Aqui é a Bia." : "Aqui é outra pessoa." }));
    await addCase(s, { name: "nome", turns: [{ customer: "Quem fala?" }], expectations: [{ kind: "contains", text: "Bia" }] });
    const draftSpec = { ...spec, agent: { ...spec.agent, name: "Bia" } };
    const compiled = compileSpec(draftSpec);
    if (!compiled.ok) {
      throw new Error("the draft does not compile");
    }
    await s.startWorker();
    const requested = await requestTestRun(s.db, {
      tenantId: s.tenantId,
      agentId: s.agentId,
      draft: compiled.bundle,
      kind: "cases",
      replayLimit: 10,
      actor: TEST_ACTOR,
    });
    const run = await eventually(
      () => getTestRun(s.db, { tenantId: s.tenantId, agentId: s.agentId, id: requested.id }),
      (r) => r.status === "done" || r.status === "error",
    );
    expect(run).toMatchObject({ status: "done", version: null, passed: true });
    expect((run.results as TTestCaseResult[])[0]?.transcript.map((l) => l.text)).toEqual(["Quem fala?", "Aqui é a Bia."]);
    expect(await gates(s)).toEqual({ "1.0.0": "not_run" });

    await publishVersion(db, { tenantId: s.tenantId, agentId: s.agentId, spec: draftSpec, actor: TEST_ACTOR });
    expect(await gates(s)).toEqual({ "1.0.0": "not_run", "1.0.1": "passed" });
    await activateVersion(db, { tenantId: s.tenantId, agentId: s.agentId, version: "1.0.1", actor: TEST_ACTOR });
  });
});

describe("regression gate: lx test", () => {
  test("queues a run, waits for the workers and prints it; exit 1 when a case fails or no worker answers in time", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.llm.setReply(() => ({ text: "A avaliação custa R$ 150,00." }));
    await addCase(s, { name: "preço", turns: [{ customer: "Quanto custa?" }], expectations: [{ kind: "contains", text: "R$ 150" }] });
    const [slugs] = await db.execute<{ tenant: string; agent: string }>(sql`
      select t.slug as tenant, a.slug as agent from agents a join tenants t on t.id = a.tenant_id where a.id = ${s.agentId}::uuid`);
    const lxOn = async (target: string[], ...args: string[]) => {
      let stdout = "";
      let stderr = "";
      const code = await runCli(["test", "--tenant", slugs?.tenant ?? "", "--agent", slugs?.agent ?? "", ...target, ...args], {
        stdin: Readable.from([]),
        stdout: (x) => (stdout += x),
        stderr: (x) => (stderr += x),
        env: { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX },
      });
      return { code, stdout, stderr };
    };
    const lx = (...args: string[]) => lxOn(["--version", "1.0.0"], ...args);

    // No worker yet: the wait ends with a message naming the likely cause.
    expect(await lx("--timeout", "1")).toMatchObject({ code: 1, stderr: expect.stringContaining("(is a worker running?)") });
    await s.startWorker();
    expect(await lx()).toEqual({ code: 0, stdout: "✓ preço\n1 of 1 test case(s) passed on 1.0.0\n", stderr: "" });

    await addCase(s, { name: "desconto", turns: [{ customer: "Tem desconto?" }], expectations: [{ kind: "contains", text: "desconto" }] });
    expect(await lx()).toEqual({
      code: 1,
      stdout: '✗ desconto\n    contains "desconto": no reply contains it\n✓ preço\n1 of 2 test case(s) passed on 1.0.0\n',
      stderr: `error: regression gate: 1 of 2 test case(s) failed on ${slugs?.agent ?? ""} 1.0.0\n`,
    });
    expect(await lx("--replay", "0")).toMatchObject({ code: 1, stderr: "error: --replay must be a whole number from 1 to 20\n" });
    expect(await lx("--replay", "5")).toEqual({ code: 0, stdout: "0 of 0 replayed replies changed on 1.0.0\n", stderr: "" });

    // --draft: the saved draft, compiled and frozen in the run, before anything is published.
    expect(await lxOn(["--draft"])).toMatchObject({ code: 1, stderr: "error: the agent has no draft: edit its spec first\n" });
    expect(await lxOn(["--draft", "--version", "1.0.0"])).toMatchObject({ code: 1, stderr: "error: name what to test: --version X.Y.Z or --draft\n" });
    expect(await lxOn([])).toMatchObject({ code: 1, stderr: "error: name what to test: --version X.Y.Z or --draft\n" });
    s.llm.setReply(() => ({ text: "A avaliação custa R$ 150,00, com desconto à vista." }));
    await saveDraft(db, { tenantId: s.tenantId, agentId: s.agentId, spec: { ...spec, agent: { ...spec.agent, name: "Bia" } }, baseVersion: "1.0.0", actor: TEST_ACTOR });
    expect(await lxOn(["--draft"])).toEqual({ code: 0, stdout: "✓ desconto\n✓ preço\n2 of 2 test case(s) passed on the draft\n", stderr: "" });
    expect((await listVersions(db, { tenantId: s.tenantId, agentId: s.agentId })).map((v) => v.version)).toEqual(["1.0.0"]);
  });
});

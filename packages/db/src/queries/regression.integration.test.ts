import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import type { TReplayConversation, TTestCaseBody } from "@lx/shared/schemas";

import { havenSpec } from "@lx/shared/testing";

import { dbTest as test, seedAgent, seedConversation, seedNumber, seedTenant, TEST_ACTOR } from "../testing/index.ts";
import { eraseCustomer } from "./customers.ts";
import {
  beginTestRun,
  deleteTestCase,
  finishTestRun,
  getTestRun,
  listTestCases,
  listTestRuns,
  requestTestRun,
  saveTestCase,
  testCasesHash,
  versionGates,
} from "./regression.ts";
import { compileSpec, listVersions, publishVersion } from "./versions.ts";

const body = (name: string, text = "R$"): TTestCaseBody => ({
  name,
  turns: [{ customer: "Quanto custa?" }],
  expectations: [{ kind: "contains", text }],
});

async function agentWithCases(db: Parameters<typeof seedTenant>[0]) {
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id });
  const ids = { tenantId: tenant.id, agentId: agent.id };
  return { ids, save: (b: TTestCaseBody, id?: string) => saveTestCase(db, { ...ids, id, testCase: b, actor: TEST_ACTOR }) };
}

describe("regression gate: cases and runs", () => {
  test("cases: a name is unique per agent (CONFLICT, nothing written), edits and deletes are audited", async ({ db }) => {
    const { ids, save } = await agentWithCases(db);
    const a = await save(body("preço"));
    await expect(save(body("preço", "reais"))).rejects.toMatchObject({ code: "CONFLICT", userMessage: 'A test case named "preço" already exists.' });
    const b = await save(body("outro"));
    await expect(save(body("preço"), b.id)).rejects.toMatchObject({ code: "CONFLICT" });
    await save(body("preço", "150"), a.id);
    expect((await listTestCases(db, ids)).map((c) => [c.name, c.expectations])).toEqual([
      ["outro", [{ kind: "contains", text: "R$" }]],
      ["preço", [{ kind: "contains", text: "150" }]],
    ]);
    await deleteTestCase(db, { ...ids, id: b.id, actor: TEST_ACTOR });
    await expect(deleteTestCase(db, { ...ids, id: b.id, actor: TEST_ACTOR })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const audits = await db.execute<{ type: string; before: { expectations: unknown } | null; after: { expectations: unknown } | null }>(sql`
      select type, before, after from audit_events where subject_id = ${ids.agentId} and type like 'agent_test.%' order by id`);
    expect(audits.map((r) => r.type)).toEqual([
      "agent_test.case_created",
      "agent_test.case_created",
      "agent_test.case_updated",
      "agent_test.case_deleted",
    ]);
    // The edit's before and after, as every audited change has.
    expect([audits[2]?.before?.expectations, audits[2]?.after?.expectations]).toEqual([
      [{ kind: "contains", text: "R$" }],
      [{ kind: "contains", text: "150" }],
    ]);
    // Text a form let through that jsonb cannot hold (NUL) is stored, not refused with a 500.
    const nul = await save(body("nul", "R\u0000$"));
    expect(nul.expectations).toEqual([{ kind: "contains", text: "R\uFFFD$" }]);
  });

  test("an agent holds at most 100 cases: the 101st is refused, an edit still passes", async ({ db }) => {
    const { ids, save } = await agentWithCases(db);
    const first = await save(body("caso 0"));
    await db.execute(sql`
      insert into agent_test_cases (tenant_id, agent_id, name, turns, expectations)
      select ${ids.tenantId}::uuid, ${ids.agentId}::uuid, 'caso ' || i, '[{"customer":"oi"}]', '[{"kind":"handoff"}]'
      from generate_series(1, 99) i`);
    await expect(save(body("caso 100"))).rejects.toMatchObject({ code: "INVALID_STATE", userMessage: "An agent may have at most 100 test cases." });
    expect((await save(body("caso 0", "150"), first.id)).expectations).toEqual([{ kind: "contains", text: "150" }]);
  });

  test("the cases' hash changes with any edit, addition or removal, and not with their order", () => {
    const c = (id: string, name: string) => ({ id, name, turns: [{ customer: "oi" }], expectations: [{ kind: "handoff" as const }] });
    const base = testCasesHash([c("a", "x"), c("b", "y")]);
    expect(testCasesHash([c("b", "y"), c("a", "x")])).toBe(base);
    expect(testCasesHash([c("a", "x"), c("b", "z")])).not.toBe(base);
    expect(testCasesHash([c("a", "x")])).not.toBe(base);
  });

  test("a run needs a version and, for cases, at least one case; it queues one job and lists newest first by pages", async ({ db }) => {
    const { ids, save } = await agentWithCases(db);
    const request = (version: string, kind: "cases" | "replay" = "cases") =>
      requestTestRun(db, { ...ids, version, kind, replayLimit: 5, actor: TEST_ACTOR });
    await expect(request("9.9.9")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(request("1.0.0")).rejects.toMatchObject({ code: "INVALID_STATE" });
    const replay = await request("1.0.0", "replay");
    await save(body("preço"));
    const runs = [replay, await request("1.0.0"), await request("1.0.0")];
    const jobs = await db.execute<{ task: string; job_key: string; max_attempts: number }>(sql`
      select task, job_key, max_attempts from message_queue where tenant_id = ${ids.tenantId}::uuid order by id`);
    expect(jobs).toEqual(runs.map((r) => ({ task: "agent.test_run", job_key: `test_run:${r.id}`, max_attempts: 3 })));

    const first = await listTestRuns(db, { ...ids, limit: 2 });
    expect(first.items.map((r) => r.id)).toEqual([runs[2]?.id, runs[1]?.id]);
    const second = await listTestRuns(db, { ...ids, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second).toMatchObject({ items: [{ id: replay.id, kind: "replay", status: "queued" }], nextCursor: null });
    expect((await listTestRuns(db, { ...ids, version: "2.0.0", limit: 5 })).items).toEqual([]);
  });

  test("a case deleted while its run was being made (an erasure of the customer it was copied from) is stored without its words", async ({ db }) => {
    const { ids, save } = await agentWithCases(db);
    const kept = await save(body("preço"));
    const gone = await save({ ...body("Conversa com Joana"), turns: [{ customer: "Sou a Joana, CPF 123" }] });
    const run = await requestTestRun(db, { ...ids, version: "1.0.0", kind: "cases", replayLimit: 5, actor: TEST_ACTOR });
    const task = await beginTestRun(db, run.id);
    if (!task) {
      throw new Error("no task");
    }
    const cases = await listTestCases(db, ids);
    const result = (c: { id: string; name: string; turns: { customer: string }[] }) => ({
      caseId: c.id,
      name: c.name,
      passed: false,
      transcript: [{ role: "customer" as const, text: c.turns[0]?.customer ?? "" }, { role: "bot" as const, text: "Vou transferir" }],
      expectations: [{ expectation: { kind: "no_handoff" as const }, passed: false, detail: "handed off (model): a Joana pediu" }],
      handoff: { trigger: "model", reason: "a Joana pediu" },
      toolsCalled: [],
      tokensIn: 3,
      tokensOut: 2,
    });
    // The worker read both cases; one is deleted before it stores the run.
    await deleteTestCase(db, { ...ids, id: gone.id, actor: TEST_ACTOR });
    await finishTestRun(db, {
      run: task,
      results: cases.map(result),
      summary: { total: 2, passed: 0, failed: 2, changed: 0, tokensIn: 6, tokensOut: 4 },
      passed: false,
      casesHash: testCasesHash(cases),
      actor: TEST_ACTOR,
    });
    const stored = await getTestRun(db, { ...ids, id: run.id });
    expect(stored.results).toEqual([
      {
        ...result(gone),
        name: "[erased]",
        transcript: [{ role: "customer", text: "" }, { role: "bot", text: "" }],
        expectations: [{ expectation: { kind: "no_handoff" }, passed: false, detail: "" }],
        handoff: { trigger: "model", reason: "" },
      },
      result(kept),
    ]);
  });

  test("a replay's conversation whose customer was erased while the run was being made is stored without their words", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id });
    const ids = { tenantId: tenant.id, agentId: agent.id };
    const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    const erased = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, agentId: agent.id });
    const other = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, agentId: agent.id });
    const run = await requestTestRun(db, { ...ids, version: "1.0.0", kind: "replay", replayLimit: 5, actor: TEST_ACTOR });
    const task = await beginTestRun(db, run.id);
    if (!task) {
      throw new Error("no task");
    }
    const replay = (conversationId: string, words: string): TReplayConversation => ({
      conversationId,
      customer: "…4321",
      replies: [
        {
          messageId: 1,
          customer: words,
          original: { text: `Olá! Sobre "${words}"…`, version: "1.0.0" },
          candidate: { text: `Oi! Sobre "${words}"…`, handoff: null, tools: [] },
          changed: true,
        },
      ],
    });
    // The worker replayed both; one customer's data is erased before it stores the run.
    await eraseCustomer(db, { tenantId: tenant.id, conversationId: erased.id, actor: TEST_ACTOR });
    await finishTestRun(db, {
      run: task,
      results: [replay(erased.id, "Sou a Joana, CPF 123"), replay(other.id, "Quanto custa?")],
      summary: { total: 2, passed: 0, failed: 0, changed: 2, tokensIn: 6, tokensOut: 4 },
      passed: null,
      casesHash: null,
      actor: TEST_ACTOR,
    });
    const stored = await getTestRun(db, { ...ids, id: run.id });
    expect(stored.results).toEqual([
      {
        conversationId: erased.id,
        customer: "[erased]",
        replies: [
          {
            messageId: 1,
            customer: "",
            original: { text: "", version: "1.0.0" },
            candidate: { text: "", handoff: null, tools: [] },
            changed: true,
          },
        ],
      },
      replay(other.id, "Quanto custa?"),
    ]);
  });

  test("a run whose job died without the worker saying so shows as an error with the job's last error", async ({ db }) => {
    const { ids, save } = await agentWithCases(db);
    await save(body("preço"));
    const run = await requestTestRun(db, { ...ids, version: "1.0.0", kind: "cases", replayLimit: 5, actor: TEST_ACTOR });
    await db.execute(sql`
      update message_queue set status = 'dead', last_error = 'lease expired on the last attempt', finished_at = now()
      where job_key = ${`test_run:${run.id}`}`);
    expect(await getTestRun(db, { ...ids, id: run.id })).toMatchObject({ status: "error", error: "lease expired on the last attempt" });
  });

  test("a run of the draft carries its compiled bundle; its verdict gates a version published with the same bundle, and only that one", async ({ db }) => {
    const { ids, save } = await agentWithCases(db);
    await save(body("preço"));
    const draftSpec = { ...havenSpec, agent: { ...havenSpec.agent, name: "Rascunho" } };
    const compiled = compileSpec(draftSpec);
    if (!compiled.ok) {
      throw new Error("the draft spec does not compile");
    }
    const run = await requestTestRun(db, { ...ids, draft: compiled.bundle, kind: "cases", replayLimit: 5, actor: TEST_ACTOR });
    expect(run).toMatchObject({ versionId: null, version: null, status: "queued" });
    const task = await beginTestRun(db, run.id);
    expect(task).toMatchObject({ versionId: null, version: null, bundle: { bundleHash: compiled.bundle.bundleHash } });
    const cases = await listTestCases(db, ids);
    if (!task) {
      throw new Error("no task");
    }
    await finishTestRun(db, {
      run: task,
      results: [],
      summary: { total: 1, passed: 1, failed: 0, changed: 0, tokensIn: 0, tokensOut: 0 },
      passed: true,
      casesHash: testCasesHash(cases),
      actor: TEST_ACTOR,
    });
    expect((await listTestRuns(db, { ...ids, limit: 5 })).items).toMatchObject([{ id: run.id, version: null, status: "done", passed: true }]);
    expect((await listTestRuns(db, { ...ids, version: "1.0.0", limit: 5 })).items).toEqual([]);

    // Published from the same draft: same bundle, so the draft's pass is the version's.
    const same = await publishVersion(db, { ...ids, spec: draftSpec, actor: TEST_ACTOR });
    const other = await publishVersion(db, { ...ids, spec: { ...draftSpec, agent: { ...draftSpec.agent, name: "Outro" } }, actor: TEST_ACTOR });
    const gates = await versionGates(db, ids);
    expect([gates.get(same.id), gates.get(other.id)]).toEqual(["passed", "not_run"]);
    expect((await listVersions(db, ids)).map((v) => [v.version, v.gate])).toEqual([
      ["1.0.2", "not_run"],
      ["1.0.1", "passed"],
      ["1.0.0", "not_run"],
    ]);
    // The verdict goes stale with the cases, as any run's does.
    await save(body("outro"));
    expect((await versionGates(db, ids)).get(same.id)).toBe("not_run");
    const [audit] = await db.execute<{ data: Record<string, unknown> }>(sql`
      select data from audit_events where type = 'agent_test.requested' and subject_id = ${ids.agentId} order by id desc limit 1`);
    expect(audit?.data).toMatchObject({ version: "draft", bundleHash: compiled.bundle.bundleHash });
  });
});

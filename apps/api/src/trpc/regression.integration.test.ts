import { describe, expect } from "vitest";

import type { Database } from "@lx/db/client";
import { eraseCustomer, listVersions, saveTestCase } from "@lx/db/queries";
import { dbTest, seedAgent, seedConversation, seedNumber, seedTenant, seedUser, TEST_ACTOR } from "@lx/db/testing";
import { havenSpec } from "@lx/shared/testing";

import { callerFor, codeOf, sessionFor } from "../testing/harness.ts";

async function setup(db: Database) {
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id });
  await saveTestCase(db, {
    tenantId: tenant.id,
    agentId: agent.id,
    testCase: { name: "oi", turns: [{ customer: "oi" }], expectations: [{ kind: "no_handoff" }] },
    actor: TEST_ACTOR,
  });
  const operator = await seedUser(db, { role: "operator" });
  const { caller } = callerFor(db, await sessionFor(db, operator.email, operator.password));
  return { tenant, agent, caller, scope: { tenantSlug: tenant.slug, agentSlug: agent.slug } };
}


describe("regression.start on the draft", () => {
  dbTest("compiles the saved draft into the run; no draft, a draft with errors, or both targets are refused", async ({ db }) => {
    const { tenant, agent, caller, scope } = await setup(db);
    expect(await codeOf(caller.regression.start({ ...scope, draft: true }))).toBe("PRECONDITION_FAILED");
    expect(await codeOf(caller.regression.start({ ...scope, draft: true, version: "1.0.0" }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.regression.start({ ...scope }))).toBe("BAD_REQUEST");

    const broken = { ...havenSpec, agent: { ...havenSpec.agent, timezone: "Mars/Base" } };
    await caller.drafts.save({ ...scope, spec: broken, baseVersion: "1.0.0" });
    await expect(caller.regression.start({ ...scope, draft: true })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("agent.timezone"),
    });

    const renamed = { ...havenSpec, agent: { ...havenSpec.agent, name: "Bia" } };
    await caller.drafts.save({ ...scope, spec: renamed, baseVersion: "1.0.0" });
    const run = await caller.regression.start({ ...scope, draft: true });
    expect(run).toMatchObject({ version: null, kind: "cases", status: "queued" });
    const [row] = await db.$client<{ bundle_hash: string; version_id: string | null; name: string }[]>`
      select bundle_hash, version_id, bundle->'agent'->>'name' as name from agent_test_runs where id = ${run.id}`;
    expect(row).toMatchObject({ version_id: null, name: "Bia" });
    // The runs list shows it, without a version.
    expect((await caller.regression.runs({ ...scope })).items).toMatchObject([{ id: run.id, version: null }]);
    // Nothing was published by running the draft.
    expect((await listVersions(db, { tenantId: tenant.id, agentId: agent.id })).map((v) => v.version)).toEqual(["1.0.0"]);
  });
});

describe("regression.saveCase from a conversation", () => {
  const body = { name: "Conversa com Maria", turns: [{ customer: "Quanto custa a limpeza?" }], expectations: [{ kind: "no_handoff" as const }] };

  dbTest("a case copied from a conversation remembers it (an edit keeps it); another tenant's or an erased one is refused", async ({ db }) => {
    const { tenant, agent, caller, scope } = await setup(db);
    const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    const conversation = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, agentId: agent.id, name: "Maria" });

    const saved = await caller.regression.saveCase({ ...scope, testCase: body, sourceConversationId: conversation.id });
    expect(saved).toMatchObject({ name: body.name, sourceConversationId: conversation.id });
    const edited = await caller.regression.saveCase({ ...scope, id: saved.id, testCase: { ...body, name: "Preço da limpeza" } });
    expect(edited).toMatchObject({ name: "Preço da limpeza", sourceConversationId: conversation.id });
    const listed = await caller.regression.cases(scope);
    expect(listed.map((c) => [c.name, c.sourceConversationId]).sort()).toEqual([
      ["Preço da limpeza", conversation.id],
      ["oi", null],
    ]);

    // The source is set when the case is created, not moved by an edit.
    expect(await codeOf(caller.regression.saveCase({ ...scope, id: saved.id, testCase: body, sourceConversationId: conversation.id }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.regression.saveCase({ ...scope, testCase: { ...body, name: "x" }, sourceConversationId: "not-a-uuid" }))).toBe("BAD_REQUEST");
    // Another tenant's conversation reads as missing.
    const other = await seedTenant(db);
    const otherNumber = await seedNumber(db, { tenantId: other.id });
    const foreign = await seedConversation(db, { tenantId: other.id, numberId: otherNumber.id });
    expect(await codeOf(caller.regression.saveCase({ ...scope, testCase: { ...body, name: "y" }, sourceConversationId: foreign.id }))).toBe("NOT_FOUND");

    // Its customer's erasure deletes the copy; a draft of it saved afterwards is refused.
    const erased = await eraseCustomer(db, { tenantId: tenant.id, conversationId: conversation.id, actor: TEST_ACTOR });
    expect(erased.testCasesDeleted).toEqual([{ id: saved.id, agentSlug: agent.slug, name: "Preço da limpeza" }]);
    expect((await caller.regression.cases(scope)).map((c) => c.name)).toEqual(["oi"]);
    expect(await codeOf(caller.regression.saveCase({ ...scope, testCase: body, sourceConversationId: conversation.id }))).toBe("PRECONDITION_FAILED");
  });
});

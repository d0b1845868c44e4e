import { describe, expect } from "vitest";

import type { Database } from "@lx/db/client";
import { listVersions, saveTestCase } from "@lx/db/queries";
import { dbTest, seedAgent, seedTenant, seedUser, TEST_ACTOR } from "@lx/db/testing";
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

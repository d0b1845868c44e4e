import { describe, expect } from "vitest";

import type { Database } from "@lx/db/client";
import { beginTestRun, finishTestRun, listTestCases, requestTestRun, saveTestCase, testCasesHash } from "@lx/db/queries";
import { dbTest, seedAgent, seedNumber, seedTenant, seedUser, TEST_ACTOR } from "@lx/db/testing";
import { havenSpec } from "@lx/shared/testing";

import { buildTestApp, callerFor, sessionCookieFrom, sessionFor } from "../testing/harness.ts";

const renamed = (name: string) => ({ ...havenSpec, agent: { ...havenSpec.agent, name } });

async function setup(db: Database) {
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id });
  const operator = await seedUser(db, { role: "operator" });
  const client = await seedUser(db, { role: "client", tenantId: tenant.id });
  const opSession = await sessionFor(db, operator.email, operator.password);
  const clientSession = await sessionFor(db, client.email, client.password);
  return {
    tenant,
    agent,
    operator,
    client,
    op: callerFor(db, opSession, { requestId: "req-operator" }),
    cl: callerFor(db, clientSession, { requestId: "req-client" }),
    scope: { tenantSlug: tenant.slug, agentSlug: agent.slug },
  };
}

async function auditOf(db: Database, tenantId: string, type: string) {
  return db.$client<
    {
      actor_type: string;
      actor_id: string | null;
      actor_label: string;
      before: unknown;
      after: unknown;
      data: unknown;
      request_id: string | null;
    }[]
  >`select actor_type, actor_id, actor_label, before, after, data, request_id from audit_events
    where tenant_id = ${tenantId} and type = ${type} order by id`;
}

describe("versions: publish → activate → rollback", () => {
  dbTest(
    "an operator publishes, activates and rolls back, each audited with who and which request",
    async ({ db }) => {
      const f = await setup(db);
      const { caller } = f.op;

      const published = await caller.versions.publish({
        ...f.scope,
        spec: renamed("Bia"),
        bump: "minor",
        changelog: "new name",
      });
      expect(published).toMatchObject({
        version: "1.1.0",
        active: false,
        changelog: "new name",
        createdByLabel: f.operator.email,
      });
      expect(typeof published.createdAt).toBe("string");

      // The tenant has a client: it approves 1.1.0 before it goes live.
      await f.cl.caller.versions.approve({ ...f.scope, version: "1.1.0" });
      const activated = await caller.versions.activate({ ...f.scope, version: "1.1.0" });
      expect(activated).toEqual({ agentSlug: f.agent.slug, changed: true, from: "1.0.0", to: "1.1.0" });

      const listed = await caller.versions.list(f.scope);
      expect(listed.map((v) => [v.version, v.active])).toEqual([
        ["1.1.0", true],
        ["1.0.0", false],
      ]);
      const agents = await caller.agents.list({ tenantSlug: f.tenant.slug });
      expect(agents.find((a) => a.slug === f.agent.slug)).toMatchObject({
        versionCount: 2,
        activeVersion: { version: "1.1.0", approvalStatus: "approved" },
      });

      const rolledBack = await caller.versions.rollback(f.scope);
      expect(rolledBack).toEqual({ agentSlug: f.agent.slug, changed: true, from: "1.1.0", to: "1.0.0" });
      const afterRollback = await caller.versions.list(f.scope);
      expect(afterRollback.find((v) => v.active)?.version).toBe("1.0.0");

      const actor = {
        actor_type: "user",
        actor_id: f.operator.id,
        actor_label: f.operator.email,
        request_id: "req-operator",
      };
      const publishedAudit = await auditOf(db, f.tenant.id, "version.published");
      expect(publishedAudit.at(-1)).toMatchObject({
        ...actor,
        after: { version: "1.1.0" },
        data: { changelog: "new name" },
      });
      expect(await auditOf(db, f.tenant.id, "version.activated")).toContainEqual(
        expect.objectContaining({ ...actor, before: { version: "1.0.0" }, after: { version: "1.1.0" } }),
      );
      expect(await auditOf(db, f.tenant.id, "version.rolled_back")).toEqual([
        expect.objectContaining({ ...actor, before: { version: "1.1.0" }, after: { version: "1.0.0" } }),
      ]);
    },
  );

  dbTest(
    "publishing an unchanged spec is CONFLICT; an invalid one is BAD_REQUEST; nothing is written",
    async ({ db }) => {
      const f = await setup(db);
      await expect(f.op.caller.versions.publish({ ...f.scope, spec: havenSpec, changelog: "same" })).rejects.toMatchObject({
        code: "CONFLICT",
      });
      await expect(
        f.op.caller.versions.publish({ ...f.scope, spec: { specVersion: 1 }, changelog: "broken" }),
      ).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
      expect((await f.op.caller.versions.list(f.scope)).map((v) => v.version)).toEqual(["1.0.0"]);
    },
  );

  dbTest("the console's publish refuses an empty changelog in words, and writes nothing", async ({ db }) => {
    const f = await setup(db);
    for (const changelog of ["", "   "]) {
      const err = await f.op.caller.versions.publish({ ...f.scope, spec: renamed("Bia"), changelog }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "BAD_REQUEST" });
      expect(String((err as Error).message)).toContain("must say what changed");
    }
    expect((await f.op.caller.versions.list(f.scope)).map((v) => v.version)).toEqual(["1.0.0"]);
    expect(await auditOf(db, f.tenant.id, "version.published")).toHaveLength(1);
  });

  dbTest(
    "the list marks the version a rollback would restore; with none, rollback is refused naming why",
    async ({ db }) => {
      const f = await setup(db);
      const { caller } = f.op;
      const target = async () => (await caller.versions.list(f.scope)).filter((v) => v.rollbackTarget).map((v) => v.version);
      // 1.0.0 live, nothing before it.
      expect(await target()).toEqual([]);
      await caller.versions.publish({ ...f.scope, spec: renamed("Bia"), changelog: "Bia" });
      await f.cl.caller.versions.approve({ ...f.scope, version: "1.0.1" });
      await caller.versions.activate({ ...f.scope, version: "1.0.1" });
      expect(await target()).toEqual(["1.0.0"]);
      await caller.versions.rollback(f.scope);
      // Back on 1.0.0, which went live first: nothing to restore, and the refusal says so.
      expect(await target()).toEqual([]);
      const refused = await caller.versions.rollback(f.scope).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: "PRECONDITION_FAILED" });
      expect((refused as Error).message).toContain("no version was live before 1.0.0");
      // The console shows the server's sentence (`userMessage`), not the generic text for the code.
      expect(refused).toMatchObject({
        cause: {
          userMessage: "Nothing to roll back to: no version was live before v1.0.0.",
          reason: { code: "rollback.nothing_before", version: "1.0.0" },
        },
      });
      expect((await caller.versions.list(f.scope)).find((v) => v.active)?.version).toBe("1.0.0");
    },
  );

  dbTest("a rollback confirmed on a stale page is CONFLICT, naming what is live now; nothing switches", async ({ db }) => {
    const f = await setup(db);
    const { caller } = f.op;
    for (const [version, name] of [
      ["1.0.1", "Bia"],
      ["1.0.2", "Ana"],
    ] as const) {
      await caller.versions.publish({ ...f.scope, spec: renamed(name), changelog: name });
      await f.cl.caller.versions.approve({ ...f.scope, version });
      await caller.versions.activate({ ...f.scope, version });
    }
    // Operator B's page shows 1.0.2 live and "roll back to 1.0.1"; operator A activates 1.0.1.
    await caller.versions.activate({ ...f.scope, version: "1.0.1" });
    // Unchecked, B's rollback would now go 1.0.1 → 1.0.2: the opposite of what B confirmed.
    // Over HTTP, as the console sends it: the reason travels as data in `data.appError`.
    const { app } = buildTestApp(db);
    const json = { "content-type": "application/json" };
    const login = await app.request("/trpc/auth.login", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ email: f.operator.email, password: f.operator.password }),
    });
    const res = await app.request("/trpc/versions.rollback", {
      method: "POST",
      headers: { ...json, cookie: sessionCookieFrom(login) ?? "" },
      body: JSON.stringify({ ...f.scope, expect: { from: "1.0.2", to: "1.0.1" } }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { data: { appError: unknown } } }).error.data.appError).toEqual({
      code: "CONFLICT",
      userMessage:
        "The live version changed meanwhile: v1.0.1 is live now, and rolling back would restore v1.0.2. Review the list and try again.",
      reason: { code: "rollback.live_changed", live: "1.0.1", restore: "1.0.2" },
    });
    expect((await caller.versions.list(f.scope)).find((v) => v.active)?.version).toBe("1.0.1");
    expect(await auditOf(db, f.tenant.id, "version.rolled_back")).toHaveLength(0);
    // What the page shows now goes through.
    expect(await caller.versions.rollback({ ...f.scope, expect: { from: "1.0.1", to: "1.0.2" } })).toMatchObject({
      changed: true,
      from: "1.0.1",
      to: "1.0.2",
    });
  });

  dbTest(
    "rollback with nothing earlier is PRECONDITION_FAILED; activating a missing version is NOT_FOUND",
    async ({ db }) => {
      const f = await setup(db);
      await expect(f.op.caller.versions.rollback(f.scope)).rejects.toMatchObject({
        code: "PRECONDITION_FAILED",
      });
      await expect(f.op.caller.versions.activate({ ...f.scope, version: "9.9.9" })).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      await expect(
        f.op.caller.versions.list({ tenantSlug: f.tenant.slug, agentSlug: "no-such-agent" }),
      ).rejects.toMatchObject({ code: "NOT_FOUND" });
    },
  );
});

describe("versions: compile", () => {
  dbTest("an invalid spec comes back as path-named errors, not an exception", async ({ db }) => {
    const f = await setup(db);
    const result = await f.op.caller.versions.compile({
      ...f.scope,
      spec: { ...havenSpec, agent: { name: "" } },
    });
    expect(result.ok).toBe(false);
    if (result.ok) {
      return;
    }
    expect(result.errors.map((e) => e.path)).toEqual(expect.arrayContaining(["agent.name", "agent.role"]));
  });

  dbTest(
    "a valid spec gives bundle summary, stats, warnings and the diff against the live version",
    async ({ db }) => {
      const f = await setup(db);
      const result = await f.op.caller.versions.compile({ ...f.scope, spec: renamed("Bia") });
      expect(result.ok).toBe(true);
      if (!result.ok) {
        return;
      }
      expect(result.activeVersion).toBe("1.0.0");
      expect(result.sameAsActive).toBe(false);
      expect(result.bundle.bundleHash).toMatch(/^[0-9a-f]{64}$/);
      expect(result.bundle.agent.name).toBe("Bia");
      expect(result.stats.estimatedTokens).toBeGreaterThan(0);
      expect(Array.isArray(result.warnings)).toBe(true);
      expect(result.diff.changed).toBe(true);
      expect(result.diff.config).toContainEqual(
        expect.objectContaining({ path: "agent.name", before: "Ana", after: "Bia", kind: "changed" }),
      );

      const same = await f.op.caller.versions.compile({ ...f.scope, spec: havenSpec });
      expect(same.ok && same.sameAsActive).toBe(true);
      expect(same.ok && same.diff.changed).toBe(false);
      // Compile writes nothing.
      expect((await f.op.caller.versions.list(f.scope)).map((v) => v.version)).toEqual(["1.0.0"]);
    },
  );
});

describe("versions: compile and the tenant's templates", () => {
  dbTest("warns of a template the spec names that the tenant has not declared, or that Meta does not have approved", async ({ db }) => {
    const f = await setup(db);
    const warningsOf = async () => {
      const result = await f.op.caller.versions.compile({ ...f.scope, spec: havenSpec });
      return result.ok ? result.warnings.filter((w) => w.startsWith("templates.")) : ["not ok"];
    };
    // Haven's spec names retomada_v1 and lembrete_consulta_v1 (pt_BR); the tenant has declared neither.
    expect(await warningsOf()).toEqual([
      "templates.reengagement names retomada_v1 (pt_BR), which the tenant has not declared: those sends will be blocked.",
      "templates.reminder names lembrete_consulta_v1 (pt_BR), which the tenant has not declared: those sends will be blocked.",
    ]);
    await f.op.caller.templates.create({
      tenantSlug: f.tenant.slug,
      template: { name: "retomada_v1", language: "pt_BR", category: "utility", purpose: "reengagement", body: "Olá {{1}}" },
    });
    await f.op.caller.templates.create({
      tenantSlug: f.tenant.slug,
      template: { name: "lembrete_consulta_v1", language: "pt_BR", category: "utility", purpose: "reminder", body: "Olá {{1}}, {{2}}" },
    });
    expect(await warningsOf()).toEqual([]);
    await db.$client`update templates set status = 'paused' where tenant_id = ${f.tenant.id} and name = 'retomada_v1'`;
    expect(await warningsOf()).toEqual([
      "templates.reengagement names retomada_v1 (pt_BR), which is paused at Meta: those sends are blocked until Meta approves it.",
    ]);
  });
});

describe("versions: what a version changes, for the client who approves it", () => {
  dbTest("the client reads each version's diff against the version live before it, and the run behind its gate", async ({ db }) => {
    const f = await setup(db);
    const op = f.op.caller;
    const cl = f.cl.caller;
    await op.versions.publish({ ...f.scope, spec: renamed("Bia"), changelog: "Bia" });

    // Never live: against the live version (what going live would change).
    const pending = await cl.versions.changes({ ...f.scope, version: "1.0.1" });
    expect(pending).toMatchObject({ version: "1.0.1", changelog: "Bia", against: { version: "1.0.0", basis: "live" }, gateRun: null });
    expect(pending.diff.changed).toBe(true);
    expect(pending.diff.prompt.lines.filter((l) => l.op === "add").map((l) => l.text).join("\n")).toContain("Bia");
    expect(pending.diff.prompt.lines.filter((l) => l.op === "del").map((l) => l.text).join("\n")).toContain("Ana");
    expect(pending.diff.config).toContainEqual(expect.objectContaining({ path: "agent.name", before: "Ana", after: "Bia" }));

    // Once live (the client approved it), and after a newer publish: still against the version it replaced.
    await cl.versions.approve({ ...f.scope, version: "1.0.1" });
    await op.versions.activate({ ...f.scope, version: "1.0.1" });
    await op.versions.publish({ ...f.scope, spec: renamed("Carla"), changelog: "Carla" });
    expect(await cl.versions.changes({ ...f.scope, version: "1.0.1" })).toMatchObject({ against: { version: "1.0.0", basis: "previous" } });
    expect(await cl.versions.changes({ ...f.scope, version: "1.0.2" })).toMatchObject({ against: { version: "1.0.1", basis: "live" } });
    // The first live version: against nothing, everything is new.
    const first = await cl.versions.changes({ ...f.scope, version: "1.0.0" });
    expect(first.against).toBeNull();
    expect(first.diff.prompt.removed).toBe(0);
    await expect(cl.versions.changes({ ...f.scope, version: "9.9.9" })).rejects.toMatchObject({ code: "NOT_FOUND" });

    // A failed run of the cases on 1.0.1: the gate's evidence, which the client may open.
    const ids = { tenantId: f.tenant.id, agentId: f.agent.id };
    const testCase = await saveTestCase(db, {
      ...ids,
      testCase: { name: "preço", turns: [{ customer: "Quanto custa?" }], expectations: [{ kind: "contains", text: "R$" }] },
      actor: TEST_ACTOR,
    });
    expect((await cl.versions.changes({ ...f.scope, version: "1.0.1" })).gateRun).toBeNull();
    const run = await requestTestRun(db, { ...ids, version: "1.0.1", kind: "cases", replayLimit: 5, actor: TEST_ACTOR });
    const task = await beginTestRun(db, run.id);
    if (!task) {
      throw new Error("no task");
    }
    await finishTestRun(db, {
      run: task,
      results: [
        {
          caseId: testCase.id,
          name: "preço",
          passed: false,
          transcript: [{ role: "customer", text: "Quanto custa?" }, { role: "bot", text: "Depende." }],
          expectations: [{ expectation: { kind: "contains", text: "R$" }, passed: false, detail: "no reply contains it" }],
          handoff: null,
          toolsCalled: [],
          tokensIn: 1,
          tokensOut: 1,
        },
      ],
      summary: { total: 1, passed: 0, failed: 1, changed: 0, tokensIn: 1, tokensOut: 1 },
      passed: false,
      casesHash: testCasesHash(await listTestCases(db, ids)),
      actor: TEST_ACTOR,
    });
    const withRun = await cl.versions.changes({ ...f.scope, version: "1.0.1" });
    expect(withRun.gateRun).toMatchObject({ id: run.id, passed: false });
    expect(withRun.gateRun?.finishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await cl.regression.run({ ...f.scope, id: run.id })).toMatchObject({ id: run.id, passed: false });
    // Another version has no run of its own.
    expect((await cl.versions.changes({ ...f.scope, version: "1.0.2" })).gateRun).toBeNull();
  });
});

describe("versions: client approval", () => {
  dbTest(
    "the tenant's client approves, then rejects; each decision is audited as the client",
    async ({ db }) => {
      const f = await setup(db);
      const approved = await f.cl.caller.versions.approve({ ...f.scope, version: "1.0.0" });
      expect(approved).toEqual({ version: "1.0.0", approvalStatus: "approved", changed: true });
      const detail = await f.cl.caller.versions.byVersion({ ...f.scope, version: "1.0.0" });
      expect(detail).toMatchObject({
        approvalStatus: "approved",
        active: true,
        spec: { agent: { name: "Ana" } },
      });
      expect(detail.approvedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

      // Same decision again: a no-op, not a second audit row.
      expect(await f.cl.caller.versions.approve({ ...f.scope, version: "1.0.0" })).toMatchObject({
        changed: false,
      });

      const rejected = await f.cl.caller.versions.approve({
        ...f.scope,
        version: "1.0.0",
        decision: "rejected",
        note: "tom errado",
      });
      expect(rejected).toEqual({ version: "1.0.0", approvalStatus: "rejected", changed: true });

      const clientActor = {
        actor_type: "user",
        actor_id: f.client.id,
        actor_label: f.client.email,
        request_id: "req-client",
      };
      expect(await auditOf(db, f.tenant.id, "version.approved")).toEqual([
        expect.objectContaining({
          ...clientActor,
          before: { version: "1.0.0", approvalStatus: "pending" },
          after: { version: "1.0.0", approvalStatus: "approved" },
        }),
      ]);
      expect(await auditOf(db, f.tenant.id, "version.rejected")).toEqual([
        expect.objectContaining({ ...clientActor, data: expect.objectContaining({ note: "tom errado" }) }),
      ]);
      const [row] = await db.$client<{ approved_by_id: string }[]>`
      select approved_by_id from agent_versions where agent_id = ${f.agent.id} and version = '1.0.0'`;
      expect(row?.approved_by_id).toBe(f.client.id);
    },
  );

  dbTest("approving a version that does not exist is NOT_FOUND", async ({ db }) => {
    const f = await setup(db);
    await expect(f.cl.caller.versions.approve({ ...f.scope, version: "3.0.0" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  dbTest("the list gives the client its own standing decision back: which, who, when and its note", async ({ db }) => {
    const f = await setup(db);
    await f.op.caller.versions.publish({ ...f.scope, spec: renamed("Bia"), changelog: "Bia" });
    const decisions = async () =>
      (await f.cl.caller.versions.list(f.scope)).map((v) => [v.version, v.decision, v.rejectionNote]);
    expect(await decisions()).toEqual([
      ["1.0.1", null, null],
      ["1.0.0", null, null],
    ]);

    await f.cl.caller.versions.approve({ ...f.scope, version: "1.0.1", decision: "rejected", note: "  o nome Bia não  " });
    const at = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/);
    expect(await decisions()).toEqual([
      ["1.0.1", { status: "rejected", byLabel: f.client.email, at, note: "o nome Bia não" }, "o nome Bia não"],
      ["1.0.0", null, null],
    ]);

    // The client changes its mind: the approval (and its own note) replaces the rejection.
    await f.cl.caller.versions.approve({ ...f.scope, version: "1.0.1", decision: "approved", note: "ok com Bia" });
    const [latest] = await f.op.caller.versions.list(f.scope);
    expect(latest?.decision).toEqual({ status: "approved", byLabel: f.client.email, at, note: "ok com Bia" });
    expect(latest?.rejectionNote).toBeNull();
    expect(latest?.decision?.at).toBe(latest?.approvedAt);
  });
});

describe("versions: the client-approval gate", () => {
  dbTest(
    "with a client login, activation is refused for a pending or rejected version (quoting the client's note), allowed once approved",
    async ({ db }) => {
      const f = await setup(db);
      await f.op.caller.versions.publish({ ...f.scope, spec: renamed("Bia"), changelog: "Bia" });

      const pending = await f.op.caller.versions.activate({ ...f.scope, version: "1.0.1" }).catch((e: unknown) => e);
      expect(pending).toMatchObject({ code: "PRECONDITION_FAILED" });
      expect((pending as Error).message).toContain(
        `client approval: version 1.0.1 of agent "${f.agent.slug}" cannot go live, the client has not approved it yet`,
      );
      expect(pending).toMatchObject({
        cause: {
          code: "INVALID_STATE",
          userMessage:
            "Client approval: version 1.0.1 cannot go live, the client has not approved it yet. Ask the client to approve it, or activate anyway.",
          reason: { code: "approval.pending", version: "1.0.1" },
        },
      });

      await f.cl.caller.versions.approve({ ...f.scope, version: "1.0.1", decision: "rejected", note: "o nome Bia não" });
      const rejected = await f.op.caller.versions.activate({ ...f.scope, version: "1.0.1" }).catch((e: unknown) => e);
      expect(rejected).toMatchObject({
        code: "PRECONDITION_FAILED",
        cause: {
          userMessage:
            'Client approval: version 1.0.1 cannot go live, the client rejected it ("o nome Bia não"). Ask the client to approve it, or activate anyway.',
          reason: { code: "approval.rejected", version: "1.0.1", note: "o nome Bia não" },
        },
      });
      // The list says so before anyone clicks: the gate and the client's note.
      expect((await f.op.caller.versions.list(f.scope)).map((v) => [v.version, v.approvalGate, v.rejectionNote, v.active])).toEqual([
        ["1.0.1", "rejected", "o nome Bia não", false],
        ["1.0.0", "pending", null, true],
      ]);
      // Nothing went live, nothing was audited as activated or overridden.
      expect(await auditOf(db, f.tenant.id, "version.approval_overridden")).toEqual([]);
      expect((await auditOf(db, f.tenant.id, "version.activated")).map((e) => e.after)).toEqual([{ version: "1.0.0" }]);

      await f.cl.caller.versions.approve({ ...f.scope, version: "1.0.1" });
      expect(await f.op.caller.versions.activate({ ...f.scope, version: "1.0.1" })).toEqual({
        agentSlug: f.agent.slug,
        changed: true,
        from: "1.0.0",
        to: "1.0.1",
      });
      expect((await auditOf(db, f.tenant.id, "version.activated")).at(-1)).toMatchObject({
        data: { approval: "approved", gate: "no_cases" },
      });
      expect(await auditOf(db, f.tenant.id, "version.approval_overridden")).toEqual([]);
    },
  );

  dbTest("the operator's override activates a version the client rejected, audited in the same transaction", async ({ db }) => {
    const f = await setup(db);
    await f.op.caller.versions.publish({ ...f.scope, spec: renamed("Bia"), changelog: "Bia" });
    await f.cl.caller.versions.approve({ ...f.scope, version: "1.0.1", decision: "rejected", note: "não" });
    expect(await f.op.caller.versions.activate({ ...f.scope, version: "1.0.1", force: true })).toMatchObject({
      changed: true,
      to: "1.0.1",
    });
    expect(await auditOf(db, f.tenant.id, "version.approval_overridden")).toEqual([
      expect.objectContaining({
        actor_type: "user",
        actor_id: f.operator.id,
        request_id: "req-operator",
        data: { version: "1.0.1", approvalStatus: "rejected", note: "não" },
      }),
    ]);
    expect((await auditOf(db, f.tenant.id, "version.activated")).at(-1)).toMatchObject({
      after: { version: "1.0.1" },
      data: { approval: "rejected" },
    });
    // Rollback is the safety action back to a version that was live: not gated (1.0.0 was never approved).
    expect(await f.op.caller.versions.rollback(f.scope)).toMatchObject({ changed: true, from: "1.0.1", to: "1.0.0" });
  });

  dbTest("a tenant without an active client login activates freely; a disabled client does not count", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id });
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;
    const scope = { tenantSlug: tenant.slug, agentSlug: agent.slug };
    await op.versions.publish({ ...scope, spec: renamed("Bia"), changelog: "Bia" });
    expect((await op.versions.list(scope)).map((v) => [v.version, v.approvalGate])).toEqual([
      ["1.0.1", "not_required"],
      ["1.0.0", "not_required"],
    ]);
    expect(await op.versions.activate({ ...scope, version: "1.0.1" })).toMatchObject({ changed: true, to: "1.0.1" });

    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    await op.users.setDisabled({ userId: client.id, disabled: true });
    expect(await op.versions.activate({ ...scope, version: "1.0.0" })).toMatchObject({ changed: true, to: "1.0.0" });
    expect(await auditOf(db, tenant.id, "version.approval_overridden")).toEqual([]);

    // Enabled again: the gate applies.
    await op.users.setDisabled({ userId: client.id, disabled: false });
    await expect(op.versions.activate({ ...scope, version: "1.0.1" })).rejects.toMatchObject({ code: "PRECONDITION_FAILED" });
  });

  dbTest("an operator cannot approve or reject in the client's name: FORBIDDEN, nothing recorded", async ({ db }) => {
    const f = await setup(db);
    for (const decision of ["approved", "rejected"] as const) {
      const err = await f.op.caller.versions.approve({ ...f.scope, version: "1.0.0", decision }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "FORBIDDEN" });
      expect((err as Error).message).toContain("only the tenant's client can approve or reject a version: the client decides");
      expect((err as Error).message).toContain("use the override");
    }
    expect((await f.op.caller.versions.byVersion({ ...f.scope, version: "1.0.0" })).approvalStatus).toBe("pending");
    expect(await auditOf(db, f.tenant.id, "version.approved")).toEqual([]);
    expect(await auditOf(db, f.tenant.id, "version.rejected")).toEqual([]);
  });
});

describe("tenants, agents and audit reads", () => {
  dbTest("tenants.list has number and agent counts; byId/bySlug return the same tenant", async ({ db }) => {
    const f = await setup(db);
    await seedAgent(db, { tenantId: f.tenant.id, activate: false });
    await seedNumber(db, { tenantId: f.tenant.id, agentId: f.agent.id });
    const list = await f.op.caller.tenants.list();
    const mine = list.find((t) => t.id === f.tenant.id);
    expect(mine).toMatchObject({ slug: f.tenant.slug, agentCount: 2, numberCount: 1, status: "active" });
    expect(mine).not.toHaveProperty("webhookSecretEnc");
    const bySlug = await f.cl.caller.tenants.bySlug({ tenantSlug: f.tenant.slug });
    const byId = await f.cl.caller.tenants.byId({ id: f.tenant.id });
    expect(byId).toEqual(bySlug);
    expect(bySlug).toMatchObject({ id: f.tenant.id, agentCount: 2 });

    const agents = await f.cl.caller.agents.list({ tenantSlug: f.tenant.slug });
    expect(agents).toHaveLength(2);
    const inactive = agents.find((a) => a.slug !== f.agent.slug);
    expect(inactive).toMatchObject({ activeVersion: null, versionCount: 1 });
  });

  dbTest(
    "audit.list filters by type prefix, actor and time, and pages by cursor without gaps",
    async ({ db }) => {
      const f = await setup(db);
      for (const name of ["B1", "B2", "B3"]) {
        await f.op.caller.versions.publish({ ...f.scope, spec: renamed(name), changelog: name });
      }
      const all = await f.op.caller.audit.list({ tenantSlug: f.tenant.slug, type: "version.", limit: 100 });
      // seedAgent: published + activated; then three publishes.
      expect(all.items.map((e) => e.type)).toEqual([
        "version.published",
        "version.published",
        "version.published",
        "version.activated",
        "version.published",
      ]);
      expect(all.nextCursor).toBeNull();
      expect(all.items.every((e) => e.tenantSlug === f.tenant.slug)).toBe(true);

      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await f.op.caller.audit.list({
          tenantSlug: f.tenant.slug,
          type: "version.",
          limit: 2,
          cursor,
        });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(all.items.map((e) => e.id));

      const byActor = await f.op.caller.audit.list({ tenantSlug: f.tenant.slug, actor: f.operator.email });
      expect(byActor.items.length).toBe(3);
      const exact = await f.op.caller.audit.list({ tenantSlug: f.tenant.slug, type: "version.activated" });
      expect(exact.items).toHaveLength(1);
      const future = await f.op.caller.audit.list({
        tenantSlug: f.tenant.slug,
        from: "2999-01-01T00:00:00Z",
      });
      expect(future.items).toHaveLength(0);

      await expect(
        f.op.caller.audit.list({ tenantSlug: f.tenant.slug, cursor: "not-a-cursor" }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
      await expect(f.op.caller.audit.list({ limit: 101 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    },
  );

  dbTest("the audit list is operators' only; without a filter, every tenant's", async ({ db }) => {
    const f = await setup(db);
    const other = await seedTenant(db);
    await seedAgent(db, { tenantId: other.id });
    // Not even their own tenant's: other logins' addresses, operators' e-mails, exports, rotations.
    await expect(f.cl.caller.audit.list({ limit: 100 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(f.cl.caller.audit.list({ tenantSlug: f.tenant.slug })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Operators without a filter see every tenant.
    const everything = await f.op.caller.audit.list({ limit: 100 });
    expect(everything.items.some((e) => e.tenantId === other.id)).toBe(true);
  });
});

describe("versions: the tenant's integration URLs, as a client sees them", () => {
  dbTest("a client reads a version's spec and changes with webhook and CRM URLs reduced to their origin; an operator reads them whole", async ({ db }) => {
    const f = await setup(db);
    const notify = "https://n8n.haven.test/webhook/handoff-7f3a9c?key=capability-token";
    const calendar = "https://n8n.haven.test:8443/webhook/calendar-b21e";
    const crmBase = "https://haven.pipedrive.com/api/v1?company=haven-private";
    await f.op.caller.versions.publish({
      ...f.scope,
      spec: {
        ...havenSpec,
        handoff: { ...havenSpec.handoff, notifyWebhookUrl: notify },
        plugins: {
          ...havenSpec.plugins,
          calendar: { backend: "webhook", webhookUrl: calendar, slotMinutes: 30 },
          crm: { backend: "pipedrive", baseUrl: crmBase, qualifyFields: ["interesse"] },
        },
      },
      changelog: "n8n",
    });
    const version = { ...f.scope, version: "1.0.1" };

    const asClient = await f.cl.caller.versions.byVersion(version);
    expect(asClient.spec.handoff.notifyWebhookUrl).toBe("https://n8n.haven.test");
    expect(asClient.spec.plugins?.calendar).toEqual({ backend: "webhook", webhookUrl: "https://n8n.haven.test:8443", slotMinutes: 30 });
    expect(asClient.spec.plugins?.crm).toEqual({ backend: "pipedrive", baseUrl: "https://haven.pipedrive.com", qualifyFields: ["interesse"] });
    // Everything else as published.
    expect(asClient.spec.business).toEqual(havenSpec.business);
    expect(JSON.stringify(asClient)).not.toMatch(/capability-token|handoff-7f3a9c|calendar-b21e|haven-private/);

    const asOperator = await f.op.caller.versions.byVersion(version);
    expect(asOperator.spec.handoff.notifyWebhookUrl).toBe(notify);
    expect(asOperator.spec.plugins?.calendar?.webhookUrl).toBe(calendar);
    expect(asOperator.spec.plugins?.crm?.baseUrl).toBe(crmBase);

    // The changes the client reviews before approving say the same, by origin.
    const clientChanges = await f.cl.caller.versions.changes(version);
    expect(JSON.stringify(clientChanges)).not.toMatch(/capability-token|handoff-7f3a9c|calendar-b21e|haven-private/);
    expect(clientChanges.diff.config).toContainEqual(
      expect.objectContaining({ path: "policies.handoff.notifyWebhookUrl", before: null, after: "https://n8n.haven.test" }),
    );
    expect(clientChanges.diff.config).toContainEqual(expect.objectContaining({ path: "plugins.crm", before: null, after: expect.objectContaining({ baseUrl: "https://haven.pipedrive.com" }) }));
    const operatorChanges = await f.op.caller.versions.changes(version);
    expect(operatorChanges.diff.config).toContainEqual(expect.objectContaining({ path: "policies.handoff.notifyWebhookUrl", before: null, after: notify }));
    expect(JSON.stringify(operatorChanges)).toContain("calendar-b21e");
  });
});

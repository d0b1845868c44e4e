import { and, eq, sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { havenSpec } from "@lx/shared/testing";

import { agents, agentVersions, auditEvents } from "../schema/index.ts";
import { dbTest as test, expectPgError, seedAgent, seedTenant, TEST_ACTOR } from "../testing/index.ts";
import { versionDecisions } from "./approval.ts";
import {
  activateVersion,
  decideVersionApproval,
  getActiveBundle,
  listVersions,
  publishVersion,
  rollbackVersion,
} from "./versions.ts";

const withGoal = (goal: string) => ({ ...havenSpec, goals: [...havenSpec.goals, goal] });

describe("versions", () => {
  test("the first publish is 1.0.0, an unchanged bundle is refused, bumps follow semver", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent, version } = await seedAgent(db, { tenantId: tenant.id });
    expect(version.version).toBe("1.0.0");

    await expect(
      publishVersion(db, { tenantId: tenant.id, agentId: agent.id, spec: havenSpec, actor: TEST_ACTOR }),
    ).rejects.toMatchObject({ code: "CONFLICT" });

    const minor = await publishVersion(db, {
      tenantId: tenant.id,
      agentId: agent.id,
      spec: withGoal("Fidelizar pacientes"),
      bump: "minor",
      changelog: "new goal",
      actor: TEST_ACTOR,
    });
    expect(minor.version).toBe("1.1.0");
    const patch = await publishVersion(db, {
      tenantId: tenant.id,
      agentId: agent.id,
      spec: withGoal("Outro objetivo"),
      actor: TEST_ACTOR,
    });
    expect(patch.version).toBe("1.1.1");
    const major = await publishVersion(db, {
      tenantId: tenant.id,
      agentId: agent.id,
      spec: withGoal("Mais um"),
      bump: "major",
      actor: TEST_ACTOR,
    });
    expect(major.version).toBe("2.0.0");

    const list = await listVersions(db, { tenantId: tenant.id, agentId: agent.id });
    expect(list.map((v) => [v.version, v.active])).toEqual([
      ["2.0.0", false],
      ["1.1.1", false],
      ["1.1.0", false],
      ["1.0.0", true],
    ]);
    const audits = await db
      .select({ type: auditEvents.type })
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenant.id), eq(auditEvents.type, "version.published")));
    expect(audits).toHaveLength(4);
  });

  test("an invalid spec is refused with path-named errors and nothing is written", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id });
    const bad = { ...havenSpec, handoff: { ...havenSpec.handoff, message: undefined } };
    await expect(
      publishVersion(db, { tenantId: tenant.id, agentId: agent.id, spec: bad, actor: TEST_ACTOR }),
    ).rejects.toThrow(/handoff\.message/);
    expect(await listVersions(db, { tenantId: tenant.id, agentId: agent.id })).toHaveLength(1);
  });

  test("concurrent publishes never get the same version number", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        publishVersion(db, { tenantId: tenant.id, agentId: agent.id, spec: withGoal(`goal ${i}`), actor: TEST_ACTOR }),
      ),
    );
    const versions = results.map((r) => (r.status === "fulfilled" ? r.value.version : `error: ${String(r.reason)}`));
    expect(versions.filter((v) => v.startsWith("error"))).toEqual([]);
    expect(new Set(versions).size).toBe(8);
    expect([...versions].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `1.0.${i + 1}`));
  });

  test("a version activated twice: rollbacks walk back to the first live version and stop, and the list marks each one's target", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id });
    const ids = { tenantId: tenant.id, agentId: agent.id, actor: TEST_ACTOR };
    await publishVersion(db, { ...ids, spec: withGoal("b") });
    await publishVersion(db, { ...ids, spec: withGoal("c") });
    // They went round in a circle (1.0.0 → 1.0.2 → 1.0.1 → 1.0.0 → 1.0.2 …).
    const target = async () => (await listVersions(db, { tenantId: tenant.id, agentId: agent.id })).find((v) => v.rollbackTarget)?.version ?? null;
    expect(await target()).toBeNull();
    await activateVersion(db, { ...ids, version: "1.0.1" });
    await activateVersion(db, { ...ids, version: "1.0.2" });
    await activateVersion(db, { ...ids, version: "1.0.0" });
    const walk: string[] = [];
    for (let i = 0; i < 3; i++) {
      const expected = await target();
      const r = await rollbackVersion(db, ids);
      expect(r.to).toBe(expected);
      walk.push(`${r.from}→${r.to}`);
    }
    expect(walk).toEqual(["1.0.0→1.0.2", "1.0.2→1.0.1", "1.0.1→1.0.0"]);
    expect(await target()).toBeNull();
    await expect(rollbackVersion(db, ids)).rejects.toMatchObject({ code: "INVALID_STATE" });
    // An activation after rollbacks starts a new branch: its rollback returns to where it came from.
    await activateVersion(db, { ...ids, version: "1.0.2" });
    expect(await target()).toBe("1.0.0");
  });

  test("activate and roll back walk the activation history, audited, effective at once", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id });
    const ids = { tenantId: tenant.id, agentId: agent.id, actor: TEST_ACTOR };
    await publishVersion(db, { ...ids, spec: withGoal("b") });
    await publishVersion(db, { ...ids, spec: withGoal("c") });

    expect(await activateVersion(db, { ...ids, version: "1.0.1" })).toEqual({ changed: true, from: "1.0.0", to: "1.0.1", gate: "no_cases", approval: "not_required" });
    expect(await activateVersion(db, { ...ids, version: "1.0.2" })).toEqual({ changed: true, from: "1.0.1", to: "1.0.2", gate: "no_cases", approval: "not_required" });
    expect(await activateVersion(db, { ...ids, version: "1.0.2" })).toMatchObject({ changed: false });
    expect((await getActiveBundle(db, agent.id))?.version).toBe("1.0.2");

    expect(await rollbackVersion(db, ids)).toEqual({ changed: true, from: "1.0.2", to: "1.0.1" });
    expect((await getActiveBundle(db, agent.id))?.version).toBe("1.0.1");
    expect(await rollbackVersion(db, ids)).toEqual({ changed: true, from: "1.0.1", to: "1.0.0" });
    await expect(rollbackVersion(db, ids)).rejects.toMatchObject({ code: "INVALID_STATE" });
    await expect(activateVersion(db, { ...ids, version: "9.9.9" })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const trail = await db
      .select({ type: auditEvents.type, before: auditEvents.before, after: auditEvents.after })
      .from(auditEvents)
      .where(and(eq(auditEvents.subjectId, agent.id), sql`${auditEvents.type} <> 'version.published'`))
      .orderBy(auditEvents.id);
    expect(trail.map((t) => t.type)).toEqual([
      "version.activated",
      "version.activated",
      "version.activated",
      "version.rolled_back",
      "version.rolled_back",
    ]);
    expect(trail[3]).toMatchObject({ before: { version: "1.0.2" }, after: { version: "1.0.1" } });
  });

  test("the database refuses to change or delete a published version", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { version } = await seedAgent(db, { tenantId: tenant.id });
    await expectPgError(
      db.update(agentVersions).set({ changelog: "rewritten" }).where(eq(agentVersions.id, version.id)),
      /immutable/,
    );
    await expectPgError(db.delete(agentVersions).where(eq(agentVersions.id, version.id)), /immutable/);
    // Approval is the one thing that may change.
    await db.update(agentVersions).set({ approvalStatus: "approved" }).where(eq(agentVersions.id, version.id));
  });

  test("an agent can never point at another agent's version", async ({ db }) => {
    const tenant = await seedTenant(db);
    const a = await seedAgent(db, { tenantId: tenant.id });
    const b = await seedAgent(db, { tenantId: tenant.id });
    await expectPgError(
      db.update(agents).set({ activeVersionId: b.version.id }).where(eq(agents.id, a.agent.id)),
      /agents_active_version_fk/,
    );
  });

  test("one read of the audit trail gives each version's latest decision and its latest rejection's note", async ({ db }) => {
    // The version list (the client's own decision) and activation's refusal (the rejection's note)
    // read the same decisions: once, not twice.
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id });
    await publishVersion(db, { tenantId: tenant.id, agentId: agent.id, spec: withGoal("Outro"), actor: TEST_ACTOR });
    const decide = (version: string, decision: "approved" | "rejected", note?: string) =>
      decideVersionApproval(db, { tenantId: tenant.id, agentId: agent.id, agentSlug: agent.slug, version, decision, note, actor: TEST_ACTOR });
    await decide("1.0.0", "rejected", "  tom errado  ");
    await decide("1.0.0", "approved", "ok agora");
    await decide("1.0.1", "rejected", "não");
    await decide("1.0.1", "approved");
    await decide("1.0.1", "rejected");

    const all = await versionDecisions(db, { tenantId: tenant.id, agentId: agent.id });
    const summary = (v: string) => {
      const d = all.get(v);
      return d && { status: d.last.status, note: d.last.note, rejectionNote: d.rejectionNote };
    };
    expect([summary("1.0.0"), summary("1.0.1")]).toEqual([
      { status: "approved", note: "ok agora", rejectionNote: "tom errado" },
      // The latest rejection had no note: an earlier one's is not quoted.
      { status: "rejected", note: null, rejectionNote: null },
    ]);
    const one = await versionDecisions(db, { tenantId: tenant.id, agentId: agent.id, version: "1.0.0" });
    expect([...one.keys()]).toEqual(["1.0.0"]);
    expect(one.get("1.0.0")).toEqual(all.get("1.0.0"));
    const listed = await listVersions(db, { tenantId: tenant.id, agentId: agent.id });
    expect(listed.map((v) => [v.version, v.decision?.status ?? null, v.rejectionNote])).toEqual([
      ["1.0.1", "rejected", null],
      ["1.0.0", "approved", null],
    ]);
  });
});

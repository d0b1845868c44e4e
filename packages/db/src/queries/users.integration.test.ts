import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { isAppError } from "@lx/shared/errors";

import type { Database } from "../client.ts";
import { dbTest as test, seedTenant, seedUser, TEST_ACTOR } from "../testing/index.ts";
import { login, resolveSession } from "./auth.ts";
import { createUser, listUsers, setUserDisabled, setUserPassword } from "./users.ts";

const noThrottle = { retryAfterMs: () => 0, recordFailure: () => undefined, reset: () => undefined };
const signIn = (db: Database, email: string, password: string) =>
  login(db, { email, password, ip: null, userAgent: null, throttle: noThrottle });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) {
      return err.code;
    }
    throw err;
  }
  return "ok";
}

const audits = async (db: Database, subjectId: string) =>
  db.execute<{ type: string; data: Record<string, unknown> | null; before: unknown; after: unknown; tenant_id: string | null }>(sql`
    select type, data, before, after, tenant_id from audit_events where subject_id = ${subjectId} order by id`);

describe("console accounts", () => {
  test("lists a tenant's clients apart from other tenants' and from the operators, by e-mail, without password hashes", async ({ db }) => {
    const a = await seedTenant(db);
    const b = await seedTenant(db);
    await seedUser(db, { role: "client", tenantId: a.id, email: "zeca@a.test" });
    await seedUser(db, { role: "client", tenantId: a.id, email: "ana@a.test" });
    await seedUser(db, { role: "client", tenantId: b.id, email: "bia@b.test" });
    const operator = await seedUser(db, { role: "operator", email: "op@agency.test" });

    const clients = await listUsers(db, { tenantId: a.id });
    expect(clients.map((u) => u.email)).toEqual(["ana@a.test", "zeca@a.test"]);
    expect(clients[0]).toEqual({
      id: expect.any(String),
      email: "ana@a.test",
      name: null,
      role: "client",
      tenantId: a.id,
      createdAt: expect.any(String),
      lastLoginAt: null,
      disabledAt: null,
    });
    expect((await listUsers(db, { tenantId: null })).map((u) => u.email)).toContain(operator.email);
    expect((await listUsers(db, { tenantId: null })).every((u) => u.role === "operator")).toBe(true);
  });

  test("a new password works at once, ends the user's other sessions and is never written to the audit", async ({ db }) => {
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const kept = await signIn(db, client.email, client.password);
    const other = await signIn(db, client.email, client.password);

    await setUserPassword(db, { userId: client.id, password: "a brand new secret", keepSessionId: kept.session.sessionId, actor: TEST_ACTOR });

    expect(await codeOf(signIn(db, client.email, client.password))).toBe("UNAUTHORIZED");
    expect(await codeOf(signIn(db, client.email, "a brand new secret"))).toBe("ok");
    expect(await resolveSession(db, { token: kept.token })).not.toBeNull();
    expect(await resolveSession(db, { token: other.token })).toBeNull();
    const [reset] = (await audits(db, client.id)).filter((e) => e.type === "user.password_reset");
    expect(reset).toMatchObject({ tenant_id: tenant.id, data: { email: client.email, sessionsEnded: 1 } });
    expect(JSON.stringify(reset)).not.toContain("a brand new secret");

    expect(await codeOf(setUserPassword(db, { userId: client.id, password: "short", actor: TEST_ACTOR }))).toBe("INVALID_INPUT");
    expect(await codeOf(setUserPassword(db, { userId: crypto.randomUUID(), password: "long enough", actor: TEST_ACTOR }))).toBe("NOT_FOUND");
  });

  test("a disabled account loses its sessions and cannot sign in until enabled; nobody disables their own", async ({ db }) => {
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const operator = await seedUser(db, { role: "operator" });
    const open = await signIn(db, client.email, client.password);
    const by = { actorUserId: operator.id, actor: TEST_ACTOR };

    const disabled = await setUserDisabled(db, { userId: client.id, disabled: true, ...by });
    expect(disabled.disabledAt).not.toBeNull();
    expect(await resolveSession(db, { token: open.token })).toBeNull();
    expect(await codeOf(signIn(db, client.email, client.password))).toBe("UNAUTHORIZED");
    // Already disabled: nothing more is written.
    await setUserDisabled(db, { userId: client.id, disabled: true, ...by });

    const enabled = await setUserDisabled(db, { userId: client.id, disabled: false, ...by });
    expect(enabled.disabledAt).toBeNull();
    expect(await codeOf(signIn(db, client.email, client.password))).toBe("ok");
    expect((await audits(db, client.id)).filter((e) => e.type.startsWith("user.")).map((e) => [e.type, e.data])).toEqual([
      ["user.created", null],
      ["user.disabled", { email: client.email, sessionsEnded: 1 }],
      ["user.enabled", { email: client.email }],
    ]);

    expect(await codeOf(setUserDisabled(db, { userId: operator.id, disabled: true, ...by }))).toBe("INVALID_STATE");
    expect((await listUsers(db, { tenantId: null })).find((u) => u.id === operator.id)?.disabledAt).toBeNull();
  });

  test("an e-mail is taken whatever its case; a client needs its tenant", async ({ db }) => {
    const tenant = await seedTenant(db);
    await seedUser(db, { role: "client", tenantId: tenant.id, email: "maria@clinica.test" });
    const again = createUser(db, { email: "Maria@Clinica.test", password: "long enough", role: "operator", actor: TEST_ACTOR });
    expect(await codeOf(again)).toBe("CONFLICT");
    expect(await codeOf(createUser(db, { email: "no-at-sign", password: "long enough", role: "operator", actor: TEST_ACTOR }))).toBe("INVALID_INPUT");
  });
});

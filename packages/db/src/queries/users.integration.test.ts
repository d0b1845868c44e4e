import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { isAppError } from "@lx/shared/errors";

import type { Database } from "../client.ts";
import { dbTest as test, NO_THROTTLE, seedTenant, seedUser, TEST_ACTOR } from "../testing/index.ts";
import { login, resolveSession } from "./auth.ts";
import { createPasswordLink, createUser, describePasswordLink, listUsers, setPasswordWithLink, setUserDisabled, setUserPassword } from "./users.ts";

const signIn = (db: Database, email: string, password: string) =>
  login(db, { email, password, ip: null, userAgent: null, throttle: NO_THROTTLE });

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

    const { items: clients, nextCursor } = await listUsers(db, { tenantId: a.id });
    expect(nextCursor).toBeNull();
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
    const operators = (await listUsers(db, { tenantId: null, limit: 200 })).items;
    expect(operators.map((u) => u.email)).toContain(operator.email);
    expect(operators.every((u) => u.role === "operator")).toBe(true);
  });

  test("pages by e-mail: every account once, in order, the last page without a cursor", async ({ db }) => {
    const tenant = await seedTenant(db);
    const emails = ["e@p.test", "a@p.test", "d@p.test", "c@p.test", "b@p.test"];
    for (const email of emails) {
      await seedUser(db, { role: "client", tenantId: tenant.id, email });
    }
    const seen: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await listUsers(db, { tenantId: tenant.id, cursor, limit: 2 });
      seen.push(page.items.map((u) => u.email));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual([["a@p.test", "b@p.test"], ["c@p.test", "d@p.test"], ["e@p.test"]]);
    // A page that ends exactly at the last account says so (no empty page after it).
    expect((await listUsers(db, { tenantId: tenant.id, limit: 5 })).nextCursor).toBeNull();
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
    expect((await listUsers(db, { tenantId: null, limit: 200 })).items.find((u) => u.id === operator.id)?.disabledAt).toBeNull();
  });

  test("a password link sets the owner's password once, ends every session, and nobody else ever knows it", async ({ db }) => {
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const open = (await signIn(db, client.email, client.password)).token;

    const link = await createPasswordLink(db, { userId: client.id, actor: TEST_ACTOR, requestId: "req-link" });
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const hours = (Date.parse(link.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71.9);
    expect(hours).toBeLessThanOrEqual(72);
    // Only the token's hash is stored; the audit has neither.
    const [stored] = await db.execute<{ id: string }>(sql`select id from password_links where user_id = ${client.id}`);
    expect(stored?.id).not.toBe(link.token);
    expect(JSON.stringify(await audits(db, client.id))).not.toContain(link.token);
    expect(await describePasswordLink(db, link.token)).toMatchObject({ email: client.email });

    // A newer link voids the older one.
    const newer = await createPasswordLink(db, { userId: client.id, actor: TEST_ACTOR });
    expect(await codeOf(describePasswordLink(db, link.token))).toBe("INVALID_STATE");
    expect(await codeOf(setPasswordWithLink(db, { token: newer.token, password: "short" }))).toBe("INVALID_INPUT");

    await setPasswordWithLink(db, { token: newer.token, password: "chosen by the client" });
    expect(await resolveSession(db, { token: open })).toBeNull();
    expect(await codeOf(signIn(db, client.email, client.password))).toBe("UNAUTHORIZED");
    expect(await codeOf(signIn(db, client.email, "chosen by the client"))).toBe("ok");
    // Used once.
    expect(await codeOf(setPasswordWithLink(db, { token: newer.token, password: "another attempt" }))).toBe("INVALID_STATE");
    const events = (await audits(db, client.id)).filter((e) => e.type.startsWith("user.password"));
    expect(events.map((e) => e.type)).toEqual(["user.password_link_created", "user.password_link_created", "user.password_reset"]);
    expect(events[2]?.data).toMatchObject({ via: "link", sessionsEnded: 1 });
    const [by] = await db.execute<{ actor_label: string }>(sql`
      select actor_label from audit_events where subject_id = ${client.id} and type = 'user.password_reset'`);
    expect(by?.actor_label).toBe(client.email);

    // An expired link, a link of a disabled account, and one voided by an operator's new password.
    const late = await createPasswordLink(db, { userId: client.id, actor: TEST_ACTOR });
    await db.execute(sql`update password_links set expires_at = now() - interval '1 second' where used_at is null and user_id = ${client.id}`);
    expect(await codeOf(describePasswordLink(db, late.token))).toBe("INVALID_STATE");
    const voided = await createPasswordLink(db, { userId: client.id, actor: TEST_ACTOR });
    await setUserPassword(db, { userId: client.id, password: "set by an operator", actor: TEST_ACTOR });
    expect(await codeOf(describePasswordLink(db, voided.token))).toBe("INVALID_STATE");
    const beforeDisable = await createPasswordLink(db, { userId: client.id, actor: TEST_ACTOR });
    await setUserDisabled(db, { userId: client.id, disabled: true, actorUserId: null, actor: TEST_ACTOR });
    expect(await codeOf(setPasswordWithLink(db, { token: beforeDisable.token, password: "while disabled" }))).toBe("INVALID_STATE");
    expect(await codeOf(createPasswordLink(db, { userId: client.id, actor: TEST_ACTOR }))).toBe("INVALID_STATE");
    expect(await codeOf(describePasswordLink(db, "A".repeat(43)))).toBe("INVALID_STATE");
  });

  test("an e-mail is taken whatever its case; a client needs its tenant", async ({ db }) => {
    const tenant = await seedTenant(db);
    await seedUser(db, { role: "client", tenantId: tenant.id, email: "maria@clinica.test" });
    const again = createUser(db, { email: "Maria@Clinica.test", password: "long enough", role: "operator", actor: TEST_ACTOR });
    expect(await codeOf(again)).toBe("CONFLICT");
    expect(await codeOf(createUser(db, { email: "no-at-sign", password: "long enough", role: "operator", actor: TEST_ACTOR }))).toBe("INVALID_INPUT");
  });
});

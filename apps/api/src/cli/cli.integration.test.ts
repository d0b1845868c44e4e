import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

import { count, eq, sql } from "drizzle-orm";
import { describe, expect, inject, onTestFinished } from "vitest";

import { connect } from "@lx/db/client";
import { migrationJournal } from "@lx/db/migrate";
import { auditEvents, phoneNumbers, tenants, users } from "@lx/db/schema";
import { decideVersionApproval, login, requireAgent, resolveSession, saveTestCase, setPasswordWithLink } from "@lx/db/queries";
import { dbTest as test, freshTestDatabase, NO_THROTTLE, seedConversation, seedInbound, seedNumber, seedTenant, seedUser, TEST_ACTOR, TEST_SECRET_KEY, TEST_SECRET_KEY_HEX, uniqueSuffix, withDatabase } from "@lx/db/testing";
import { startFakeSmtp } from "@lx/sandbox";
import { decryptSecret, encryptSecret } from "@lx/shared/crypto";
import { isAppError } from "@lx/shared/errors";
import { havenSpec } from "@lx/shared/testing";

import { runCli } from "./run.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

async function lx(argv: string[], env: NodeJS.ProcessEnv, stdin = "") {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdin: Readable.from(stdin ? [stdin] : []),
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env,
  });
  return { code, stdout, stderr };
}

async function havenApplyFile(dir: string) {
  const file = JSON.parse(await readFile(path.join(root, "examples/haven.json"), "utf8")) as {
    tenant: { slug: string };
    numbers: { phoneNumberId: string }[];
  };
  file.tenant.slug = `haven-${uniqueSuffix()}`;
  file.numbers[0]!.phoneNumberId = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const p = path.join(dir, `${file.tenant.slug}.json`);
  await writeFile(p, JSON.stringify(file));
  return { path: p, slug: file.tenant.slug };
}

describe("lx CLI", () => {
  test("apply → versions → activate → rollback, with 'no changes' on the second apply", async ({ db, dbUrl }) => {
    const env = { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-cli-"));
    const f = await havenApplyFile(dir);
    const original = await readFile(f.path, "utf8");

    const first = await lx(["apply", f.path], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/created\s+tenant/);
    expect(first.stdout).toMatch(/published\s+version recepcao \(1\.0\.0\)/);

    const again = await lx(["apply", f.path], env);
    expect(again).toMatchObject({ code: 0, stdout: `tenant ${f.slug}: no changes\n` });

    // Publish 1.0.1 through a changed file, without activating it.
    const changed = JSON.parse(await readFile(f.path, "utf8")) as {
      agents: { activate?: boolean; spec: { goals: string[] } }[];
    };
    changed.agents[0]!.activate = false;
    changed.agents[0]!.spec.goals.push("Oferecer pacotes de pilates");
    await writeFile(f.path, JSON.stringify(changed));
    expect((await lx(["apply", f.path], env)).stdout).toMatch(/1\.0\.1/);

    const listed = await lx(["versions", "--tenant", f.slug, "--agent", "recepcao"], env);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split("\n");
    // A header, then newest first; the approval column is the gate: no client login, none needed.
    expect(lines[0]).toMatch(/^ {2}VERSION +CREATED +BUNDLE +APPROVAL +BY/);
    expect(lines[1]).toMatch(/^ {2}1\.0\.1 .* not required {2}cli {2}lx apply$/);
    expect(lines[2]).toMatch(/^\* 1\.0\.0 .* not required {2}cli {2}lx apply$/);
    expect(lines).toHaveLength(3);

    const act = await lx(["activate", "--tenant", f.slug, "--agent", "recepcao", "--version", "1.0.1"], env);
    expect(act).toMatchObject({ code: 0, stdout: "activated recepcao 1.0.0 → 1.0.1\n" });
    const rb = await lx(["rollback", "--tenant", f.slug, "--agent", "recepcao"], env);
    expect(rb).toMatchObject({ code: 0, stdout: "rolled back recepcao 1.0.1 → 1.0.0\n" });

    // The first file again, after the rollback: 1.0.0 is live and has its bundle, so nothing changes
    // (it used to publish 1.0.2, a copy of 1.0.0).
    await writeFile(f.path, original);
    expect(await lx(["apply", f.path], env)).toMatchObject({ code: 0, stdout: `tenant ${f.slug}: no changes\n` });
    // The second file, now with "activate": 1.0.1 exists with its bundle: activated, nothing published.
    changed.agents[0]!.activate = true;
    await writeFile(f.path, JSON.stringify(changed));
    expect(await lx(["apply", f.path], env)).toMatchObject({
      code: 0,
      stdout: `tenant ${f.slug}:\n  activated version recepcao (1.0.0 → 1.0.1)\n1 change(s) applied\n`,
    });
    const after = (await lx(["versions", "--tenant", f.slug, "--agent", "recepcao"], env)).stdout.trimEnd().split("\n");
    expect(after.slice(1).map((l) => l.slice(0, 9))).toEqual(["* 1.0.1  ", "  1.0.0  "]);

    const [t] = await db.select().from(tenants).where(eq(tenants.slug, f.slug));
    const trail = await db.select({ n: count() }).from(auditEvents).where(eq(auditEvents.tenantId, t!.id));
    expect(trail[0]!.n).toBeGreaterThanOrEqual(5);
  });

  test("the regression gate: with test cases, activate and apply refuse an untested version unless --force (audited)", async ({ db, dbUrl }) => {
    const env = { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-cli-"));
    const f = await havenApplyFile(dir);
    expect((await lx(["apply", f.path], env)).code).toBe(0);
    const [t] = await db.select().from(tenants).where(eq(tenants.slug, f.slug));
    const agent = await requireAgent(db, { tenantId: t!.id, slug: "recepcao" });
    await saveTestCase(db, {
      tenantId: t!.id,
      agentId: agent.id,
      testCase: { name: "preço", turns: [{ customer: "Quanto custa?" }], expectations: [{ kind: "contains", text: "R$" }] },
      actor: TEST_ACTOR,
    });
    const changed = JSON.parse(await readFile(f.path, "utf8")) as { agents: { spec: { goals: string[] } }[] };
    changed.agents[0]!.spec.goals.push("Oferecer pacotes de pilates");
    await writeFile(f.path, JSON.stringify(changed));

    // apply publishes nothing when its activation is refused: one transaction.
    const refused = await lx(["apply", f.path], env);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining("regression gate: version 1.0.1 cannot go live") });
    expect((await lx(["versions", "--tenant", f.slug, "--agent", "recepcao"], env)).stdout).toMatch(/^ {2}VERSION .*\n\* 1\.0\.0 .*\[tests: not run\]\n$/);

    const applied = await lx(["apply", f.path, "--force"], env);
    expect(applied).toMatchObject({ code: 0, stdout: expect.stringContaining("activated version recepcao (1.0.0 → 1.0.1, regression gate not run: overridden)") });
    const back = await lx(["activate", "--tenant", f.slug, "--agent", "recepcao", "--version", "1.0.0"], env);
    expect(back).toMatchObject({ code: 1, stderr: expect.stringContaining("--force") });
    const forced = await lx(["activate", "--tenant", f.slug, "--agent", "recepcao", "--version", "1.0.0", "--force"], env);
    expect(forced).toMatchObject({ code: 0, stdout: "activated recepcao 1.0.1 → 1.0.0 (regression gate not run: overridden)\n" });
    const overrides = await db.select({ n: count() }).from(auditEvents).where(eq(auditEvents.type, "version.gate_overridden"));
    expect(overrides[0]!.n).toBeGreaterThanOrEqual(2);
  });

  test("with a client login, apply and activate refuse a version the client has not approved unless --force; rollback is not gated", async ({ db, dbUrl }) => {
    const env = { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-cli-"));
    const f = await havenApplyFile(dir);
    // Before the client has a login, apply activates freely.
    expect((await lx(["apply", f.path], env)).code).toBe(0);
    const [t] = await db.select().from(tenants).where(eq(tenants.slug, f.slug));
    const client = await seedUser(db, { role: "client", tenantId: t!.id });
    const changed = JSON.parse(await readFile(f.path, "utf8")) as { agents: { spec: { goals: string[] } }[] };
    changed.agents[0]!.spec.goals.push("Oferecer pacotes de pilates");
    await writeFile(f.path, JSON.stringify(changed));

    // apply is refused in words, and publishes nothing (one transaction).
    const refused = await lx(["apply", f.path], env);
    expect(refused).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('client approval: version 1.0.1 of agent "recepcao" cannot go live, the client has not approved it yet'),
    });
    expect(refused.stderr).toContain("--force");
    // 1.0.0 went live before the client had a login: now that there is one, it is pending too.
    expect((await lx(["versions", "--tenant", f.slug, "--agent", "recepcao"], env)).stdout).toMatch(/^ {2}VERSION .*\n\* 1\.0\.0 [^\n]* pending {7}cli[^\n]*\n$/);

    const applied = await lx(["apply", f.path, "--force"], env);
    expect(applied).toMatchObject({ code: 0, stdout: expect.stringContaining("activated version recepcao (1.0.0 → 1.0.1, client approval pending: overridden)") });

    // The client rejects 1.0.0 with a note: activate quotes it, and --force passes it (audited).
    const agent = await requireAgent(db, { tenantId: t!.id, slug: "recepcao" });
    await decideVersionApproval(db, {
      tenantId: t!.id,
      agentId: agent.id,
      agentSlug: "recepcao",
      version: "1.0.0",
      decision: "rejected",
      note: "o tom está frio",
      actor: { type: "user", id: client.id, label: client.email },
    });
    const back = await lx(["activate", "--tenant", f.slug, "--agent", "recepcao", "--version", "1.0.0"], env);
    expect(back).toMatchObject({ code: 1, stderr: expect.stringContaining('the client rejected it ("o tom está frio")') });
    const forced = await lx(["activate", "--tenant", f.slug, "--agent", "recepcao", "--version", "1.0.0", "--force"], env);
    expect(forced).toMatchObject({ code: 0, stdout: "activated recepcao 1.0.1 → 1.0.0 (client approval rejected: overridden)\n" });
    const overrides = await db
      .select({ data: auditEvents.data, actorLabel: auditEvents.actorLabel })
      .from(auditEvents)
      .where(sql`${auditEvents.tenantId} = ${t!.id} and ${auditEvents.type} = 'version.approval_overridden'`)
      .orderBy(auditEvents.id);
    expect(overrides).toEqual([
      { data: { version: "1.0.1", approvalStatus: "pending" }, actorLabel: "cli" },
      { data: { version: "1.0.0", approvalStatus: "rejected", note: "o tom está frio" }, actorLabel: "cli" },
    ]);

    // Approved by the client: no override needed. Rollback goes back to 1.0.0 although it is rejected.
    await decideVersionApproval(db, {
      tenantId: t!.id,
      agentId: agent.id,
      agentSlug: "recepcao",
      version: "1.0.1",
      decision: "approved",
      actor: { type: "user", id: client.id, label: client.email },
    });
    expect(await lx(["activate", "--tenant", f.slug, "--agent", "recepcao", "--version", "1.0.1"], env)).toMatchObject({
      code: 0,
      stdout: "activated recepcao 1.0.0 → 1.0.1\n",
    });
    expect(await lx(["rollback", "--tenant", f.slug, "--agent", "recepcao"], env)).toMatchObject({
      code: 0,
      stdout: "rolled back recepcao 1.0.1 → 1.0.0\n",
    });
    const listed = (await lx(["versions", "--tenant", f.slug, "--agent", "recepcao"], env)).stdout;
    expect(listed).toMatch(/\n {2}1\.0\.1 [^\n]* approved {6}cli/);
    expect(listed).toMatch(/\n\* 1\.0\.0 [^\n]* rejected {6}cli/);

    // The file of the live version again (1.0.0's, after the rollback): nothing to do, no approval
    // asked (it used to publish a copy, 1.0.2, and refuse it as not approved).
    const original = JSON.parse(await readFile(f.path, "utf8")) as { agents: { spec: { goals: string[] } }[] };
    original.agents[0]!.spec.goals.pop();
    await writeFile(f.path, JSON.stringify(original));
    expect(await lx(["apply", f.path], env)).toMatchObject({ code: 0, stdout: `tenant ${f.slug}: no changes\n` });
    // The file of 1.0.1 (approved): activated, no copy published.
    await writeFile(f.path, JSON.stringify(changed));
    expect(await lx(["apply", f.path], env)).toMatchObject({
      code: 0,
      stdout: `tenant ${f.slug}:\n  activated version recepcao (1.0.0 → 1.0.1)\n1 change(s) applied\n`,
    });
  });

  test("user errors exit 1 with a message that names the problem, writing nothing", async ({ db, dbUrl }) => {
    const env = { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-cli-"));
    const before = (await db.select({ n: count() }).from(tenants))[0]!.n;

    const bad = path.join(dir, "bad.json");
    await writeFile(bad, "{ not json");
    expect(await lx(["apply", bad], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/not valid JSON/) });
    expect(await lx(["apply", path.join(dir, "missing.json")], env)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/cannot read .*missing\.json: no such file\n$/),
    });
    const f = await havenApplyFile(dir);
    const broken = JSON.parse(await readFile(f.path, "utf8")) as { agents: { spec: Record<string, unknown> }[] };
    delete broken.agents[0]!.spec.handoff;
    await writeFile(f.path, JSON.stringify(broken));
    expect(await lx(["apply", f.path], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/agents\.0\.spec\.handoff/) });

    expect(await lx(["versions", "--tenant", "nope", "--agent", "x"], env)).toMatchObject({
      code: 1,
      stderr: 'error: unknown tenant "nope"\n',
    });
    for (const command of ["activate", "test"]) {
      expect(await lx([command, "--tenant", "nope", "--agent", "x", "--version", "banana"], env)).toMatchObject({
        code: 1,
        stderr: 'error: --version: "banana" is not a semantic version (X.Y.Z, e.g. 1.0.2)\n',
      });
    }
    expect(await lx(["apply", f.path], { DATABASE_URL: dbUrl })).toMatchObject({
      code: 1,
      stderr: "error: missing required environment variable: LX_SECRET_KEY\n",
    });
    expect((await lx(["frobnicate"], env)).code).toBe(1);
    expect((await db.select({ n: count() }).from(tenants))[0]!.n).toBe(before);
  });

  test("operator and client accounts take the password from stdin", async ({ db, dbUrl }) => {
    const env = { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const email = `op-${uniqueSuffix()}@agency.test`;
    expect(await lx(["operator", "create", "--email", email], env, "a-long-password\n")).toMatchObject({
      code: 0,
      stdout: `created operator ${email}\n`,
    });
    const dup = await lx(["operator", "create", "--email", email.toUpperCase()], env, "a-long-password\n");
    expect(dup).toMatchObject({ code: 1, stderr: expect.stringMatching(/already exists/) });
    expect(await lx(["operator", "create", "--email", `x-${email}`], env, "")).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no password on standard input/),
    });
    expect(await lx(["client", "create", "--tenant", "ghost", "--email", `c-${email}`], env, "a-long-password\n")).toMatchObject({
      code: 1,
      stderr: 'error: unknown tenant "ghost"\n',
    });
    const [u] = await db.select().from(users).where(eq(users.email, email));
    expect(u?.role).toBe("operator");
    expect(u?.passwordHash).not.toContain("a-long-password");
  });

  test("lx user: a new password from stdin ends the account's sessions; disable refuses sign-in until enable", async ({ db, dbUrl }) => {
    const env = { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const operator = await seedUser(db, { role: "operator" });
    // The session token, or the error code of a refused sign-in.
    const signIn = (password: string) =>
      login(db, { email: operator.email, password, ip: null, userAgent: null, throttle: NO_THROTTLE }).then(
        (r) => r.token,
        (err: unknown) => (isAppError(err) ? err.code : "thrown"),
      );
    const open = await signIn(operator.password);

    expect(await lx(["user", "password", "--email", operator.email.toUpperCase()], env, "brand-new-pass\n")).toEqual({
      code: 0,
      stdout: `new password set for ${operator.email}; its sessions ended\n`,
      stderr: "",
    });
    expect(await resolveSession(db, { token: open })).toBeNull();
    expect(await signIn(operator.password)).toBe("UNAUTHORIZED");
    expect(await signIn("brand-new-pass")).toEqual(expect.any(String));

    // A one-time link instead of a password: the owner sets theirs.
    const linked = await lx(["user", "link", "--email", operator.email, "--url", "https://console.agencia.test/"], env);
    expect(linked).toMatchObject({ code: 0, stdout: expect.stringMatching(/^https:\/\/console\.agencia\.test\/password#t=[A-Za-z0-9_-]{43}\n\(for .+, valid until .+, once\)\n$/) });
    const token = /#t=([A-Za-z0-9_-]{43})/.exec(linked.stdout)?.[1] ?? "";
    await setPasswordWithLink(db, { token, password: "from-the-link" });
    expect(await signIn("brand-new-pass")).toBe("UNAUTHORIZED");
    expect(await signIn("from-the-link")).toEqual(expect.any(String));
    expect(await lx(["user", "password", "--email", operator.email], env, "brand-new-pass\n")).toMatchObject({ code: 0 });

    // --send e-mails the link through SMTP_URL, built on PUBLIC_URL; without a relay it is refused.
    expect(await lx(["user", "link", "--email", operator.email, "--send"], env)).toMatchObject({
      code: 1,
      stderr: "error: --send needs SMTP_URL (the mail relay) in the environment\n",
    });
    const smtp = await startFakeSmtp();
    onTestFinished(() => smtp.stop());
    const mailEnv = { ...env, SMTP_URL: smtp.url, PUBLIC_URL: "https://console.agencia.test" };
    const sent = await lx(["user", "link", "--email", operator.email, "--send"], mailEnv);
    expect(sent).toMatchObject({ code: 0, stdout: expect.stringContaining(`e-mailed to ${operator.email}\n`) });
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes(operator.email.toLowerCase()));
    expect(mail.from).toContain("no-reply@console.agencia.test");
    const mailed = /https:\/\/console\.agencia\.test\/password#t=([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
    expect(sent.stdout).toContain(`https://console.agencia.test/password#t=${mailed}`);

    expect(await lx(["user", "disable", "--email", operator.email], env)).toMatchObject({ code: 0, stdout: `${operator.email} disabled\n` });
    expect(await signIn("brand-new-pass")).toBe("UNAUTHORIZED");
    expect(await lx(["user", "enable", "--email", operator.email], env)).toMatchObject({ code: 0, stdout: `${operator.email} enabled\n` });
    expect(await signIn("brand-new-pass")).toEqual(expect.any(String));

    expect(await lx(["user", "password", "--email", "nobody@agency.test"], env, "brand-new-pass\n")).toMatchObject({
      code: 1,
      stderr: "error: no user with e-mail nobody@agency.test\n",
    });
    expect(await lx(["user", "password", "--email", operator.email], env, "short\n")).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/password must have 8 to 200 characters/),
    });
  });

  test("lx restored: after a restore, the replies, notices and sends in flight at the point are cancelled, nothing newer", async () => {
    // Every tenant's open work: a database of its own.
    const tdb = await freshTestDatabase();
    onTestFinished(() => tdb.drop());
    const db = tdb.db;
    const env = { DATABASE_URL: tdb.url, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5521977776666" });
    // What the restored database holds: work from before the point (an hour ago)…
    await db.execute(sql`
      insert into message_queue (tenant_id, conversation_id, task, status, created_at, locked_by, locked_at, lease_expires_at)
      values (${tenant.id}, ${c.id}, 'conversation.reply', 'queued', now() - interval '2 hours', null, null, null),
             (${tenant.id}, ${c.id}, 'conversation.reply', 'running', now() - interval '2 hours', 'gone-worker', now() - interval '61 minutes', now() - interval '60 minutes'),
             (${tenant.id}, null, 'handoff.notify', 'queued', now() - interval '2 hours', null, null, null),
             (${tenant.id}, null, 'conversation.summarize', 'queued', now() - interval '2 hours', null, null, null),
             (${tenant.id}, ${c.id}, 'conversation.reply', 'done', now() - interval '2 hours', null, null, null)`);
    await db.execute(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status, created_at, locked_by, locked_at)
      values (${tenant.id}, ${c.id}, ${number.id}, 'text', '5521977776666', '{}', 'queued', now() - interval '2 hours', null, null),
             (${tenant.id}, ${c.id}, ${number.id}, 'text', '5521977776666', '{}', 'sending', now() - interval '2 hours', 'gone-worker', now() - interval '61 minutes'),
             (${tenant.id}, ${c.id}, ${number.id}, 'text', '5521977776666', '{}', 'ambiguous', now() - interval '2 hours', null, null),
             (${tenant.id}, ${c.id}, ${number.id}, 'text', '5521977776666', '{}', 'sent', now() - interval '2 hours', null, null)`);
    // …and work that arrived after the restore, which a live worker may already hold.
    await db.execute(sql`
      insert into message_queue (tenant_id, conversation_id, task, status, locked_by, locked_at, lease_expires_at)
      values (${tenant.id}, ${c.id}, 'conversation.reply', 'queued', null, null, null),
             (${tenant.id}, ${c.id}, 'conversation.reply', 'running', 'live-worker', now(), now() + interval '1 minute')`);
    await db.execute(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status, locked_by, locked_at)
      values (${tenant.id}, ${c.id}, ${number.id}, 'text', '5521977776666', '{}', 'queued', null, null),
             (${tenant.id}, ${c.id}, ${number.id}, 'text', '5521977776666', '{}', 'sending', 'live-worker', now())`);
    const statuses = async () => ({
      jobs: (await db.execute<{ s: string }>(sql`select status || ':' || task as s from message_queue order by id`)).map((r) => r.s),
      sends: (await db.execute<{ s: string }>(sql`select status as s from outbox_messages order by id`)).map((r) => r.s),
    });
    const before = await statuses();
    const point = new Date(Date.now() - 3_600_000).toISOString();

    expect(await lx(["restored", "--point", point, "--dry-run"], env)).toEqual({
      code: 0,
      stdout: `would cancel 3 reply or handoff job(s) and 3 send(s) from before ${point}\n`,
      stderr: "",
    });
    expect(await statuses()).toEqual(before);
    expect(await lx(["restored", "--point", point], env)).toMatchObject({
      code: 0,
      stdout: `cancelled 3 reply or handoff job(s) and 3 send(s) from before ${point}\n`,
    });
    expect(await statuses()).toEqual({
      jobs: [
        "cancelled:conversation.reply",
        "cancelled:conversation.reply",
        "cancelled:handoff.notify",
        "queued:conversation.summarize",
        "done:conversation.reply",
        "queued:conversation.reply",
        "running:conversation.reply",
      ],
      sends: ["cancelled", "cancelled", "cancelled", "sent", "queued", "sending"],
    });
    const [audit] = await db.select().from(auditEvents).where(eq(auditEvents.type, "restore.stale_cancelled"));
    expect(audit?.data).toEqual({ restoredTo: point, jobs: 3, sends: 3 });
    expect(await lx(["restored", "--point", point], env)).toMatchObject({ stdout: expect.stringMatching(/^cancelled 0 reply .* and 0 send/) });
    expect(await lx(["restored", "--point", "yesterday"], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/--point must be an ISO 8601 time/) });
    expect(await lx(["restored", "--point", new Date(Date.now() + 60_000).toISOString()], env)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/in the future/),
    });
  });

  test("lx customer export / erase, lx retention and lx tenant pause|resume: from a shell", async ({ db, dbUrl }) => {
    const env = { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5521988887777", name: "Rita" });
    await seedInbound(db, { tenantId: tenant.id, conversationId: c.id, body: "quero cancelar meu plano" });
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-customer-"));
    const file = path.join(dir, "rita.json");

    expect(await lx(["customer", "export", "--tenant", tenant.slug, "--customer", "+55 (21) 98888-7777", "--out", file], env)).toEqual({
      code: 0,
      stdout: `1 conversation(s) written to ${file}\n`,
      stderr: "",
    });
    const doc = JSON.parse(await readFile(file, "utf8")) as { customer: { names: string[] }; conversations: { messages: { text: string }[] }[] };
    expect(doc.customer.names).toEqual(["Rita"]);
    expect(doc.conversations[0]?.messages.map((m) => m.text)).toEqual(["quero cancelar meu plano"]);

    expect(await lx(["customer", "erase", "--tenant", tenant.slug, "--customer", "5521988887777"], env)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/cannot be undone: add --yes/),
    });
    expect(await lx(["customer", "erase", "--tenant", tenant.slug, "--customer", "5521988887777", "--yes"], env)).toEqual({
      code: 0,
      stdout:
        "erased 1 conversation(s), 1 message(s); 0 upcoming appointment(s) cancelled\n" +
        "  not erased, outside the platform: what the tenant's webhook receivers were sent — handoff notices " +
        "(the customer's name and number, the reason and the recent messages, verbatim) and n8n/Make calendar " +
        "and CRM calls (their number and name, the tool's arguments); Meta's own copies (WhatsApp)\n",
      stderr: "",
    });
    expect(await lx(["customer", "export", "--tenant", tenant.slug, "--customer", "5521988887777"], env)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no conversation with this customer/),
    });
    const [erased] = await db.select().from(auditEvents).where(eq(auditEvents.type, "customer.erased"));
    expect(erased).toMatchObject({ actorType: "cli", tenantId: tenant.id });
    expect(JSON.stringify(erased)).not.toContain("5521988887777");

    expect(await lx(["retention", "--tenant", tenant.slug, "--days", "90"], env)).toMatchObject({
      code: 0,
      stdout: `${tenant.slug}: conversations kept 90 day(s) after their last message\n`,
    });
    expect((await db.select().from(tenants).where(eq(tenants.id, tenant.id)))[0]?.retentionDays).toBe(90);
    expect(await lx(["retention", "--tenant", tenant.slug, "--days", "3"], env)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--days must be a whole number from 7 to 3650, or "off"/),
    });
    expect(await lx(["retention", "--tenant", tenant.slug, "--days", "off"], env)).toMatchObject({ code: 0 });

    // The tenant's bot, paused and resumed.
    expect(await lx(["tenant", "pause", "--tenant", tenant.slug], env)).toEqual({ code: 0, stdout: `${tenant.slug}: paused\n`, stderr: "" });
    expect(await lx(["tenant", "pause", "--tenant", tenant.slug], env)).toMatchObject({ stdout: `${tenant.slug}: paused (already)\n` });
    expect((await db.select().from(tenants).where(eq(tenants.id, tenant.id)))[0]?.status).toBe("paused");
    expect(await lx(["tenant", "resume", "--tenant", tenant.slug], env)).toMatchObject({ code: 0, stdout: `${tenant.slug}: active\n` });
    expect((await db.select().from(tenants).where(eq(tenants.id, tenant.id)))[0]?.retentionDays).toBeNull();
  });

  test("compile is pure: prints the bundle with its hashes, or path-named errors", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-cli-"));
    const spec = path.join(dir, "spec.json");
    await writeFile(spec, JSON.stringify(havenSpec));
    const r = await lx(["compile", spec], {});
    expect(r.code).toBe(0);
    const bundle = JSON.parse(r.stdout) as { specHash: string; bundleHash: string; systemPrompt: string };
    expect(bundle.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    expect(bundle.systemPrompt).toContain("Haven");
    const out = path.join(dir, "bundle.json");
    expect((await lx(["compile", spec, "--out", out], {})).stdout).toContain(bundle.bundleHash);
    expect(JSON.parse(await readFile(out, "utf8"))).toEqual(bundle);

    await writeFile(spec, JSON.stringify({ ...havenSpec, specVersion: 2 }));
    expect(await lx(["compile", spec], {})).toMatchObject({ code: 1, stderr: expect.stringMatching(/specVersion/) });
  });

  test("the real `pnpm lx` process exits 1 on a user error and 0 on --help", () => {
    const tsx = path.join(root, "node_modules/.bin/tsx");
    const help = spawnSync(tsx, ["apps/api/src/cli/index.ts", "--help"], { cwd: root, encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/apply \[options\] <file>/);
    const bad = spawnSync(tsx, ["apps/api/src/cli/index.ts", "compile", "/nonexistent.json"], { cwd: root, encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/cannot read \/nonexistent\.json/);
  });
});

describe("lx secrets rotate", () => {
  // A database of its own: a rotation seals every tenant's secrets, whoever's test made them.
  test("seals every stored secret again with the new key, refusing (and writing nothing) when the old key is missing", async () => {
    const tdb = await freshTestDatabase();
    onTestFinished(() => tdb.drop());
    const db = tdb.db;
    const tenant = await seedTenant(db, { webhookSecret: "segredo-do-webhook" });
    await db.update(tenants).set({ crmTokenEnc: encryptSecret(TEST_SECRET_KEY, "token-do-crm") }).where(eq(tenants.id, tenant.id));
    await seedNumber(db, { tenantId: tenant.id, token: "token-da-meta" });
    const boxes = async () => {
      const [t] = await db.select().from(tenants).where(eq(tenants.id, tenant.id));
      const [n] = await db.select().from(phoneNumbers).where(eq(phoneNumbers.tenantId, tenant.id));
      return [t?.webhookSecretEnc ?? "", t?.crmTokenEnc ?? "", n?.accessTokenEnc ?? ""];
    };
    const before = await boxes();
    const newKey = randomBytes(32);
    const onlyNew = { DATABASE_URL: tdb.url, LX_SECRET_KEY: newKey.toString("hex") };
    const both = { ...onlyNew, LX_SECRET_KEY_PREVIOUS: TEST_SECRET_KEY_HEX };

    const refused = await lx(["secrets", "rotate"], onlyNew);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("no given key opens 3 stored secret(s)");
    expect(refused.stderr).toContain(`tenant ${tenant.slug}: webhook secret; tenant ${tenant.slug}: CRM token; number`);
    expect(await boxes()).toEqual(before);

    expect(await lx(["secrets", "rotate", "--dry-run"], both)).toMatchObject({ code: 0, stdout: "would seal 3 secret(s) again with LX_SECRET_KEY; 0 already were\n" });
    expect(await boxes()).toEqual(before);

    expect(await lx(["secrets", "rotate"], both)).toMatchObject({
      code: 0,
      stdout: "sealed 3 secret(s) again with LX_SECRET_KEY; 0 already were\nLX_SECRET_KEY_PREVIOUS is no longer needed: remove it from every process's environment\n",
    });
    // The new key alone opens every secret, to what it was; the old one opens none.
    const after = await boxes();
    expect(after.map((b) => decryptSecret(newKey, b))).toEqual(["segredo-do-webhook", "token-do-crm", "token-da-meta"]);
    for (const b of after) {
      expect(() => decryptSecret(TEST_SECRET_KEY, b)).toThrow(/wrong key/);
    }
    const [audit] = await db.select().from(auditEvents).where(eq(auditEvents.type, "secrets.rotated"));
    expect(audit?.data).toEqual({ resealed: 3, alreadyCurrent: 0 });
    expect(JSON.stringify(audit)).not.toContain("token-da-meta");

    // Again: nothing to do, with or without the previous key.
    expect(await lx(["secrets", "rotate"], onlyNew)).toMatchObject({ code: 0, stdout: "sealed 0 secret(s) again with LX_SECRET_KEY; 3 already were\n" });
    expect(await boxes()).toEqual(after);
  });
});

/** The real `pnpm lx` process (tsx, as `pnpm lx` runs it), with only the environment given. */
function lxProcess(argv: string[], env: Record<string, string>, stdin = "", cwd = root) {
  const tsx = path.join(root, "node_modules/.bin/tsx");
  const r = spawnSync(tsx, [path.join(root, "apps/api/src/cli/index.ts"), ...argv], {
    cwd,
    encoding: "utf8",
    input: stdin,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A port nothing listens on: one the kernel just gave out, closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  return port;
}

/** exit 1 and exactly one line on stderr: no stack. */
function expectOneLineFailure(r: { code: number | null; stderr: string }, message: string | RegExp) {
  expect(r.code).toBe(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr.split("\n")).toHaveLength(2);
  if (typeof message === "string") {
    expect(r.stderr).toBe(`error: ${message}\n`);
  } else {
    expect(r.stderr).toMatch(message);
  }
}

describe("lx failures: one line naming what is wrong, no stack", () => {
  test("a database without migrations: every command asks for `pnpm lx migrate`, and writes nothing", async () => {
    const baseUrl = inject("lxDbBaseUrl");
    const name = `lx_cli_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
    const admin = connect(baseUrl, { max: 1, onnotice: () => undefined });
    onTestFinished(async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    });
    await admin.unsafe(`create database "${name}"`);
    const env = { DATABASE_URL: withDatabase(baseUrl, name), LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const total = migrationJournal().entries.length;
    const message = `the database has ${total} pending migrations (it was never migrated): run \`pnpm lx migrate\``;

    expectOneLineFailure(lxProcess(["versions", "--tenant", "haven", "--agent", "recepcao"], env), message);
    expectOneLineFailure(lxProcess(["apply", path.join(root, "examples/haven.json"), "--dry-run"], env), message);
    expectOneLineFailure(await lx(["operator", "create", "--email", "e@agency.test"], env, "a-long-password\n"), message);

    // Nothing was created on the way: the database is as empty as it was.
    const empty = connect(withDatabase(baseUrl, name), { max: 1, onnotice: () => undefined });
    try {
      const [row] = await empty<{ n: number }[]>`select count(*)::int as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`;
      expect(row?.n).toBe(0);
    } finally {
      await empty.end({ timeout: 5 });
    }

    // Migrated, the same command runs (and names the missing tenant).
    expect(lxProcess(["migrate"], env)).toMatchObject({ code: 0, stdout: `applied ${total} migration(s) (${total} in all)\n` });
    expectOneLineFailure(lxProcess(["versions", "--tenant", "haven", "--agent", "recepcao"], env), 'unknown tenant "haven"');
  });

  test("a database that cannot be reached, does not exist or has a bad URL: one line, never the password", async () => {
    const baseUrl = new URL(inject("lxDbBaseUrl"));
    const port = await closedPort();
    const key = { LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const refused = `cannot reach the database at 127.0.0.1:${port} (connection refused)`;
    const unreachable = { ...key, DATABASE_URL: `postgres://lx:s3cret-db-pass@127.0.0.1:${port}/lx` };
    expectOneLineFailure(lxProcess(["migrate"], unreachable), refused);
    expectOneLineFailure(await lx(["versions", "--tenant", "haven", "--agent", "recepcao"], unreachable), refused);
    const missing = `lx_cli_missing_${randomBytes(3).toString("hex")}`;
    const noDb = new URL(baseUrl);
    noDb.pathname = `/${missing}`;
    expectOneLineFailure(lxProcess(["migrate"], { ...key, DATABASE_URL: noDb.toString() }), `database "${missing}" does not exist`);
    const badUrl = { ...key, DATABASE_URL: "postgres://lx:s3cret-db-pass@[127.0.0.1/lx" };
    for (const r of [lxProcess(["migrate"], badUrl), await lx(["versions", "--tenant", "haven", "--agent", "recepcao"], badUrl)]) {
      expectOneLineFailure(r, "DATABASE_URL is not a valid URL");
      expect(r.stderr).not.toContain("s3cret-db-pass");
    }
  });

  test("compile --out into a directory that does not exist names the file", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-cli-"));
    const spec = path.join(dir, "spec.json");
    await writeFile(spec, JSON.stringify(havenSpec));
    expectOneLineFailure(lxProcess(["compile", spec, "--out", "/nonexistent/dir/x.json"], {}), "cannot write /nonexistent/dir/x.json: no such directory");
    expectOneLineFailure(await lx(["compile", spec, "--out", dir], {}), `cannot write ${dir}: is a directory`);
  });

  test("every missing variable is named at once, in the plural", async () => {
    // Outside the repository: no .data/dev.json of `pnpm start` to fall back on.
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-cli-"));
    const f = await havenApplyFile(dir);
    expectOneLineFailure(lxProcess(["apply", f.path], {}, "", dir), "missing required environment variables: DATABASE_URL, LX_SECRET_KEY");
  });

  test("output read by a reader that stops early (`| head`): the command ends quietly", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-cli-"));
    const spec = path.join(dir, "spec.json");
    await writeFile(spec, JSON.stringify(havenSpec));
    const tsx = path.join(root, "node_modules/.bin/tsx");
    const child = spawn(tsx, ["apps/api/src/cli/index.ts", "compile", spec], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    // The reader is gone before the CLI has even started: its first write meets a closed pipe (EPIPE).
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const [code] = (await once(child, "close")) as [number | null];
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  test("sandbox say: an API that is not running, and numeric options, are named", async ({ db, dbUrl }) => {
    const env = { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const tenant = await seedTenant(db);
    await seedNumber(db, { tenantId: tenant.id, kind: "sandbox" });
    const url = `http://127.0.0.1:${await closedPort()}`;
    expectOneLineFailure(
      lxProcess(["sandbox", "say", "--tenant", tenant.slug, "--text", "oi", "--url", url], env),
      `cannot reach the API at ${url} (connection refused): is \`pnpm start\` running?`,
    );
    expectOneLineFailure(
      await lx(["sandbox", "say", "--tenant", tenant.slug, "--text", "oi", "--url", url, "--wait", "abc"], env),
      '--wait must be a whole number of milliseconds from 1 to 600000 (got "abc")',
    );
    expectOneLineFailure(await lx(["sandbox", "say", "--tenant", tenant.slug, "--text", "oi", "--url", "nope"], env), '--url must be an http(s) URL (got "nope")');
  });

  test("pnpm start's dev.json (LX_DATA_DIR too): sandbox say posts to the API it recorded; its database not running is named as the embedded one", async ({ db, dbUrl }) => {
    const tenant = await seedTenant(db);
    await seedNumber(db, { tenantId: tenant.id, kind: "sandbox" });
    // Stands in for the API of `pnpm start` on a port of its own: takes the webhook, answers 200.
    const posts: string[] = [];
    const api = http.createServer((req, res) => {
      posts.push(`${req.method} ${req.url}`);
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => api.close(() => resolve())));
    const apiUrl = `http://127.0.0.1:${(api.address() as net.AddressInfo).port}`;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "lx-data-"));
    await writeFile(path.join(dataDir, "dev.json"), JSON.stringify({ databaseUrl: dbUrl, secretKey: TEST_SECRET_KEY_HEX, apiUrl }));

    // No DATABASE_URL, no PORT, no --url: both from dev.json. Nobody answers, but the post went there.
    const said = await lx(["sandbox", "say", "--tenant", tenant.slug, "--text", "oi", "--wait", "1"], { LX_DATA_DIR: dataDir });
    expectOneLineFailure(said, "no answer within 1 ms (is the worker running?)");
    expect(posts).toEqual(["POST /api/webhooks/whatsapp"]);

    const port = await closedPort();
    await writeFile(
      path.join(dataDir, "dev.json"),
      JSON.stringify({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, secretKey: TEST_SECRET_KEY_HEX, apiUrl }),
    );
    expectOneLineFailure(
      await lx(["versions", "--tenant", "haven", "--agent", "recepcao"], { LX_DATA_DIR: dataDir }),
      `cannot reach the database at 127.0.0.1:${port} (connection refused): it is the embedded PostgreSQL of \`pnpm start\` (its URL from ${path.join(dataDir, "dev.json")}), which runs only while \`pnpm start\` does — start it, or set DATABASE_URL`,
    );
  });

  test("the password hint names the command that was run; a password of spaces is refused, inner spaces are kept", async ({ db, dbUrl }) => {
    const env = { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const tenant = await seedTenant(db);
    const email = `c-${uniqueSuffix()}@haven.test`;
    expectOneLineFailure(
      await lx(["client", "create", "--tenant", tenant.slug, "--email", email], env, ""),
      `no password on standard input (e.g. \`echo 's3cret-pass' | pnpm lx client create --tenant ${tenant.slug} --email ${email}\`)`,
    );
    expectOneLineFailure(await lx(["operator", "create", "--email", `o-${email}`], env, "        \n"), "password must not be only spaces");
    expectOneLineFailure(await lx(["client", "create", "--tenant", tenant.slug, "--email", email], env, " \t       \n"), "password must not be only spaces");
    expect((await db.select({ n: count() }).from(users).where(eq(users.email, `o-${email}`)))[0]!.n).toBe(0);

    // Spaces inside, before or after are part of the password: not trimmed.
    const spaced = "  my pass phrase ";
    expect(await lx(["client", "create", "--tenant", tenant.slug, "--email", email], env, `${spaced}\n`)).toMatchObject({ code: 0 });
    const signIn = (password: string) =>
      login(db, { email, password, ip: null, userAgent: null, throttle: NO_THROTTLE }).then(
        () => "ok",
        (err: unknown) => (isAppError(err) ? err.code : "thrown"),
      );
    expect(await signIn(spaced)).toBe("ok");
    expect(await signIn(spaced.trim())).toBe("UNAUTHORIZED");
  });

  test("lx test names the agent by its slug when it has no test cases", async ({ dbUrl }) => {
    const env = { DATABASE_URL: dbUrl, LX_SECRET_KEY: TEST_SECRET_KEY_HEX };
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-cli-"));
    const f = await havenApplyFile(dir);
    expect((await lx(["apply", f.path], env)).code).toBe(0);
    expectOneLineFailure(await lx(["test", "--tenant", f.slug, "--agent", "recepcao", "--version", "1.0.0"], env), 'agent "recepcao" has no test cases');
    expectOneLineFailure(await lx(["test", "--tenant", f.slug, "--agent", "recepcao", "--version", "1.0.0", "--timeout", "abc"], env), "--timeout must be a positive number of seconds");
  });

  test("a bug still shows its stack, under a line that says it is one", async () => {
    const { formatCliError } = await import("./errors.ts");
    const text = formatCliError(new RangeError("boom"));
    expect(text.split("\n")[0]).toBe("error: an unexpected failure (a bug in lx: please report it with what follows)");
    expect(text).toMatch(/RangeError: boom\n\s+at /);
  });
});

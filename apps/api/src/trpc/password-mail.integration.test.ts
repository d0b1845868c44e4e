import { createServer, type AddressInfo, type Socket } from "node:net";

import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { setUserDisabled } from "@lx/db/queries";
import { dbTest, seedTenant, seedUser, TEST_ACTOR } from "@lx/db/testing";
import { startFakeSmtp, type FakeSmtp, type ReceivedMail } from "@lx/sandbox";
import { PASSWORD_LINK_PATH } from "@lx/shared/schemas";

import { buildTestApp, callerFor, codeOf, memoryLogger, sessionCookieFrom, sessionFor } from "../testing/harness.ts";
import { PasswordMail } from "../services/password-mail.ts";
import { SESSION_COOKIE } from "./init.ts";

const PUBLIC_URL = "https://console.agencia.test";

async function mailSetup(db: Database): Promise<{ smtp: FakeSmtp; mail: PasswordMail }> {
  const smtp = await startFakeSmtp();
  const mail = new PasswordMail(db, { smtpUrl: smtp.url, from: "LX <no-reply@agencia.test>", publicUrl: PUBLIC_URL }, memoryLogger().logger);
  onTestFinished(async () => {
    await mail.close();
    await smtp.stop();
  });
  return { smtp, mail };
}

/** The token of the console link in an e-mail's text (and the same link in its HTML). */
function linkToken(m: ReceivedMail): string {
  const match = new RegExp(`${PUBLIC_URL}${PASSWORD_LINK_PATH}#t=([A-Za-z0-9_-]{43})`).exec(m.text);
  expect(match, m.text).not.toBeNull();
  const token = match?.[1] ?? "";
  expect(m.html).toContain(`${PUBLIC_URL}${PASSWORD_LINK_PATH}#t=${token}`);
  return token;
}

async function operatorCaller(db: Database, mail: PasswordMail | null) {
  const operator = await seedUser(db, { role: "operator" });
  return callerFor(db, await sessionFor(db, operator.email, operator.password), { mail });
}

async function audits(db: Database, userId: string) {
  return db.$client<{ type: string; actor_type: string; actor_label: string; data: Record<string, unknown> }[]>`
    select type, actor_type, actor_label, data from audit_events where subject_id = ${userId} order by id`;
}

describe("password links by e-mail", () => {
  dbTest("an operator's new client gets an invitation whose link sets the password and signs them in", async ({ db }) => {
    const { smtp, mail } = await mailSetup(db);
    const tenant = await seedTenant(db);
    const { caller } = await operatorCaller(db, mail);
    const created = await caller.users.create({ tenantSlug: tenant.slug, email: "Dona.Clinica@Haven.test", name: "Dona Clínica", sendEmail: true });
    expect(created.link).toMatchObject({ emailed: true, emailError: null });

    const m = await smtp.waitFor((x) => x.envelopeTo.includes("dona.clinica@haven.test"));
    expect(m.subject).toBe("Seu acesso ao LX Agent Factory");
    expect(m.envelopeFrom).toBe("no-reply@agencia.test");
    expect(m.from).toMatch(/^"?LX"? <no-reply@agencia\.test>$/);
    expect(m.to).toContain("Dona Clínica");
    expect(m.authUser).toBe("lx");
    expect(m.text).toContain("Olá, Dona Clínica.");
    expect(m.text).toMatch(/O link vale por 72 horas e funciona uma vez\./);
    expect(linkToken(m)).toBe(created.link?.token);

    // The e-mailed link is the account's one link, and it works once.
    const anonymous = callerFor(db, null).caller;
    await anonymous.auth.setPasswordWithLink({ token: linkToken(m), password: "minha senha nova" });
    expect(await codeOf(anonymous.auth.setPasswordWithLink({ token: linkToken(m), password: "outra senha" }))).toBe("PRECONDITION_FAILED");
    expect((await audits(db, created.id)).find((a) => a.type === "user.password_link_created")?.data).toMatchObject({ via: "email" });
  });

  dbTest("a link for an existing account goes by e-mail on request; a relay that refuses still leaves the operator the link", async ({ db }) => {
    const { smtp, mail } = await mailSetup(db);
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const { caller } = await operatorCaller(db, mail);

    const first = await caller.users.createPasswordLink({ userId: client.id, sendEmail: true });
    expect(first).toMatchObject({ emailed: true, emailError: null, email: client.email });
    const m = await smtp.waitFor((x) => x.envelopeTo.includes(client.email));
    expect(m.subject).toBe("Defina sua senha do LX Agent Factory");
    expect(linkToken(m)).toBe(first.token);

    smtp.failNext();
    const second = await caller.users.createPasswordLink({ userId: client.id, sendEmail: true });
    expect(second.emailed).toBe(false);
    expect(second.emailError).toMatch(/451|injected failure/);
    // The newer link voided the e-mailed one and works.
    const anonymous = callerFor(db, null).caller;
    expect(await codeOf(anonymous.auth.passwordLink({ token: first.token }))).toBe("PRECONDITION_FAILED");
    expect(await anonymous.auth.passwordLink({ token: second.token })).toMatchObject({ email: client.email });
    expect(smtp.mails.items).toHaveLength(1);

    // Without the flag nothing is sent.
    const third = await caller.users.createPasswordLink({ userId: client.id });
    expect(third).toMatchObject({ emailed: false, emailError: null });
    expect(smtp.mails.items).toHaveLength(1);
  });

  dbTest("a relay that never answers costs the operator the timeout, not minutes, and the link still works", async ({ db }) => {
    // Accepts connections and says nothing (no SMTP greeting), as a stuck relay or a black-holed port would.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    onTestFinished(
      () =>
        new Promise<void>((resolve) => {
          sockets.forEach((x) => x.destroy());
          silent.close(() => resolve());
        }),
    );
    const port = (silent.address() as AddressInfo).port;
    const mail = new PasswordMail(db, { smtpUrl: `smtp://127.0.0.1:${port}`, from: "lx@agencia.test", publicUrl: PUBLIC_URL, timeoutMs: 300 }, memoryLogger().logger);
    onTestFinished(() => mail.close());
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const { caller } = await operatorCaller(db, mail);
    // nodemailer's own greeting timeout is 30 s: without ours this call would outlive a 15 s budget.
    // (Which of our equal timeouts fires first, greeting or socket, varies: both say why.)
    const link = await Promise.race([
      caller.users.createPasswordLink({ userId: client.id, sendEmail: true }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the operator was kept waiting")), 15_000).unref()),
    ]);
    expect(link).toMatchObject({ emailed: false, emailError: expect.stringMatching(/^(Greeting never received|Timeout)$/) });
    expect(await callerFor(db, null).caller.auth.passwordLink({ token: link.token })).toMatchObject({ email: client.email });
  });

  dbTest("with no SMTP_URL, asking for an e-mail is refused before anything is created", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { caller } = await operatorCaller(db, null);
    const email = "sem-email@haven.test";
    expect(await codeOf(caller.users.create({ tenantSlug: tenant.slug, email, sendEmail: true }))).toBe("PRECONDITION_FAILED");
    expect(await db.$client`select 1 from users where email = ${email}`).toHaveLength(0);
    const anonymous = callerFor(db, null).caller;
    expect(await anonymous.auth.options()).toEqual({ passwordResetByEmail: false, passwordResetTtlMinutes: 60 });
    expect(await codeOf(anonymous.auth.requestPasswordReset({ email }))).toBe("PRECONDITION_FAILED");
  });
});

describe("Esqueceu a senha? (self-service reset)", () => {
  dbTest("answers the same for any e-mail; only an enabled account gets a one-hour link", async ({ db }) => {
    const { smtp, mail } = await mailSetup(db);
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const disabled = await seedUser(db, { role: "client", tenantId: tenant.id });
    await setUserDisabled(db, { userId: disabled.id, disabled: true, actorUserId: null, actor: TEST_ACTOR });
    const operatorLink = await (await operatorCaller(db, mail)).caller.users.createPasswordLink({ userId: client.id });

    const { caller } = callerFor(db, null, { mail });
    expect(await caller.auth.options()).toEqual({ passwordResetByEmail: true, passwordResetTtlMinutes: 60 });
    const answers = [
      await caller.auth.requestPasswordReset({ email: client.email.toUpperCase() }),
      await caller.auth.requestPasswordReset({ email: "ninguem@haven.test" }),
      await caller.auth.requestPasswordReset({ email: disabled.email }),
    ];
    expect(answers).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    await mail.settled();

    expect(smtp.mails.items.map((m) => m.envelopeTo)).toEqual([[client.email]]);
    const m = smtp.mails.items[0]!;
    expect(m.subject).toBe("Defina sua senha do LX Agent Factory");
    expect(m.text).toContain("O link vale por 60 minutos e funciona uma vez. Se não foi você, ignore este e-mail");
    const link = await caller.auth.passwordLink({ token: linkToken(m) });
    const minutes = (new Date(link.expiresAt).getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(58);
    expect(minutes).toBeLessThanOrEqual(60);
    // The operator's invitation is not voided by a reset anyone could ask for.
    expect(await codeOf(caller.auth.passwordLink({ token: operatorLink.token }))).toBe("OK");
    // Audited as a system action sent by e-mail: nobody is named as the requester.
    expect((await audits(db, client.id)).at(-1)).toMatchObject({
      type: "user.password_link_created",
      actor_type: "system",
      data: { via: "email", email: client.email },
    });
    expect(await audits(db, disabled.id)).not.toContainEqual(expect.objectContaining({ type: "user.password_link_created" }));
  });

  dbTest("an anonymous reset cannot kill the invitation an operator handed over; a newer reset voids the older reset; using any link voids the others", async ({ db }) => {
    const { smtp, mail } = await mailSetup(db);
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const { caller: operator } = await operatorCaller(db, mail);
    const invitation = await operator.users.createPasswordLink({ userId: client.id });
    const { caller } = callerFor(db, null, { mail });

    // A stranger asks twice for the client's e-mail.
    await caller.auth.requestPasswordReset({ email: client.email });
    await mail.settled();
    await caller.auth.requestPasswordReset({ email: client.email });
    await mail.settled();
    const [first, second] = smtp.mails.items.map(linkToken);
    expect(await codeOf(caller.auth.passwordLink({ token: invitation.token }))).toBe("OK");
    expect(await codeOf(caller.auth.passwordLink({ token: first! }))).toBe("PRECONDITION_FAILED");
    expect(await codeOf(caller.auth.passwordLink({ token: second! }))).toBe("OK");

    // The client uses the invitation: the pending reset dies with it.
    await caller.auth.setPasswordWithLink({ token: invitation.token, password: "minha senha nova" });
    expect(await codeOf(caller.auth.passwordLink({ token: second! }))).toBe("PRECONDITION_FAILED");

    // And the other way round: the owner's own reset, used, voids an operator's later link.
    const later = await operator.users.createPasswordLink({ userId: client.id });
    await caller.auth.requestPasswordReset({ email: client.email });
    await mail.settled();
    const third = linkToken(smtp.mails.items.at(-1)!);
    await caller.auth.setPasswordWithLink({ token: third, password: "outra senha nova" });
    expect(await codeOf(caller.auth.passwordLink({ token: later.token }))).toBe("PRECONDITION_FAILED");
  });

  dbTest("3 requests per e-mail and 10 per address in 15 minutes; more are RATE_LIMITED and send nothing", async ({ db }) => {
    const { smtp, mail } = await mailSetup(db);
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const { caller, ctx } = callerFor(db, null, { mail, ip: "10.9.9.9" });
    for (let i = 0; i < 3; i++) {
      await caller.auth.requestPasswordReset({ email: client.email });
    }
    expect(await codeOf(caller.auth.requestPasswordReset({ email: client.email }))).toBe("TOO_MANY_REQUESTS");
    await mail.settled();
    expect(smtp.mails.items).toHaveLength(3);
    // The same address sweeping e-mails stops at 10 requests in all.
    for (let i = 0; i < 7; i++) {
      expect(await codeOf(caller.auth.requestPasswordReset({ email: `sweep-${i}@haven.test` }))).toBe("OK");
    }
    expect(await codeOf(caller.auth.requestPasswordReset({ email: "sweep-x@haven.test" }))).toBe("TOO_MANY_REQUESTS");
    // Another address, another e-mail: allowed.
    const other = callerFor(db, null, { mail, ip: "10.9.9.10", resetLimiter: ctx.resetLimiter }).caller;
    expect(await codeOf(other.auth.requestPasswordReset({ email: "alguem@haven.test" }))).toBe("OK");
  });

  dbTest("over HTTP: the reset's answer is the same for a known and an unknown e-mail, and its link signs the owner in", async ({ db }) => {
    const { smtp, mail } = await mailSetup(db);
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const { app } = buildTestApp(db, {}, mail);
    const post = (path: string, body: unknown) =>
      app.request(`/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

    const known = await post("auth.requestPasswordReset", { email: client.email });
    const unknown = await post("auth.requestPasswordReset", { email: "nao-existe@haven.test" });
    expect([known.status, unknown.status]).toEqual([200, 200]);
    expect(await known.text()).toBe(await unknown.text());
    const m = await smtp.waitFor((x) => x.envelopeTo.includes(client.email));
    const set = await post("auth.setPasswordWithLink", { token: linkToken(m), password: "nova senha segura" });
    expect(set.status).toBe(200);
    expect(sessionCookieFrom(set)).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    await mail.settled();
    expect(smtp.mails.items).toHaveLength(1);
  });
});

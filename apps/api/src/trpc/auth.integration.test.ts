import type { AddressInfo } from "node:net";

import { serve } from "@hono/node-server";
import { TRPCError } from "@trpc/server";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { createPasswordLink, deviceStamp, hashSessionToken } from "@lx/db/queries";
import { dbTest, seedTenant, seedUser, TEST_SECRET_KEY } from "@lx/db/testing";

import { parseTrustProxy } from "../http/client-address.ts";
import { buildTestApp, callerFor, sessionCookieFrom, sessionFor } from "../testing/harness.ts";
import { DEVICE_COOKIE, verifiedDevice } from "../services/device-cookie.ts";
import { SESSION_COOKIE } from "./init.ts";

type TrpcErrorBody = {
  error: { message: string; data: { code: string; httpStatus: number; appError: { code: string } | null } };
};

async function auditRows(db: Database, type: string, label: string) {
  return db.$client<
    { type: string; actor_label: string; tenant_id: string | null; data: Record<string, unknown> }[]
  >`
    select type, actor_label, tenant_id, data from audit_events
    where type = ${type} and actor_label = ${label} order by id`;
}

function postJson(body: unknown, cookie?: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  };
}

describe("auth over HTTP", () => {
  dbTest("login sets an http-only SameSite=Lax session cookie that auth.me then reads", async ({ db }) => {
    const tenant = await seedTenant(db);
    const user = await seedUser(db, { role: "client", tenantId: tenant.id });
    const { app } = buildTestApp(db);

    const res = await app.request(
      "/trpc/auth.login",
      postJson({ email: user.email.toUpperCase(), password: user.password }),
    );
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`));
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    // 14 days (give or take the second the request took).
    expect(setCookie).toMatch(/Max-Age=(1209600|120959\d);/);
    expect(setCookie).not.toMatch(/Secure/);
    const body = (await res.json()) as {
      result: { data: { user: { email: string; role: string; tenantId: string } } };
    };
    expect(body.result.data.user).toMatchObject({ email: user.email, role: "client", tenantId: tenant.id });

    // The stored id is the hash of the token, never the token itself.
    const cookie = sessionCookieFrom(res) ?? "";
    const token = cookie.slice(`${SESSION_COOKIE}=`.length);
    const stored = await db.$client<
      { id: string; user_id: string }[]
    >`select id, user_id from sessions where user_id = ${user.id}`;
    expect(stored).toEqual([{ id: hashSessionToken(token), user_id: user.id }]);
    const [lastLogin] = await db.$client<
      { last_login_at: string | null }[]
    >`select last_login_at from users where id = ${user.id}`;
    expect(lastLogin?.last_login_at).not.toBeNull();

    const me = await app.request("/trpc/auth.me", { headers: { cookie } });
    expect(((await me.json()) as { result: { data: { user: { id: string } } } }).result.data.user.id).toBe(
      user.id,
    );

    expect(await auditRows(db, "auth.login", user.email)).toHaveLength(1);
  });

  dbTest("the cookie is Secure when cookieSecure is on", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const { app } = buildTestApp(db, { cookieSecure: true });
    const res = await app.request(
      "/trpc/auth.login",
      postJson({ email: user.email, password: user.password }),
    );
    expect(res.headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`))).toMatch(/; Secure/);
  });

  dbTest("a wrong password is 401 UNAUTHORIZED, sets no cookie and is audited", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const { app } = buildTestApp(db);
    const res = await app.request(
      "/trpc/auth.login",
      postJson({ email: user.email, password: "wrong password!" }),
    );
    expect(res.status).toBe(401);
    expect(sessionCookieFrom(res)).toBeNull();
    const body = (await res.json()) as TrpcErrorBody;
    expect(body.error.data).toMatchObject({ code: "UNAUTHORIZED", appError: { code: "UNAUTHORIZED" } });
    expect(body.error.message).toBe("invalid e-mail or password");

    const failed = await auditRows(db, "auth.login_failed", user.email);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data).toMatchObject({ reason: "bad_password" });
  });

  dbTest("an unknown e-mail reads exactly like a wrong password", async ({ db }) => {
    const { app } = buildTestApp(db);
    const res = await app.request(
      "/trpc/auth.login",
      postJson({ email: "nobody@example.test", password: "whatever1" }),
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as TrpcErrorBody).error.message).toBe("invalid e-mail or password");
    const failed = await auditRows(db, "auth.login_failed", "nobody@example.test");
    expect(failed[0]?.data).toMatchObject({ reason: "unknown_email" });
  });

  dbTest("a disabled user cannot sign in, and their open session stops working", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const { app } = buildTestApp(db);
    const ok = await app.request(
      "/trpc/auth.login",
      postJson({ email: user.email, password: user.password }),
    );
    const cookie = sessionCookieFrom(ok) ?? "";
    await db.$client`update users set disabled_at = now() where id = ${user.id}`;

    const again = await app.request(
      "/trpc/auth.login",
      postJson({ email: user.email, password: user.password }),
    );
    expect(again.status).toBe(401);
    const list = await app.request("/trpc/tenants.list", { headers: { cookie } });
    expect(list.status).toBe(401);
  });

  dbTest(
    "logout deletes the session, clears the cookie and is audited; the old cookie is dead",
    async ({ db }) => {
      const user = await seedUser(db, { role: "operator" });
      const { app } = buildTestApp(db);
      const login = await app.request(
        "/trpc/auth.login",
        postJson({ email: user.email, password: user.password }),
      );
      const cookie = sessionCookieFrom(login) ?? "";
      expect((await app.request("/trpc/tenants.list", { headers: { cookie } })).status).toBe(200);

      const out = await app.request("/trpc/auth.logout", postJson(undefined, cookie));
      expect(out.status).toBe(200);
      const cleared = out.headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`));
      expect(cleared).toMatch(/^lx_session=;/);
      expect(cleared).toMatch(/Max-Age=0/);
      expect(await db.$client`select 1 from sessions where user_id = ${user.id}`).toHaveLength(0);
      expect(await auditRows(db, "auth.logout", user.email)).toHaveLength(1);

      const me = await app.request("/trpc/auth.me", { headers: { cookie } });
      expect(await me.json()).toEqual({ result: { data: null } });
      const list = await app.request("/trpc/tenants.list", { headers: { cookie } });
      expect(list.status).toBe(401);
      expect(((await list.json()) as TrpcErrorBody).error.data.code).toBe("UNAUTHORIZED");
    },
  );

  dbTest("an expired session is rejected", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const { app } = buildTestApp(db);
    const login = await app.request(
      "/trpc/auth.login",
      postJson({ email: user.email, password: user.password }),
    );
    const cookie = sessionCookieFrom(login) ?? "";
    await db.$client`update sessions set expires_at = now() - interval '1 second' where user_id = ${user.id}`;

    const list = await app.request("/trpc/tenants.list", { headers: { cookie } });
    expect(list.status).toBe(401);
    const me = await app.request("/trpc/auth.me", { headers: { cookie } });
    expect(await me.json()).toEqual({ result: { data: null } });
  });

  dbTest("batched calls (the console's httpBatchLink) share the session", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const { app } = buildTestApp(db);
    const login = await app.request(
      "/trpc/auth.login",
      postJson({ email: user.email, password: user.password }),
    );
    const cookie = sessionCookieFrom(login) ?? "";
    const input = encodeURIComponent(JSON.stringify({}));
    const res = await app.request(`/trpc/auth.me,tenants.list?batch=1&input=${input}`, {
      headers: { cookie },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as [
      { result: { data: { user: { id: string } } } },
      { result: { data: unknown[] } },
    ];
    expect(body[0].result.data.user.id).toBe(user.id);
    expect(Array.isArray(body[1].result.data)).toBe(true);

    // Anonymous: the public call answers, the protected one is refused, in one 207 response.
    const anon = await app.request(`/trpc/auth.me,tenants.list?batch=1&input=${input}`);
    expect(anon.status).toBe(207);
    const anonBody = (await anon.json()) as [{ result: { data: null } }, TrpcErrorBody];
    expect(anonBody[0].result.data).toBeNull();
    expect(anonBody[1].error.data.code).toBe("UNAUTHORIZED");
  });

  dbTest("a forged cookie is anonymous", async ({ db }) => {
    const { app } = buildTestApp(db);
    const res = await app.request("/trpc/tenants.list", {
      headers: { cookie: `${SESSION_COOKIE}=forged-token` },
    });
    expect(res.status).toBe(401);
  });
});

describe("login rate limit", () => {
  dbTest(
    "after 5 failures per ip and e-mail in 15 minutes even the right password is refused",
    async ({ db }) => {
      const user = await seedUser(db, { role: "operator" });
      const { app, limiter } = buildTestApp(db);
      const { caller } = callerFor(db, null, { ip: "203.0.113.7", limiter });

      for (let i = 0; i < 5; i++) {
        await expect(caller.auth.login({ email: user.email, password: `wrong-${i}` })).rejects.toMatchObject({
          code: "UNAUTHORIZED",
        });
      }
      const limited = caller.auth.login({ email: user.email, password: user.password });
      await expect(limited).rejects.toBeInstanceOf(TRPCError);
      await expect(limited).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });

      const failures = await auditRows(db, "auth.login_failed", user.email);
      expect(failures.map((f) => f.data.reason)).toEqual([...Array(5).fill("bad_password"), "rate_limited"]);
      expect(await auditRows(db, "auth.login", user.email)).toHaveLength(0);

      // Another address is not affected (the limit is per ip + e-mail).
      const other = callerFor(db, null, { ip: "198.51.100.1", limiter });
      await expect(
        other.caller.auth.login({ email: user.email, password: user.password }),
      ).resolves.toMatchObject({
        user: { id: user.id },
      });

      // Over HTTP the limited attempt is a 429.
      for (let i = 0; i < 5; i++) {
        await app.request("/trpc/auth.login", postJson({ email: user.email, password: "nope-nope" }));
      }
      const http = await app.request(
        "/trpc/auth.login",
        postJson({ email: user.email, password: user.password }),
      );
      expect(http.status).toBe(429);
      expect(((await http.json()) as TrpcErrorBody).error.data.appError?.code).toBe("RATE_LIMITED");
    },
  );

  dbTest(
    "behind a proxy: TRUST_PROXY makes X-Forwarded-For the client's address; unset, the header is ignored",
    async ({ db }) => {
      const listen = async (trustProxy: string | null) => {
        const { app } = buildTestApp(db, { trustProxy: trustProxy === null ? null : parseTrustProxy(trustProxy) });
        const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
        onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
        await new Promise<void>((resolve) => server.once("listening", () => resolve()));
        const { port } = server.address() as AddressInfo;
        return (email: string, password: string, forwardedFor: string) =>
          fetch(`http://127.0.0.1:${port}/trpc/auth.login`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
            body: JSON.stringify({ email, password }),
          }).then((res) => res.status);
      };

      // The load balancer (here the loopback) forwards two customers' offices.
      const proxied = await listen("loopback");
      const user = await seedUser(db, { role: "operator" });
      for (let i = 0; i < 5; i++) {
        expect(await proxied(user.email, "wrong-password", "203.0.113.20")).toBe(401);
      }
      expect(await proxied(user.email, user.password, "203.0.113.20")).toBe(429);
      // Another office is not locked out by the first one's failures (they share the proxy's socket).
      expect(await proxied(user.email, user.password, "198.51.100.20, 203.0.113.99")).toBe(200);
      const failures = await auditRows(db, "auth.login_failed", user.email);
      expect(failures.map((f) => f.data.ip)).toEqual(Array(6).fill("203.0.113.20"));
      // The right-most untrusted address is the client: a forged left part changes nothing.
      expect((await auditRows(db, "auth.login", user.email)).map((r) => r.data.ip)).toEqual(["203.0.113.99"]);

      // Without TRUST_PROXY a client cannot choose its address by writing the header.
      const direct = await listen(null);
      const other = await seedUser(db, { role: "operator" });
      for (let i = 0; i < 5; i++) {
        expect(await direct(other.email, "wrong-password", `192.0.2.${i}`)).toBe(401);
      }
      expect(await direct(other.email, other.password, "192.0.2.200")).toBe(429);
      const directFailures = await auditRows(db, "auth.login_failed", other.email);
      expect(new Set(directFailures.map((f) => f.data.ip))).toEqual(new Set(["127.0.0.1"]));
    },
  );

  dbTest("a successful login resets the failure count", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const { caller } = callerFor(db, null, { ip: "203.0.113.8" });
    for (let i = 0; i < 4; i++) {
      await expect(caller.auth.login({ email: user.email, password: "bad-password" })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await caller.auth.login({ email: user.email, password: user.password });
    for (let i = 0; i < 4; i++) {
      await expect(caller.auth.login({ email: user.email, password: "bad-password" })).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
    }
    await expect(caller.auth.login({ email: user.email, password: user.password })).resolves.toBeDefined();
  });
});

describe("tRPC error shape", () => {
  dbTest("bad input is 400 with a flattened zodError; no stack in responses", async ({ db }) => {
    const { app } = buildTestApp(db);
    const res = await app.request("/trpc/auth.login", postJson({ email: "", password: 5 }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { data: { code: string; stack?: string; zodError: { fieldErrors: Record<string, string[]> } } };
    };
    expect(body.error.data.code).toBe("BAD_REQUEST");
    expect(Object.keys(body.error.data.zodError.fieldErrors).sort()).toEqual(["email", "password"]);
    expect(body.error.data.stack).toBeUndefined();
  });

  dbTest("tRPC responses carry the request id header", async ({ db }) => {
    const { app } = buildTestApp(db);
    const res = await app.request("/trpc/auth.me", { headers: { "X-Request-Id": "trpc-req-1" } });
    expect(res.headers.get("x-request-id")).toBe("trpc-req-1");
  });

  dbTest("an access created without a password comes with a one-time link; the owner sets theirs over HTTP and is signed in", async ({ db }) => {
    const tenant = await seedTenant(db);
    const operator = await seedUser(db, { role: "operator" });
    const { caller } = callerFor(db, await sessionFor(db, operator.email, operator.password));
    const created = await caller.users.create({ tenantSlug: tenant.slug, email: "nova@cliente.test" });
    expect(created.link?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const token = created.link?.token ?? "";
    // With a password, no link.
    expect((await caller.users.create({ tenantSlug: tenant.slug, email: "outra@cliente.test", password: "long enough" })).link).toBeNull();

    const { app } = buildTestApp(db);
    // Never as GET: the live token would be in the URL, which proxies and access logs record.
    const asGet = await app.request(`/trpc/auth.passwordLink?input=${encodeURIComponent(JSON.stringify({ token }))}`);
    expect(asGet.status).toBe(405);
    expect(((await asGet.json()) as TrpcErrorBody).error.data.code).toBe("METHOD_NOT_SUPPORTED");
    const batchedGet = await app.request(`/trpc/auth.me,auth.passwordLink?batch=1&input=${encodeURIComponent(JSON.stringify({ 1: { token } }))}`);
    expect(((await batchedGet.json()) as TrpcErrorBody[])[1]?.error.data.code).toBe("METHOD_NOT_SUPPORTED");
    // As the console sends it: POST, the token in the body.
    const described = await app.request("/trpc/auth.passwordLink", postJson({ token }));
    expect(((await described.json()) as { result: { data: { email: string } } }).result.data.email).toBe("nova@cliente.test");
    const res = await app.request("/trpc/auth.setPasswordWithLink", postJson({ token, password: "minha senha nova" }));
    expect(res.status).toBe(200);
    const cookie = sessionCookieFrom(res) ?? "";
    const me = await app.request("/trpc/auth.me", { headers: { cookie } });
    expect(((await me.json()) as { result: { data: { user: { email: string } } } }).result.data.user.email).toBe("nova@cliente.test");
    // Spent: a second use is refused with a message a person can act on.
    const again = await app.request("/trpc/auth.setPasswordWithLink", postJson({ token, password: "outra tentativa" }));
    const body = (await again.json()) as TrpcErrorBody;
    expect(body.error.data.appError?.code).toBe("INVALID_STATE");
    expect(body.error.message).toMatch(/invalid, expired or already used/);
  });
});

describe("device cookies: the account's own browsers are not locked out by others' failures", () => {
  const attempt = async (db: Database, ip: string, email: string, password: string, deviceToken?: string) =>
    callerFor(db, null, { ip, sandbox: null, deviceToken }).caller.auth.login({ email, password }).then(
      () => "OK",
      (err: unknown) => (err instanceof TRPCError ? err.code : String(err)),
    );

  /** Signs in and returns the `lx_device` cookie value the browser got. */
  async function knownDevice(db: Database, ip: string, email: string, password: string): Promise<string> {
    const { caller, ctx } = callerFor(db, null, { ip, sandbox: null });
    await caller.auth.login({ email, password });
    const device = ctx.cookies.find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
    expect(device).toBeDefined();
    return (device ?? "").slice(DEVICE_COOKIE.length + 1);
  }

  dbTest("an account locked by 20 strangers' guesses still lets in the browser that signed in before", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const other = await seedUser(db, { role: "operator" });
    const device = await knownDevice(db, "198.51.100.20", user.email, user.password);
    const othersDevice = await knownDevice(db, "198.51.100.20", other.email, other.password);
    for (let i = 0; i < 20; i++) {
      expect(await attempt(db, `203.0.113.${i + 1}`, user.email, `wrong-${i}`)).toBe("UNAUTHORIZED");
    }
    // Unknown browsers are locked out, the right password too…
    expect(await attempt(db, "198.51.100.20", user.email, user.password)).toBe("TOO_MANY_REQUESTS");
    // …and so is a cookie issued for another account, or a forged one.
    expect(await attempt(db, "198.51.100.20", user.email, user.password, othersDevice)).toBe("TOO_MANY_REQUESTS");
    const forged = `${device.slice(0, -4)}${device.endsWith("0000") ? "1111" : "0000"}`;
    expect(await attempt(db, "198.51.100.20", user.email, user.password, forged)).toBe("TOO_MANY_REQUESTS");
    // The operator's own browser signs in, from anywhere, and the sign-in is audited as from a known device.
    expect(await attempt(db, "192.0.2.200", user.email, user.password, device)).toBe("OK");
    const logins = await auditRows(db, "auth.login", user.email);
    expect(logins.at(-1)?.data.trustedDevice).toBe(true);
    expect(logins[0]?.data.trustedDevice).toBeUndefined();
  });

  dbTest("a new password revokes the devices the old one vouched for", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const device = await knownDevice(db, "198.51.100.40", user.email, user.password);
    const { token } = await createPasswordLink(db, { userId: user.id, actor: { type: "system", id: null, label: "test" } });
    await callerFor(db, null, { sandbox: null }).caller.auth.setPasswordWithLink({ token, password: "a brand new one" });
    for (let i = 0; i < 20; i++) {
      expect(await attempt(db, `203.0.113.${i + 1}`, user.email, `wrong-${i}`)).toBe("UNAUTHORIZED");
    }
    // The browser known before the change is unknown now: locked out with everyone else.
    expect(await attempt(db, "198.51.100.40", user.email, "a brand new one", device)).toBe("TOO_MANY_REQUESTS");
  });

  dbTest("30 typos behind one proxy address do not lock out staff whose browsers are known", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const proxy = "10.20.30.40";
    const device = await knownDevice(db, proxy, user.email, user.password);
    for (let i = 0; i < 30; i++) {
      expect(await attempt(db, proxy, `typo-${i}@office.test`, "password1")).toBe("UNAUTHORIZED");
    }
    expect(await attempt(db, proxy, user.email, user.password)).toBe("TOO_MANY_REQUESTS");
    expect(await attempt(db, proxy, user.email, user.password, device)).toBe("OK");
  });

  dbTest("a known browser gets 5 failures of its own, then counts as unknown; its failures never touch the account's limit", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const device = await knownDevice(db, "198.51.100.30", user.email, user.password);
    for (let i = 0; i < 5; i++) {
      expect(await attempt(db, "198.51.100.30", user.email, `wrong-${i}`, device)).toBe("UNAUTHORIZED");
    }
    const failures = await auditRows(db, "auth.login_failed", user.email);
    expect(failures.map((f) => f.data.trustedDevice)).toEqual([true, true, true, true, true]);
    // Past its own 5, the browser is just another address: its next 5 failures count there…
    for (let i = 0; i < 5; i++) {
      expect(await attempt(db, "198.51.100.30", user.email, `again-${i}`, device)).toBe("UNAUTHORIZED");
    }
    expect(await attempt(db, "198.51.100.30", user.email, user.password, device)).toBe("TOO_MANY_REQUESTS");
    // …while the account's limit saw only those 5: other addresses still get in.
    expect(await attempt(db, "198.51.100.31", user.email, user.password)).toBe("OK");
  });

  dbTest("the device cookie is http-only and lasts a year; a sign-in through a password link sets it too", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const { app } = buildTestApp(db);
    const res = await app.request("/trpc/auth.login", postJson({ email: user.email, password: user.password }));
    expect(res.status).toBe(200);
    const line = res.headers.getSetCookie().find((l) => l.startsWith(`${DEVICE_COOKIE}=`));
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Lax/);
    expect(line).toMatch(/Max-Age=(31536000|3153599\d);/);
    // The value names no account.
    expect(line).not.toContain(user.email);
    expect(line).not.toContain(encodeURIComponent(user.email));

    const { token } = await createPasswordLink(db, { userId: user.id, actor: { type: "system", id: null, label: "test" } });
    const { caller, ctx } = callerFor(db, null, { sandbox: null });
    await caller.auth.setPasswordWithLink({ token, password: "a brand new one" });
    const device = ctx.cookies.find((c) => c.startsWith(`${DEVICE_COOKIE}=`))?.slice(DEVICE_COOKIE.length + 1);
    const stamp = await deviceStamp(db, user.email);
    expect(verifiedDevice(TEST_SECRET_KEY, device, user.email.toUpperCase(), stamp)).toEqual(expect.any(String));
    expect(verifiedDevice(TEST_SECRET_KEY, device, "someone.else@haven.test", stamp)).toBeNull();
  });
});

describe("login rate limits per account and per address", () => {
  const attempt = async (db: Database, ip: string, email: string, password: string) =>
    callerFor(db, null, { ip, sandbox: null }).caller.auth.login({ email, password }).then(
      () => "OK",
      (err: unknown) => (err instanceof TRPCError ? err.code : String(err)),
    );

  dbTest("many addresses guessing one account are refused after 20 failures, the right password too", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    // 20 addresses, one guess each: none reaches the per-(address, e-mail) limit of 5.
    for (let i = 0; i < 20; i++) {
      expect(await attempt(db, `203.0.113.${i + 1}`, user.email, `wrong-${i}`)).toBe("UNAUTHORIZED");
    }
    expect(await attempt(db, "203.0.113.100", user.email, "wrong-again")).toBe("TOO_MANY_REQUESTS");
    // Locked for every address until the window passes, whatever the password.
    expect(await attempt(db, "198.51.100.9", user.email, user.password)).toBe("TOO_MANY_REQUESTS");
    const failures = await auditRows(db, "auth.login_failed", user.email);
    expect(failures.filter((f) => f.data.reason === "rate_limited")).toHaveLength(2);
    // Another account is not affected.
    const other = await seedUser(db, { role: "operator" });
    expect(await attempt(db, "198.51.100.9", other.email, other.password)).toBe("OK");
  });

  dbTest("one address cycling e-mails is refused after 30 failures; its successes do not count", async ({ db }) => {
    const user = await seedUser(db, { role: "operator" });
    const ip = "192.0.2.77";
    for (let i = 0; i < 29; i++) {
      expect(await attempt(db, ip, `nobody-${i}@spray.test`, "password1")).toBe("UNAUTHORIZED");
    }
    // A colleague behind the same address signs in: a success is not a failure.
    for (let i = 0; i < 3; i++) {
      expect(await attempt(db, ip, user.email, user.password)).toBe("OK");
    }
    expect(await attempt(db, ip, "nobody-29@spray.test", "password1")).toBe("UNAUTHORIZED");
    expect(await attempt(db, ip, "nobody-30@spray.test", "password1")).toBe("TOO_MANY_REQUESTS");
    // The right password of a real account is refused from that address until the window passes…
    expect(await attempt(db, ip, user.email, user.password)).toBe("TOO_MANY_REQUESTS");
    // …and accepted from any other.
    expect(await attempt(db, "192.0.2.78", user.email, user.password)).toBe("OK");

    // Over HTTP the console gets a 429 with the app code it shows in words ("Muitas tentativas…").
    const { app } = buildTestApp(db, { trustProxy: parseTrustProxy("loopback") });
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/trpc/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": ip },
      body: JSON.stringify({ email: "nobody-31@spray.test", password: "password1" }),
    });
    expect(res.status).toBe(429);
    const body = (await res.json()) as TrpcErrorBody;
    expect(body.error.data.appError?.code).toBe("RATE_LIMITED");
    expect(body.error.message).toMatch(/too many failed sign-in attempts; try again in \d+ min/);
  });
});

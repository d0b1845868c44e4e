import { request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { serve } from "@hono/node-server";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { dbTest, seedAgent, seedConversation, seedNumber, seedTenant, seedUser } from "@lx/db/testing";
import { TRPC_MAX_BATCH_SIZE, TRPC_MAX_BODY_BYTES } from "@lx/shared/schemas";

import { postChunked } from "../testing/chunked.ts";
import { ANONYMOUS_MAX_BODY_BYTES } from "../app.ts";
import { buildTestApp, callerFor, codeOf, sessionCookieFrom, sessionFor } from "../testing/harness.ts";
import { containsNul } from "./init.ts";

type TrpcErrorBody = {
  error: {
    message: string;
    code: number;
    data: {
      code: string;
      httpStatus: number;
      appError: { code: string; userMessage: string | null; reason: { code: string } | null } | null;
    };
  };
};

function postJson(body: string, cookie?: string): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) }, body };
}

/** The `lx_session=…` cookie of a freshly signed-in operator, from a real sign-in over `app`. */
async function signedIn(db: Database, app: ReturnType<typeof buildTestApp>["app"]): Promise<string> {
  const operator = await seedUser(db, { role: "operator" });
  const res = await app.request(
    "/trpc/auth.login",
    postJson(JSON.stringify({ email: operator.email, password: operator.password })),
  );
  const cookie = sessionCookieFrom(res);
  expect(cookie).not.toBeNull();
  return cookie ?? "";
}

async function listen(db: Database): Promise<{ port: number; cookie: string }> {
  const { app } = buildTestApp(db);
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // fetch keeps its connection alive for a few seconds: end it now.
        (server as Server).closeAllConnections();
      }),
  );
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  return { port: (server.address() as AddressInfo).port, cookie: await signedIn(db, app) };
}

/**
 * A raw HTTP upload of `total` bytes in 1 MiB chunks, written as fast as the socket takes them, that
 * stops writing as soon as the answer arrives. Resolves with the status and how much had been written
 * by then. `declared`: send a Content-Length (else chunked); `headersOnly`: send no body at all and
 * wait for the answer.
 */
function upload(
  port: number,
  total: number,
  opts: { declared?: boolean; headersOnly?: boolean; cookie?: string } = {},
): Promise<{ status: number; body: string; writtenWhenAnswered: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (opts.declared) {
      headers["content-length"] = String(total);
    }
    if (opts.cookie) {
      headers.cookie = opts.cookie;
    }
    const req = httpRequest(
      { host: "127.0.0.1", port, method: "POST", path: "/trpc/auth.login", headers },
      (res: IncomingMessage) => {
        answered = true;
        const writtenWhenAnswered = written;
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body, writtenWhenAnswered });
        });
        res.on("error", reject);
      },
    );
    // The server may cut the connection of an oversize upload after answering.
    req.on("error", (err: NodeJS.ErrnoException) =>
      err.code === "EPIPE" || err.code === "ECONNRESET" ? undefined : reject(err),
    );
    if (opts.headersOnly) {
      req.flushHeaders();
      return;
    }
    const chunk = Buffer.alloc(1024 * 1024, "x");
    const pump = () => {
      while (!answered && !req.destroyed && written < total) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - written));
        written += part.length;
        if (!req.write(part)) {
          req.once("drain", pump);
          return;
        }
      }
      if (written >= total && !answered) {
        req.end();
      }
    };
    req.write('{"email":"a@b.test","password":"x","pad":"');
    pump();
  });
}

describe("/trpc request body limit", () => {
  dbTest(
    "a body past the limit is 413 in tRPC's error shape; one under it is read as usual",
    async ({ db }) => {
      const { app } = buildTestApp(db);
      const cookie = await signedIn(db, app);
      const over = JSON.stringify({ email: "a@b.test", password: "x", pad: "x".repeat(TRPC_MAX_BODY_BYTES) });
      const res = await app.request("/trpc/auth.login", postJson(over, cookie));
      expect(res.status).toBe(413);
      const body = (await res.json()) as TrpcErrorBody;
      expect(body.error).toMatchObject({ code: -32013, message: "request body over 5 MiB" });
      expect(body.error.data).toMatchObject({ code: "PAYLOAD_TOO_LARGE", httpStatus: 413 });
      // A batch gets the same answer (the console's client gives it to every call of the batch).
      expect((await app.request("/trpc/auth.login,auth.login?batch=1", postJson(over, cookie))).status).toBe(413);

      // Just under: the biggest legitimate input (a 2,000,000-character draft) fits.
      const under = JSON.stringify({
        email: "a@b.test",
        password: "x",
        pad: "x".repeat(TRPC_MAX_BODY_BYTES - 100),
      });
      expect((await app.request("/trpc/auth.login", postJson(under, cookie))).status).toBe(401);
    },
  );

  dbTest(
    "without a live session the limit is 64 KiB: strangers cannot make the API read and parse megabytes",
    async ({ db }) => {
      const { app } = buildTestApp(db);
      const body = (bytes: number) => {
        const shell = JSON.stringify({ email: "a@b.test", password: "x", pad: "" });
        return JSON.stringify({ email: "a@b.test", password: "x", pad: "x".repeat(bytes - shell.length) });
      };
      expect(body(ANONYMOUS_MAX_BODY_BYTES)).toHaveLength(ANONYMOUS_MAX_BODY_BYTES);
      // At the limit: read as usual (a wrong password); one byte over: 413, saying why.
      expect((await app.request("/trpc/auth.login", postJson(body(ANONYMOUS_MAX_BODY_BYTES)))).status).toBe(401);
      const over = await app.request("/trpc/auth.login", postJson(body(ANONYMOUS_MAX_BODY_BYTES + 1)));
      expect(over.status).toBe(413);
      expect(((await over.json()) as TrpcErrorBody).error).toMatchObject({
        message: "request body over 64 KiB without a session: sign in to send more",
        data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 },
      });
      // A cookie that names no live session is no session: not read past 64 KiB either (but 401, below).
      const forged = "lx_session=" + "a".repeat(43);
      expect((await app.request("/trpc/auth.login", postJson(body(ANONYMOUS_MAX_BODY_BYTES + 1), forged))).status).toBe(401);
      // Signed in: the same body is read.
      const cookie = await signedIn(db, app);
      expect((await app.request("/trpc/auth.login", postJson(body(ANONYMOUS_MAX_BODY_BYTES + 1), cookie))).status).toBe(401);
    },
  );

  dbTest(
    "a session that expired mid-edit, saving a draft over 64 KiB, gets 401 UNAUTHORIZED like a small request (the console's way to the login page), not 413",
    async ({ db }) => {
      const { app } = buildTestApp(db);
      const operator = await seedUser(db, { role: "operator" });
      const login = await app.request(
        "/trpc/auth.login",
        postJson(JSON.stringify({ email: operator.email, password: operator.password })),
      );
      const cookie = sessionCookieFrom(login) ?? "";
      await db.$client`update sessions set expires_at = now() - interval '1 second' where user_id = ${operator.id}`;
      const draft = (bytes: number) =>
        JSON.stringify({ 0: { tenantSlug: "haven", agentSlug: "recepcao", spec: { source: "x".repeat(bytes) }, expectedRevision: 1 } });

      // What the same operator gets for a small save: tRPC's UNAUTHORIZED.
      const small = await app.request("/trpc/drafts.save?batch=1", postJson(draft(100), cookie));
      expect(small.status).toBe(401);
      const smallError = ((await small.json()) as TrpcErrorBody[])[0]?.error;
      expect(smallError?.data).toMatchObject({ code: "UNAUTHORIZED", appError: { code: "UNAUTHORIZED" } });

      // Over 64 KiB: the same refusal (answered without reading the draft), for every call of the batch.
      const big = await app.request("/trpc/drafts.save?batch=1", postJson(draft(ANONYMOUS_MAX_BODY_BYTES), cookie));
      expect(big.status).toBe(401);
      const bigError = ((await big.json()) as TrpcErrorBody).error;
      expect(bigError).toMatchObject({ message: smallError?.message, code: smallError?.code });
      expect(bigError.data).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401, appError: { code: "UNAUTHORIZED" } });

      // Without any session cookie, a stranger's big body is still 413 "sign in to send more".
      const anonymous = await app.request("/trpc/drafts.save?batch=1", postJson(draft(ANONYMOUS_MAX_BODY_BYTES)));
      expect(anonymous.status).toBe(413);
    },
  );

  dbTest(
    "over a socket: a declared oversize body is refused unread, a streamed one is cut before it is all sent",
    async ({ db }) => {
      const { port, cookie } = await listen(db);
      // 200 MB declared: answered from the headers alone, before a byte of the body is sent.
      const declared = await upload(port, 200 * 1024 * 1024, { declared: true, headersOnly: true });
      expect(declared.status).toBe(413);
      expect((JSON.parse(declared.body) as TrpcErrorBody).error.data.code).toBe("PAYLOAD_TOO_LARGE");

      // 200 MB chunked (no length to refuse by): answered long before the client is done, so the server
      // never holds more than the limit of it.
      const total = 200 * 1024 * 1024;
      const streamed = await upload(port, total, { cookie });
      expect(streamed.status).toBe(413);
      expect((JSON.parse(streamed.body) as TrpcErrorBody).error.data.code).toBe("PAYLOAD_TOO_LARGE");
      expect(streamed.writtenWhenAnswered).toBeGreaterThan(TRPC_MAX_BODY_BYTES);
      expect(streamed.writtenWhenAnswered).toBeLessThan(total / 2);

      // Without a session the cut comes past 64 KiB.
      const anonymous = await upload(port, total);
      expect(anonymous.status).toBe(413);
      expect(anonymous.writtenWhenAnswered).toBeLessThan(total / 2);

      // A browser-like client overshooting a little (fetch, 6 MiB with its length) reads the 413, not
      // a reset connection: the console can show it.
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/trpc/auth.login?batch=1`, {
          method: "POST",
          headers: { "content-type": "application/json", cookie },
          body: JSON.stringify({ 0: { email: "a@b.test", password: "x", pad: "x".repeat(6 * 1024 * 1024) } }),
        });
        expect(res.status).toBe(413);
        expect(((await res.json()) as TrpcErrorBody).error.data.code).toBe("PAYLOAD_TOO_LARGE");
      }

      // A chunked body under the limit is read and handed to tRPC as usual.
      const parts = ['{"email":"a@b.test",', '"password":"x"}'];
      const chunked = await postChunked(`http://127.0.0.1:${port}/trpc/auth.login`, parts);
      expect(chunked.status).toBe(401);
      expect(((await chunked.json()) as TrpcErrorBody).error.data.code).toBe("UNAUTHORIZED");

      // The server still answers normally afterwards.
      const ok = await fetch(`http://127.0.0.1:${port}/trpc/auth.me`);
      expect(ok.status).toBe(200);
    },
  );
});

describe("/trpc batch size", () => {
  dbTest(
    `a batch of more than ${TRPC_MAX_BATCH_SIZE} calls is refused before any call runs`,
    async ({ db }) => {
      const { app } = buildTestApp(db);
      const user = await seedUser(db, { role: "operator" });
      const batch = (n: number) => {
        const input = Object.fromEntries(
          Array.from({ length: n }, (_, i) => [i, { email: user.email, password: `wrong-${i}` }]),
        );
        const paths = Array.from({ length: n }, () => "auth.login").join(",");
        return app.request(`/trpc/${paths}?batch=1`, postJson(JSON.stringify(input)));
      };
      const tooMany = await batch(TRPC_MAX_BATCH_SIZE + 1);
      expect(tooMany.status).toBe(400);
      expect(((await tooMany.json()) as TrpcErrorBody).error.message).toMatch(/batch/i);
      // Not one password was checked: no failed sign-in recorded.
      const failed = async () =>
        (
          await db.$client<
            { n: number }[]
          >`select count(*)::int as n from audit_events where type = 'auth.login_failed' and actor_label = ${user.email}`
        )[0]?.n;
      expect(await failed()).toBe(0);

      // Queries too (GET), at the cap and past it.
      const me = (n: number) =>
        app.request(`/trpc/${Array.from({ length: n }, () => "auth.me").join(",")}?batch=1`);
      expect((await me(TRPC_MAX_BATCH_SIZE)).status).toBe(200);
      expect((await me(TRPC_MAX_BATCH_SIZE + 1)).status).toBe(400);

      // At the cap a batch runs (the rate limit then refuses past 5 wrong passwords).
      const atCap = await batch(TRPC_MAX_BATCH_SIZE);
      const results = (await atCap.json()) as TrpcErrorBody[];
      expect(results).toHaveLength(TRPC_MAX_BATCH_SIZE);
      expect(results.filter((r) => r.error.data.code === "UNAUTHORIZED")).toHaveLength(5);
    },
  );
});

describe("NUL characters in input", () => {
  dbTest(
    "are refused as BAD_REQUEST with a clear message by every procedure, never a 500",
    async ({ db }) => {
      const tenant = await seedTenant(db);
      const { agent } = await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
      const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
      const conversation = await seedConversation(db, {
        tenantId: tenant.id,
        numberId: number.id,
        name: "Joana",
      });
      const operator = await seedUser(db, { role: "operator" });
      const client = await seedUser(db, { role: "client", tenantId: tenant.id });
      const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;
      const cl = callerFor(db, await sessionFor(db, client.email, client.password)).caller;

      await op.conversations.takeOver({ tenantSlug: tenant.slug, conversationId: conversation.id });
      const reply = op.conversations.reply({
        tenantSlug: tenant.slug,
        conversationId: conversation.id,
        text: "oi\u0000tudo bem",
      });
      await expect(reply).rejects.toMatchObject({
        code: "BAD_REQUEST",
        message: "input must not contain the NUL character (U+0000)",
      });
      expect(
        await codeOf(op.agents.create({ tenantSlug: tenant.slug, slug: "vendas", name: "Ven\u0000das" })),
      ).toBe("BAD_REQUEST");
      expect(
        await codeOf(
          cl.versions.approve({
            tenantSlug: tenant.slug,
            agentSlug: agent.slug,
            version: "1.0.0",
            note: "ok\u0000",
          }),
        ),
      ).toBe("BAD_REQUEST");
      // Nothing was written; the same calls without the NUL work.
      expect(
        (
          await op.conversations.reply({
            tenantSlug: tenant.slug,
            conversationId: conversation.id,
            text: "oi tudo bem",
          })
        ).messageId,
      ).toBeGreaterThan(0);
      expect(
        await codeOf(op.agents.create({ tenantSlug: tenant.slug, slug: "vendas", name: "Vendas" })),
      ).toBe("OK");

      // Over HTTP: a 400 whose message the console shows, even for an anonymous call.
      const { app } = buildTestApp(db);
      const res = await app.request(
        "/trpc/auth.login",
        postJson(JSON.stringify({ email: "a\u0000@b.test", password: "x" })),
      );
      expect(res.status).toBe(400);
      const body = (await res.json()) as TrpcErrorBody;
      expect(body.error.data.appError).toEqual({
        code: "INVALID_INPUT",
        userMessage: "The text contains an invalid character (NUL, U+0000). Remove it and try again.",
        // The console words the refusal from this, in its language.
        reason: { code: "input.nul_character" },
      });
    },
  );

  dbTest("are found in any string of the input, object keys included", () => {
    expect(containsNul({ a: [{ b: "x" }, "y"], c: 1, d: null })).toBe(false);
    expect(containsNul({ a: [{ b: "x\u0000" }] })).toBe(true);
    expect(containsNul({ spec: { "k\u0000": 1 } })).toBe(true);
    expect(containsNul("\\u0000")).toBe(false);
  });

  dbTest("are looked for without recursion: input nested 100,000 deep is walked, not a stack overflow", () => {
    let deep: unknown = "fim\u0000";
    for (let i = 0; i < 100_000; i++) {
      deep = i % 2 === 0 ? [deep] : { k: deep };
    }
    expect(containsNul(deep)).toBe(true);
    expect(containsNul(JSON.parse("[".repeat(100_000) + "]".repeat(100_000)))).toBe(false);
  });
});

describe("/trpc request body nesting", () => {
  /** A 5 MB-class body of `[[[…]]]` under `{"email":…,"password":…,"pad":…}`, as the audit sent. */
  const deepLogin = (depth: number, inString = "") =>
    `{"email":"a@b.test","password":"x","note":"${inString}","pad":${"[".repeat(depth)}${"]".repeat(depth)}}`;

  dbTest(
    "a body nested deeper than 64 levels is 400 in tRPC's error shape before it is parsed; at 64 it is read as usual",
    async ({ db }) => {
      const { app } = buildTestApp(db);
      const cookie = await signedIn(db, app);
      const deep = await app.request("/trpc/auth.login", postJson(deepLogin(2 * 1024 * 1024), cookie));
      expect(deep.status).toBe(400);
      const body = (await deep.json()) as TrpcErrorBody;
      expect(body.error).toMatchObject({ message: "request body nested deeper than 64 levels" });
      expect(body.error.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
      // Anonymous (under 64 KiB), and as a batch: the same.
      expect((await app.request("/trpc/auth.login", postJson(deepLogin(30_000)))).status).toBe(400);
      const batch = await app.request("/trpc/auth.login,auth.login?batch=1", postJson(`{"0":${deepLogin(100)}}`));
      expect(batch.status).toBe(400);
      // The outer object is level 1: 63 more brackets is 64 in all, allowed (a wrong password: 401).
      expect((await app.request("/trpc/auth.login", postJson(deepLogin(63)))).status).toBe(401);
      expect((await app.request("/trpc/auth.login", postJson(deepLogin(64)))).status).toBe(400);
      // Brackets and escaped quotes inside strings are text, not nesting.
      const inText = deepLogin(1, `\\\\\\"${"[{".repeat(500)}\\\\`);
      expect(JSON.parse(inText)).toMatchObject({ email: "a@b.test" });
      expect((await app.request("/trpc/auth.login", postJson(inText))).status).toBe(401);
    },
  );

  dbTest("the audit's attack (six concurrent 4 MB deep bodies) gets 413 anonymous, 400 signed in, never a 500; the server keeps answering", async ({ db }) => {
    const { port, cookie } = await listen(db);
    const body = deepLogin(2 * 1024 * 1024);
    const send = (withCookie: string | undefined) =>
      fetch(`http://127.0.0.1:${port}/trpc/auth.login`, postJson(body, withCookie)).then(async (res) => ({
        status: res.status,
        code: ((await res.json()) as TrpcErrorBody).error.data.code,
      }));
    const answers = await Promise.all([...Array.from({ length: 3 }, () => send(undefined)), ...Array.from({ length: 3 }, () => send(cookie))]);
    expect(answers).toEqual([
      ...Array.from({ length: 3 }, () => ({ status: 413, code: "PAYLOAD_TOO_LARGE" })),
      ...Array.from({ length: 3 }, () => ({ status: 400, code: "BAD_REQUEST" })),
    ]);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});

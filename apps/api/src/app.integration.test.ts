import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { describe, expect, inject, onTestFinished } from "vitest";

import { closeDb, createDb } from "@lx/db/client";
import { dbTest, withDatabase } from "@lx/db/testing";
import { AppError } from "@lx/shared/errors";

import { buildTestApp } from "./testing/harness.ts";

type ErrorBody = { error: { code: string; message: string; requestId: string } };

describe("probes", () => {
  dbTest("GET /healthz answers 200 ok", async ({ db }) => {
    const { app } = buildTestApp(db);
    const res = await app.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
  });

  dbTest("GET /readyz is 200 on a migrated database", async ({ db }) => {
    const { app } = buildTestApp(db);
    const res = await app.request("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready" });
  });

  dbTest("GET /readyz is 503 with the reason on a database without migrations", async () => {
    const baseUrl = inject("lxDbBaseUrl");
    const name = `lx_unmigrated_${Date.now().toString(36)}`;
    const admin = createDb(baseUrl, { max: 1 });
    await admin.$client.unsafe(`create database "${name}"`);
    const empty = createDb(withDatabase(baseUrl, name), { max: 1 });
    onTestFinished(async () => {
      await closeDb(empty);
      await admin.$client.unsafe(`drop database if exists "${name}" with (force)`);
      await closeDb(admin);
    });

    const { app } = buildTestApp(empty);
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; reason: string };
    expect(body.status).toBe("not_ready");
    expect(body.reason).toMatch(/^\d+ pending migrations?$/);
  });

  dbTest("GET /readyz is 503 when the database does not answer", async () => {
    const unreachable = createDb("postgres://postgres@127.0.0.1:1/nothing", { max: 1 });
    onTestFinished(() => closeDb(unreachable));
    const { app } = buildTestApp(unreachable);
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    expect(((await res.json()) as { reason: string }).reason).toMatch(/^database unavailable: /);
  });

  dbTest("GET /metrics exposes Prometheus text with default and HTTP metrics", async ({ db }) => {
    const { app } = buildTestApp(db);
    await app.request("/healthz");
    await app.request("/nope");
    const res = await app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(text).toMatch(
      /http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} 1/,
    );
    // Unmatched paths never become label values.
    expect(text).not.toContain('route="/nope"');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{route="unmatched",method="GET",status="404"\} 1/,
    );
    expect(text).toContain("process_cpu_user_seconds_total");
  });
});

describe("errors and request ids", () => {
  dbTest("every response carries an X-Request-Id, and a sane incoming one is kept", async ({ db }) => {
    const { app } = buildTestApp(db);
    const generated = await app.request("/healthz");
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const kept = await app.request("/healthz", { headers: { "X-Request-Id": "edge-req-42" } });
    expect(kept.headers.get("x-request-id")).toBe("edge-req-42");

    const replaced = await app.request("/healthz", { headers: { "X-Request-Id": "bad id with spaces\n" } });
    expect(replaced.headers.get("x-request-id")).not.toContain(" ");
  });

  dbTest("an unknown route is a JSON 404 in the error shape", async ({ db }) => {
    const { app } = buildTestApp(db);
    const res = await app.request("/api/nothing-here", { headers: { "X-Request-Id": "r-404" } });
    expect(res.status).toBe(404);
    const body = (await res.json()) as ErrorBody;
    expect(body).toEqual({
      error: { code: "NOT_FOUND", message: "no route for GET /api/nothing-here", requestId: "r-404" },
    });
  });

  dbTest("an unexpected error is a 500 without detail, logged with its stack", async ({ db }) => {
    const { app, logs } = buildTestApp(db);
    app.get("/boom", () => {
      throw new Error("connection string postgres://secret@host leaked");
    });
    const res = await app.request("/boom", { headers: { "X-Request-Id": "r-500" } });
    expect(res.status).toBe(500);
    expect(res.headers.get("x-request-id")).toBe("r-500");
    const body = (await res.json()) as ErrorBody;
    expect(body).toEqual({
      error: { code: "INTERNAL", message: "internal server error", requestId: "r-500" },
    });

    const logged = logs().find((l) => l.msg === "unhandled error");
    expect(logged).toBeDefined();
    expect(logged?.requestId).toBe("r-500");
    expect(JSON.stringify(logged?.err)).toContain("leaked");
    expect((logged?.err as { stack?: string }).stack).toContain("app.integration.test.ts");
  });

  dbTest("an AppError answers with its mapped status and message", async ({ db }) => {
    const { app } = buildTestApp(db);
    app.get("/conflict", () => {
      throw new AppError("CONFLICT", { message: "already there" });
    });
    app.get("/limited", () => {
      throw new AppError("RATE_LIMITED", { message: "slow down" });
    });
    const conflict = await app.request("/conflict");
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as ErrorBody).error).toMatchObject({
      code: "CONFLICT",
      message: "already there",
    });
    const limited = await app.request("/limited");
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as ErrorBody).error.code).toBe("RATE_LIMITED");
  });
});

describe("console static files", () => {
  async function makeDist(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "lx-admin-dist-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, "index.html"), "<!doctype html><title>LX console</title>");
    await mkdir(path.join(dir, "assets"));
    await writeFile(path.join(dir, "assets", "app-1a2b.js"), "console.log('lx')");
    await writeFile(path.join(dir, "assets", "app-1a2b.js.map"), '{"version":3,"sourcesContent":["secret"]}');
    return dir;
  }

  dbTest(
    "serves files, falls back to index.html for client routes, and leaves the API alone",
    async ({ db }) => {
      const { app } = buildTestApp(db, { adminDistDir: await makeDist() });

      const root = await app.request("/");
      expect(root.status).toBe(200);
      expect(root.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await root.text()).toContain("LX console");

      const asset = await app.request("/assets/app-1a2b.js");
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toMatch(/javascript/);
      expect(await asset.text()).toBe("console.log('lx')");

      const deepLink = await app.request("/tenants/haven/agents/sdr");
      expect(deepLink.status).toBe(200);
      expect(await deepLink.text()).toContain("LX console");

      const missingAsset = await app.request("/assets/gone-9999.js");
      expect(missingAsset.status).toBe(404);

      // A source map left in the build is never served (it would hand out the console's source).
      const sourceMap = await app.request("/assets/app-1a2b.js.map");
      expect(sourceMap.status).toBe(404);
      expect(await sourceMap.text()).not.toContain("secret");

      const api = await app.request("/api/unknown");
      expect(api.status).toBe(404);
      expect(((await api.json()) as ErrorBody).error.code).toBe("NOT_FOUND");

      const trpc = await app.request("/trpc/auth.me");
      expect(trpc.status).toBe(200);
      expect(await trpc.json()).toEqual({ result: { data: null } });

      expect(await (await app.request("/healthz")).text()).toBe("ok");

      const post = await app.request("/tenants/haven", { method: "POST" });
      expect(post.status).toBe(404);
    },
  );

  dbTest("the console cannot be framed and loads only its own scripts; HSTS only over HTTPS", async ({ db }) => {
    const dist = await makeDist();
    const { app } = buildTestApp(db, { adminDistDir: dist });
    for (const url of ["/", "/tenants/haven", "/trpc/auth.me"]) {
      const res = await app.request(url);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'self'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("strict-transport-security")).toBeNull();
    }
    // Meta's webhook (no browser) answers without them: the hottest path does no extra work.
    const handshake = await app.request("/api/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1");
    expect(handshake.headers.get("content-security-policy")).toBeNull();
    const https = buildTestApp(db, { adminDistDir: dist, cookieSecure: true });
    expect((await https.app.request("/")).headers.get("strict-transport-security")).toBe("max-age=31536000");
  });

  dbTest("without ADMIN_DIST_DIR, / is a 404", async ({ db }) => {
    const { app } = buildTestApp(db);
    expect((await app.request("/")).status).toBe(404);
  });
});

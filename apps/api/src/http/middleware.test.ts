import { Hono } from "hono";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";

import { createLogger } from "../logger.ts";
import { requestContext, requestLog } from "./middleware.ts";
import type { HonoEnv } from "./types.ts";

function appLoggingAt(level: string) {
  type Line = { level: number; msg: string; path?: string; status?: number; requestId?: string };
  const lines: Line[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  const registry = new Registry();
  const app = new Hono<HonoEnv>();
  app.use("*", requestContext(logger));
  app.use("*", requestLog(registry));
  app.post("/api/webhooks/whatsapp", (c) =>
    c.req.header("x-hub-signature-256") ? c.text("ok", 200) : c.text("invalid signature", 401),
  );
  app.get("/healthz", (c) => c.text("ok"));
  app.get("/api/things", (c) => c.json([]));
  app.get("/api/broken", (c) => c.text("no", 503));
  app.get("/readyz", (c) => c.json({ status: "not_ready", reason: "1 pending migration" }, 503));
  return { app, lines, registry };
}

describe("request log", () => {
  it("logs every request at info except the successes of probes, scrapes and Meta's webhook deliveries", async () => {
    const { app, lines } = appLoggingAt("info");
    await app.request("/api/webhooks/whatsapp", { method: "POST", headers: { "x-hub-signature-256": "sha256=ab" } });
    await app.request("/healthz");
    expect(lines).toEqual([]);

    await app.request("/api/webhooks/whatsapp", { method: "POST" });
    await app.request("/api/things");
    await app.request("/api/broken");
    // A probe answered "not ready" (pending migrations) is no failure: not at error level.
    await app.request("/readyz");
    expect(lines.map((l) => [l.level, l.msg, l.path, l.status])).toEqual([
      [30, "request", "/api/webhooks/whatsapp", 401],
      [30, "request", "/api/things", 200],
      [50, "request failed", "/api/broken", 503],
    ]);
    expect(lines.every((l) => typeof l.requestId === "string" && l.requestId.length > 0)).toBe(true);
  });

  it("still logs the quiet successes at debug", async () => {
    const { app, lines } = appLoggingAt("debug");
    await app.request("/api/webhooks/whatsapp", { method: "POST", headers: { "x-hub-signature-256": "sha256=ab" } });
    expect(lines.map((l) => [l.level, l.msg, l.path, l.status])).toEqual([[20, "request", "/api/webhooks/whatsapp", 200]]);
  });

  it("times every request, quiet or not, in the histogram", async () => {
    const { app, registry } = appLoggingAt("info");
    await app.request("/api/webhooks/whatsapp", { method: "POST", headers: { "x-hub-signature-256": "sha256=ab" } });
    const text = await registry.metrics();
    expect(text).toMatch(/_count\{[^}]*route="\/api\/webhooks\/whatsapp"[^}]*status="200"[^}]*\} 1/);
  });
});

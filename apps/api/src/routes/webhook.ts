import { createHmac, timingSafeEqual } from "node:crypto";

import { Hono } from "hono";

import { readRawBody, TOO_LARGE } from "../http/raw-body.ts";
import type { HonoEnv } from "../http/types.ts";
import { processWebhook, type WebhookDeps, type WebhookSummary } from "../services/webhook.ts";

export const WEBHOOK_MAX_BYTES = 4 * 1024 * 1024;

export type WhatsappWebhookDeps = WebhookDeps & {
  /** META_APP_SECRET, then META_APP_SECRET_PREVIOUS during an app-secret reset. */
  appSecret: string | readonly string[];
  verifyToken: string;
  onProcessed?: (summary: WebhookSummary, ms: number) => void;
};

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * `sha256=<hex>` over the exact bytes Meta sent (never a re-serialisation: Meta escapes as \uXXXX),
 * with the app secret, or with any of them while a reset of the secret is being rolled out (the
 * current one first; the previous one costs an HMAC only for a POST the current one refused).
 */
export function verifyMetaSignature(appSecret: string | readonly string[], raw: Buffer, header: string | undefined): boolean {
  if (!header?.startsWith("sha256=")) {
    return false;
  }
  const given = header.trim();
  const secrets = typeof appSecret === "string" ? [appSecret] : appSecret;
  return secrets.some((secret) => safeEqual(`sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`, given));
}

/**
 * GET: the verification handshake. POST: signature on the raw body (401, nothing stored, when
 * missing or wrong), 413 past 4 MiB, then enqueue-only processing and 200.
 */
export function whatsappWebhook(deps: WhatsappWebhookDeps): Hono<HonoEnv> {
  const routes = new Hono<HonoEnv>();

  routes.get("/", (c) => {
    const mode = c.req.query("hub.mode");
    const token = c.req.query("hub.verify_token") ?? "";
    const challenge = c.req.query("hub.challenge") ?? "";
    if (mode === "subscribe" && safeEqual(token, deps.verifyToken)) {
      return c.text(challenge, 200);
    }
    return c.text("forbidden", 403);
  });

  routes.post("/", async (c) => {
    const started = performance.now();
    const raw = await readRawBody(c, WEBHOOK_MAX_BYTES);
    if (raw === TOO_LARGE) {
      const requestId: string = c.get("requestId");
      return c.json({ error: { code: "PAYLOAD_TOO_LARGE", message: "body over 4 MiB", requestId } }, 413);
    }
    if (!verifyMetaSignature(deps.appSecret, raw, c.req.header("x-hub-signature-256"))) {
      return c.json(
        { error: { code: "UNAUTHORIZED", message: "invalid signature", requestId: c.get("requestId") } },
        401,
      );
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString("utf8")) as unknown;
    } catch {
      payload = { unparseable: raw.toString("utf8").slice(0, 100_000) };
    }
    const summary = await processWebhook(deps, payload, {
      requestId: c.get("requestId"),
      logger: c.get("logger"),
    });
    deps.onProcessed?.(summary, performance.now() - started);
    return c.text("ok", 200);
  });

  return routes;
}

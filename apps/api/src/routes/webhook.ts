import { createHmac, timingSafeEqual } from "node:crypto";

import { Hono } from "hono";

import { describeFailure } from "@lx/db/client";
import { storeIgnoredEvent } from "@lx/db/queries";

import { jsonNestingExceeds, MAX_JSON_DEPTH } from "../http/json-depth.ts";
import { readRawBody, TOO_LARGE } from "../http/raw-body.ts";
import type { HonoEnv } from "../http/types.ts";
import { isUnstorable, processWebhook, type WebhookDeps, type WebhookSummary } from "../services/webhook.ts";

export const WEBHOOK_MAX_BYTES = 4 * 1024 * 1024;

export type WhatsappWebhookDeps = WebhookDeps & {
  /** META_APP_SECRET, then META_APP_SECRET_PREVIOUS during an app-secret reset. */
  appSecret: string | readonly string[];
  verifyToken: string;
  /** A POST began (before its body is read): webhook floods count arrivals, not only answers. */
  onArrival?: () => void;
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

function ignoredSummary(): WebhookSummary {
  return { queued: 0, stored: 0, duplicates: 0, statuses: 0, ignored: 1, unknownNumbers: 0, templates: 0 };
}

/**
 * GET: the verification handshake. POST: signature on the raw body (401, nothing stored, when
 * missing or wrong), 413 past 4 MiB, then enqueue-only processing and 200. A message, status or
 * change PostgreSQL refuses to store as it is (isUnstorable) is kept alone as `ignored` with the
 * reason while the rest of the batch is processed (processWebhook); a 500 would make Meta redeliver
 * the whole POST, in vain, for days. A signed body nested deeper than MAX_JSON_DEPTH — or, as a last
 * resort, one refused outside any such unit — is kept whole as one `ignored` webhook event
 * (`payload.raw`, the text Meta sent) with the reason, and answered 200 too. A connection loss, a
 * timeout or a lock wait answers 500 (Meta redelivers).
 */
export function whatsappWebhook(deps: WhatsappWebhookDeps): Hono<HonoEnv> {
  const routes = new Hono<HonoEnv>();

  routes.get("/", (c) => {
    const mode = c.req.query("hub.mode");
    const token = c.req.query("hub.verify_token") ?? "";
    const challenge = c.req.query("hub.challenge") ?? "";
    if (mode === "subscribe" && safeEqual(token, deps.verifyToken)) {
      // The webhook path goes without the security headers (security-headers.ts); this answer echoes
      // a query parameter, so no browser may sniff it into HTML.
      c.header("X-Content-Type-Options", "nosniff");
      return c.text(challenge, 200);
    }
    return c.text("forbidden", 403);
  });

  routes.post("/", async (c) => {
    const started = performance.now();
    deps.onArrival?.();
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
    const text = raw.toString("utf8");
    const keepRaw = async (error: string) => {
      c.get("logger").warn({ error, bytes: raw.length }, "signed webhook kept as ignored: it cannot be stored as it is");
      await storeIgnoredEvent(deps.db, { payload: { raw: text }, error });
      return ignoredSummary();
    };
    let summary: WebhookSummary;
    if (jsonNestingExceeds(raw, MAX_JSON_DEPTH)) {
      summary = await keepRaw(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else {
      let payload: unknown;
      try {
        payload = JSON.parse(text) as unknown;
      } catch {
        payload = { unparseable: text.slice(0, 100_000) };
      }
      try {
        summary = await processWebhook(deps, payload, {
          requestId: c.get("requestId"),
          logger: c.get("logger"),
        });
      } catch (err) {
        if (!isUnstorable(err)) {
          throw err;
        }
        // Last resort (processWebhook keeps each refused unit alone): what was stored before the
        // failure stays (a redelivery would find it a duplicate anyway).
        summary = await keepRaw(`could not be stored: ${describeFailure(err)}`);
      }
    }
    deps.onProcessed?.(summary, performance.now() - started);
    return c.text("ok", 200);
  });

  return routes;
}

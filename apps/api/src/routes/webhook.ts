import { createHmac, timingSafeEqual } from "node:crypto";

import { Hono, type Context } from "hono";

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

const TOO_LARGE = Symbol("too large");

/** Past this much, an oversize body is not read to its end: the connection is cut instead. */
const DISCARD_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Reads the rest of an oversize body and throws it away, so that the sender, still writing, gets
 * the 413: a request left unread is destroyed after the answer (@hono/node-server), and a client
 * mid-upload then sees its connection reset instead of the status (Node's fetch: "fetch failed",
 * ECONNRESET). Bounded: a body declared (Content-Length) or read past DISCARD_MAX_BYTES is left
 * unread, and the cut stands. `read` is what was read already.
 */
async function discardRest(incoming: NodeJS.ReadableStream, read: number, declared = read): Promise<void> {
  if (declared > DISCARD_MAX_BYTES) {
    return;
  }
  let size = read;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > DISCARD_MAX_BYTES) {
      return;
    }
  }
}

/**
 * The exact request bytes, or TOO_LARGE past `max` (refused by Content-Length before reading, or as
 * soon as the count passes it). Under @hono/node-server the bytes are read straight from Node's
 * request stream: the webhook never builds a WHATWG Request (that object and its stream were about a
 * quarter of the API's CPU per webhook). Elsewhere (app.request in tests) through the Request.
 */
async function readRawBody(c: Context<HonoEnv>, max: number): Promise<Buffer | typeof TOO_LARGE> {
  // Typed by HonoEnv's Bindings (@hono/node-server); absent under app.request in tests.
  const incoming = c.env?.incoming;
  const streamed = incoming !== undefined && typeof incoming.on === "function" && !incoming.readableEnded;
  const length = Number(c.req.header("content-length") ?? NaN);
  if (length > max) {
    if (streamed) {
      await discardRest(incoming, 0, length);
    }
    return TOO_LARGE;
  }
  if (!streamed) {
    const buf = Buffer.from(await c.req.arrayBuffer());
    return buf.length > max ? TOO_LARGE : buf;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      await discardRest(incoming, size);
      return TOO_LARGE;
    }
    chunks.push(chunk);
  }
  const [only] = chunks;
  return chunks.length === 1 && only ? only : Buffer.concat(chunks, size);
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

import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

import { afterEach, beforeEach, expect, onTestFinished, test } from "vitest";

import { MAX_RESPONSE_BYTES, parseEgressAllow, setEgressPolicy } from "./egress.ts";
import { postSignedWebhook } from "./outgoing-webhook.ts";

beforeEach(() => setEgressPolicy(parseEgressAllow("127.0.0.1")));
afterEach(() => setEgressPolicy(parseEgressAllow(undefined)));

const CHUNK = 64 * 1024;
const HUGE = 400 * 1024 * 1024;

/**
 * A receiver on 127.0.0.1 that answers each POST with `answer`, recording what it got and, for a
 * streamed answer, how many bytes it managed to write before the worker closed the connection.
 */
async function receiver(answer: (req: IncomingMessage, res: ServerResponse, raw: string) => void) {
  const seen: { raw: string; headers: IncomingMessage["headers"] }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      seen.push({ raw, headers: req.headers });
      answer(req, res, raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hook`, seen };
}

/**
 * Streams up to 400 MiB of a JSON string in 64 KiB chunks, honouring backpressure; resolves `closed`
 * with the bytes written when the client goes away (or the body is done, `complete` true).
 */
function streamHuge(res: ServerResponse, headers: Record<string, string> = {}) {
  let written = 0;
  let resolveClosed: (v: { written: number; complete: boolean }) => void = () => undefined;
  const closed = new Promise<{ written: number; complete: boolean }>((r) => (resolveClosed = r));
  const chunk = Buffer.alloc(CHUNK, "a");
  res.writeHead(200, { "content-type": "application/json", ...headers });
  res.on("close", () => resolveClosed({ written, complete: written >= HUGE }));
  const pump = () => {
    while (written < HUGE && !res.destroyed) {
      written += CHUNK;
      if (!res.write(chunk)) {
        res.once("drain", pump);
        return;
      }
    }
    if (written >= HUGE) {
      res.end();
    }
  };
  res.write('{"slots":"');
  pump();
  return closed;
}

test("a receiver streaming a huge answer: the call fails at once as too_large, not retried, and the connection is closed after about 256 KiB", async () => {
  let closed: Promise<{ written: number; complete: boolean }> | undefined;
  const r = await receiver((_req, res) => {
    closed = streamHuge(res);
  });
  const started = performance.now();
  const res = await postSignedWebhook({ url: r.url, secret: "s", requestId: "big-1", body: { event: "handoff.started" }, backoffMs: 1 });
  const ms = performance.now() - started;
  expect(res).toMatchObject({ ok: false, status: null, kind: "too_large", attempts: 1, retryable: false });
  expect(res.ok ? "" : res.error).toMatch(/^ResponseTooLarge: the answer is larger than 256 KiB/);
  expect(r.seen).toHaveLength(1);
  // The worker hung up: the receiver got nowhere near its 400 MiB (what it wrote beyond the cap sat
  // in the loopback socket's buffers, never in the worker's memory).
  const end = await closed;
  expect(end?.complete).toBe(false);
  expect(end?.written).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1024 * 1024);
  expect(ms).toBeLessThan(5_000);
});

test("an answer whose content-length is past the cap is refused without reading it; one at the cap is read", async () => {
  let closed: Promise<{ written: number; complete: boolean }> | undefined;
  const big = await receiver((_req, res) => {
    closed = streamHuge(res, { "content-length": String(HUGE + 11) });
  });
  const res = await postSignedWebhook({ url: big.url, secret: "s", requestId: "big-2", body: {}, backoffMs: 1 });
  expect(res).toMatchObject({ ok: false, kind: "too_large", attempts: 1 });
  expect(res.ok ? "" : res.error).toContain(`content-length ${HUGE + 11}`);
  expect((await closed)?.complete).toBe(false);

  const value = "x".repeat(MAX_RESPONSE_BYTES - 12);
  const fits = await receiver((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ value })));
  expect(await postSignedWebhook({ url: fits.url, secret: "s", requestId: "fits", body: {}, backoffMs: 1 })).toMatchObject({
    ok: true,
    json: { value },
  });
});

test("an error answer is quoted by its start, whatever its size, and a 5xx is still retried", async () => {
  const r = await receiver((_req, res) => {
    res.writeHead(503, { "content-type": "text/plain" }).end("overloaded ".repeat(200_000));
  });
  const res = await postSignedWebhook({ url: r.url, secret: "s", requestId: "err-1", body: {}, backoffMs: 1 });
  expect(res).toMatchObject({ ok: false, status: 503, kind: "http", attempts: 3, retryable: true });
  expect(res.ok ? "" : res.error).toBe(`HTTP 503: ${"overloaded ".repeat(200_000).slice(0, 200)}`);
});

const hmac = (secret: string, raw: string) => `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;

test("each attempt carries its own signed time: sentAt in the body, the same in X-LX-Timestamp; retries keep the request id", async () => {
  let n = 0;
  const r = await receiver((_req, res) => {
    n += 1;
    res.writeHead(n < 3 ? 502 : 200, { "content-type": "application/json" }).end("{}");
  });
  const times = [new Date("2026-11-27T10:00:00.000Z"), new Date("2026-11-27T10:00:01.500Z"), new Date("2026-11-27T10:00:04.250Z")];
  const body = { event: "handoff.started", tenant: "haven", agent: "ana", conversation: { id: "c1", waId: "5511" }, requestId: "handoff-1" };
  const res = await postSignedWebhook({
    url: r.url,
    secret: "the-secret",
    previousSecret: "the-old-secret",
    requestId: "handoff-1",
    body,
    backoffMs: 1,
    now: () => times[r.seen.length] ?? new Date(),
  });
  expect(res).toMatchObject({ ok: true, attempts: 3 });
  expect(r.seen).toHaveLength(3);
  for (const [i, call] of r.seen.entries()) {
    const json = JSON.parse(call.raw) as Record<string, unknown>;
    // The contract's keys as they were, plus the time of this attempt.
    expect(json).toEqual({ ...body, sentAt: times[i]?.toISOString() });
    expect(call.headers["x-lx-timestamp"]).toBe(times[i]?.toISOString());
    expect(call.headers["x-lx-request-id"]).toBe("handoff-1");
    // Signed over the raw body, time included: changing the time breaks the signature.
    expect(call.headers["x-lx-signature"]).toBe(hmac("the-secret", call.raw));
    expect(call.headers["x-lx-signature-previous"]).toBe(hmac("the-old-secret", call.raw));
    const replayed = call.raw.replace(times[i]?.toISOString() ?? "", "2026-11-27T12:00:00.000Z");
    expect(hmac("the-secret", replayed)).not.toBe(call.headers["x-lx-signature"]);
  }
});

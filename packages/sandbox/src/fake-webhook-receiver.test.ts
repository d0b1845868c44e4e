import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signLx, startFakeWebhookReceiver, verifyLxSignature, type FakeWebhookReceiver } from "./fake-webhook-receiver.ts";

const SECRET = "tenant-webhook-secret";

function lxPost(url: string, body: unknown, options: { secret?: string; signature?: string; requestId?: string; signal?: AbortSignal } = {}): Promise<Response> {
  const raw = JSON.stringify(body);
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-lx-signature": options.signature ?? signLx(options.secret ?? SECRET, raw),
      "x-lx-request-id": options.requestId ?? "req-1",
    },
    body: raw,
    signal: options.signal,
  });
}

const toolCall = (tool: string, args: unknown = {}): Record<string, unknown> => ({
  tool,
  arguments: args,
  tenant: "haven",
  agent: "sdr",
  conversation: { id: "c1", waId: "5511999990001" },
  requestId: "req-1",
});

describe("verifyLxSignature", () => {
  it("accepts the hex HMAC-SHA256 of the raw body, rejects anything else", () => {
    const raw = '{"tool":"x","arguments":{"nome":"Jos\u00e9"}}';
    const header = `sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`;
    expect(signLx(SECRET, raw)).toBe(header);
    expect(verifyLxSignature(SECRET, raw, header)).toBe(true);
    expect(verifyLxSignature(SECRET, Buffer.from(raw), header.toUpperCase().replace("SHA256=", "sha256="))).toBe(true);
    expect(verifyLxSignature("other", raw, header)).toBe(false);
    expect(verifyLxSignature(SECRET, `${raw} `, header)).toBe(false);
    expect(verifyLxSignature(SECRET, raw, header.slice(7))).toBe(false);
    expect(verifyLxSignature(SECRET, raw, "sha256=abc")).toBe(false);
    expect(verifyLxSignature(SECRET, raw, undefined)).toBe(false);
  });
});

describe("fake webhook receiver", () => {
  let receiver: FakeWebhookReceiver;
  beforeAll(async () => {
    receiver = await startFakeWebhookReceiver({ secret: SECRET, toolResponses: { consultar_agenda: { horarios: ["09:00", "10:00"] } } });
  });
  afterEach(() => {
    receiver.reset();
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it("records raw body, headers, tool and request id; answers the configured JSON per tool", async () => {
    const response = await lxPost(`${receiver.url}/hooks/n8n`, toolCall("consultar_agenda", { dia: "segunda" }), { requestId: "req-42" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ horarios: ["09:00", "10:00"] });
    const [got] = receiver.requests;
    expect(got).toMatchObject({ method: "POST", path: "/hooks/n8n", tool: "consultar_agenda", requestId: "req-42", signatureValid: true, status: 200 });
    expect(got!.json).toMatchObject({ arguments: { dia: "segunda" } });
    expect(receiver.verify(got!, SECRET)).toBe(true);
    expect(verifyLxSignature(SECRET, got!.rawBody, got!.headers["x-lx-signature"])).toBe(true);
  });

  it("tool responses can be functions of the request; other calls get { ok: true }", async () => {
    receiver.setToolResponse("criar_lead", (r) => ({ id: "lead-1", echo: (r.json as { arguments: unknown }).arguments }), 201);
    const created = await lxPost(receiver.url, toolCall("criar_lead", { nome: "Ana" }));
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: "lead-1", echo: { nome: "Ana" } });
    const handoff = await lxPost(receiver.url, { event: "handoff", tenant: "haven" });
    expect(await handoff.json()).toEqual({ ok: true });
    expect(receiver.requests[1]!.event).toBe("handoff");
  });

  it("a bad signature is recorded and answered 401", async () => {
    const response = await lxPost(receiver.url, toolCall("consultar_agenda"), { secret: "wrong" });
    expect(response.status).toBe(401);
    expect(receiver.requests[0]!.signatureValid).toBe(false);
  });

  it("failure injection: status, delay, hang (for client timeouts)", async () => {
    receiver.failNext(1, { kind: "status", status: 503 });
    receiver.failNext(1, { kind: "delay", ms: 120 });
    receiver.failNext(1, { kind: "hang" });
    const failed = await lxPost(receiver.url, toolCall("consultar_agenda"));
    expect(failed.status).toBe(503);
    const started = Date.now();
    const delayed = await lxPost(receiver.url, toolCall("consultar_agenda"));
    expect(delayed.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    await expect(lxPost(receiver.url, toolCall("consultar_agenda"), { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 200, undefined]);
    const retry = await lxPost(receiver.url, toolCall("consultar_agenda"), { requestId: "req-1" });
    expect(retry.status).toBe(200);
    expect(receiver.requests.map((r) => r.requestId)).toEqual(["req-1", "req-1", "req-1", "req-1"]);
  });

  it("failWhere targets one tool; waitFor / waitForCount are event-based", async () => {
    const remove = receiver.failWhere((r) => r.tool === "lento", { kind: "status", status: 500, body: { error: "down" } });
    const waiting = receiver.waitFor((r) => r.tool === "lento");
    const down = await lxPost(receiver.url, toolCall("lento"));
    expect(down.status).toBe(500);
    expect(await down.json()).toEqual({ error: "down" });
    expect((await waiting).failure).toEqual({ kind: "status", status: 500, body: { error: "down" } });
    remove();
    await lxPost(receiver.url, toolCall("lento"));
    const both = await receiver.waitForCount(2, (r) => r.tool === "lento");
    expect(both.map((r) => r.status)).toEqual([500, 200]);
  });
});

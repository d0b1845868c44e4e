import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WebhookPayload } from "./customer.ts";
import { createFakeGraphApp, createFakeGraphState, startFakeGraph, type FakeGraph } from "./fake-graph.ts";
import { startFakeWebhookReceiver, type FakeWebhookReceiver, type ReceivedWebhook } from "./fake-webhook-receiver.ts";

const FIXTURES = new URL("../fixtures/meta/", import.meta.url);
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8")) as Record<string, unknown>;

const PNID = "106000000000010";
const APP_SECRET = "test_app_secret";

/** Keys and leaf types, recursively. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(shape);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  }
  return typeof value;
}

function post(fake: FakeGraph, body: unknown, options: { token?: string | null; pnid?: string; version?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = options.token === undefined ? "tok" : options.token;
  if (token !== null) {
    headers.authorization = `Bearer ${token}`;
  }
  return fetch(`${fake.url}/${options.version ?? "v23.0"}/${options.pnid ?? PNID}/messages`, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

const text = (to: string, body: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  messaging_product: "whatsapp",
  recipient_type: "individual",
  to,
  type: "text",
  text: { body },
  ...extra,
});

const statusOf = (r: ReceivedWebhook): Record<string, unknown> =>
  (r.json as WebhookPayload).entry[0]!.changes[0]!.value.statuses![0]! as unknown as Record<string, unknown>;

describe("fake graph: sends", () => {
  let fake: FakeGraph;
  beforeAll(async () => {
    fake = await startFakeGraph();
  });
  afterEach(() => {
    fake.reset();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it("accepts every fixture send request and answers like send-success-response.json", async () => {
    const files = [
      "send-text-request.json",
      "send-text-reply-request.json",
      "send-image-request.json",
      "send-interactive-buttons-request.json",
      "send-interactive-list-request.json",
      "send-reaction-request.json",
      "send-template-named-params-request.json",
    ];
    for (const file of files) {
      const request = fixture(file);
      const response = await post(fake, request);
      expect(response.status, file).toBe(200);
      const body = await json(response);
      const isTemplate = request.type === "template";
      const expected = fixture(isTemplate ? "send-template-success-response.json" : "send-success-response.json");
      expect(shape(body), file).toEqual(shape(expected));
      expect(body.contacts).toEqual([{ input: request.to, wa_id: String(request.to).replace(/\D/g, "") }]);
      const [message] = body.messages as { id: string; message_status?: string }[];
      expect(message!.id).toMatch(/^wamid\./);
      expect(message!.message_status).toBe(isTemplate ? "accepted" : undefined);
    }
    const sent = fake.sent();
    expect(sent).toHaveLength(files.length);
    expect(new Set(sent.map((r) => r.wamid)).size).toBe(files.length);
    expect(sent[0]).toMatchObject({ phoneNumberId: PNID, token: "tok", outcome: "sent", httpStatus: 200, type: "text", to: "+12025550143" });
    expect(sent[0]!.text).toBe("Your order #4521 shipped today.");
    expect(sent[0]!.body).toEqual(fixture("send-text-request.json"));
  });

  it("template with biz_opaque_callback_data: message_status accepted, recorded", async () => {
    const response = await post(fake, fixture("send-template-request.json"));
    const body = await json(response);
    expect(shape(body)).toEqual(shape(fixture("send-template-success-response.json")));
    const [record] = fake.sent();
    expect(record).toMatchObject({ type: "template", bizOpaque: "order_4521:attempt_1" });
  });

  it("mark-as-read and typing answer {success:true} and are not sends", async () => {
    const read = await post(fake, fixture("send-mark-read-request.json"));
    expect(await read.json()).toEqual(fixture("mark-read-success-response.json"));
    const typing = await post(fake, fixture("send-typing-indicator-request.json"));
    expect(await typing.json()).toEqual({ success: true });
    expect(fake.requests.map((r) => r.outcome)).toEqual(["read", "typing"]);
    expect(fake.sent()).toEqual([]);
  });

  it("username recipients (`recipient` instead of `to`) are accepted", async () => {
    const response = await post(fake, { messaging_product: "whatsapp", recipient: "US.13491208655302741918", type: "text", text: { body: "oi" } });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.contacts).toEqual([{ input: "US.13491208655302741918", user_id: "US.13491208655302741918" }]);
    expect(fake.sent()[0]!.recipient).toBe("US.13491208655302741918");
  });

  it("401 with code 190 when the token is missing or not the registered one", async () => {
    const missing = await post(fake, text("+5511999990001", "x"), { token: null });
    expect(missing.status).toBe(401);
    const missingBody = await json(missing);
    expect(missingBody).toMatchObject({ error: { type: "OAuthException", code: 190 } });
    expect(Object.keys(missingBody.error as object)).toEqual(expect.arrayContaining(["message", "type", "code", "fbtrace_id"]));

    fake.setToken(PNID, "right");
    try {
      const wrong = await post(fake, text("+5511999990001", "x"), { token: "wrong" });
      expect(wrong.status).toBe(401);
      expect(((await json(wrong)).error as { code: number }).code).toBe(190);
      const other = await post(fake, text("+5511999990001", "x"), { token: "anything", pnid: "999" });
      expect(other.status).toBe(200);
      const right = await post(fake, text("+5511999990001", "x"), { token: "right" });
      expect(right.status).toBe(200);
    } finally {
      fake.setToken(PNID, null);
    }
    expect(fake.requests.map((r) => r.outcome)).toEqual(["unauthorized", "unauthorized", "sent", "sent"]);
    expect(fake.requests[0]!.token).toBeNull();
  });

  it("rejects invalid bodies with Meta's error JSON", async () => {
    const cases: [unknown, number][] = [
      [{ to: "+1", type: "text", text: { body: "x" } }, 100],
      [{ messaging_product: "whatsapp", type: "text", text: { body: "x" } }, 100],
      [{ messaging_product: "whatsapp", to: "+1", type: "poll", poll: {} }, 100],
      [{ messaging_product: "whatsapp", to: "+1", type: "text" }, 100],
      [{ messaging_product: "whatsapp", to: "+1", type: "text", text: { body: "x".repeat(4097) } }, 100],
      [{ messaging_product: "whatsapp", to: "+1", type: "template", template: { name: "x" } }, 100],
      [{ messaging_product: "whatsapp", to: "+1", type: "image", image: { caption: "no id" } }, 100],
      [{ messaging_product: "whatsapp", status: "read" }, 100],
      ["not json", 100],
    ];
    for (const [body, code] of cases) {
      const response = await post(fake, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await json(response)).error as { code: number }).code, JSON.stringify(body)).toBe(code);
    }
    const bodyy = await post(fake, { messaging_product: "whatsapp", to: "+1", type: "text", text: { bodyy: "x" } });
    const bodyyJson = await json(bodyy);
    const expected = fixture("error-invalid-param-100.json") as { error: { fbtrace_id: string } };
    expect(bodyyJson).toEqual({ error: { ...expected.error, fbtrace_id: expect.any(String) as unknown } });

    const buttons = fixture("send-interactive-buttons-request.json") as { interactive: { action: { buttons: unknown[] } } };
    buttons.interactive.action.buttons.push(buttons.interactive.action.buttons[0]);
    const tooMany = await post(fake, buttons);
    expect(((await json(tooMany)).error as { code: number }).code).toBe(131009);
    expect(fake.requests.every((r) => r.outcome === "invalid")).toBe(true);
    expect(fake.sent()).toEqual([]);
  });
});

describe("fake graph: failure injection", () => {
  let fake: FakeGraph;
  beforeAll(async () => {
    fake = await startFakeGraph();
  });
  afterEach(() => {
    fake.reset();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it("failNext error: Meta's error body (like error-rate-limit-130429.json), then normal again", async () => {
    fake.failNext(2, { kind: "error", code: 130429 });
    await post(fake, fixture("send-mark-read-request.json")); // mark-read does not consume failNext
    const first = await post(fake, text("+5511999990001", "a"));
    const second = await post(fake, text("+5511999990001", "b"));
    const third = await post(fake, text("+5511999990001", "c"));
    expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
    const expected = fixture("error-rate-limit-130429.json") as { error: Record<string, unknown> };
    expect(await first.json()).toEqual({ error: { ...expected.error, fbtrace_id: expect.any(String) as unknown } });
    expect(fake.requests.map((r) => r.outcome)).toEqual(["read", "error", "error", "sent"]);
    expect(fake.requests[1]).toMatchObject({ errorCode: 130429, httpStatus: 429 });
    expect(fake.sent().map((r) => r.text)).toEqual(["c"]);
  });

  it("error with explicit status, subcode and message; 190 like error-token-expired-190.json", async () => {
    fake.failNext(1, { kind: "error", code: 190 });
    fake.failNext(1, { kind: "error", status: 500, code: 131000, message: "boom", subcode: 42 });
    const expired = await post(fake, text("+1", "a"));
    expect(expired.status).toBe(401);
    const expected = fixture("error-token-expired-190.json") as { error: Record<string, unknown> };
    expect(await expired.json()).toEqual({ error: { ...expected.error, fbtrace_id: expect.any(String) as unknown } });
    const custom = await post(fake, text("+1", "b"));
    expect(custom.status).toBe(500);
    expect(await custom.json()).toMatchObject({ error: { code: 131000, message: "boom", error_subcode: 42 } });
  });

  it("failWhere applies to matching requests until removed", async () => {
    const remove = fake.failWhere((info) => info.body.to === "+5511000000001", { kind: "error", code: 131026 });
    expect((await post(fake, text("+5511000000001", "a"))).status).toBe(400);
    expect((await post(fake, text("+5511000000002", "b"))).status).toBe(200);
    expect((await post(fake, text("+5511000000001", "c"))).status).toBe(400);
    remove();
    expect((await post(fake, text("+5511000000001", "d"))).status).toBe(200);
    expect(fake.sent().map((r) => r.text)).toEqual(["b", "d"]);
  });

  it("drop-after-accept: the client gets a socket error, the message counts as sent with a wamid", async () => {
    fake.failNext(1, { kind: "drop-after-accept" });
    await expect(post(fake, text("+5511999990001", "ambiguous"))).rejects.toThrow(TypeError);
    const [record] = fake.sent();
    expect(record).toMatchObject({ outcome: "dropped", text: "ambiguous" });
    expect(record!.wamid).toMatch(/^wamid\./);
    expect(record!.httpStatus).toBeUndefined();
    // The next request is answered normally (new connection).
    expect((await post(fake, text("+5511999990001", "next"))).status).toBe(200);
  });

  it("delay: answered normally after the delay; accepted (recorded) before the answer", async () => {
    fake.failNext(1, { kind: "delay", ms: 150 });
    const order: string[] = [];
    const started = Date.now();
    const response = post(fake, text("+1", "slow")).then((r) => {
      order.push("answered");
      return r;
    });
    await fake.waitFor((r) => r.text === "slow").then(() => order.push("recorded"));
    const answered = await response;
    expect(answered.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(order).toEqual(["recorded", "answered"]);
  });

  it("setLatency delays every answer", async () => {
    fake.setLatency(120);
    const started = Date.now();
    expect((await post(fake, text("+1", "x"))).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it("waitFor rejects with what was recorded when nothing matches in time", async () => {
    await post(fake, text("+1", "only"));
    await expect(fake.waitFor((r) => r.text === "never", 50)).rejects.toThrow(/timed out after 50 ms.*sent text to \+1/);
  });
});

describe("fake graph: hang", () => {
  it("never answers until the server stops, then the socket closes", async () => {
    const fake = await startFakeGraph();
    fake.failNext(1, { kind: "hang" });
    let settled = false;
    const pending = post(fake, text("+1", "hang")).finally(() => {
      settled = true;
    });
    const record = await fake.waitFor((r) => r.outcome === "hung");
    expect(record.wamid).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    await fake.stop();
    await expect(pending).rejects.toThrow(TypeError);
    expect(fake.sent()).toEqual([]);
  });
});

describe("fake graph: status webhooks", () => {
  let fake: FakeGraph;
  let receiver: FakeWebhookReceiver;
  beforeAll(async () => {
    receiver = await startFakeWebhookReceiver();
    fake = await startFakeGraph({ webhook: { url: "", appSecret: APP_SECRET }, numbers: { [PNID]: { displayPhoneNumber: "12025550100" } } });
  });
  afterEach(() => {
    fake.reset();
    receiver.reset();
  });
  afterAll(async () => {
    await fake.stop();
    await receiver.stop();
  });

  function useReceiver(path = "/meta"): void {
    fake.setWebhook({ url: `${receiver.url}${path}`, appSecret: APP_SECRET });
  }

  function expectSigned(r: ReceivedWebhook): void {
    const independent = createHmac("sha256", APP_SECRET).update(Buffer.from(r.rawBody, "utf8")).digest("hex");
    expect(r.headers["x-hub-signature-256"]).toBe(`sha256=${independent}`);
    expect(/[^\x20-\x7e]/.test(r.rawBody)).toBe(false);
  }

  it("sent then delivered, signed over the escaped bytes, with biz_opaque_callback_data, like the fixtures", async () => {
    useReceiver();
    const response = await post(fake, text("+55 (11) 99999-0001", "Olá!", { biz_opaque_callback_data: "outbox:çé/1@x" }));
    const wamid = ((await json(response)).messages as { id: string }[])[0]!.id;
    const [sent, delivered] = await receiver.waitForCount(2);
    for (const r of [sent!, delivered!]) {
      expectSigned(r);
      expect(r.path).toBe("/meta");
      expect(r.rawBody).toContain(String.raw`"biz_opaque_callback_data":"outbox:\u00e7\u00e9\/1\u0040x"`);
      const payload = r.json as WebhookPayload;
      expect(payload.entry[0]!.changes[0]!.value.metadata).toEqual({ display_phone_number: "12025550100", phone_number_id: PNID });
    }
    expect(statusOf(sent!)).toMatchObject({ id: wamid, status: "sent", recipient_id: "5511999990001", biz_opaque_callback_data: "outbox:çé/1@x" });
    expect(statusOf(delivered!)).toMatchObject({ id: wamid, status: "delivered", recipient_id: "5511999990001" });
    expect(shape(sent!.json)).toEqual(shape(fixture("status-sent.json")));
    const deliveredFixture = fixture("status-delivered.json") as unknown as WebhookPayload;
    deliveredFixture.entry[0]!.changes[0]!.value.statuses![0]!.biz_opaque_callback_data = "x";
    expect(shape(delivered!.json)).toEqual(shape(deliveredFixture));
    await fake.waitForDelivery((d) => d.statusName === "delivered");
    expect(fake.deliveries.map((d) => [d.statusName, d.status])).toEqual([
      ["sent", 200],
      ["delivered", 200],
    ]);
  });

  it("read when enabled (v24-like shape of status-read.json), no statuses for mark-read", async () => {
    useReceiver();
    fake.setStatusDelays({ sent: 1, delivered: 5, read: 10 });
    try {
      await post(fake, fixture("send-mark-read-request.json"));
      await post(fake, text("+12025550143", "hi"));
      const all = await receiver.waitForCount(3);
      expect(all.map((r) => statusOf(r).status)).toEqual(["sent", "delivered", "read"]);
      expect(shape(all[2]!.json)).toEqual(shape(fixture("status-read.json")));
    } finally {
      fake.setStatusDelays({ sent: 5, delivered: 20, read: null });
    }
  });

  it("a dropped (ambiguous) send still produces statuses naming it", async () => {
    useReceiver();
    fake.failNext(1, { kind: "drop-after-accept" });
    await expect(post(fake, text("+1", "lost answer", { biz_opaque_callback_data: "row-7" }))).rejects.toThrow();
    const wamid = fake.sent()[0]!.wamid;
    const status = await receiver.waitFor((r) => statusOf(r).status === "sent");
    expect(statusOf(status)).toMatchObject({ id: wamid, biz_opaque_callback_data: "row-7" });
  });

  it("emitStatus sends a chosen status (failed 131047 like status-failed.json)", async () => {
    fake.setWebhook(null);
    const response = await post(fake, text("+447700900123", "late", { biz_opaque_callback_data: "row-9" }));
    const wamid = ((await json(response)).messages as { id: string }[])[0]!.id;
    useReceiver("/failed");
    const delivery = await fake.emitStatus({ phoneNumberId: PNID, wamid, status: "failed", errors: [131047] });
    expect(delivery.status).toBe(200);
    const r = await receiver.waitFor((x) => x.path === "/failed");
    expectSigned(r);
    const failedFixture = fixture("status-failed.json") as unknown as WebhookPayload;
    const expectedStatus = failedFixture.entry[0]!.changes[0]!.value.statuses![0]!;
    expect(statusOf(r)).toEqual({ ...expectedStatus, id: wamid, timestamp: expect.any(String) as unknown, biz_opaque_callback_data: "row-9" });
  });

  it("accept-then-fail: 200 with a wamid, then only a failed status", async () => {
    useReceiver();
    fake.failNext(1, { kind: "accept-then-fail" });
    const response = await post(fake, text("+447700900123", "outside window"));
    expect(response.status).toBe(200);
    const wamid = ((await json(response)).messages as { id: string }[])[0]!.id;
    // Only this send's statuses: a late status of an earlier test's send must not count here.
    const r = await receiver.waitFor((x) => statusOf(x).id === wamid);
    expect(statusOf(r)).toMatchObject({ id: wamid, status: "failed", errors: [{ code: 131047 }] });
    await expect(receiver.waitFor((x) => statusOf(x).id === wamid && statusOf(x).status !== "failed", 60)).rejects.toThrow();
  });

  it("re-delivers a status answered non-200", async () => {
    useReceiver();
    fake.setStatusDelays({ delivered: null });
    receiver.failNext(1, { kind: "status", status: 500 });
    try {
      await post(fake, text("+1", "retry me"));
      await fake.waitForDelivery((d) => d.status === 200);
      expect(fake.deliveries.map((d) => [d.attempt, d.status])).toEqual([
        [1, 500],
        [2, 200],
      ]);
      expect(receiver.requests[0]!.rawBody).toBe(receiver.requests[1]!.rawBody);
    } finally {
      fake.setStatusDelays({ delivered: 20 });
    }
  });

  it("one user whether `to` has its + or not: the same recipient_id and conversation id, as Meta keys them", async () => {
    useReceiver();
    await post(fake, text("+5511999990002", "com +"));
    await post(fake, text("5511999990002", "sem +"));
    const sent = (await receiver.waitForCount(4)).map(statusOf).filter((st) => st.status === "sent");
    expect(sent.map((st) => st.recipient_id)).toEqual(["5511999990002", "5511999990002"]);
    const ids = sent.map((st) => (st.conversation as { id: string }).id);
    expect(ids[0]).toBe(ids[1]);
  });

  it("username recipients get recipient_user_id", async () => {
    useReceiver();
    await post(fake, { messaging_product: "whatsapp", recipient: "US.1", type: "text", text: { body: "oi" } });
    const r = await receiver.waitFor((x) => statusOf(x).recipient_user_id === "US.1");
    expect(statusOf(r)).toMatchObject({ recipient_user_id: "US.1" });
    expect(statusOf(r)).not.toHaveProperty("recipient_id");
  });

  it("reset cancels pending statuses", async () => {
    useReceiver();
    fake.setStatusDelays({ sent: 100, delivered: 120 });
    try {
      await post(fake, text("+1", "x"));
      fake.reset();
      await expect(receiver.waitFor(() => true, 250)).rejects.toThrow();
    } finally {
      fake.setStatusDelays({ sent: 5, delivered: 20 });
    }
  });
});

describe("fake graph mounted in another Hono app", () => {
  it("serves under a prefix; hung requests are released by dispose()", async () => {
    const state = createFakeGraphState({ tokens: { [PNID]: "tok" } });
    const api = new Hono();
    api.get("/healthz", (c) => c.text("ok"));
    api.route("/sandbox/graph", createFakeGraphApp(state));
    const request = (body: unknown): Promise<Response> =>
      Promise.resolve(
        api.request(`/sandbox/graph/v23.0/${PNID}/messages`, {
          method: "POST",
          headers: { authorization: "Bearer tok", "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );
    const ok = await request(text("+1", "mounted"));
    expect(ok.status).toBe(200);
    expect(state.sent()[0]!.text).toBe("mounted");
    state.failNext(1, { kind: "hang" });
    const hung = request(text("+1", "hung"));
    await state.waitFor((r) => r.outcome === "hung");
    state.dispose();
    expect((await hung).status).toBe(503);
  });
});

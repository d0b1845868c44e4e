import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  batch,
  createCustomer,
  inboundInteractiveButtonReply,
  inboundListReply,
  inboundLocation,
  inboundMedia,
  inboundReaction,
  inboundTemplateButton,
  inboundText,
  inboundUnsupported,
  metaJsonStringify,
  newWamid,
  postWebhook,
  SANDBOX_DEFAULTS,
  signPayload,
  statusUpdate,
  type WebhookPayload,
} from "./customer.ts";
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from "./fake-webhook-receiver.ts";

const FIXTURES = new URL("../fixtures/meta/", import.meta.url);
const fixtureText = (name: string): string => readFileSync(new URL(name, FIXTURES), "utf8");
const fixture = (name: string): WebhookPayload => JSON.parse(fixtureText(name)) as WebhookPayload;

/** The fixtures' own message, as written (first entry, first change). */
const messageOf = (payload: WebhookPayload): Record<string, unknown> => payload.entry[0]!.changes[0]!.value.messages![0]!;

/** Keys and leaf types, recursively (key order included): what "structurally equal" means here. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(shape);
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).map(([k, v]) => [k, shape(v)]);
  }
  return typeof value;
}

const FIXTURE_BASE = {
  phoneNumberId: SANDBOX_DEFAULTS.phoneNumberId,
  displayPhoneNumber: SANDBOX_DEFAULTS.displayPhoneNumber,
  wabaId: SANDBOX_DEFAULTS.wabaId,
  waId: SANDBOX_DEFAULTS.waId,
  name: SANDBOX_DEFAULTS.name,
};

/** Builder output must equal the fixture exactly, key order included (the bytes are what Meta signs). */
function expectSameAsFixture(built: WebhookPayload, name: string): void {
  const expected = fixture(name);
  expect(built).toEqual(expected);
  expect(JSON.stringify(built)).toBe(JSON.stringify(expected));
}

describe("inbound builders reproduce the fixtures", () => {
  it("text", () => {
    const m = messageOf(fixture("inbound-text.json"));
    expectSameAsFixture(
      inboundText({ ...FIXTURE_BASE, id: m.id as string, timestamp: m.timestamp as string, text: "Hi! Is my order #4521 shipped yet?" }),
      "inbound-text.json",
    );
  });

  it("text replying to a business message (context)", () => {
    const m = messageOf(fixture("inbound-reply-with-context.json"));
    const context = m.context as { id: string };
    expectSameAsFixture(
      inboundText({ ...FIXTURE_BASE, id: m.id as string, timestamp: m.timestamp as string, contextMessageId: context.id, text: "Yes, that one" }),
      "inbound-reply-with-context.json",
    );
  });

  it("image, voice note and document", () => {
    for (const [kind, file] of [
      ["image", "inbound-image.json"],
      ["audio", "inbound-audio-voice.json"],
      ["document", "inbound-document.json"],
    ] as const) {
      const m = messageOf(fixture(file));
      const media = m[kind] as { caption?: string; filename?: string; mime_type: string; sha256: string; id: string; url: string };
      expectSameAsFixture(
        inboundMedia(kind, {
          ...FIXTURE_BASE,
          id: m.id as string,
          timestamp: m.timestamp as string,
          mediaId: media.id,
          mimeType: media.mime_type,
          sha256: media.sha256,
          caption: media.caption,
          filename: media.filename,
          url: media.url,
        }),
        file,
      );
    }
  });

  it("interactive button reply and list reply", () => {
    const b = messageOf(fixture("inbound-interactive-button-reply.json"));
    expectSameAsFixture(
      inboundInteractiveButtonReply({
        ...FIXTURE_BASE,
        id: b.id as string,
        timestamp: b.timestamp as string,
        contextMessageId: (b.context as { id: string }).id,
        replyId: "reschedule:appt_8812",
        title: "Reschedule",
      }),
      "inbound-interactive-button-reply.json",
    );
    const l = messageOf(fixture("inbound-interactive-list-reply.json"));
    expectSameAsFixture(
      inboundListReply({
        ...FIXTURE_BASE,
        id: l.id as string,
        timestamp: l.timestamp as string,
        contextMessageId: (l.context as { id: string }).id,
        replyId: "ship_express",
        title: "Express",
        description: "Next day",
      }),
      "inbound-interactive-list-reply.json",
    );
  });

  it("template quick-reply button", () => {
    const m = messageOf(fixture("inbound-button-template-quick-reply.json"));
    expectSameAsFixture(
      inboundTemplateButton({
        ...FIXTURE_BASE,
        id: m.id as string,
        timestamp: m.timestamp as string,
        contextMessageId: (m.context as { id: string }).id,
        payload: "confirm:order_4521",
        text: "Confirm",
      }),
      "inbound-button-template-quick-reply.json",
    );
  });

  it("location, reaction, reaction removed, unsupported", () => {
    const loc = messageOf(fixture("inbound-location.json"));
    expectSameAsFixture(
      inboundLocation({
        ...FIXTURE_BASE,
        id: loc.id as string,
        timestamp: loc.timestamp as string,
        address: "1600 Example Ave, Springfield",
        latitude: 38.8976763,
        longitude: -77.0365298,
        locationName: "Example Cafe",
        url: "https://cafe.example.com/",
      }),
      "inbound-location.json",
    );
    const r = messageOf(fixture("inbound-reaction.json"));
    const reaction = r.reaction as { message_id: string; emoji: string };
    expectSameAsFixture(
      inboundReaction({ ...FIXTURE_BASE, id: r.id as string, timestamp: r.timestamp as string, messageId: reaction.message_id, emoji: reaction.emoji }),
      "inbound-reaction.json",
    );
    const rr = messageOf(fixture("inbound-reaction-removed.json"));
    expectSameAsFixture(
      inboundReaction({ ...FIXTURE_BASE, id: rr.id as string, timestamp: rr.timestamp as string, messageId: reaction.message_id }),
      "inbound-reaction-removed.json",
    );
    const u = messageOf(fixture("inbound-unsupported.json"));
    expectSameAsFixture(
      inboundUnsupported({ ...FIXTURE_BASE, id: u.id as string, timestamp: u.timestamp as string, unsupportedType: "poll_creation" }),
      "inbound-unsupported.json",
    );
  });

  it("defaults produce the fixtures' structure (keys in order, leaf types)", () => {
    const pnid = "106000000000099";
    const cases: [WebhookPayload, string][] = [
      [inboundText({ phoneNumberId: pnid, text: "oi" }), "inbound-text.json"],
      [inboundText({ phoneNumberId: pnid, text: "sim", contextMessageId: newWamid({ direction: "outbound" }) }), "inbound-reply-with-context.json"],
      [inboundMedia("image", { phoneNumberId: pnid, caption: "foto" }), "inbound-image.json"],
      [inboundMedia("audio", { phoneNumberId: pnid }), "inbound-audio-voice.json"],
      [inboundMedia("document", { phoneNumberId: pnid, caption: "doc" }), "inbound-document.json"],
      [inboundInteractiveButtonReply({ phoneNumberId: pnid, replyId: "a", title: "A" }), "inbound-interactive-button-reply.json"],
      [inboundListReply({ phoneNumberId: pnid, replyId: "a", title: "A", description: "d" }), "inbound-interactive-list-reply.json"],
      [inboundLocation({ phoneNumberId: pnid, latitude: 1, longitude: 2, address: "x", locationName: "y", url: "z" }), "inbound-location.json"],
      [inboundReaction({ phoneNumberId: pnid, messageId: newWamid({ direction: "outbound" }), emoji: "👍" }), "inbound-reaction.json"],
      [inboundUnsupported({ phoneNumberId: pnid }), "inbound-unsupported.json"],
    ];
    for (const [built, file] of cases) {
      expect(shape(built), file).toEqual(shape(fixture(file)));
      expect(built.entry[0]!.changes[0]!.value.metadata.phone_number_id).toBe(pnid);
    }
  });

  it("fresh ids and timestamps by default", () => {
    const a = messageOf(inboundText({ phoneNumberId: "1", text: "a" }));
    const b = messageOf(inboundText({ phoneNumberId: "1", text: "a" }));
    expect(a.id).not.toBe(b.id);
    expect(a.timestamp).toMatch(/^\d{10}$/);
    expect(Math.abs(Number(a.timestamp) - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe("username (BSUID) users", () => {
  it("without a phone: contacts[].user_id + profile.username, messages[].from_user_id, no wa_id/from", () => {
    const payload = inboundText({ phoneNumberId: "1", userId: "US.13491208655302741918", username: "ana.example", text: "oi" });
    const value = payload.entry[0]!.changes[0]!.value;
    expect(value.contacts).toEqual([{ profile: { name: "Ana Example", username: "ana.example" }, user_id: "US.13491208655302741918" }]);
    const message = value.messages![0]!;
    expect(message.from_user_id).toBe("US.13491208655302741918");
    expect(message).not.toHaveProperty("from");
    expect(value.contacts![0]).not.toHaveProperty("wa_id");
  });

  it("with a phone too: both ids", () => {
    const payload = inboundText({ phoneNumberId: "1", waId: "5511999990001", userId: "BR.1", text: "oi" });
    const value = payload.entry[0]!.changes[0]!.value;
    expect(value.contacts![0]).toMatchObject({ wa_id: "5511999990001", user_id: "BR.1" });
    expect(value.messages![0]).toMatchObject({ from: "5511999990001", from_user_id: "BR.1" });
  });
});

describe("status builder reproduces the fixtures", () => {
  it("sent, delivered, read (v24 shape), failed 131047", () => {
    const sent = fixture("status-sent.json").entry[0]!.changes[0]!.value.statuses![0]!;
    const common = { phoneNumberId: FIXTURE_BASE.phoneNumberId, displayPhoneNumber: FIXTURE_BASE.displayPhoneNumber, wabaId: FIXTURE_BASE.wabaId };
    expectSameAsFixture(
      statusUpdate({
        ...common,
        wamid: sent.id,
        status: "sent",
        timestamp: sent.timestamp,
        recipientId: sent.recipient_id,
        bizOpaque: sent.biz_opaque_callback_data,
        conversation: sent.conversation,
        pricing: sent.pricing,
      }),
      "status-sent.json",
    );
    const delivered = fixture("status-delivered.json").entry[0]!.changes[0]!.value.statuses![0]!;
    expectSameAsFixture(
      statusUpdate({
        ...common,
        wamid: delivered.id,
        status: "delivered",
        timestamp: delivered.timestamp,
        recipientId: delivered.recipient_id,
        conversation: delivered.conversation,
        pricing: delivered.pricing,
      }),
      "status-delivered.json",
    );
    const read = fixture("status-read.json").entry[0]!.changes[0]!.value.statuses![0]!;
    expectSameAsFixture(
      statusUpdate({ ...common, wamid: read.id, status: "read", timestamp: read.timestamp, recipientId: read.recipient_id }),
      "status-read.json",
    );
    const failed = fixture("status-failed.json").entry[0]!.changes[0]!.value.statuses![0]!;
    expectSameAsFixture(
      statusUpdate({ ...common, wamid: failed.id, status: "failed", timestamp: failed.timestamp, recipientId: failed.recipient_id, errors: [131047] }),
      "status-failed.json",
    );
  });
});

describe("Meta-style JSON and the signature", () => {
  const secret = "test_app_secret";

  it("escapes non-ASCII as lowercase \\u (surrogate pairs for emoji), / @ < % like Meta", () => {
    const raw = metaJsonStringify({ t: "Olá é € 👍 a/b x@y <b> 100%" });
    expect(raw).toBe(String.raw`{"t":"Ol\u00e1 \u00e9 \u20ac \ud83d\udc4d a\/b x\u0040y \u003Cb> 100\u0025"}`);
    expect(/[^\x20-\x7e]/.test(raw)).toBe(false);
    expect(JSON.parse(raw)).toEqual({ t: "Olá é € 👍 a/b x@y <b> 100%" });
  });

  it("keeps the fixtures' own escaping (inbound-reaction.json carries \\ud83d\\udc4d)", () => {
    const file = fixtureText("inbound-reaction.json");
    expect(file).toContain(String.raw`"\ud83d\udc4d"`);
    expect(metaJsonStringify(JSON.parse(file))).toContain(String.raw`"emoji":"\ud83d\udc4d"`);
  });

  it("signs the exact escaped bytes; a re-serialised body gives another HMAC", () => {
    const payload = inboundText({ phoneNumberId: "1", name: "José", text: "Café às 10h? 👍 https://x.y/@z" });
    const raw = metaJsonStringify(payload);
    const independent = `sha256=${createHmac("sha256", secret).update(Buffer.from(raw, "utf8")).digest("hex")}`;
    expect(signPayload(secret, raw)).toBe(independent);
    expect(signPayload(secret, Buffer.from(raw))).toBe(independent);
    const roundTripped = JSON.stringify(JSON.parse(raw));
    expect(roundTripped).not.toBe(raw);
    expect(signPayload(secret, roundTripped)).not.toBe(independent);
  });
});

describe("ids, batching and posting", () => {
  let receiver: FakeWebhookReceiver;
  beforeAll(async () => {
    receiver = await startFakeWebhookReceiver();
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it("newWamid is unique and mimics Meta's layout", () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newWamid({ waId: "5511999990001" })));
    expect(ids.size).toBe(2000);
    const [one] = ids;
    expect(one).toMatch(/^wamid\.[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(one!.slice(6), "base64").toString("latin1")).toContain("5511999990001");
  });

  it("batch: several entries across phone numbers, or grouped by WABA", () => {
    const a = inboundText({ phoneNumberId: "111", text: "a" });
    const b = inboundText({ phoneNumberId: "222", text: "b" });
    const c = inboundText({ phoneNumberId: "333", wabaId: "999", text: "c" });
    const flat = batch([a, b, c]);
    expect(flat.object).toBe("whatsapp_business_account");
    expect(flat.entry.map((e) => e.changes[0]!.value.metadata.phone_number_id)).toEqual(["111", "222", "333"]);
    const grouped = batch([a, b, c], { groupByWaba: true });
    expect(grouped.entry).toHaveLength(2);
    expect(grouped.entry[0]!.changes.map((ch) => ch.value.metadata.phone_number_id)).toEqual(["111", "222"]);
    expect(a.entry).toHaveLength(1);
  });

  it("postWebhook sends the escaped bytes with a correct X-Hub-Signature-256", async () => {
    const payload = inboundText({ phoneNumberId: "1", text: "Olá 👋" });
    const result = await postWebhook(`${receiver.url}/api/webhooks/whatsapp`, "s3cret", payload);
    expect(result.status).toBe(200);
    const got = await receiver.waitFor((r) => r.rawBody === result.rawBody);
    expect(got.path).toBe("/api/webhooks/whatsapp");
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.rawBody).toContain(String.raw`Ol\u00e1 \ud83d\udc4b`);
    expect(got.headers["x-hub-signature-256"]).toBe(`sha256=${createHmac("sha256", "s3cret").update(got.rawBody).digest("hex")}`);
  });

  it("postWebhook can send a wrong or no signature, or other bytes", async () => {
    const payload = inboundText({ phoneNumberId: "1", text: "x" });
    await postWebhook(receiver.url + "/no-sig", "s", payload, { signature: null });
    await postWebhook(receiver.url + "/bad-sig", "s", payload, { signature: "sha256=00" });
    await postWebhook(receiver.url + "/raw", "s", payload, { rawBody: "{}" });
    expect((await receiver.waitFor((r) => r.path === "/no-sig")).headers).not.toHaveProperty("x-hub-signature-256");
    expect((await receiver.waitFor((r) => r.path === "/bad-sig")).headers["x-hub-signature-256"]).toBe("sha256=00");
    const raw = await receiver.waitFor((r) => r.path === "/raw");
    expect(raw.rawBody).toBe("{}");
    expect(raw.headers["x-hub-signature-256"]).toBe(signPayload("s", "{}"));
  });

  it("createCustomer posts as one user", async () => {
    const customer = createCustomer({
      webhookUrl: `${receiver.url}/customer`,
      appSecret: "s",
      phoneNumberId: "106000000000010",
      waId: "5511999990001",
      name: "Bia",
    });
    const sent = await customer.text("quero marcar consulta");
    expect(sent.status).toBe(200);
    const got = await receiver.waitFor((r) => r.path === "/customer");
    const body = got.json as WebhookPayload;
    expect(messageOf(body)).toMatchObject({ from: "5511999990001", id: sent.messageId, text: { body: "quero marcar consulta" } });
    expect(body.entry[0]!.changes[0]!.value.contacts).toEqual([{ profile: { name: "Bia" }, wa_id: "5511999990001" }]);
  });
});

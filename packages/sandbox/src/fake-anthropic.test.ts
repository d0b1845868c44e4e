import Anthropic from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeAnthropic, type FakeAnthropic } from "./fake-anthropic.ts";

const TOOLS: Anthropic.Messages.Tool[] = [
  {
    name: "agendar_consulta",
    description: "Agenda uma consulta",
    input_schema: { type: "object", properties: { dia: { type: "string" } }, required: ["dia"] },
  },
];

describe("fake Anthropic with the official SDK", () => {
  let fake: FakeAnthropic;
  let client: Anthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
    client = new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries: 0 });
  });
  afterEach(() => {
    fake.reset();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it("answers a real Message with the default deterministic text", async () => {
    const message = await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 256,
      system: "Você é a recepção da clínica.",
      messages: [{ role: "user", content: "Olá!" }],
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message).toMatchObject({ type: "message", role: "assistant", model: "claude-sonnet-4-5", stop_reason: "end_turn" });
    expect(message.content).toEqual([{ type: "text", text: "Resposta para: Olá!" }]);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    const [request] = fake.requests;
    expect(request!.path).toBe("/v1/messages");
    expect(request!.headers["x-api-key"]).toBe("test");
    expect(request!.headers["anthropic-version"]).toBeDefined();
    expect(request!.body.system).toBe("Você é a recepção da clínica.");
  });

  it("tool_use round trip: the SDK gets tool_use blocks, the tool_result comes back as a user message", async () => {
    fake.setReply((req) => {
      const last = req.body.messages.at(-1);
      const hasResult = Array.isArray(last?.content) && last.content.some((b) => b.type === "tool_result");
      return hasResult ? { text: "Agendado!" } : { text: "Vou agendar.", toolCalls: [{ name: "agendar_consulta", arguments: { dia: "segunda" } }] };
    });
    const messages: Anthropic.Messages.MessageParam[] = [{ role: "user", content: "Quero segunda" }];
    const first = await client.messages.create({ model: "c", max_tokens: 100, messages, tools: TOOLS });
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content[0]).toEqual({ type: "text", text: "Vou agendar." });
    const toolUse = first.content[1];
    if (toolUse?.type !== "tool_use") {
      throw new Error("expected a tool_use block");
    }
    expect(toolUse.id).toMatch(/^toolu_/);
    expect(toolUse.name).toBe("agendar_consulta");
    expect(toolUse.input).toEqual({ dia: "segunda" });

    messages.push(
      { role: "assistant", content: first.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: toolUse.id, content: '{"ok":true}' }] },
    );
    const second = await client.messages.create({ model: "c", max_tokens: 100, messages, tools: TOOLS });
    expect(second.content).toEqual([{ type: "text", text: "Agendado!" }]);
    expect(second.stop_reason).toBe("end_turn");
    expect(fake.requests[1]!.lastUserText).toBe("Quero segunda");
  });

  it("a 429 is retried by the SDK (maxRetries: 1) and the second attempt succeeds", async () => {
    fake.failNext(1, { status: 429, headers: { "retry-after-ms": "10" } });
    const retrying = new Anthropic({ apiKey: "test", baseURL: fake.url, maxRetries: 1 });
    const message = await retrying.messages.create({ model: "c", max_tokens: 10, messages: [{ role: "user", content: "oi" }] });
    expect(message.content).toEqual([{ type: "text", text: "Resposta para: oi" }]);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it("errors carry Anthropic's error JSON (parsed by the SDK)", async () => {
    fake.failNext(1, { status: 429 });
    fake.failNext(1, { status: 529 });
    const ask = (): Promise<unknown> => client.messages.create({ model: "c", max_tokens: 10, messages: [{ role: "user", content: "x" }] });
    const rateLimited = await ask().catch((e: unknown) => e);
    expect(rateLimited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(rateLimited).toMatchObject({ status: 429, error: { type: "error", error: { type: "rate_limit_error" } } });
    const overloaded = await ask().catch((e: unknown) => e);
    expect(overloaded).toMatchObject({ status: 529, error: { error: { type: "overloaded_error" } } });
  });

  it("concurrent requests overlap under latencyMs: all 4 received before the first answer", async () => {
    fake.setLatency(300);
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) => client.messages.create({ model: "c", max_tokens: 10, messages: [{ role: "user", content: `p${n}` }] })),
    );
    expect(answers).toHaveLength(4);
    const kinds = fake.events.map((e) => e.kind);
    expect(kinds.slice(0, 4)).toEqual(["received", "received", "received", "received"]);
    expect(kinds.indexOf("responded")).toBe(4);
  });

  it("streams message events the SDK assembles (text and tool_use)", async () => {
    const textStream = client.messages.stream({ model: "c", max_tokens: 10, messages: [{ role: "user", content: "stream?" }] });
    let deltas = "";
    textStream.on("text", (t) => {
      deltas += t;
    });
    const final = await textStream.finalMessage();
    expect(deltas).toBe("Resposta para: stream?");
    expect(final.content).toEqual([{ type: "text", text: "Resposta para: stream?" }]);
    expect(final.stop_reason).toBe("end_turn");

    fake.enqueueReply({ toolCalls: [{ name: "agendar_consulta", arguments: { dia: "quarta" } }] });
    const toolStream = client.messages.stream({ model: "c", max_tokens: 10, messages: [{ role: "user", content: "x" }], tools: TOOLS });
    const toolFinal = await toolStream.finalMessage();
    expect(toolFinal.stop_reason).toBe("tool_use");
    expect(toolFinal.content[0]).toMatchObject({ type: "tool_use", name: "agendar_consulta", input: { dia: "quarta" } });
  });

  it("rejects invalid requests and missing keys with Anthropic's error shape", async () => {
    const bad = await fetch(`${fake.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "k", "content-type": "application/json" },
      body: JSON.stringify({ model: "c", messages: [{ role: "user", content: "x" }] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const noKey = await fetch(`${fake.url}/v1/messages`, { method: "POST", body: "{}" });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(fake.requests).toHaveLength(0);
  });
});

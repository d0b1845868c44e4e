import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "./fake-openai.ts";

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "agendar_consulta",
      description: "Agenda uma consulta",
      parameters: { type: "object", properties: { dia: { type: "string" } }, required: ["dia"] },
    },
  },
];

describe("fake OpenAI with the official SDK", () => {
  let fake: FakeOpenAI;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    client = new OpenAI({ apiKey: "test", baseURL: `${fake.url}/v1`, maxRetries: 0 });
  });
  afterEach(() => {
    fake.reset();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it("answers a real chat.completion with the default deterministic text", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Você é a recepção da clínica." },
        { role: "user", content: "Olá, tudo bem?" },
      ],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe("gpt-4o-mini");
    expect(typeof completion.created).toBe("number");
    const [choice] = completion.choices;
    expect(choice!.message).toMatchObject({ role: "assistant", content: "Resposta para: Olá, tudo bem?" });
    expect(choice!.finish_reason).toBe("stop");
    const usage = completion.usage!;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.prompt_tokens).toBeGreaterThan(0);

    const [request] = fake.requests;
    expect(request!.path).toBe("/v1/chat/completions");
    expect(request!.headers.authorization).toBe("Bearer test");
    expect(request!.body.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(request!.lastUserText).toBe("Olá, tudo bem?");
    expect(request!.status).toBe(200);
  });

  it("tool calls round trip: the SDK parses tool_calls, the tool result comes back as a tool message", async () => {
    fake.setReply((req) =>
      req.body.messages.some((m) => m.role === "tool")
        ? { text: "Consulta agendada para segunda." }
        : { toolCalls: [{ name: "agendar_consulta", arguments: { dia: "segunda" } }] },
    );
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "Quero marcar na segunda" }];
    const first = await client.chat.completions.create({ model: "gpt-4o-mini", messages, tools: TOOLS });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe("function");
    expect(call.id).toMatch(/^call_/);
    if (call.type !== "function") {
      throw new Error("expected a function call");
    }
    expect(call.function.name).toBe("agendar_consulta");
    expect(JSON.parse(call.function.arguments)).toEqual({ dia: "segunda" });

    messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: JSON.stringify({ ok: true }) });
    const second = await client.chat.completions.create({ model: "gpt-4o-mini", messages, tools: TOOLS });
    expect(second.choices[0]!.message.content).toBe("Consulta agendada para segunda.");
    expect(second.choices[0]!.finish_reason).toBe("stop");

    const secondRequest = fake.requests[1]!;
    expect(secondRequest.body.tools?.[0]?.function.name).toBe("agendar_consulta");
    expect(secondRequest.body.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: call.id });
    expect(secondRequest.body.messages[1]).toMatchObject({ role: "assistant", tool_calls: [{ id: call.id }] });
  });

  it("a 429 is retried by the SDK (maxRetries: 1) and the second attempt succeeds", async () => {
    fake.failNext(1, { status: 429, headers: { "retry-after-ms": "10" } });
    const retrying = new OpenAI({ apiKey: "test", baseURL: `${fake.url}/v1`, maxRetries: 1 });
    const completion = await retrying.chat.completions.create({ model: "m", messages: [{ role: "user", content: "oi" }] });
    expect(completion.choices[0]!.message.content).toBe("Resposta para: oi");
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it("errors carry OpenAI's error JSON (parsed by the SDK)", async () => {
    fake.failNext(1, { status: 429 });
    fake.failNext(1, { status: 500 });
    fake.failNext(1, { status: 503, body: { error: { message: "custom", type: "server_error", param: null, code: null } } });
    const ask = (): Promise<unknown> => client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
    const rateLimited = await ask().catch((e: unknown) => e);
    expect(rateLimited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(rateLimited).toMatchObject({ status: 429, code: "rate_limit_exceeded", type: "requests" });
    const internal = await ask().catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(OpenAI.InternalServerError);
    expect(internal).toMatchObject({ status: 500, type: "server_error" });
    const custom = await ask().catch((e: unknown) => e);
    expect(custom).toMatchObject({ status: 503, message: expect.stringContaining("custom") as unknown });
  });

  it("concurrent requests overlap under latencyMs: all 4 received before the first answer", async () => {
    fake.setLatency(300);
    const ask = (n: number): Promise<OpenAI.Chat.Completions.ChatCompletion> =>
      client.chat.completions.create({ model: "m", messages: [{ role: "user", content: `pergunta ${n}` }] });
    const answers = await Promise.all([1, 2, 3, 4].map(ask));
    expect(answers.map((a) => a.choices[0]!.message.content).sort()).toEqual([1, 2, 3, 4].map((n) => `Resposta para: pergunta ${n}`));
    const kinds = fake.events.map((e) => e.kind);
    expect(kinds.indexOf("responded")).toBe(4);
    expect(kinds.slice(0, 4)).toEqual(["received", "received", "received", "received"]);
  });

  it("queued replies are used first, then the reply function / default", async () => {
    fake.enqueueReply({ text: "primeira" }, { toolCalls: [{ name: "agendar_consulta", arguments: '{"dia":"terça"}', id: "call_fixed" }] });
    const ask = (): Promise<OpenAI.Chat.Completions.ChatCompletion> =>
      client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], tools: TOOLS });
    expect((await ask()).choices[0]!.message.content).toBe("primeira");
    const second = (await ask()).choices[0]!.message.tool_calls![0]!;
    expect(second).toMatchObject({ id: "call_fixed", function: { arguments: '{"dia":"terça"}' } });
    expect((await ask()).choices[0]!.message.content).toBe("Resposta para: x");
  });

  it("streams chat.completion.chunk events (text, tool calls, usage) the SDK can consume", async () => {
    const stream = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "stream?" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = "";
    let finish: string | null = null;
    let totalTokens = 0;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      totalTokens = chunk.usage?.total_tokens ?? totalTokens;
    }
    expect(content).toBe("Resposta para: stream?");
    expect(finish).toBe("stop");
    expect(totalTokens).toBeGreaterThan(0);

    fake.enqueueReply({ toolCalls: [{ name: "agendar_consulta", arguments: { dia: "quarta" } }] });
    const runner = client.chat.completions.stream({ model: "m", messages: [{ role: "user", content: "x" }], tools: TOOLS });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.type === "function" ? JSON.parse(call.function.arguments) : null).toEqual({ dia: "quarta" });
  });

  it("hang: never answered, so the SDK times out", async () => {
    fake.failNext(1, { hang: true });
    await expect(
      client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }, { timeout: 200 }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  it("also serves /chat/completions (baseURL without /v1) and rejects bad requests and missing keys", async () => {
    const plain = new OpenAI({ apiKey: "k", baseURL: fake.url, maxRetries: 0 });
    const completion = await plain.chat.completions.create({ model: "m", messages: [{ role: "user", content: "sem v1" }] });
    expect(completion.choices[0]!.message.content).toBe("Resposta para: sem v1");
    expect(fake.requests[0]!.path).toBe("/chat/completions");

    const bad = await fetch(`${fake.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ model: "m" }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { type: "invalid_request_error", param: "messages" } });
    const noKey = await fetch(`${fake.url}/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(noKey.status).toBe(401);
    expect(fake.requests).toHaveLength(1);
  });

  it("waitFor resolves on a future request", async () => {
    const waiting = fake.waitFor((r) => r.lastUserText === "later");
    await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "later" }] });
    expect((await waiting).body.model).toBe("m");
  });
});

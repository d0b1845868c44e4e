import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { startFakeAnthropic, startFakeOpenAI, type FakeAnthropic, type FakeOpenAI } from "@lx/sandbox";
import type { CompiledAgentBundle, ToolDefinition } from "@lx/shared";

import { PermanentJobError } from "../queue/runner.ts";

import { createAnthropicProvider, type AnthropicOptions } from "./anthropic.ts";
import { createLlmRouter, LlmNotConfiguredError, logLlmAccess } from "./index.ts";
import { createOpenAiProvider, type OpenAiOptions } from "./openai.ts";
import type { LlmProvider, LlmRequest } from "./types.ts";

const HANDOFF: ToolDefinition = {
  type: "function",
  function: {
    name: "handoff_to_human",
    description: "Passa a conversa para um atendente",
    parameters: { type: "object", properties: { reason: { type: "string" } }, required: ["reason"] },
  },
};

const request = (over: Partial<LlmRequest> = {}): LlmRequest => ({
  model: "test-model",
  temperature: 0.2,
  maxOutputTokens: 200,
  system: "Você é a recepção da clínica.",
  turns: [{ role: "user", content: "Olá, ação!" }],
  tools: [],
  ...over,
});

/** Both providers through their official SDKs (and the worker's fetch) against the wire-format fakes. */
describe.each([
  {
    name: "openai",
    start: () => startFakeOpenAI(),
    provider: (url: string, over: Partial<OpenAiOptions> = {}) => createOpenAiProvider({ apiKey: "k", baseURL: `${url}/v1`, maxRetries: 2, ...over }),
  },
  {
    name: "anthropic",
    start: () => startFakeAnthropic(),
    provider: (url: string, over: Partial<AnthropicOptions> = {}) => createAnthropicProvider({ apiKey: "k", baseURL: url, maxRetries: 2, ...over }),
  },
])("$name provider", ({ start, provider: make }) => {
  let fake: FakeOpenAI | FakeAnthropic;
  let provider: LlmProvider;
  beforeAll(async () => {
    fake = await start();
    provider = make(fake.url);
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.stop());

  it("answers with text and token usage", async () => {
    const res = await provider.generate(request());
    expect(res.text).toBe("Resposta para: Olá, ação!");
    expect(res.toolCalls).toEqual([]);
    expect(res.usage.inputTokens).toBeGreaterThan(0);
    expect(res.usage.outputTokens).toBeGreaterThan(0);
  });

  it("returns the model's tool calls with parsed arguments, and sends tool results back", async () => {
    fake.enqueueReply({ text: "", toolCalls: [{ name: "handoff_to_human", arguments: { reason: "pediu humano" } }] });
    const first = await provider.generate(request({ tools: [HANDOFF] }));
    expect(first.toolCalls).toEqual([{ id: expect.any(String) as unknown, name: "handoff_to_human", arguments: { reason: "pediu humano" } }]);
    const call = first.toolCalls[0]!;
    const second = await provider.generate(
      request({
        tools: [HANDOFF],
        turns: [
          { role: "user", content: "Quero um humano" },
          { role: "assistant", content: "", toolCalls: [call] },
          { role: "tool", toolCallId: call.id, name: call.name, content: JSON.stringify({ ok: true }) },
        ],
      }),
    );
    expect(second.toolCalls).toEqual([]);
    expect(JSON.stringify(fake.requests.at(-1)?.body)).toContain(call.id);
  });

  it("retries a 429 and a 500 (the SDK's bounded retries) and then answers", async () => {
    fake.failNext(1, { status: 429, headers: { "retry-after-ms": "10" } });
    fake.failNext(1, { status: 500, headers: { "retry-after-ms": "10" } });
    const res = await provider.generate(request());
    expect(res.text).toBe("Resposta para: Olá, ação!");
    expect(fake.requests).toHaveLength(3);
  });

  it("gives up past its retries with an error", async () => {
    fake.failNext(3, { status: 503, headers: { "retry-after-ms": "10" } });
    await expect(provider.generate(request())).rejects.toThrow();
  });

  it("gives up on a call past its timeout (the SDK's abort reaches the request)", async () => {
    fake.setLatency(5_000);
    try {
      const quick = make(fake.url, { timeoutMs: 150, maxRetries: 0 });
      const started = Date.now();
      await expect(quick.generate(request())).rejects.toThrow(/timed out/i);
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      fake.setLatency(0);
    }
  });

  it("stops at once when the worker shuts down (the job's signal)", async () => {
    fake.setLatency(5_000);
    try {
      const ctl = new AbortController();
      const pending = provider.generate(request({ signal: ctl.signal }));
      setTimeout(() => ctl.abort(), 50);
      await expect(pending).rejects.toThrow(/abort/i);
    } finally {
      fake.setLatency(0);
    }
  });

  it("reports a server that is not there as an error after its retries", async () => {
    const nowhere = make("http://127.0.0.1:9", { maxRetries: 1 });
    await expect(nowhere.generate(request())).rejects.toThrow(/connection/i);
  });
});

/** Credentials: the key, or none at all — never a placeholder the provider answers 401 to. */
describe("provider credentials", () => {
  const bundleOn = (provider: "openai" | "anthropic") =>
    ({ model: { provider, name: provider === "openai" ? "gpt-4o-mini" : "claude-haiku-4-5" }, agent: { name: "Ana", language: "pt-BR" } }) as CompiledAgentBundle;

  it.each([
    { name: "openai", start: () => startFakeOpenAI({ apiKey: null }), make: (url: string, apiKey?: string) => createOpenAiProvider({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 }) },
    { name: "anthropic", start: () => startFakeAnthropic({ apiKey: null }), make: (url: string, apiKey?: string) => createAnthropicProvider({ apiKey, baseURL: url, maxRetries: 0 }) },
  ])("$name: the key goes in its header; a server of one's own with no key (Ollama) gets no credential header at all", async ({ start, make }) => {
    const fake = await start();
    try {
      await make(fake.url, "sk-real").generate(request());
      await make(fake.url).generate(request());
      const [keyed, keyless] = fake.requests.map((r) => ({ authorization: r.headers.authorization, apiKey: r.headers["x-api-key"] }));
      expect(keyed!.authorization === "Bearer sk-real" || keyed!.apiKey === "sk-real").toBe(true);
      expect(keyless).toEqual({ authorization: undefined, apiKey: undefined });
    } finally {
      await fake.stop();
    }
  });

  it("an agent whose provider has neither key nor base URL fails at once with a non-retryable error naming the key; nothing is sent", async () => {
    const fake = await startFakeOpenAI();
    try {
      const route = createLlmRouter({ mode: "auto", openai: {}, anthropic: { apiKey: "a", baseURL: "http://127.0.0.1:9" } });
      const { provider, model } = route(bundleOn("openai"));
      const failure = await provider.generate(request({ model })).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(LlmNotConfiguredError);
      expect(failure).toBeInstanceOf(PermanentJobError); // dead at once, and the reply's handoff follows
      expect((failure as Error).message).toMatch(/^OPENAI_API_KEY is not set/);
      expect(fake.requests).toHaveLength(0);
      expect(route(bundleOn("anthropic")).provider.name).toBe("anthropic");
    } finally {
      await fake.stop();
    }
  });

  it("with the offline fallback (pnpm start) such an agent answers with the offline responder instead", async () => {
    const route = createLlmRouter({ mode: "auto", anthropic: { apiKey: "a" }, fallback: "offline" });
    const { provider, model } = route(bundleOn("openai"));
    expect(provider.name).toBe("offline");
    expect((await provider.generate(request({ model }))).text.length).toBeGreaterThan(0);
  });

  it("the start-up log warns which provider has no key", () => {
    const lines: { level: string; o: object; m: string }[] = [];
    const logger = { info: (o: object, m: string) => lines.push({ level: "info", o, m }), warn: (o: object, m: string) => lines.push({ level: "warn", o, m }) };
    logLlmAccess(logger, { mode: "auto", anthropic: { apiKey: "a" } });
    expect(lines).toEqual([
      {
        level: "warn",
        o: { llmAccess: { openai: "missing", anthropic: "key" }, missing: ["OPENAI_API_KEY"] },
        m: "OPENAI_API_KEY not set: agents on openai models fail at once (dead-lettered, audited, handed to a human)",
      },
    ]);
  });
});

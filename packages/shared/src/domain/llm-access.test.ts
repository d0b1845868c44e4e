import { describe, expect, it } from "vitest";

import { llmAccess, llmAccessFromEnv, llmMissingKeyMessage, llmStartLines } from "./llm-access.ts";

describe("llmAccess", () => {
  it("a key is used; a base URL of one's own with no key is keyless; neither is missing (blank counts as unset)", () => {
    expect(llmAccess({ apiKey: "sk-1" })).toBe("key");
    expect(llmAccess({ baseURL: "http://localhost:11434/v1" })).toBe("keyless");
    expect(llmAccess({ apiKey: " ", baseURL: "" })).toBe("missing");
    expect(llmAccessFromEnv({ ANTHROPIC_API_KEY: "a" })).toEqual({ openai: "missing", anthropic: "key" });
  });

  it("the failure names the variable to set", () => {
    expect(llmMissingKeyMessage("openai")).toMatch(/^OPENAI_API_KEY is not set/);
    expect(llmMissingKeyMessage("anthropic")).toMatch(/^ANTHROPIC_API_KEY is not set/);
  });
});

describe("llmStartLines (pnpm start)", () => {
  const haven = [{ tenant: "Haven", agent: "Ana", provider: "openai", model: "gpt-4o-mini" }];

  it("only ANTHROPIC_API_KEY: says Anthropic is usable and that the OpenAI agent answers offline", () => {
    const env = { ANTHROPIC_API_KEY: "a", LX_LLM: "auto", LX_LLM_FALLBACK: "offline" };
    expect(llmStartLines(env, llmAccessFromEnv(env), haven)).toEqual([
      "model providers: anthropic: ANTHROPIC_API_KEY",
      "no OPENAI_API_KEY: Haven/Ana (openai/gpt-4o-mini) answer with the offline deterministic responder",
    ]);
  });

  it("a keyless OpenAI-compatible server (Ollama) is usable; with fallback off the agents on a missing provider are said to fail", () => {
    const env = { OPENAI_BASE_URL: "http://localhost:11434/v1", LX_LLM: "auto" };
    expect(llmStartLines(env, llmAccessFromEnv(env), haven)).toEqual([
      "model providers: openai: OPENAI_BASE_URL, no key",
      "no ANTHROPIC_API_KEY: replies of agents on anthropic models (none active now) fail and are handed to a human",
    ]);
  });

  it("no credentials at all: the offline line `pnpm start` has always printed", () => {
    expect(llmStartLines({ LX_LLM: "offline" }, llmAccessFromEnv({}), haven)).toEqual([
      "no OPENAI_API_KEY or ANTHROPIC_API_KEY: agents answer with the offline deterministic responder",
    ]);
  });
});

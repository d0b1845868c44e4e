import type { ToolDefinition } from "@lx/shared";

/** A provider-neutral transcript: what the model has seen so far in this reply. */
export type LlmTurn =
  | { role: "user"; content: string }
  | { role: "assistant"; content: string; toolCalls?: LlmToolCall[] }
  | { role: "tool"; toolCallId: string; name: string; content: string };

export type LlmToolCall = { id: string; name: string; arguments: Record<string, unknown> };

export type LlmRequest = {
  model: string;
  temperature: number;
  maxOutputTokens: number;
  system: string;
  turns: LlmTurn[];
  tools: ToolDefinition[];
  signal?: AbortSignal;
};

export type LlmResponse = {
  text: string;
  toolCalls: LlmToolCall[];
  usage: { inputTokens: number; outputTokens: number };
  model: string;
};

/** One LLM backend: OpenAI-compatible Chat Completions, Anthropic Messages, or the offline responder. */
export type LlmProvider = {
  name: "openai" | "anthropic" | "offline";
  generate: (req: LlmRequest) => Promise<LlmResponse>;
};

export function parseToolArguments(raw: string | undefined): Record<string, unknown> {
  if (!raw) {
    return {};
  }
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { _raw: raw };
  }
}

/** What both SDK-backed providers take: credentials, base URL, and the SDK's timeout, retries and fetch. */
export type SdkProviderOptions = {
  apiKey?: string;
  baseURL?: string;
  timeoutMs?: number;
  maxRetries?: number;
  /** The SDK's fetch (default bufferedFetch on the worker's pool; see ../http.ts). */
  fetch?: typeof fetch;
};

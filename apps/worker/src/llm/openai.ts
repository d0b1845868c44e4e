import OpenAI from "openai";
import type {
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";

import { sdkClientOptions } from "./sdk-client.ts";
import { parseToolArguments, type LlmProvider, type LlmRequest, type LlmResponse, type SdkProviderOptions } from "./types.ts";

export type OpenAiOptions = SdkProviderOptions;

/**
 * OpenAI-compatible Chat Completions through the official SDK, so Ollama, vLLM, OpenRouter … work
 * with OPENAI_BASE_URL. The SDK retries 429/5xx and connection errors with backoff (`maxRetries`).
 */
export function createOpenAiProvider(options: OpenAiOptions): LlmProvider {
  const client = new OpenAI(sdkClientOptions(options, "authorization"));
  return {
    name: "openai",
    generate: async (req: LlmRequest): Promise<LlmResponse> => {
      const messages: ChatCompletionMessageParam[] = [{ role: "system", content: req.system }];
      for (const t of req.turns) {
        if (t.role === "user") {
          messages.push({ role: "user", content: t.content });
        } else if (t.role === "assistant") {
          messages.push({
            role: "assistant",
            content: t.content || null,
            ...(t.toolCalls?.length
              ? {
                  tool_calls: t.toolCalls.map((c) => ({
                    id: c.id,
                    type: "function" as const,
                    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
                  })),
                }
              : {}),
          });
        } else {
          messages.push({ role: "tool", tool_call_id: t.toolCallId, content: t.content });
        }
      }
      // The bundle's tools are already in Chat Completions' shape.
      const tools: ChatCompletionTool[] = req.tools.map((t) => ({ type: "function", function: { ...t.function } }));
      const res = await client.chat.completions.create(
        {
          model: req.model,
          messages,
          temperature: req.temperature,
          max_tokens: req.maxOutputTokens,
          ...(tools.length > 0 ? { tools } : {}),
        },
        { signal: req.signal },
      );
      const choice = res.choices[0];
      const toolCalls = (choice?.message.tool_calls ?? []).flatMap((c) =>
        c.type === "function" ? [{ id: c.id, name: c.function.name, arguments: parseToolArguments(c.function.arguments) }] : [],
      );
      return {
        text: choice?.message.content ?? "",
        toolCalls,
        usage: { inputTokens: res.usage?.prompt_tokens ?? 0, outputTokens: res.usage?.completion_tokens ?? 0 },
        model: res.model,
      };
    },
  };
}

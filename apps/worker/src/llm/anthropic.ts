import Anthropic from "@anthropic-ai/sdk";
import type { MessageParam, Tool } from "@anthropic-ai/sdk/resources/messages";

import { sdkClientOptions } from "./sdk-client.ts";
import type { LlmProvider, LlmRequest, LlmResponse, SdkProviderOptions } from "./types.ts";

export type AnthropicOptions = SdkProviderOptions;

/** Anthropic Messages through the official SDK (ANTHROPIC_BASE_URL); the SDK retries 429/5xx. */
export function createAnthropicProvider(options: AnthropicOptions): LlmProvider {
  const client = new Anthropic({ ...sdkClientOptions(options, "x-api-key"), authToken: null });
  return {
    name: "anthropic",
    generate: async (req: LlmRequest): Promise<LlmResponse> => {
      const messages: MessageParam[] = [];
      for (const t of req.turns) {
        if (t.role === "user") {
          messages.push({ role: "user", content: t.content });
        } else if (t.role === "assistant") {
          const content: Exclude<MessageParam["content"], string> = [];
          if (t.content) {
            content.push({ type: "text", text: t.content });
          }
          for (const c of t.toolCalls ?? []) {
            content.push({ type: "tool_use", id: c.id, name: c.name, input: c.arguments });
          }
          messages.push({ role: "assistant", content });
        } else {
          // Tool results travel in a user turn; consecutive results share one.
          const last = messages.at(-1);
          const block = { type: "tool_result" as const, tool_use_id: t.toolCallId, content: t.content };
          if (last?.role === "user" && Array.isArray(last.content)) {
            last.content.push(block);
          } else {
            messages.push({ role: "user", content: [block] });
          }
        }
      }
      const tools: Tool[] = req.tools.map((t) => ({
        name: t.function.name,
        description: t.function.description,
        input_schema: t.function.parameters as Tool["input_schema"],
      }));
      const res = await client.messages.create(
        {
          model: req.model,
          system: req.system,
          messages,
          max_tokens: req.maxOutputTokens,
          temperature: req.temperature,
          ...(tools.length > 0 ? { tools } : {}),
        },
        { signal: req.signal },
      );
      let text = "";
      const toolCalls: LlmResponse["toolCalls"] = [];
      for (const block of res.content) {
        if (block.type === "text") {
          text += block.text;
        } else if (block.type === "tool_use") {
          toolCalls.push({ id: block.id, name: block.name, arguments: (block.input ?? {}) as Record<string, unknown> });
        }
      }
      return {
        text,
        toolCalls,
        usage: { inputTokens: res.usage.input_tokens, outputTokens: res.usage.output_tokens },
        model: res.model,
      };
    },
  };
}

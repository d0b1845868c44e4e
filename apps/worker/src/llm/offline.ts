import { offlineReply } from "@lx/shared";

import type { LlmProvider, LlmRequest, LlmResponse } from "./types.ts";

/**
 * LX_LLM=offline: a deterministic responder with no network, so `pnpm start` and the test chat
 * work without any LLM key. It reads the agent's name and language from `model` ("offline:Ana:pt-BR").
 */
export function createOfflineProvider(): LlmProvider {
  return {
    name: "offline",
    generate: (req: LlmRequest): Promise<LlmResponse> => {
      if (req.system.startsWith("[summarize]")) {
        // Extractive and deterministic: the customer's lines, newest last, within ~600 characters.
        const input = req.turns.map((t) => ("content" in t ? t.content : "")).join("\n");
        const lines = input.split("\n").filter((l) => l.startsWith("customer: ")).map((l) => l.slice(10));
        const text = `Cliente disse: ${lines.join(" | ")}`.slice(-600);
        return Promise.resolve({ text, toolCalls: [], usage: { inputTokens: Math.ceil(input.length / 4), outputTokens: Math.ceil(text.length / 4) }, model: "offline" });
      }
      const [, agentName = "Assistente", language = "pt-BR"] = req.model.split(":");
      const lastUser = [...req.turns].reverse().find((t) => t.role === "user");
      const text = offlineReply({ agentName, language, customerText: lastUser?.content ?? "" });
      return Promise.resolve({
        text,
        toolCalls: [],
        usage: { inputTokens: Math.ceil((req.system.length + (lastUser?.content.length ?? 0)) / 4), outputTokens: Math.ceil(text.length / 4) },
        model: "offline",
      });
    },
  };
}

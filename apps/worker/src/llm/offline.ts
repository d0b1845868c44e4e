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

import type { CompiledAgentBundle } from "@lx/shared";

import { createAnthropicProvider } from "./anthropic.ts";
import { createOfflineProvider } from "./offline.ts";
import { createOpenAiProvider } from "./openai.ts";
import type { LlmProvider } from "./types.ts";

export * from "./types.ts";

export type LlmConfig = {
  mode: "auto" | "offline";
  openai?: { apiKey?: string; baseURL?: string };
  anthropic?: { apiKey?: string; baseURL?: string };
  timeoutMs?: number;
  maxRetries?: number;
};

export type ModelChoice = { provider: LlmProvider; model: string };

/** Picks the provider for a bundle: its spec.model under LX_LLM=auto, the offline responder otherwise. */
export function createLlmRouter(cfg: LlmConfig): (bundle: CompiledAgentBundle) => ModelChoice {
  const offline = createOfflineProvider();
  let openai: LlmProvider | undefined;
  let anthropic: LlmProvider | undefined;
  const common = { timeoutMs: cfg.timeoutMs, maxRetries: cfg.maxRetries };
  return (bundle) => {
    if (cfg.mode === "offline") {
      return { provider: offline, model: `offline:${bundle.agent.name}:${bundle.agent.language}` };
    }
    if (bundle.model.provider === "anthropic") {
      anthropic ??= createAnthropicProvider({ ...cfg.anthropic, ...common });
      return { provider: anthropic, model: bundle.model.name };
    }
    openai ??= createOpenAiProvider({ ...cfg.openai, ...common });
    return { provider: openai, model: bundle.model.name };
  };
}

import type { CompiledAgentBundle } from "@lx/shared";
import { LLM_ENV, llmAccess, llmMissingKeyMessage, type LlmAccess, type ModelProvider } from "@lx/shared/domain";

import { PermanentJobError } from "../queue/runner.ts";
import { createAnthropicProvider } from "./anthropic.ts";
import { createOfflineProvider } from "./offline.ts";
import { createOpenAiProvider } from "./openai.ts";
import type { LlmProvider } from "./types.ts";

export * from "./types.ts";

export type LlmConfig = {
  mode: "auto" | "offline";
  openai?: { apiKey?: string; baseURL?: string };
  anthropic?: { apiKey?: string; baseURL?: string };
  /**
   * Under `auto`, what an agent whose provider has no credentials (no key, no base URL) does:
   * `fail` (default): its replies fail at once with a configuration error naming the key (dead-lettered,
   * audited, the conversation handed to a human, as any permanent LLM failure); `offline`: it answers
   * with the offline responder (`pnpm start`, which says so; LX_LLM_FALLBACK).
   */
  fallback?: "fail" | "offline";
  timeoutMs?: number;
  maxRetries?: number;
};

export type ModelChoice = { provider: LlmProvider; model: string };

/**
 * A provider with no credentials configured: not retryable (the next attempt has no key either), so
 * the job is dead at once and its follow-up (a handoff for a reply) runs, instead of eight attempts
 * against a 401 first.
 */
export class LlmNotConfiguredError extends PermanentJobError {
  override name = "LlmNotConfiguredError";
  constructor(
    readonly provider: ModelProvider,
    readonly variable: string = LLM_ENV[provider].key,
  ) {
    super(llmMissingKeyMessage(provider));
  }
}

/** Each provider's access under this configuration (the start-up log, `pnpm start`). */
export function llmProviderAccess(cfg: LlmConfig): Record<ModelProvider, LlmAccess> {
  return { openai: llmAccess(cfg.openai ?? {}), anthropic: llmAccess(cfg.anthropic ?? {}) };
}

function unconfigured(provider: ModelProvider): LlmProvider {
  return { name: provider, generate: () => Promise.reject(new LlmNotConfiguredError(provider)) };
}

/** Picks the provider for a bundle: its spec.model under LX_LLM=auto, the offline responder otherwise. */
export function createLlmRouter(cfg: LlmConfig): (bundle: CompiledAgentBundle) => ModelChoice {
  const offline = createOfflineProvider();
  const access = llmProviderAccess(cfg);
  const common = { timeoutMs: cfg.timeoutMs, maxRetries: cfg.maxRetries };
  const providers: Partial<Record<ModelProvider, LlmProvider>> = {};
  const build: Record<ModelProvider, () => LlmProvider> = {
    openai: () => createOpenAiProvider({ ...cfg.openai, ...common }),
    anthropic: () => createAnthropicProvider({ ...cfg.anthropic, ...common }),
  };
  const offlineChoice = (bundle: CompiledAgentBundle): ModelChoice => ({
    provider: offline,
    model: `offline:${bundle.agent.name}:${bundle.agent.language}`,
  });
  return (bundle) => {
    if (cfg.mode === "offline") {
      return offlineChoice(bundle);
    }
    const name = bundle.model.provider;
    if (access[name] === "missing") {
      if (cfg.fallback === "offline") {
        return offlineChoice(bundle);
      }
      providers[name] ??= unconfigured(name);
    }
    providers[name] ??= build[name]();
    return { provider: providers[name], model: bundle.model.name };
  };
}

/**
 * The start-up line about the model providers: which have a key, which are reached keyless (a base
 * URL of one's own), and — a warning — which have neither, so their agents fail (or answer offline).
 */
export function logLlmAccess(logger: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void }, cfg: LlmConfig): void {
  if (cfg.mode === "offline") {
    logger.info({ llm: "offline" }, "LX_LLM=offline: every agent answers with the offline responder");
    return;
  }
  const access = llmProviderAccess(cfg);
  const missing = (Object.keys(access) as ModelProvider[]).filter((p) => access[p] === "missing");
  if (missing.length === 0) {
    logger.info({ llmAccess: access }, "model providers configured");
    return;
  }
  const then =
    cfg.fallback === "offline"
      ? "answer with the offline responder"
      : "fail at once (dead-lettered, audited, handed to a human)";
  logger.warn(
    { llmAccess: access, missing: missing.map((p) => LLM_ENV[p].key) },
    `${missing.map((p) => LLM_ENV[p].key).join(" and ")} not set: agents on ${missing.join("/")} models ${then}`,
  );
}

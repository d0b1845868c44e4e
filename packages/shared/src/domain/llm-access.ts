import type { MODEL_PROVIDERS } from "../schemas/agent-spec.ts";

export type ModelProvider = (typeof MODEL_PROVIDERS)[number];

/** The environment variables that give each model provider its credentials and its server. */
export const LLM_ENV: Readonly<Record<ModelProvider, { key: string; baseUrl: string }>> = {
  openai: { key: "OPENAI_API_KEY", baseUrl: "OPENAI_BASE_URL" },
  anthropic: { key: "ANTHROPIC_API_KEY", baseUrl: "ANTHROPIC_BASE_URL" },
};

/**
 * How the worker reaches a provider:
 * - `key`: with its API key;
 * - `keyless`: no key, but a server of one's own at the base URL (Ollama, vLLM, a gateway that adds
 *   the key itself): called with no credentials at all, never a placeholder;
 * - `missing`: neither — the provider's public API with no key, which can only answer 401. Agents on
 *   it fail at once (a configuration error naming the key), or answer offline where that was asked for.
 */
export type LlmAccess = "key" | "keyless" | "missing";

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== "";

export function llmAccess(c: { apiKey?: string; baseURL?: string }): LlmAccess {
  if (set(c.apiKey)) {
    return "key";
  }
  return set(c.baseURL) ? "keyless" : "missing";
}

/** Each provider's access from an environment (process.env, or the env a child process gets). */
export function llmAccessFromEnv(env: Record<string, string | undefined>): Record<ModelProvider, LlmAccess> {
  return {
    openai: llmAccess({ apiKey: env[LLM_ENV.openai.key], baseURL: env[LLM_ENV.openai.baseUrl] }),
    anthropic: llmAccess({ apiKey: env[LLM_ENV.anthropic.key], baseURL: env[LLM_ENV.anthropic.baseUrl] }),
  };
}

/** The sentence a reply fails with when its agent's provider has no credentials. */
export function llmMissingKeyMessage(provider: ModelProvider): string {
  const v = LLM_ENV[provider];
  return `${v.key} is not set: agents on ${provider} models cannot answer (set ${v.key}, or ${v.baseUrl} for a compatible server that needs no key)`;
}

/** What `pnpm start` says about the model providers: which are usable, and which agents answer offline or fail. */
export function llmStartLines(
  env: Record<string, string | undefined>,
  access: Record<ModelProvider, LlmAccess>,
  agentModels: { tenant: string; agent: string; provider: string; model: string }[],
): string[] {
  if (env.LX_LLM === "offline") {
    return [
      Object.values(access).every((a) => a === "missing")
        ? "no OPENAI_API_KEY or ANTHROPIC_API_KEY: agents answer with the offline deterministic responder"
        : "LX_LLM=offline: agents answer with the offline deterministic responder",
    ];
  }
  const providers = Object.keys(access) as ModelProvider[];
  const how = (p: ModelProvider) =>
    access[p] === "key" ? `${p}: ${LLM_ENV[p].key}` : access[p] === "keyless" ? `${p}: ${LLM_ENV[p].baseUrl}, no key` : null;
  const usable = providers.flatMap((p) => how(p) ?? []);
  const lines = [`model providers: ${usable.length > 0 ? usable.join("; ") : "none has credentials"}`];
  const offline = env.LX_LLM_FALLBACK === "offline";
  for (const p of providers.filter((x) => access[x] === "missing")) {
    const hit = agentModels.filter((a) => a.provider === p).map((a) => `${a.tenant}/${a.agent} (${a.provider}/${a.model})`);
    const who = hit.length > 0 ? hit.join(", ") : `agents on ${p} models (none active now)`;
    lines.push(
      offline
        ? `no ${LLM_ENV[p].key}: ${who} answer with the offline deterministic responder`
        : `no ${LLM_ENV[p].key}: replies of ${who} fail and are handed to a human`,
    );
  }
  return lines;
}

import { llmAccess } from "@lx/shared/domain";

import { bufferedFetch } from "../http.ts";
import type { SdkProviderOptions } from "./types.ts";

/**
 * The client options both official SDKs take alike: a 30 s timeout, 2 retries (the SDKs retry 429/5xx
 * and connection errors with backoff) and bufferedFetch on the worker's pool.
 *
 * Credentials are the key, or none at all: a server of one's own at the base URL with no key
 * (Ollama, vLLM …) gets no credential header (`authHeader: null` removes the SDK's), never a
 * placeholder key. A provider with neither is not built (the router fails its agents' replies with a
 * configuration error instead; see ./index.ts). Never the SDK's own environment reading either: what
 * the worker was configured with is all it uses.
 */
export function sdkClientOptions(options: SdkProviderOptions, authHeader: "authorization" | "x-api-key") {
  const keyless = llmAccess(options) !== "key";
  return {
    /** The key when there is one; "" otherwise (its header is removed below). */
    apiKey: keyless ? "" : (options.apiKey ?? ""),
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 2,
    fetch: options.fetch ?? bufferedFetch,
    defaultHeaders: keyless ? { [authHeader]: null } : undefined,
  };
}

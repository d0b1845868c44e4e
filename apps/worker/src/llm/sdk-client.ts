import { bufferedFetch } from "../http.ts";
import type { SdkProviderOptions } from "./types.ts";

/**
 * The client options both official SDKs take alike: a 30 s timeout, 2 retries (the SDKs retry 429/5xx
 * and connection errors with backoff) and bufferedFetch on the worker's pool.
 */
export function sdkClientOptions(options: SdkProviderOptions) {
  return {
    apiKey: options.apiKey ?? "not-set",
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 2,
    fetch: options.fetch ?? bufferedFetch,
  };
}

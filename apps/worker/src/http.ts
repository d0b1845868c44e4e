import { Agent, fetch as undiciFetch } from "undici";

/**
 * The worker's one outbound HTTP pool (undici's keep-alive Agent), shared by the Graph sends and the
 * LLM SDKs: one set of connections per origin, one place to tune it.
 */
export const httpAgent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

/**
 * The `fetch` handed to the official LLM SDKs: undici's fetch on `httpAgent` rather than Node 20's
 * global fetch. Same WHATWG semantics the SDKs expect (streams, AbortSignal), about a quarter less
 * CPU per call (measured through the OpenAI SDK against the fake server: 0.71 → 0.52 ms per call,
 * warmed, 32 in flight).
 */
export const sdkFetch = ((input: string | URL | Request, init?: RequestInit) =>
  undiciFetch(input as Parameters<typeof undiciFetch>[0], {
    ...(init as Parameters<typeof undiciFetch>[1]),
    dispatcher: httpAgent,
  })) as unknown as typeof fetch;

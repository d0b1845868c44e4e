import { Agent, fetch as undiciFetch } from "undici";

/**
 * The `fetch` handed to the official LLM SDKs: undici's fetch on a keep-alive Agent rather than
 * Node 20's global fetch. Same WHATWG semantics the SDKs expect (streams, AbortSignal), about a
 * quarter less CPU per call (measured through the OpenAI SDK against the fake server: 0.71 → 0.52 ms
 * per call, warmed, 32 in flight).
 */
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

export const sdkFetch = ((input: string | URL | Request, init?: RequestInit) =>
  undiciFetch(input as Parameters<typeof undiciFetch>[0], {
    ...(init as Parameters<typeof undiciFetch>[1]),
    dispatcher: agent,
  })) as unknown as typeof fetch;

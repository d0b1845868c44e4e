import { Agent, fetch as undiciFetch, request } from "undici";

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

/**
 * A `fetch` for the SDKs' plain JSON calls, over `undici.request` on `httpAgent`: the response body
 * is read whole and handed back as a standard `Response`. It skips what the Fetch algorithm does
 * around the bytes (request objects, header guards, redirect and CORS bookkeeping, a body stream per
 * direction). No redirects are followed (LLM APIs answer in place) and bodies are strings or bytes,
 * which is all the SDKs send for chat calls; anything else goes through `sdkFetch`.
 */
export const bufferedFetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const body = init?.body;
  if (input instanceof Request || (body != null && typeof body !== "string" && !(body instanceof Uint8Array))) {
    return sdkFetch(input, init);
  }
  const headers: Record<string, string> = {};
  new Headers(init?.headers).forEach((value, name) => {
    headers[name] = value;
  });
  const res = await request(input, {
    method: (init?.method ?? "GET") as "GET",
    headers,
    body: body ?? undefined,
    signal: init?.signal ?? undefined,
    dispatcher: httpAgent,
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  const out = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) {
      for (const v of value) {
        out.append(name, v);
      }
    } else if (value !== undefined) {
      out.set(name, value);
    }
  }
  const empty = res.statusCode === 204 || res.statusCode === 304 || bytes.length === 0;
  return new Response(empty ? null : bytes, { status: res.statusCode, headers: out });
}) as typeof fetch;

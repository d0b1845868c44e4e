import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import { TRPC_MAX_BATCH_SIZE } from "@lx/shared/schemas";

import { createConsoleTrpcClient } from "./trpc.ts";

type Sent = { url: string; method: string; body: string | null };

/** Stubs `fetch` with one that records each request and answers every call of it with `data`. */
function recordFetch(data: unknown = null): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(
      typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
      "http://console.test",
    );
    sent.push({
      url: decodeURIComponent(url.href),
      method: init?.method ?? "GET",
      body: typeof init?.body === "string" ? init.body : null,
    });
    const calls =
      url.searchParams.get("batch") === "1" ? url.pathname.replace("/trpc/", "").split(",").length : 1;
    const one = { result: { data } };
    return Promise.resolve(
      new Response(JSON.stringify(url.searchParams.get("batch") === "1" ? Array(calls).fill(one) : one), {
        headers: { "content-type": "application/json" },
      }),
    );
  });
  return sent;
}

beforeEach(() => {
  // The client's loggerLink prints every call in dev builds (as vitest's is).
  vi.spyOn(console, "log").mockImplementation(() => undefined);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("the console's tRPC client", () => {
  test("sends a password link's token in a POST body, never in the URL", async () => {
    const sent = recordFetch({ email: "a@b.test", name: null, expiresAt: "2030-01-01T00:00:00.000Z" });
    const token = "T".repeat(43);
    await createConsoleTrpcClient().auth.passwordLink.query({ token });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.method).toBe("POST");
    expect(sent[0]?.url).not.toContain(token);
    expect(sent[0]?.body).toContain(token);
  });

  test("other queries still go as GET, in batches of at most TRPC_MAX_BATCH_SIZE calls", async () => {
    const sent = recordFetch(null);
    const client = createConsoleTrpcClient();
    await Promise.all(Array.from({ length: TRPC_MAX_BATCH_SIZE + 5 }, () => client.auth.me.query()));
    expect(sent.map((s) => s.method)).toEqual(["GET", "GET"]);
    const sizes = sent.map((s) => new URL(s.url).pathname.replace("/trpc/", "").split(",").length);
    expect(sizes).toEqual([TRPC_MAX_BATCH_SIZE, 5]);
  });
});

import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";

import { isTransientError, QUERY_RETRIES, shouldRetryQuery } from "./retry.ts";

/** The error the console's tRPC client raises for an answer of the API (`data` as its errorFormatter sends it). */
function answered(code: string, httpStatus: number, appCode?: string) {
  return TRPCClientError.from({
    error: {
      message: "refused",
      code: -32603,
      data: { code, httpStatus, appError: appCode ? { code: appCode, userMessage: null } : null, zodError: null },
    },
  });
}

describe("isTransientError: which failed requests are worth sending again", () => {
  it("no answer at all (network down, a proxy's page that is not tRPC's) is transient", () => {
    expect(isTransientError(TRPCClientError.from(new TypeError("Failed to fetch")))).toBe(true);
    expect(isTransientError(new Error("Unexpected token '<'"))).toBe(true);
  });

  it("5xx, timeouts and rate limiting are transient", () => {
    for (const [code, status, app] of [
      ["INTERNAL_SERVER_ERROR", 500, undefined],
      ["INTERNAL_SERVER_ERROR", 500, "INTERNAL"],
      ["BAD_GATEWAY", 502, undefined],
      ["SERVICE_UNAVAILABLE", 503, undefined],
      ["GATEWAY_TIMEOUT", 504, undefined],
      ["TIMEOUT", 408, undefined],
      ["CLIENT_CLOSED_REQUEST", 499, undefined],
      ["TOO_MANY_REQUESTS", 429, undefined],
      ["TOO_MANY_REQUESTS", 429, "RATE_LIMITED"],
    ] as const) {
      expect([code, app, isTransientError(answered(code, status, app))]).toEqual([code, app, true]);
    }
  });

  it("a deliberate refusal is final: the same request gets the same answer", () => {
    for (const [code, status, app] of [
      ["UNAUTHORIZED", 401, "UNAUTHORIZED"],
      ["FORBIDDEN", 403, "FORBIDDEN"],
      ["NOT_FOUND", 404, "NOT_FOUND"],
      ["BAD_REQUEST", 400, undefined],
      ["BAD_REQUEST", 400, "INVALID_INPUT"],
      ["CONFLICT", 409, "CONFLICT"],
      ["PRECONDITION_FAILED", 412, "INVALID_STATE"],
      ["PAYLOAD_TOO_LARGE", 413, undefined],
      ["UNPROCESSABLE_CONTENT", 422, undefined],
      ["METHOD_NOT_SUPPORTED", 405, undefined],
      ["SOMETHING_NEW", 418, undefined],
    ] as const) {
      expect([code, app, isTransientError(answered(code, status, app))]).toEqual([code, app, false]);
    }
  });
});

describe("shouldRetryQuery: TanStack Query's retry", () => {
  it("retries a transient error at most QUERY_RETRIES times", () => {
    const down = answered("SERVICE_UNAVAILABLE", 503);
    expect(QUERY_RETRIES).toBe(2);
    expect([0, 1, 2, 3].map((failures) => shouldRetryQuery(failures, down))).toEqual([true, true, false, false]);
  });

  it("never retries a final one, not even the first time (CONFLICT, INVALID_STATE, PAYLOAD_TOO_LARGE included)", () => {
    for (const err of [
      answered("CONFLICT", 409, "CONFLICT"),
      answered("PRECONDITION_FAILED", 412, "INVALID_STATE"),
      answered("PAYLOAD_TOO_LARGE", 413),
      answered("FORBIDDEN", 403, "FORBIDDEN"),
    ]) {
      expect(shouldRetryQuery(0, err)).toBe(false);
    }
  });
});

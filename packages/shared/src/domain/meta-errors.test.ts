import { describe, expect, it } from "vitest";

import { backoffMs, classifyMetaError, pairRateLimitBackoffMs } from "./meta-errors.ts";

describe("classifyMetaError", () => {
  it.each([1, 2, 4, 80007, 130429, 131000, 131016, 131057])("retries code %i", (code) => {
    expect(classifyMetaError(code, 400)).toBe("retry");
  });
  it.each([100, 131026, 131049, 131050, 131051, 132000, 132001, 132015])("never retries code %i", (code) => {
    expect(classifyMetaError(code, 400)).toBe("permanent");
  });
  it.each([190, 368, 131031])("pauses the number on code %i", (code) => {
    expect(classifyMetaError(code, 401)).toBe("pause_number");
  });
  it("backs off per recipient on 131056 and takes the template path on 131047", () => {
    expect(classifyMetaError(131056, 400)).toBe("retry_recipient");
    expect(classifyMetaError(131047, 400)).toBe("window_closed");
  });
  it("branches on the code, not the HTTP status, and falls back to the status without a code", () => {
    expect(classifyMetaError(100, 500)).toBe("permanent");
    expect(classifyMetaError(130429, 200)).toBe("retry");
    expect(classifyMetaError(undefined, 503)).toBe("retry");
    expect(classifyMetaError(undefined, 429)).toBe("retry");
    expect(classifyMetaError(undefined, 404)).toBe("permanent");
    expect(classifyMetaError(undefined, undefined)).toBe("retry");
  });
});

describe("backoff", () => {
  it("grows exponentially, stays within [exp/2, exp] and respects the cap", () => {
    expect(backoffMs(1, { random: () => 0 })).toBe(500);
    expect(backoffMs(1, { random: () => 1 })).toBe(1000);
    expect(backoffMs(4, { random: () => 1 })).toBe(8000);
    expect(backoffMs(30, { random: () => 1, maxMs: 60_000 })).toBe(60_000);
    const samples = Array.from({ length: 200 }, () => backoffMs(3));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(2000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(4000);
    expect(new Set(samples).size).toBeGreaterThan(10);
  });
  it("follows Meta's 4^X seconds for the pair rate limit", () => {
    expect([1, 2, 3].map(pairRateLimitBackoffMs)).toEqual([1000, 4000, 16000]);
  });
});

import { describe, expect, it } from "vitest";

import {
  backoffMs,
  classifyMetaError,
  pairRateLimitBackoffMs,
  SEND_RETRY_BUDGET_MS,
  SEND_RETRY_STEP_MAX_MS,
  sendRetryDelayMs,
} from "./meta-errors.ts";

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

describe("sendRetryDelayMs (retryable send failures: the attempt limit, then a time budget)", () => {
  const MIN = 60_000;
  const retry = (attempts: number, ageMs: number, over: Partial<Parameters<typeof sendRetryDelayMs>[0]> = {}) =>
    sendRetryDelayMs({ action: "retry", attempts, maxAttempts: 6, ageMs, random: () => 1, ...over });

  it("within the attempt limit: the usual 1 s, 2 s, 4 s … backoff", () => {
    expect([1, 2, 3, 4, 5].map((a) => retry(a, 0))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it("past the attempt limit a young send is retried on, each wait at most SEND_RETRY_STEP_MAX_MS", () => {
    expect(retry(6, 40_000)).toBe(32_000);
    expect(retry(12, 10 * MIN)).toBe(SEND_RETRY_STEP_MAX_MS);
  });

  it("past the attempt limit and the budget the send is dead-lettered; the last wait ends at the budget's end", () => {
    expect(retry(6, SEND_RETRY_BUDGET_MS)).toBeNull();
    expect(retry(20, SEND_RETRY_BUDGET_MS - 5_000)).toBe(5_000);
    // Within the attempt limit it is never dead-lettered for its age (a send that waited behind its
    // conversation's head still gets its tries).
    expect(retry(2, 2 * SEND_RETRY_BUDGET_MS)).toBe(2000);
  });

  it("a Retry-After is a floor (capped at what is left of the budget, at least one step); 131056 keeps Meta's 4^X s", () => {
    expect(retry(1, 0, { retryAfterMs: 30_000 })).toBe(30_000);
    expect(retry(1, 0, { retryAfterMs: 10 * SEND_RETRY_BUDGET_MS })).toBe(SEND_RETRY_BUDGET_MS);
    // Late in the budget a huge Retry-After waits out what is left (or one step), not a whole budget more.
    expect(retry(3, SEND_RETRY_BUDGET_MS - 10 * MIN, { retryAfterMs: 10 * SEND_RETRY_BUDGET_MS })).toBe(10 * MIN);
    expect(retry(3, SEND_RETRY_BUDGET_MS - 1_000, { retryAfterMs: 10 * SEND_RETRY_BUDGET_MS })).toBe(SEND_RETRY_STEP_MAX_MS);
    expect(sendRetryDelayMs({ action: "retry_recipient", attempts: 3, maxAttempts: 6, ageMs: 0 })).toBe(16_000);
  });

  it("a whole outage: retried for the 30-minute budget (not the old ~20 s of 6 attempts), at most 2 minutes apart", () => {
    for (const random of [() => 0, () => 1]) {
      let age = 0;
      let attempts = 1;
      const waits: number[] = [];
      for (let d = retry(attempts, age, { random }); d !== null; d = retry(++attempts, age, { random })) {
        waits.push(d);
        age += d;
      }
      expect(age).toBe(SEND_RETRY_BUDGET_MS); // the last try falls at the budget's end
      expect(Math.max(...waits)).toBeLessThanOrEqual(SEND_RETRY_STEP_MAX_MS);
      expect(attempts).toBeGreaterThanOrEqual(20);
      expect(attempts).toBeLessThanOrEqual(40);
    }
  });
});

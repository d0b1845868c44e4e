import { describe, expect, it } from "vitest";

import { FailureRateLimiter, loginRateLimitKey } from "./rate-limit.ts";

describe("FailureRateLimiter", () => {
  it("limits a key after max failures inside the window and frees it when they age out", () => {
    const limiter = new FailureRateLimiter({ max: 3, windowMs: 1000 });
    const t0 = 10_000;
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterMs("k", t0 + i)).toBe(0);
      limiter.recordFailure("k", t0 + i);
    }
    expect(limiter.retryAfterMs("k", t0 + 3)).toBe(997);
    expect(limiter.retryAfterMs("other", t0 + 3)).toBe(0);
    // The first failure leaves the window at t0 + 1000.
    expect(limiter.retryAfterMs("k", t0 + 1000)).toBe(0);
  });

  it("reset clears a key", () => {
    const limiter = new FailureRateLimiter({ max: 1, windowMs: 1000 });
    limiter.recordFailure("k", 1);
    expect(limiter.retryAfterMs("k", 2)).toBeGreaterThan(0);
    limiter.reset("k");
    expect(limiter.retryAfterMs("k", 2)).toBe(0);
  });

  it("evicts the least recently failed keys past maxKeys", () => {
    const limiter = new FailureRateLimiter({ max: 1, windowMs: 1000, maxKeys: 2 });
    limiter.recordFailure("a", 1);
    limiter.recordFailure("b", 2);
    limiter.recordFailure("c", 3);
    expect(limiter.retryAfterMs("a", 4)).toBe(0);
    expect(limiter.retryAfterMs("b", 4)).toBeGreaterThan(0);
    expect(limiter.retryAfterMs("c", 4)).toBeGreaterThan(0);
  });

  it("keys logins by ip and case-insensitive e-mail", () => {
    expect(loginRateLimitKey("1.2.3.4", " Ana@X.test ")).toBe("1.2.3.4|ana@x.test");
    expect(loginRateLimitKey(null, "a@b.c")).toBe("unknown|a@b.c");
  });
});

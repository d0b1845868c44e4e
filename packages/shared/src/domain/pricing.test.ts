import { describe, expect, it } from "vitest";

import { estimateCostUsd, priceOf } from "./pricing.ts";

describe("model pricing", () => {
  it("matches exact names and dated snapshots by the longest prefix", () => {
    expect(priceOf("gpt-4o-mini")?.model).toBe("gpt-4o-mini");
    expect(priceOf("gpt-4o-mini-2024-07-18")?.model).toBe("gpt-4o-mini");
    expect(priceOf("gpt-4o-2024-08-06")?.model).toBe("gpt-4o");
    expect(priceOf("claude-3-5-haiku-20241022")?.model).toBe("claude-3-5-haiku");
    expect(priceOf("GPT-4.1-mini")?.model).toBe("gpt-4.1-mini");
    expect(priceOf("llama-3")).toBeNull();
  });

  it("estimates dollars per million tokens, in and out", () => {
    // 1M in at $0.15 + 1M out at $0.60.
    expect(estimateCostUsd("gpt-4o-mini", 1_000_000, 1_000_000)).toBeCloseTo(0.75, 10);
    // 2,000 in at $0.80/M + 500 out at $4/M = 0.0016 + 0.002.
    expect(estimateCostUsd("claude-3-5-haiku-20241022", 2000, 500)).toBeCloseTo(0.0036, 10);
    expect(estimateCostUsd("unknown-model", 10, 10)).toBeNull();
  });
});

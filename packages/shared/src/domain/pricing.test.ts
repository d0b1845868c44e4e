import { describe, expect, it } from "vitest";

import { estimateCostUsd, MODEL_PRICES, priceOf } from "./pricing.ts";

describe("model pricing", () => {
  it("matches a listed alias or snapshot exactly (case and spaces aside)", () => {
    expect(priceOf("gpt-4o-mini")?.model).toBe("gpt-4o-mini");
    expect(priceOf("gpt-4o-mini-2024-07-18")?.model).toBe("gpt-4o-mini");
    expect(priceOf("gpt-4o-2024-08-06")?.model).toBe("gpt-4o");
    expect(priceOf("claude-3-5-haiku-20241022")?.model).toBe("claude-3-5-haiku");
    expect(priceOf("claude-3-5-haiku-latest")?.model).toBe("claude-3-5-haiku");
    expect(priceOf("claude-haiku-4-5-20251001")?.model).toBe("claude-haiku-4-5");
    expect(priceOf(" GPT-4.1-mini ")?.model).toBe("gpt-4.1-mini");
  });

  it("gives no price rather than a wrong one: no prefix matching, unknown names, other providers", () => {
    // Same family, different price (gpt-4o-2024-05-13 is $5 / $15): not listed, so no price.
    expect(priceOf("gpt-4o-2024-05-13")).toBeNull();
    // Other products that share a prefix with a listed model.
    expect(priceOf("gpt-4o-mini-tts")).toBeNull();
    expect(priceOf("gpt-4o-realtime-preview")).toBeNull();
    expect(priceOf("gpt-4.1-mini-2030-01-01")).toBeNull();
    // A newer model of a listed family.
    expect(priceOf("claude-sonnet-4-6")).toBeNull();
    expect(priceOf("llama-3")).toBeNull();
    expect(priceOf("")).toBeNull();
    expect(priceOf("gpt-4o-mini", "anthropic")).toBeNull();
    expect(priceOf("gpt-4o-mini", "openai")?.model).toBe("gpt-4o-mini");
    expect(priceOf("gpt-4o-mini", "")?.model).toBe("gpt-4o-mini");
  });

  it("estimates dollars per million tokens, in and out", () => {
    // 1M in at $0.15 + 1M out at $0.60.
    expect(estimateCostUsd("gpt-4o-mini", 1_000_000, 1_000_000)).toBeCloseTo(0.75, 10);
    // 2,000 in at $0.80/M + 500 out at $4/M = 0.0016 + 0.002.
    expect(estimateCostUsd("claude-3-5-haiku-20241022", 2000, 500)).toBeCloseTo(0.0036, 10);
    expect(estimateCostUsd("unknown-model", 10, 10)).toBeNull();
    expect(estimateCostUsd("claude-haiku-4-5", 10, 10, "openai")).toBeNull();
  });

  it("every row says where its numbers come from and when they were checked; no name is listed twice", () => {
    const names = MODEL_PRICES.flatMap((p) => [p.model, ...p.aliases]);
    expect(new Set(names).size).toBe(names.length);
    for (const price of MODEL_PRICES) {
      expect(price.source).toMatch(/^https:\/\//);
      expect(price.checkedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(price.inputPerMTokens).toBeGreaterThan(0);
      expect(price.outputPerMTokens).toBeGreaterThan(price.inputPerMTokens);
      for (const name of [price.model, ...price.aliases]) {
        expect(name).toBe(name.trim().toLowerCase());
      }
    }
  });
});

/**
 * Estimated LLM cost: a documented per-model price table (list prices in US dollars per one million
 * tokens, input and output, as published by OpenAI and Anthropic when this table was written). The
 * console shows the table next to every cost, so an estimate is never mistaken for an invoice.
 * Model names match exactly or by their longest listed prefix, so dated snapshots
 * ("gpt-4o-mini-2024-07-18", "claude-3-5-haiku-20241022") find their family.
 */

export type ModelPrice = { model: string; inputPerMTokens: number; outputPerMTokens: number };

export const MODEL_PRICES: readonly ModelPrice[] = [
  { model: "gpt-4o-mini", inputPerMTokens: 0.15, outputPerMTokens: 0.6 },
  { model: "gpt-4o", inputPerMTokens: 2.5, outputPerMTokens: 10 },
  { model: "gpt-4.1-nano", inputPerMTokens: 0.1, outputPerMTokens: 0.4 },
  { model: "gpt-4.1-mini", inputPerMTokens: 0.4, outputPerMTokens: 1.6 },
  { model: "gpt-4.1", inputPerMTokens: 2, outputPerMTokens: 8 },
  { model: "claude-3-5-haiku", inputPerMTokens: 0.8, outputPerMTokens: 4 },
  { model: "claude-haiku-4-5", inputPerMTokens: 1, outputPerMTokens: 5 },
  { model: "claude-3-5-sonnet", inputPerMTokens: 3, outputPerMTokens: 15 },
  { model: "claude-sonnet-4", inputPerMTokens: 3, outputPerMTokens: 15 },
];

/** The price of `model` (exact name, else the longest listed prefix), or null when it is not listed. */
export function priceOf(model: string): ModelPrice | null {
  const name = model.trim().toLowerCase();
  let best: ModelPrice | null = null;
  for (const price of MODEL_PRICES) {
    if (name === price.model) {
      return price;
    }
    if (name.startsWith(price.model) && (best === null || price.model.length > best.model.length)) {
      best = price;
    }
  }
  return best;
}

/** Estimated cost in US dollars of `tokensIn` + `tokensOut` on `model`; null for an unlisted model. */
export function estimateCostUsd(model: string, tokensIn: number, tokensOut: number): number | null {
  const price = priceOf(model);
  if (!price) {
    return null;
  }
  return (tokensIn * price.inputPerMTokens + tokensOut * price.outputPerMTokens) / 1_000_000;
}

/**
 * Estimated LLM cost: a documented per-model price table — list prices in US dollars per one million
 * tokens, input and output, standard tier (no batch, no prompt-cache discount, no long-context
 * surcharge). The console shows the table, with where each number was read and when, next to every
 * cost, so an estimate is never mistaken for an invoice.
 *
 * A model is priced only by an exact, listed name (its alias or one of the dated snapshots the
 * provider bills at the same price). Nothing is matched by prefix: snapshots of one family do not
 * always share a price (`gpt-4o-2024-05-13` costs twice `gpt-4o`), and a wrong number is worse than
 * "no price". Checking the table again: docs/console.md, "Model prices".
 */

export type ModelPrice = {
  /** The provider's model id (its alias), as written in `spec.model.name`. */
  model: string;
  provider: "openai" | "anthropic";
  /** Other ids billed at exactly this price: dated snapshots and `-latest`/`-0` aliases. */
  aliases: readonly string[];
  inputPerMTokens: number;
  outputPerMTokens: number;
  /** Where the two numbers were read. */
  source: string;
  /** When they were last checked against that source (YYYY-MM-DD). */
  checkedOn: string;
};

/** The provider's own price page; see docs/console.md for the copies each row was checked against. */
const OPENAI_PRICING = "https://developers.openai.com/api/docs/pricing";
const ANTHROPIC_PRICING = "https://docs.anthropic.com/en/docs/about-claude/pricing";
const CHECKED_ON = "2026-11-25";

export const MODEL_PRICES: readonly ModelPrice[] = [
  {
    model: "gpt-4o-mini",
    provider: "openai",
    aliases: ["gpt-4o-mini-2024-07-18"],
    inputPerMTokens: 0.15,
    outputPerMTokens: 0.6,
    source: OPENAI_PRICING,
    checkedOn: CHECKED_ON,
  },
  {
    model: "gpt-4o",
    provider: "openai",
    // Not gpt-4o-2024-05-13, which is billed at $5 / $15.
    aliases: ["gpt-4o-2024-08-06", "gpt-4o-2024-11-20"],
    inputPerMTokens: 2.5,
    outputPerMTokens: 10,
    source: OPENAI_PRICING,
    checkedOn: CHECKED_ON,
  },
  {
    model: "gpt-4.1-nano",
    provider: "openai",
    aliases: ["gpt-4.1-nano-2025-04-14"],
    inputPerMTokens: 0.1,
    outputPerMTokens: 0.4,
    source: OPENAI_PRICING,
    checkedOn: CHECKED_ON,
  },
  {
    model: "gpt-4.1-mini",
    provider: "openai",
    aliases: ["gpt-4.1-mini-2025-04-14"],
    inputPerMTokens: 0.4,
    outputPerMTokens: 1.6,
    source: OPENAI_PRICING,
    checkedOn: CHECKED_ON,
  },
  {
    model: "gpt-4.1",
    provider: "openai",
    aliases: ["gpt-4.1-2025-04-14"],
    inputPerMTokens: 2,
    outputPerMTokens: 8,
    source: OPENAI_PRICING,
    checkedOn: CHECKED_ON,
  },
  {
    model: "claude-3-5-haiku",
    provider: "anthropic",
    aliases: ["claude-3-5-haiku-20241022", "claude-3-5-haiku-latest"],
    inputPerMTokens: 0.8,
    outputPerMTokens: 4,
    source: ANTHROPIC_PRICING,
    checkedOn: CHECKED_ON,
  },
  {
    model: "claude-haiku-4-5",
    provider: "anthropic",
    aliases: ["claude-haiku-4-5-20251001"],
    inputPerMTokens: 1,
    outputPerMTokens: 5,
    source: ANTHROPIC_PRICING,
    checkedOn: CHECKED_ON,
  },
  {
    model: "claude-3-5-sonnet",
    provider: "anthropic",
    aliases: ["claude-3-5-sonnet-20240620", "claude-3-5-sonnet-20241022", "claude-3-5-sonnet-latest"],
    inputPerMTokens: 3,
    outputPerMTokens: 15,
    source: ANTHROPIC_PRICING,
    checkedOn: CHECKED_ON,
  },
  {
    model: "claude-sonnet-4",
    provider: "anthropic",
    aliases: ["claude-sonnet-4-20250514", "claude-sonnet-4-0"],
    inputPerMTokens: 3,
    outputPerMTokens: 15,
    source: ANTHROPIC_PRICING,
    checkedOn: CHECKED_ON,
  },
  {
    model: "claude-sonnet-4-5",
    provider: "anthropic",
    aliases: ["claude-sonnet-4-5-20250929"],
    inputPerMTokens: 3,
    outputPerMTokens: 15,
    source: ANTHROPIC_PRICING,
    checkedOn: CHECKED_ON,
  },
];

const byName = new Map<string, ModelPrice>(
  MODEL_PRICES.flatMap((price) => [price.model, ...price.aliases].map((name) => [name, price] as const)),
);

/**
 * The price of `model` (its alias or a listed snapshot, case-insensitive), or null when it is not
 * listed. With `provider`, a row of another provider does not count (an OpenAI-compatible server
 * may serve anything under any name, but a name of the other provider is certainly not its price).
 */
export function priceOf(model: string, provider?: string): ModelPrice | null {
  const price = byName.get(model.trim().toLowerCase()) ?? null;
  if (price && provider !== undefined && provider !== "" && provider !== price.provider) {
    return null;
  }
  return price;
}

/** Estimated cost in US dollars of `tokensIn` + `tokensOut` on `model`; null for an unlisted model. */
export function estimateCostUsd(
  model: string,
  tokensIn: number,
  tokensOut: number,
  provider?: string,
): number | null {
  const price = priceOf(model, provider);
  if (!price) {
    return null;
  }
  return (tokensIn * price.inputPerMTokens + tokensOut * price.outputPerMTokens) / 1_000_000;
}

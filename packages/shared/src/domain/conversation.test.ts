import { describe, expect, it } from "vitest";

import { matchHandoffKeyword, offlineReply, splitReply, WHATSAPP_TEXT_LIMIT } from "./conversation.ts";

describe("matchHandoffKeyword", () => {
  const kws = ["atendente", "humano", "falar com alguém"];
  it("matches whole words ignoring case, accents and punctuation", () => {
    expect(matchHandoffKeyword("Quero um ATENDENTE!", kws)).toBe("atendente");
    expect(matchHandoffKeyword("quero falar com alguem, por favor", kws)).toBe("falar com alguém");
    expect(matchHandoffKeyword("HUMANO.", kws)).toBe("humano");
  });
  it("does not match inside other words or when absent", () => {
    expect(matchHandoffKeyword("desumano", kws)).toBeNull();
    expect(matchHandoffKeyword("Qual o preço da avaliação?", kws)).toBeNull();
    expect(matchHandoffKeyword("atendentes", kws)).toBeNull();
  });
});

describe("splitReply", () => {
  it("keeps short replies whole and drops empty ones", () => {
    expect(splitReply("Oi!", 100)).toEqual(["Oi!"]);
    expect(splitReply("   ", 100)).toEqual([]);
  });
  it("splits at sentence boundaries, in order, every part within the limit", () => {
    const text = "Primeira frase curta. Segunda frase um pouco maior que a primeira! Terceira? Quarta frase final.";
    const parts = splitReply(text, 40);
    expect(parts.every((p) => p.length <= 40)).toBe(true);
    expect(parts.join(" ").replace(/\s+/g, " ")).toBe(text);
    expect(parts[0]).toBe("Primeira frase curta.");
  });
  it("never passes WhatsApp's 4,096 and cuts a giant word", () => {
    const parts = splitReply("x".repeat(10_000), 50_000);
    expect(parts.map((p) => p.length)).toEqual([4096, 4096, 1808]);
    expect(WHATSAPP_TEXT_LIMIT).toBe(4096);
  });
});

describe("offlineReply", () => {
  it("is deterministic and in the agent's language", () => {
    const a = offlineReply({ agentName: "Ana", language: "pt-BR", customerText: "Oi" });
    expect(a).toBe(offlineReply({ agentName: "Ana", language: "pt-BR", customerText: "Oi" }));
    expect(a).toContain("Aqui é Ana");
    expect(offlineReply({ agentName: "Ann", language: "en", customerText: "Hi" })).toContain("This is Ann");
  });
});

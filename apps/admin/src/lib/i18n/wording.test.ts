import { describe, expect, it } from "vitest";

import { MESSAGES } from "./messages.ts";

/** Every text of a language: its strings, and the source of its functions (their template literals). */
function texts(node: unknown, path = "t"): { path: string; text: string }[] {
  if (typeof node === "string") {
    return [{ path, text: node }];
  }
  if (typeof node === "function") {
    return [{ path, text: String(node) }];
  }
  if (node && typeof node === "object") {
    return Object.entries(node).flatMap(([key, value]) => texts(value, `${path}.${key}`));
  }
  return [];
}

describe("pt-BR wording", () => {
  it("says “a Meta” (feminine, as the company calls itself) — never “o/pelo/no/do Meta”", () => {
    const masculine = /(?<!\p{L})(o|ao|pelo|no|do)\s+Meta\b/iu;
    const offending = texts(MESSAGES["pt-BR"])
      .filter(({ text }) => masculine.test(text))
      .map(({ path, text }) => `${path}: ${masculine.exec(text)?.[0]}`);
    expect(offending).toEqual([]);
  });

  it("writes counts with the thousands separator the KPIs use", () => {
    expect(MESSAGES["pt-BR"].metrics.traffic.excluded(6387)).toMatch(/^6\.387 conversas de teste /);
    expect(MESSAGES.en.metrics.traffic.excluded(6387)).toMatch(/^6,387 test conversations /);
    expect(MESSAGES["pt-BR"].metrics.traffic.excluded(1)).toMatch(
      /^1 conversa de teste .* não está contada\.$/,
    );
  });

  it("says one line or several lines in the prompt diff, never “linha(s)”", () => {
    const pt = MESSAGES["pt-BR"].compile;
    expect([pt.unchanged(1), pt.unchanged(12), pt.linesAdded(1), pt.linesRemoved(3)]).toEqual([
      "1 linha igual",
      "12 linhas iguais",
      "+1 linha",
      "−3 linhas",
    ]);
    const en = MESSAGES.en.compile;
    expect([en.unchanged(1), en.unchanged(12), en.linesAdded(1), en.linesRemoved(3)]).toEqual([
      "1 unchanged line",
      "12 unchanged lines",
      "+1 line",
      "−3 lines",
    ]);
  });

  it("defines the Conversas KPI over the chosen period, not a day", () => {
    expect(MESSAGES["pt-BR"].metrics.kpi.conversations.help).toContain("no período");
    expect(MESSAGES.en.metrics.kpi.conversations.help).toContain("in the period");
  });
});

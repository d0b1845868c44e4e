import { describe, expect, it } from "vitest";

import { dateTimeOptions, tokensText } from "./formats.ts";

describe("tokensText", () => {
  it("writes token counts with the language's digit grouping, alone or in → out", () => {
    const pt = new Intl.NumberFormat("pt-BR");
    const en = new Intl.NumberFormat("en-US");
    expect(tokensText(pt, 1427)).toBe("1.427 tokens");
    expect(tokensText(en, 1427)).toBe("1,427 tokens");
    expect(tokensText(pt, 1398, 33)).toBe("1.398 → 33 tokens");
  });
});

describe("dateTimeOptions", () => {
  it("writes the year in full in both languages, like the plain dates", () => {
    const format = (locale: string, seconds: boolean, at = new Date("2026-11-26T23:44:05Z")) =>
      new Intl.DateTimeFormat(locale, { ...dateTimeOptions(seconds, locale), timeZone: "UTC" }).format(at);
    expect(format("en-US", false)).toBe("11/26/2026, 11:44 PM");
    expect(format("en-US", true)).toBe("11/26/2026, 11:44:05 PM");
    expect(format("pt-BR", false)).toBe("26/11/2026, 23:44");
    expect(format("pt-BR", true)).toBe("26/11/2026, 23:44:05");
    expect(format("pt-BR", true, new Date("2026-11-27T00:34:16Z"))).toBe("27/11/2026, 00:34:16");
    expect(format("en-US", false, new Date("2026-11-27T09:05:00Z"))).toBe("11/27/2026, 9:05 AM");
  });
});

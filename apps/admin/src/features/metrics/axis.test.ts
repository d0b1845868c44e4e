import { describe, expect, it } from "vitest";

import { axisFormatter, inferAxisUnit } from "./axis.ts";

const ticks = (f: (v: number) => string, max: number) => [0, max / 2, max].map(f);

describe("chart axes", () => {
  it("durations: one unit per axis (the top's), the same decimals on every tick", () => {
    expect(ticks(axisFormatter("duration", 1300, "pt-BR"), 1300)).toEqual(["0,00 s", "0,65 s", "1,30 s"]);
    expect(ticks(axisFormatter("duration", 500, "pt-BR"), 500)).toEqual(["0 ms", "250 ms", "500 ms"]);
    expect(ticks(axisFormatter("duration", 5000, "en"), 5000)).toEqual(["0.0 s", "2.5 s", "5.0 s"]);
  });

  it("dollars: the same decimals on every tick, at least two", () => {
    expect(ticks(axisFormatter("usd", 0.0005, "pt-BR"), 0.0005).map((s) => s.replace(/\s/g, " "))).toEqual([
      "US$ 0,00000",
      "US$ 0,00025",
      "US$ 0,00050",
    ]);
    expect(ticks(axisFormatter("usd", 2, "en"), 2)).toEqual(["$0.00", "$1.00", "$2.00"]);
  });

  it("counts and rates", () => {
    expect(ticks(axisFormatter("count", 2000, "pt-BR"), 2000)).toEqual(["0", "1.000", "2.000"]);
    expect(ticks(axisFormatter("percent", 1, "en"), 1)).toEqual(["0%", "50%", "100%"]);
  });

  it("reads the unit off a value formatter's text", () => {
    expect(inferAxisUnit(() => "1,3 s", 1300)).toBe("duration");
    expect(inferAxisUnit(() => "US$ 0,0005", 0.0005)).toBe("usd");
    expect(inferAxisUnit(() => "50%", 1)).toBe("percent");
    expect(inferAxisUnit(() => "1.398", 1398)).toBeUndefined();
  });
});

/**
 * The metrics charts' axes: one unit and one number of decimals per axis, whatever the values' own
 * formatter does for each value ("0 ms … 1,3 s" and "US$ 0,00 … US$ 0,0005" were the complaint).
 */

/** What a chart's values measure: its axis then shows one unit and one number of decimals. */
export type AxisUnit = "count" | "duration" | "usd" | "percent";

/** The fewest decimals (up to `most`) that show every value exactly. */
function decimalsFor(values: number[], most: number): number {
  for (let d = 0; d < most; d++) {
    if (values.every((v) => Math.abs(Math.round(v * 10 ** d) - v * 10 ** d) < 1e-6)) {
      return d;
    }
  }
  return most;
}

/**
 * The formatter of an axis's ticks (0, half, top): one unit for all of them (the top's: "0 s,
 * 0,65 s, 1,3 s", not "0 ms … 1,3 s") and the same decimals ("US$ 0,0000 … US$ 0,0005").
 */
export function axisFormatter(unit: AxisUnit, max: number, locale: string): (value: number) => string {
  const intl = locale === "en" ? "en-US" : "pt-BR";
  const ticks = [0, max / 2, max];
  const fixed = (values: number[], most: number, options: Intl.NumberFormatOptions = {}) => {
    const digits = decimalsFor(values, most);
    return new Intl.NumberFormat(intl, { ...options, minimumFractionDigits: digits, maximumFractionDigits: digits });
  };
  switch (unit) {
    case "count": {
      const f = fixed(ticks, 1);
      return (v) => f.format(v);
    }
    case "percent": {
      const f = fixed(ticks.map((v) => v * 100), 1, { style: "percent" });
      return (v) => f.format(v);
    }
    case "usd": {
      const digits = Math.max(2, decimalsFor(ticks, 6));
      const f = new Intl.NumberFormat(intl, {
        style: "currency",
        currency: "USD",
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
      return (v) => f.format(v);
    }
    case "duration": {
      const [size, symbol] = max >= 120_000 ? [60_000, "min"] : max >= 1000 ? [1000, "s"] : [1, "ms"];
      const f = fixed(
        ticks.map((v) => v / size),
        2,
      );
      return (v) => `${f.format(v / size)} ${symbol}`;
    }
  }
}

/**
 * The unit a value formatter writes, read off its text at the axis top (for charts not told their
 * `unit`): a percent sign, a currency, a duration's unit; else none (the ticks use the formatter).
 */
export function inferAxisUnit(format: (value: number) => string, max: number): AxisUnit | undefined {
  const text = format(max).trim();
  if (text.endsWith("%")) {
    return "percent";
  }
  if (text.includes("$")) {
    return "usd";
  }
  if (/\d\s?(ms|s|min|h)$/.test(text)) {
    return "duration";
  }
  return undefined;
}

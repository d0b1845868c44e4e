/** Pure formatters behind useI18n (unit-tested without React). */

/** "1.427 tokens" (pt-BR) / "1,427 tokens" (en); with `output`, "1.398 → 33 tokens" (in → out). */
export function tokensText(numberFormat: Intl.NumberFormat, count: number, output?: number): string {
  return output === undefined
    ? `${numberFormat.format(count)} tokens`
    : `${numberFormat.format(count)} → ${numberFormat.format(output)} tokens`;
}

/**
 * Date and time as every list shows it, with the year in full like `date()`'s ("11/26/2026, 11:44 PM"
 * in English, not "11/26/26"; "26/11/2026, 23:44" in pt-BR); `seconds` for event lists.
 */
export function dateTimeOptions(seconds: boolean, intlLocale: string): Intl.DateTimeFormatOptions {
  return {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    // "00:34" in pt-BR (a 24-hour clock pads its hours), "9:44 PM" in English.
    hour: intlLocale.startsWith("en") ? "numeric" : "2-digit",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  };
}

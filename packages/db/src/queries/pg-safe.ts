/**
 * PostgreSQL text and jsonb cannot hold U+0000 (jsonb refuses the `\u0000` escape, text the byte).
 * Whatever arrives from outside (a webhook's text, a contact name) is stored with each NUL replaced
 * by U+FFFD instead of making the insert fail — a failing insert would make Meta redeliver the same
 * payload forever and the message would never be stored.
 */
export function pgSafe<T>(value: T): T {
  if (typeof value === "string") {
    return (value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value) as T;
  }
  if (Array.isArray(value)) {
    return value.map((v: unknown) => pgSafe(v)) as T;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[pgSafe(k)] = pgSafe(v);
    }
    return out as T;
  }
  return value;
}

/**
 * `JSON.stringify(value)`, NUL-safe for jsonb. The walk runs only when the JSON names a NUL at all
 * (`\u0000`), so the webhook's hot path pays one substring check.
 */
export function pgSafeJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes("\\u0000") ? JSON.stringify(pgSafe(value)) : json;
}

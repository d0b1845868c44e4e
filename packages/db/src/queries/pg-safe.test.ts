import { describe, expect, it } from "vitest";

import { PG_SAFE_MAX_DEPTH, PG_SAFE_TOO_DEEP, pgSafe, pgSafeJson } from "./pg-safe.ts";

describe("pgSafe / pgSafeJson (what PostgreSQL's text and jsonb can store)", () => {
  it("replaces NULs and lone UTF-16 surrogates with U+FFFD, keys included; a surrogate pair is kept", () => {
    const value = { text: "oi\u0000 \ud800 \udc00fim", "k\ud83d": ["😀", "a\u0000"], n: 1, b: true, nil: null };
    expect(pgSafe(value)).toEqual({ text: "oi\uFFFD \uFFFD \uFFFDfim", "k\uFFFD": ["😀", "a\uFFFD"], n: 1, b: true, nil: null });
    expect(pgSafeJson(value)).not.toMatch(/\\u(0000|d[89a-f])/);
    // Nothing to fix: the JSON.stringify text itself (the webhook's hot path).
    const plain = { text: "olá 😀", list: [1, "\\u0000 written out"] };
    expect(pgSafeJson(plain)).toBe(JSON.stringify(plain));
  });

  it("walks any depth without recursion; containers past the cap are stored as a marker, not a stack overflow", () => {
    let deep: unknown = "fundo\u0000";
    for (let i = 0; i < 200_000; i++) {
      deep = [deep];
    }
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    const json = pgSafeJson({ deep });
    expect(json.startsWith(`{"deep":${"[".repeat(PG_SAFE_MAX_DEPTH - 1)}"${PG_SAFE_TOO_DEEP}"`)).toBe(true);
  });

  it("keeps a __proto__ key as a key, and applies toJSON (a Date) as JSON.stringify does", () => {
    const parsed = JSON.parse('{"__proto__":{"x":"a\\u0000"},"at":1}') as unknown;
    expect(JSON.parse(JSON.stringify(pgSafe(parsed)))).toEqual(JSON.parse('{"__proto__":{"x":"a\\ufffd"},"at":1}'));
    expect(JSON.parse(pgSafeJson({ at: new Date(0), s: "\ud800" }))).toEqual({ at: "1970-01-01T00:00:00.000Z", s: "\uFFFD" });
  });
});

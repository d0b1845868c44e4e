import { createHash } from "node:crypto";

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { canonicalJson } from "./canonical-json.ts";
import { sha256Hex } from "./hash.ts";
import { estimateTokens, normalizeText } from "./normalize-text.ts";

/** Rebuilds every object of a JSON value with its keys in a new order chosen by `pick`. */
function shuffleKeys(value: unknown, pick: (length: number) => number): unknown {
  if (Array.isArray(value)) {
    return value.map((item: unknown) => shuffleKeys(item, pick));
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    const shuffled: [string, unknown][] = [];
    while (entries.length > 0) {
      const [entry] = entries.splice(pick(entries.length), 1);
      if (entry !== undefined) {
        shuffled.push([entry[0], shuffleKeys(entry[1], pick)]);
      }
    }
    return Object.fromEntries(shuffled);
  }
  return value;
}

describe("canonicalJson", () => {
  it("sorts keys recursively, keeps array order, drops undefined, adds no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { z: true, y: null }], c: "x" }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[3,1,{"y":null,"z":true}]},"b":1}',
    );
  });

  it("writes undefined array items as null, like JSON", () => {
    expect(canonicalJson([1, undefined, 2])).toBe("[1,null,2]");
  });

  it("escapes strings as JSON does", () => {
    expect(canonicalJson({ "quo\"te": "línea\n\u2028" })).toBe(JSON.stringify({ "quo\"te": "línea\n\u2028" }));
  });

  it.each([NaN, Infinity, -Infinity])("throws on the non-finite number %s", (value) => {
    expect(() => canonicalJson({ a: [value] })).toThrow(/non-finite number at \$\.a\[0\]/);
  });

  it("throws on circular structures and bigint", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => canonicalJson(circular)).toThrow(/circular/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
  });

  it("allows the same object twice when it is not a cycle", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it("property: key order never changes the output", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.nat(), { minLength: 1 }), (value, seeds) => {
        let call = 0;
        const pick = (length: number) => (seeds[call++ % seeds.length] ?? 0) % length;
        expect(canonicalJson(shuffleKeys(value, pick))).toBe(canonicalJson(value));
      }),
    );
  });

  it("property: output is valid JSON equal to the input", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe("sha256Hex", () => {
  it("hashes the UTF-8 bytes", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("Clínica")).toBe(createHash("sha256").update(Buffer.from("Clínica", "utf8")).digest("hex"));
  });
});

describe("normalizeText", () => {
  it("lowercases, strips accents and collapses whitespace", () => {
    expect(normalizeText("  Atendênte\t HUMANO\n")).toBe("atendente humano");
    expect(normalizeText("AÇÃO Não")).toBe("acao nao");
    expect(normalizeText("Añadir PEÑA")).toBe("anadir pena");
  });

  it("treats composed and decomposed accents alike", () => {
    expect(normalizeText("e\u0301")).toBe(normalizeText("\u00e9"));
  });
});

describe("estimateTokens", () => {
  it("is zero for empty text and at least chars/4", () => {
    expect(estimateTokens("")).toBe(0);
    const text = "Olá, tudo bem? Quero marcar uma consulta para amanhã de manhã.";
    expect(estimateTokens(text)).toBeGreaterThanOrEqual(Math.ceil(text.length / 4));
  });

  it("counts short words at 4/3 tokens each", () => {
    expect(estimateTokens("a b c d e f")).toBe(8);
  });
});

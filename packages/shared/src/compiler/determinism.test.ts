/**
 * The compiler's promise (PRODUCT.md capability 3): the same input gives the same bytes and hashes,
 * whatever the source's key order or formatting; any change to the spec gives a new bundle hash.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { type TAgentSpec, parseAgentSpec } from "../schemas/agent-spec.ts";
import { havenSpec, minimalSpec } from "../testing/fixtures.ts";
import { withChanges } from "../testing/mutate.ts";
import { canonicalJson } from "./canonical-json.ts";
import { compile } from "./compile.ts";

/** Rebuilds every object with its keys in an order drawn from `seeds`. */
function shuffleKeys(value: unknown, seeds: number[]): unknown {
  let call = 0;
  const pick = (length: number) => (seeds[call++ % seeds.length] ?? 0) % length;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      return node.map(walk);
    }
    if (typeof node === "object" && node !== null) {
      const entries = Object.entries(node);
      const out: [string, unknown][] = [];
      while (entries.length > 0) {
        const [entry] = entries.splice(pick(entries.length), 1);
        if (entry !== undefined) {
          out.push([entry[0], walk(entry[1])]);
        }
      }
      return Object.fromEntries(out);
    }
    return node;
  };
  return walk(value);
}

/** Every string leaf of a JSON value, as a dotted path. */
function stringPaths(value: unknown, prefix = ""): string[] {
  if (typeof value === "string") {
    return [prefix];
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, child]) => stringPaths(child, prefix === "" ? key : `${prefix}.${key}`));
  }
  return [];
}

function valueAt(root: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
}

/** Enum-valued fields: changed to another allowed value rather than a random string. */
const ENUM_VALUES: Record<string, string[]> = {
  "agent.role": ["sales", "support", "receptionist", "general"],
  "persona.tone": ["formal", "friendly", "concise", "enthusiastic"],
  "model.provider": ["openai", "anthropic"],
  "plugins.calendar.backend": ["local", "webhook"],
};
const isDayPath = (path: string) => /^business\.hours\.\d+\.day$/.test(path);
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const indent = fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 8 }), fc.constantFrom("\t", " \t"));
const specs = fc.constantFrom<TAgentSpec>(havenSpec, minimalSpec);
const docs = fc.array(fc.record({ title: fc.string({ minLength: 1 }), content: fc.string({ minLength: 1 }) }), {
  maxLength: 3,
});

describe("compiler determinism", () => {
  it("property: key order and whitespace of the JSON source never change specHash or bundleHash", () => {
    const reference = new Map([havenSpec, minimalSpec].map((s) => [s, compile(s)]));
    fc.assert(
      fc.property(specs, fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), indent, (spec, seeds, space) => {
        const source = JSON.stringify(shuffleKeys(spec, seeds), null, space);
        const parsed = parseAgentSpec(JSON.parse(source));
        expect(parsed.ok).toBe(true);
        if (parsed.ok) {
          const bundle = compile(parsed.spec);
          expect(bundle.specHash).toBe(reference.get(spec)?.specHash);
          expect(bundle.bundleHash).toBe(reference.get(spec)?.bundleHash);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("property: compiling twice gives identical bytes", () => {
    fc.assert(
      fc.property(specs, docs, (spec, extra) => {
        const first = compile(spec, extra);
        const second = compile(structuredClone(spec), structuredClone(extra));
        expect(JSON.stringify(second)).toBe(JSON.stringify(first));
        expect(canonicalJson(second)).toBe(canonicalJson(first));
      }),
      { numRuns: 50 },
    );
  });

  it("property: changing any string field of the spec changes specHash and bundleHash", () => {
    const paths = stringPaths(havenSpec);
    expect(paths.length).toBeGreaterThan(40);
    const base = compile(havenSpec);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.string({ minLength: 1, maxLength: 30 }), fc.nat(), (path, text, n) => {
        const current = valueAt(havenSpec, path);
        const choices = ENUM_VALUES[path] ?? (isDayPath(path) ? DAYS : null);
        const replacement = choices === null ? text : (choices.filter((c) => c !== current)[n % (choices.length - 1)] ?? "");
        fc.pre(replacement !== current);
        const changed = withChanges(havenSpec, { [path]: replacement }) as TAgentSpec;
        const bundle = compile(changed);
        expect(bundle.specHash).not.toBe(base.specHash);
        expect(bundle.bundleHash).not.toBe(base.bundleHash);
      }),
      { numRuns: 300 },
    );
  });

  it("property: every free-text field reaches the bundle content itself, not only its specHash", () => {
    const paths = stringPaths(havenSpec).filter((path) => !(path in ENUM_VALUES) && !isDayPath(path));
    const content = (spec: TAgentSpec) => {
      const { specHash: _spec, bundleHash: _bundle, ...rest } = compile(spec);
      return canonicalJson(rest);
    };
    const base = content(havenSpec);
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.stringMatching(/^[A-Za-z0-9]{1,12}$/), (path, text) => {
        fc.pre(valueAt(havenSpec, path) !== text);
        expect(content(withChanges(havenSpec, { [path]: text }) as TAgentSpec)).not.toBe(base);
      }),
      { numRuns: 300 },
    );
  });
});

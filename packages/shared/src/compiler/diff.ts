/**
 * What changed between two compiled bundles (e.g. the active version and a candidate): a line diff
 * of the system prompt and a structural diff of the configuration.
 */
import { diffLines } from "diff";

import type { CompiledAgentBundle } from "./bundle.ts";
import { canonicalJson } from "./canonical-json.ts";

export type PromptDiffLine = { op: "add" | "del" | "same"; text: string };
export type ConfigChange = {
  /** Dotted path; arrays of named items are keyed: `tools[book_slot].function.description`. */
  path: string;
  before: unknown;
  after: unknown;
  kind: "added" | "removed" | "changed";
};
export type BundleDiff = {
  prompt: { lines: PromptDiffLine[]; added: number; removed: number };
  config: ConfigChange[];
  /** Token estimate of the prompt before (null without a previous bundle) and after. */
  tokens: { before: number | null; after: number };
  changed: boolean;
};

/** Derived or identifying fields, not configuration: left out of the config diff. */
const NOT_CONFIG = new Set(["systemPrompt", "stats", "warnings", "specHash", "bundleHash"]);

function toLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") {
    lines.pop();
  }
  return lines;
}

function withFinalNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

export function diffPrompt(before: string, after: string): BundleDiff["prompt"] {
  const lines: PromptDiffLine[] = [];
  let added = 0;
  let removed = 0;
  for (const change of diffLines(withFinalNewline(before), withFinalNewline(after))) {
    const op = change.added ? "add" : change.removed ? "del" : "same";
    for (const text of toLines(change.value)) {
      lines.push({ op, text });
      if (op === "add") {
        added += 1;
      } else if (op === "del") {
        removed += 1;
      }
    }
  }
  return { lines, added, removed };
}

type Json = unknown;

function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sameValue(a: Json, b: Json): boolean {
  if (a === undefined || b === undefined) {
    return a === b;
  }
  return canonicalJson(a) === canonicalJson(b);
}

/** The key naming an array item, if the item has one: a tool's function name, else name/title/slug. */
function itemKey(item: Json): string | undefined {
  if (!isRecord(item)) {
    return undefined;
  }
  const fn = item.function;
  if (isRecord(fn) && typeof fn.name === "string") {
    return fn.name;
  }
  for (const field of ["name", "title", "slug"]) {
    const value = item[field];
    if (typeof value === "string") {
      return value;
    }
  }
  return undefined;
}

function keyedItems(items: Json[]): Map<string, Json> | null {
  const map = new Map<string, Json>();
  for (const item of items) {
    const key = itemKey(item);
    if (key === undefined || map.has(key)) {
      return null;
    }
    map.set(key, item);
  }
  return map;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function diffValue(path: string, before: Json, after: Json, out: ConfigChange[]): void {
  if (sameValue(before, after)) {
    return;
  }
  if (before === undefined || before === null) {
    out.push({ path, before, after, kind: "added" });
    return;
  }
  if (after === undefined || after === null) {
    out.push({ path, before, after, kind: "removed" });
    return;
  }
  if (isRecord(before) && isRecord(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((key) => !(key in after))];
    for (const key of keys) {
      diffValue(join(path, key), before[key], after[key], out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const beforeItems = before as Json[];
    const afterItems = after as Json[];
    const objects = [...beforeItems, ...afterItems].every(isRecord);
    const beforeKeyed = objects ? keyedItems(beforeItems) : null;
    const afterKeyed = objects ? keyedItems(afterItems) : null;
    if (beforeKeyed !== null && afterKeyed !== null) {
      const keys = [...afterKeyed.keys(), ...[...beforeKeyed.keys()].filter((key) => !afterKeyed.has(key))];
      for (const key of keys) {
        diffValue(`${path}[${key}]`, beforeKeyed.get(key), afterKeyed.get(key), out);
      }
      return;
    }
    if (objects) {
      const length = Math.max(beforeItems.length, afterItems.length);
      for (let index = 0; index < length; index += 1) {
        diffValue(join(path, String(index)), beforeItems[index], afterItems[index], out);
      }
      return;
    }
  }
  // Scalars and lists of scalars (keywords, offsets) read best as one before/after pair.
  out.push({ path, before, after, kind: "changed" });
}

function configOf(bundle: CompiledAgentBundle | null): Record<string, Json> {
  if (bundle === null) {
    return {};
  }
  return Object.fromEntries(Object.entries(bundle).filter(([key]) => !NOT_CONFIG.has(key)));
}

export function diffBundles(before: CompiledAgentBundle | null, after: CompiledAgentBundle): BundleDiff {
  const prompt = diffPrompt(before?.systemPrompt ?? "", after.systemPrompt);
  const config: ConfigChange[] = [];
  diffValue("", configOf(before), configOf(after), config);
  const changed =
    before === null ||
    before.bundleHash !== after.bundleHash ||
    prompt.added > 0 ||
    prompt.removed > 0 ||
    config.length > 0;
  return {
    prompt,
    config,
    tokens: { before: before?.stats.estimatedTokens ?? null, after: after.stats.estimatedTokens },
    changed,
  };
}

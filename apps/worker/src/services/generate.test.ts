import { expect, test } from "vitest";

import { compile } from "@lx/shared/compiler";
import { havenSpec } from "@lx/shared/testing";

import type { LlmRequest, LlmTurn } from "../llm/types.ts";
import { boundedJson, generateReply, MAX_TOOL_OUTPUT_CHARS } from "./generate.ts";

test("boundedJson: JSON as is when it fits; else still JSON, at most the limit, saying it was cut and how long it was", () => {
  expect(boundedJson({ slots: ["09:00"] })).toBe('{"slots":["09:00"]}');
  expect(boundedJson(undefined)).toBe("null");
  const big = { slots: Array.from({ length: 5000 }, (_, i) => `2031-01-09T${i}"quoted"\n`) };
  const text = boundedJson(big);
  expect(text.length).toBeLessThanOrEqual(MAX_TOOL_OUTPUT_CHARS);
  const cut = JSON.parse(text) as { truncated: boolean; chars: number; start: string };
  expect(cut).toMatchObject({ truncated: true, chars: JSON.stringify(big).length });
  expect(JSON.stringify(big).startsWith(cut.start)).toBe(true);
  expect(cut.start.length).toBeGreaterThan(MAX_TOOL_OUTPUT_CHARS / 3);
  expect(boundedJson("x".repeat(100), 60).length).toBeLessThanOrEqual(60);
});

test("a tool's huge answer reaches the model cut to MAX_TOOL_OUTPUT_CHARS", async () => {
  const bundle = compile(havenSpec);
  const seen: LlmRequest[] = [];
  const turns: LlmTurn[] = [{ role: "user", content: "tem horário quinta?" }];
  await generateReply({
    bundle,
    choice: {
      model: "m",
      provider: {
        name: "offline",
        generate: async (req) => {
          seen.push({ ...req, turns: [...req.turns] });
          return seen.length === 1
            ? { text: "", toolCalls: [{ id: "t1", name: "check_availability", arguments: { date: "2031-01-09" } }], usage: { inputTokens: 1, outputTokens: 1 }, model: "m" }
            : { text: "Tenho às 9h.", toolCalls: [], usage: { inputTokens: 1, outputTokens: 1 }, model: "m" };
        },
      },
    },
    system: "s",
    turns,
    maxRounds: 3,
    runTool: async () => ({ output: { slots: "9".repeat(200 * 1024) } }),
  });
  const tool = seen[1]?.turns.find((t) => t.role === "tool");
  expect(tool?.role === "tool" ? tool.content.length : 0).toBeLessThanOrEqual(MAX_TOOL_OUTPUT_CHARS);
  expect(JSON.parse(tool?.role === "tool" ? tool.content : "{}")).toMatchObject({ truncated: true, chars: 200 * 1024 + 12 });
});

test("boundedJson never cuts an emoji in half: the cut is still text jsonb takes (no lone surrogate escape)", () => {
  for (let max = 100; max < 140; max++) {
    const text = boundedJson({ note: "😀".repeat(200) }, max);
    expect(text.length).toBeLessThanOrEqual(max);
    expect(text).not.toMatch(/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i);
    expect(JSON.parse(text)).toMatchObject({ truncated: true });
  }
});

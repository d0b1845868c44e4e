import { describe, expect, it } from "vitest";

import type { TAgentSpec } from "../schemas/agent-spec.ts";
import { havenSpec } from "../testing/fixtures.ts";
import { compile } from "./compile.ts";
import { diffBundles, diffPrompt } from "./diff.ts";

function variant(change: (spec: TAgentSpec) => void): TAgentSpec {
  const spec = structuredClone(havenSpec);
  change(spec);
  return spec;
}

const active = compile(havenSpec);

describe("diffBundles", () => {
  it("finds nothing between identical bundles", () => {
    const diff = diffBundles(active, compile(structuredClone(havenSpec)));
    expect(diff.changed).toBe(false);
    expect(diff.config).toEqual([]);
    expect(diff.prompt.added).toBe(0);
    expect(diff.prompt.removed).toBe(0);
    expect(diff.prompt.lines.every((line) => line.op === "same")).toBe(true);
    expect(diff.prompt.lines.map((line) => line.text).join("\n")).toBe(active.systemPrompt);
  });

  it("shows a changed maxReplyChars as a config change at policies.maxReplyChars and in the prompt", () => {
    const candidate = compile(
      variant((spec) => {
        spec.policies = { ...spec.policies, maxReplyChars: 900 };
      }),
    );
    const diff = diffBundles(active, candidate);
    expect(diff.changed).toBe(true);
    expect(diff.config).toEqual([{ path: "policies.maxReplyChars", before: 700, after: 900, kind: "changed" }]);
    expect(diff.prompt.lines.filter((line) => line.op !== "same")).toEqual([
      { op: "del", text: "- Cada resposta tem no máximo 700 caracteres." },
      { op: "add", text: "- Cada resposta tem no máximo 900 caracteres." },
    ]);
    expect(diff.prompt).toMatchObject({ added: 1, removed: 1 });
  });

  it("counts added prompt lines", () => {
    const candidate = compile(
      variant((spec) => {
        spec.faq = [...(spec.faq ?? []), { question: "Atendem crianças?", answer: "Sim, a partir de 2 anos." }];
      }),
    );
    const diff = diffBundles(active, candidate);
    expect(diff.prompt.added).toBe(3);
    expect(diff.prompt.removed).toBe(0);
    const addedLines = diff.prompt.lines.filter((line) => line.op === "add").map((line) => line.text);
    expect(addedLines.sort()).toEqual(["", "P: Atendem crianças?", "R: Sim, a partir de 2 anos."]);
    expect(diff.config).toEqual([]);
    expect(diff.changed).toBe(true);
  });

  it("keys tools by name", () => {
    const candidate = compile(
      variant((spec) => {
        spec.plugins = {
          ...spec.plugins,
          crm: { backend: "webhook", webhookUrl: "https://n8n.haven.test/crm", qualifyFields: ["interesse"] },
        };
        spec.services = spec.services?.filter((service) => service.name !== "Retorno");
      }),
    );
    const paths = diffBundles(active, candidate).config.map((change) => `${change.kind} ${change.path}`);
    expect(paths).toEqual([
      "changed tools[check_availability].function.parameters.properties.service.enum",
      "changed tools[book_slot].function.parameters.properties.service.enum",
      "added tools[create_deal]",
      "removed plugins.calendar.services[Retorno]",
      "added plugins.crm",
    ]);
  });

  it("reports removed tools and list changes as before/after pairs", () => {
    const candidate = compile(
      variant((spec) => {
        spec.handoff = { ...spec.handoff, allowModelRequest: false, keywords: ["atendente"] };
      }),
    );
    const diff = diffBundles(active, candidate);
    expect(diff.config).toEqual([
      {
        path: "tools[handoff_to_human]",
        before: active.tools[0],
        after: undefined,
        kind: "removed",
      },
      {
        path: "policies.handoff.keywords",
        before: ["atendente", "humano", "pessoa"],
        after: ["atendente"],
        kind: "changed",
      },
      { path: "policies.handoff.allowModelRequest", before: true, after: false, kind: "changed" },
    ]);
  });

  it("treats a first version as all added", () => {
    const diff = diffBundles(null, active);
    expect(diff.changed).toBe(true);
    expect(diff.prompt.removed).toBe(0);
    expect(diff.prompt.added).toBe(active.systemPrompt.split("\n").length);
    expect(diff.config.every((change) => change.kind === "added")).toBe(true);
    expect(diff.config.map((change) => change.path)).toContain("policies");
    expect(diff.tokens).toEqual({ before: null, after: active.stats.estimatedTokens });
  });
});

describe("diffPrompt", () => {
  it("diffs line by line regardless of a trailing newline", () => {
    expect(diffPrompt("a\nb", "a\nb\n")).toEqual({
      lines: [
        { op: "same", text: "a" },
        { op: "same", text: "b" },
      ],
      added: 0,
      removed: 0,
    });
    expect(diffPrompt("a\nb\nc", "a\nc\nd")).toMatchObject({ added: 1, removed: 1 });
  });
});

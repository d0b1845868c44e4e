import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const RULES = path.join(root, "deploy/prometheus-alerts.yml");

type Rule = { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> };

/** Every `name: "…"` a Prometheus metric is registered with in the API's and the workers' code. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(file);
      } else if (file.endsWith(".ts") && !file.endsWith(".test.ts")) {
        for (const m of readFileSync(file, "utf8").matchAll(/name: "([a-z_]+)"|= "(http_request_duration_seconds)"/g)) {
          names.add(m[1] ?? m[2] ?? "");
        }
      }
    }
  };
  walk(path.join(root, "apps/api/src"));
  walk(path.join(root, "apps/worker/src"));
  return names;
}

describe("deploy/prometheus-alerts.yml", () => {
  const doc = parse(readFileSync(RULES, "utf8")) as { groups: { name: string; rules: Rule[] }[] };
  const rules = doc.groups.flatMap((g) => g.rules);

  it("is a Prometheus rule file: named groups of alerts, each with an expression, a severity and a summary", () => {
    expect(doc.groups.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^Lx[A-Z]\w+$/);
      expect(rule.expr.trim().length).toBeGreaterThan(0);
      expect(["page", "ticket"]).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary?.length).toBeGreaterThan(0);
      if (rule.for !== undefined) {
        expect(rule.for).toMatch(/^\d+[smh]$/);
      }
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it("names only metrics the code registers (histograms by their _bucket/_count series)", () => {
    const known = registeredMetrics();
    expect(known).toContain("lx_numbers_sends_paused");
    for (const rule of rules) {
      const used = [...rule.expr.matchAll(/\b(lx_[a-z_]+|http_request_duration_seconds\w*)/g)].map((m) => m[1] ?? "");
      for (const series of used) {
        const metric = series.replace(/_(bucket|count|sum)$/, "");
        expect({ alert: rule.alert, metric, known: known.has(metric) }).toEqual({ alert: rule.alert, metric, known: true });
      }
    }
  });

  it("covers what stops customers being answered: a paused number, a late queue, failing LLM calls, webhook errors", () => {
    const exprs = rules.map((r) => r.expr).join("\n");
    for (const metric of ["lx_numbers_sends_paused", "lx_queue_oldest_age_seconds", "lx_llm_request_duration_seconds_count", "http_request_duration_seconds_count"]) {
      expect(exprs).toContain(metric);
    }
  });
});

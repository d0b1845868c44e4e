import { describe, expect, it } from "vitest";

import { changedPaths, isTouched } from "./form-issues.ts";

describe("which fields a form's operator has touched", () => {
  it("an edited leaf is touched; a row just added is not (its empty fields are not red at once)", () => {
    const before = { tenant: { slug: "", name: "" }, templates: [] as unknown[] };
    expect(changedPaths(before, { ...before, tenant: { slug: "Vendas Loja", name: "" } })).toEqual(["tenant.slug"]);
    expect(changedPaths(before, { ...before, templates: [{ name: "", body: "", purpose: "reengagement" }] })).toEqual([]);
    expect(changedPaths({ t: { body: "" } }, { t: { body: "", name: "oi" } })).toEqual(["t.name"]);
    expect(changedPaths({ t: { body: "" } }, { t: { body: "", name: "" } })).toEqual([]);
  });

  it("an error shows when its field, one inside it or the object holding it was touched", () => {
    const touched = new Set(["template.body", "agents.0.spec.goals.0"]);
    expect(isTouched(touched, "template.body")).toBe(true);
    expect(isTouched(touched, "agents.0.spec.goals")).toBe(true);
    expect(isTouched(touched, "template.name")).toBe(false);
    expect(isTouched(touched, "")).toBe(false);
  });
});

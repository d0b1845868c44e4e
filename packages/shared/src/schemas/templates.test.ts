import { describe, expect, it } from "vitest";

import { parseApplyFile } from "./apply-file.ts";
import { safeParseWithPaths } from "./issues.ts";
import { templateBodyProblem } from "./template-body.ts";
import { ZCreateTemplateInput, ZUpdateTemplateInput } from "./templates.ts";

const GAP = "parameters must be {{1}}, {{2}}… without gaps (found {{1}}, {{3}})";
const REENGAGEMENT = "a re-engagement template takes at most one parameter, {{1}}: the customer's first name";
const template = (patch: Record<string, unknown>) => ({
  name: "retomada_v1",
  language: "pt_BR",
  category: "utility",
  purpose: "other",
  body: "Olá {{1}}!",
  ...patch,
});
const errorsOf = (schema: Parameters<typeof safeParseWithPaths>[0], input: unknown) => {
  const result = safeParseWithPaths(schema, input);
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
};
const create = (patch: Record<string, unknown>) =>
  errorsOf(ZCreateTemplateInput, { tenantSlug: "haven", template: template(patch) });
const update = (patch: Record<string, unknown>) =>
  errorsOf(ZUpdateTemplateInput, {
    tenantSlug: "haven",
    templateId: "00000000-0000-4000-8000-000000000001",
    template: { category: "utility", purpose: "other", body: "Olá {{1}}!", ...patch },
  });

describe("template body rules (one schema for the wizard, the console and lx apply)", () => {
  it("templateBodyProblem: numbered, without gaps, at most {{1}} for re-engagement", () => {
    expect(templateBodyProblem("Olá {{1}}, sua consulta de {{2}} em {{3}}", "reminder")).toBeNull();
    expect(templateBodyProblem("Olá, tudo bem?", "reengagement")).toBeNull();
    expect(templateBodyProblem("Olá {{1}}, tudo bem? {{3}}", "other")).toBe(GAP);
    expect(templateBodyProblem("Olá {{1}}, sua consulta de {{2}} em {{3}}", "reengagement")).toBe(REENGAGEMENT);
    expect(templateBodyProblem("Olá {{nome}}", undefined)).toBe("parameters are numbered: {{1}}, {{2}}… (found {{nome}})");
  });

  it("create refuses a gap and a re-engagement body with more than {{1}}, at template.body", () => {
    expect(create({})).toEqual([]);
    expect(create({ body: "Olá {{1}}, tudo bem? {{3}}" })).toEqual([`template.body: ${GAP}`]);
    expect(create({ purpose: "reengagement", body: "Olá {{1}}, sua consulta de {{2}} em {{3}}" })).toEqual([
      `template.body: ${REENGAGEMENT}`,
    ]);
    // Without a use, the gap rule still holds.
    expect(create({ purpose: undefined, body: "{{2}}" })).toEqual([
      "template.body: parameters must be {{1}}, {{2}}… without gaps (found {{2}})",
    ]);
    // The body is checked while another field is wrong too (the form shows both as they are typed).
    expect(create({ name: "Retomada V1", body: "{{1}} {{3}}" })).toEqual([
      "template.name: must be a Meta template name (a-z, 0-9, _)",
      `template.body: ${GAP}`,
    ]);
  });

  it("update checks the body against the (new) use, as create does", () => {
    expect(update({})).toEqual([]);
    expect(update({ body: "Olá {{1}}, tudo bem? {{3}}" })).toEqual([`template.body: ${GAP}`]);
    expect(update({ purpose: "reengagement", body: "{{1}} e {{2}}" })).toEqual([`template.body: ${REENGAGEMENT}`]);
  });

  it("lx apply refuses the same bodies, by path", () => {
    const file = (body: string, purpose: string) => ({
      tenant: { slug: "haven", name: "Haven" },
      numbers: [],
      routing: { mode: "number" },
      agents: [{ slug: "sdr", spec: {} }],
      templates: [template({ body, purpose })],
    });
    const bodyErrors = (body: string, purpose: string) => {
      const parsed = parseApplyFile(file(body, purpose));
      return parsed.ok ? [] : parsed.errors.filter((e) => e.path.startsWith("templates.")).map((e) => `${e.path}: ${e.message}`);
    };
    expect(bodyErrors("Olá {{1}}, tudo bem? {{3}}", "other")).toEqual([`templates.0.body: ${GAP}`]);
    expect(bodyErrors("{{1}} {{2}}", "reengagement")).toEqual([`templates.0.body: ${REENGAGEMENT}`]);
    expect(bodyErrors("{{1}} {{2}}", "reminder")).toEqual([]);
  });
});

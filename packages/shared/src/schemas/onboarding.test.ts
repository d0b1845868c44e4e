import { describe, expect, it } from "vitest";

import { havenApplyFile, havenSpec, minimalSpec } from "../testing/fixtures.ts";
import {
  onboardingApplyFile,
  parseOnboardingInput,
  templateBodyParams,
  ZOnboardTenantInput,
  type TOnboardTenantInput,
  type TOnboardTemplate,
} from "./onboarding.ts";

const templates = (havenApplyFile.templates ?? []).map((t) => ({ ...t, purpose: t.purpose ?? "other" }));

/** Two agents (Haven's receptionist with its templates, a minimal sales agent), routed by a menu. */
function intake(overrides: Partial<TOnboardTenantInput> = {}): TOnboardTenantInput {
  return {
    tenant: { slug: "clinica-sol", name: "Clínica Sol" },
    agents: [
      { slug: "recepcao", spec: havenSpec },
      { slug: "vendas", spec: minimalSpec },
    ],
    templates,
    routing: {
      mode: "menu",
      prompt: "Olá! Com quem você quer falar?",
      options: [
        { title: "Agendamentos", agent: "recepcao" },
        { title: "Planos e preços", agent: "vendas" },
      ],
    },
    numbers: [
      {
        phoneNumberId: "100200300",
        displayPhoneNumber: "+55 11 90000-0001",
        accessToken: "EAAG-x",
        kind: "sandbox",
      },
      {
        phoneNumberId: "100200301",
        displayPhoneNumber: "+55 11 90000-0002",
        accessToken: "EAAG-y",
        kind: "meta",
        agent: "vendas",
      },
    ],
    ...overrides,
  };
}

const errorsOf = (input: TOnboardTenantInput) => {
  const result = parseOnboardingInput(input);
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
};

const withTemplate = (index: number, patch: Partial<TOnboardTemplate>) =>
  templates.map((t, i) => (i === index ? { ...t, ...patch } : t));

describe("onboarding intake → apply file", () => {
  it("becomes the apply file: numbers default to the first agent, the menu, the templates", () => {
    const file = onboardingApplyFile(intake());
    expect(file).toMatchObject({
      tenant: { slug: "clinica-sol", name: "Clínica Sol" },
      routing: { mode: "menu", options: [{ agent: "recepcao" }, { agent: "vendas" }] },
      agents: [
        { slug: "recepcao", activate: true },
        { slug: "vendas", activate: true },
      ],
      templates,
    });
    expect((file.numbers as { agent: string }[]).map((n) => n.agent)).toEqual(["recepcao", "vendas"]);

    const result = parseOnboardingInput(intake());
    expect(result.ok).toBe(true);
    // The receptionist names its re-engagement template; the sales agent has none (a warning only).
    expect(result.warnings).toEqual([
      {
        path: "agents.1.spec.templates.reengagement",
        message: "no re-engagement template: replies outside the 24-hour window will be blocked",
      },
    ]);
  });

  it("routing by number ignores (and keeps) the menu the intake still holds", () => {
    const input = intake({ routing: { ...intake().routing, mode: "number", prompt: "" } });
    expect(onboardingApplyFile(input).routing).toEqual({ mode: "number" });
    expect(errorsOf(input)).toEqual([]);
    expect(input.routing?.options).toHaveLength(2);
  });

  it("the zod input defaults what an older client leaves out", () => {
    const parsed = ZOnboardTenantInput.parse({
      tenant: { slug: " sol ", name: "Sol" },
      agents: [{ slug: "atendimento", spec: minimalSpec }],
    });
    expect(parsed).toMatchObject({
      tenant: { slug: "sol" },
      activate: true,
      templates: [],
      numbers: [],
      routing: { mode: "number", prompt: "", options: [] },
    });
    expect(ZOnboardTenantInput.safeParse({ tenant: { slug: "sol", name: "Sol" }, agents: [] }).success).toBe(
      false,
    );
  });

  it("names every problem by its apply-file path, menu and agents included", () => {
    const second = { ...minimalSpec, handoff: { ...minimalSpec.handoff, message: "" } };
    expect(
      errorsOf(
        intake({
          agents: [
            { slug: "recepcao", spec: havenSpec },
            { slug: "recepcao", spec: second },
          ],
          routing: { mode: "menu", prompt: " ", options: [{ title: "Suporte", agent: "suporte" }] },
        }),
      ),
    ).toEqual([
      "routing.prompt: must not be empty",
      "agents.1.spec.handoff.message: must not be empty",
      'agents.1.slug: duplicate agent slug "recepcao" (also agents.0)',
      'numbers.1.agent: unknown agent "vendas" (agents: recepcao)',
      'routing.options.0.agent: unknown agent "suporte" (agents: recepcao)',
    ]);
    expect(errorsOf(intake({ routing: { mode: "menu", prompt: "Oi", options: [] } }))).toEqual([
      "routing.options: at least one option",
    ]);
  });

  it("the templates an agent names must be the tenant's, of that purpose", () => {
    expect(errorsOf(intake({ templates: templates.slice(1) }))).toEqual([
      'agents.0.spec.templates.reengagement.name: template "retomada_v1" (pt_BR) is not among the templates',
    ]);
    expect(errorsOf(intake({ templates: withTemplate(0, { language: "en_US" }) }))).toEqual([
      'agents.0.spec.templates.reengagement.name: template "retomada_v1" (pt_BR) is not among the templates (reengagement: retomada_v1 (en_US))',
    ]);
    expect(errorsOf(intake({ templates: withTemplate(0, { purpose: "other" }) }))).toEqual([
      'agents.0.spec.templates.reengagement.name: template "retomada_v1" (pt_BR) is a other template, not reengagement',
    ]);
  });

  it("template bodies use numbered parameters without gaps; a re-engagement body at most {{1}}", () => {
    expect(templateBodyParams("Olá {{1}}, sua {{ 2 }} em {{3}} ({{1}})")).toEqual([1, 2, 3]);
    expect(errorsOf(intake({ templates: withTemplate(1, { body: "Olá {{1}}, em {{3}}" }) }))).toEqual([
      "templates.1.body: parameters must be {{1}}, {{2}}… without gaps (found {{1}}, {{3}})",
    ]);
    expect(errorsOf(intake({ templates: withTemplate(0, { body: "Olá {{nome}}!" }) }))).toEqual([
      "templates.0.body: parameters are numbered: {{1}}, {{2}}… (found {{nome}})",
    ]);
    expect(errorsOf(intake({ templates: withTemplate(0, { body: "Olá {{1}}, e a {{2}}?" }) }))).toEqual([
      "templates.0.body: a re-engagement template takes at most one parameter, {{1}}: the customer's first name",
    ]);
    // The apply file's own rules on templates still apply, under the same paths.
    expect(errorsOf(intake({ templates: withTemplate(1, { name: "Lembrete V1", body: " " }) }))).toEqual([
      "templates.1.name: must be a Meta template name (a-z, 0-9, _)",
      "templates.1.body: must not be empty",
      'agents.0.spec.templates.reminder.name: template "lembrete_consulta_v1" (pt_BR) is not among the templates (reminder: Lembrete V1 (pt_BR))',
    ]);
  });
});

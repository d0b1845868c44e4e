import { describe, expect, it } from "vitest";

import {
  agentOf,
  emptyIntake,
  newAgent,
  renameAgent,
  stepOf,
  storedIntake,
  templateRefOf,
  updateTemplate,
  withTemplateRef,
  type Intake,
} from "./intake.ts";

function twoAgents(): Intake {
  const intake = emptyIntake();
  return {
    ...intake,
    agents: [
      { slug: "atendimento", spec: withTemplateRef({ specVersion: 1 }, "reengagement", "retomada_v1|pt_BR") },
      { slug: "vendas", spec: { specVersion: 1 } },
    ],
    templates: [
      {
        name: "retomada_v1",
        language: "pt_BR",
        category: "utility",
        purpose: "reengagement",
        body: "Oi {{1}}",
      },
    ],
    routing: { mode: "menu", prompt: "Oi", options: [{ title: "Vendas", agent: "vendas" }] },
    numbers: [
      { phoneNumberId: "1", displayPhoneNumber: "+55", accessToken: "t", kind: "sandbox", agent: "vendas" },
    ],
  };
}

describe("onboarding intake", () => {
  it("puts every apply-file path on its step, and on its agent", () => {
    expect(stepOf("tenant.slug")).toBe("tenant");
    expect(stepOf("agents")).toBe("agent");
    expect(stepOf("agents.1.slug")).toBe("agent");
    expect(stepOf("agents.1.spec.handoff.message")).toBe("agent");
    expect(stepOf("agents.0.spec.knowledge.2.title")).toBe("knowledge");
    expect(stepOf("agents.0.spec.templates.reengagement.name")).toBe("templates");
    expect(stepOf("templates.0.body")).toBe("templates");
    expect(stepOf("routing.options.0.agent")).toBe("routing");
    expect(stepOf("numbers.0.phoneNumberId")).toBe("numbers");
    expect(agentOf("agents.12.spec.goals.0")).toBe(12);
    expect(agentOf("agents")).toBeNull();
    expect(agentOf("numbers.0.agent")).toBeNull();
  });

  it("carries an intake of the one-agent wizard over as the first agent", () => {
    const legacy = JSON.stringify({
      tenantName: "Sol",
      tenantSlug: "sol",
      slugTouched: true,
      agentSlug: "recepcao",
      spec: { specVersion: 1 },
      numbers: [{ phoneNumberId: "1", displayPhoneNumber: "+55", accessToken: "t", kind: "meta" }],
      activate: false,
    });
    expect(storedIntake(legacy)).toEqual({
      ...emptyIntake(),
      tenantName: "Sol",
      tenantSlug: "sol",
      slugTouched: true,
      agents: [{ slug: "recepcao", spec: { specVersion: 1 } }],
      numbers: [
        { phoneNumberId: "1", displayPhoneNumber: "+55", accessToken: "t", kind: "meta", agent: "recepcao" },
      ],
      activate: false,
    });
    const current = twoAgents();
    expect(storedIntake(JSON.stringify(current))).toEqual(current);
    expect(storedIntake(null)).toBeNull();
    expect(storedIntake("{}")).toBeNull();
  });

  it("renaming an agent renames the menu options and numbers that name it", () => {
    const intake = twoAgents();
    const patch = renameAgent(intake, 1, "comercial");
    expect(patch.agents?.map((a) => a.slug)).toEqual(["atendimento", "comercial"]);
    expect(patch.routing?.options).toEqual([{ title: "Vendas", agent: "comercial" }]);
    expect(patch.numbers?.map((n) => n.agent)).toEqual(["comercial"]);
    // While two agents share a slug, the references stay put (which one would they follow?).
    const clash = renameAgent({ ...intake, agents: [intake.agents[1]!, intake.agents[1]!] }, 0, "x");
    expect(clash.routing?.options[0]?.agent).toBe("vendas");
  });

  it("renaming a template carries the agents' references along", () => {
    const intake = twoAgents();
    const patch = updateTemplate(intake, 0, { name: "retomada_v2" });
    expect(patch.templates?.[0]?.name).toBe("retomada_v2");
    expect(templateRefOf(patch.agents?.[0]?.spec ?? {}, "reengagement")).toBe("retomada_v2|pt_BR");
    expect(patch.agents?.[1]).toBe(intake.agents[1]);
    expect(withTemplateRef(patch.agents?.[0]?.spec ?? {}, "reengagement", "")).toEqual({ specVersion: 1 });
  });

  it("a new agent starts from the first one's business, language and time zone", () => {
    const intake = emptyIntake();
    intake.agents[0]!.spec = {
      ...intake.agents[0]!.spec,
      agent: { name: "Ana", role: "general", language: "en", timezone: "Europe/Lisbon" },
      business: { name: "Sol", description: "Clinic" },
    };
    const agent = newAgent(intake);
    expect(agent.slug).toBe("agente-2");
    expect(agent.spec).toMatchObject({
      agent: { name: "", language: "en", timezone: "Europe/Lisbon" },
      business: { name: "Sol", description: "Clinic" },
    });
  });
});

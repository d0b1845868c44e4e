import { describe, expect, it } from "vitest";

import { MESSAGES } from "../../lib/i18n/messages.ts";
import { humanPath } from "./human-path.ts";

const pt = MESSAGES["pt-BR"];

describe("the wizard review's field names", () => {
  it("names each error's field as the screens do, counting from 1", () => {
    expect(humanPath("agents.0.spec.agent.name", pt)).toBe("Agente 1 › Nome");
    expect(humanPath("agents.0.spec.goals.0", pt)).toBe("Agente 1 › Objetivo 1");
    expect(humanPath("agents.1.slug", pt)).toBe("Agente 2 › Identificador");
    expect(humanPath("agents.0.spec.business.name", pt)).toBe("Agente 1 › Nome da empresa");
    expect(humanPath("agents.0.spec.handoff.message", pt)).toBe("Agente 1 › Transferência para humano › Mensagem ao cliente");
    expect(humanPath("agents.0.spec.knowledge.1.title", pt)).toBe("Agente 1 › Conhecimento › Documento 2 › Título");
    expect(humanPath("agents.1.spec.templates.reengagement", pt)).toBe("Agente 2 › Templates › Retomada");
    expect(humanPath("templates.0.body", pt)).toBe("Template 1 › Texto aprovado");
    expect(humanPath("numbers.0.phoneNumberId", pt)).toBe("Número 1 › phone_number_id (Meta)");
    expect(humanPath("routing.options.1.title", pt)).toBe("Roteamento › Opção 2 › Título");
    expect(humanPath("tenant.slug", pt)).toBe("Empresa › Identificador");
  });

  it("speaks English too, and never shows a 0-based index", () => {
    expect(humanPath("agents.0.spec.agent.name", MESSAGES.en)).toBe("Agent 1 › Name");
    expect(humanPath("agents.0.spec.goals", pt)).toBe("Agente 1 › Objetivos");
    expect(humanPath("agents.2.spec.services.0.price", pt)).not.toMatch(/\b0\b/);
  });
});

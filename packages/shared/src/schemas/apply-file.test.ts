import { describe, expect, it } from "vitest";

import { havenApplyFile, havenSpec, minimalSpec } from "../testing/fixtures.ts";
import { REMOVE, withChanges } from "../testing/mutate.ts";
import { ZApplyFile, parseApplyFile, parseSecretRef } from "./apply-file.ts";
import { formatSpecErrors } from "./issues.ts";
import { ZSetRoutingInput } from "./routing.ts";

function file(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return withChanges(havenApplyFile, changes);
}

function errorsOf(input: unknown): string[] {
  const result = parseApplyFile(input);
  return result.ok ? [] : formatSpecErrors(result.errors).split("\n");
}

const twoAgents = [
  { slug: "vendas", spec: havenSpec, activate: true },
  { slug: "suporte", spec: minimalSpec },
];

describe("parseApplyFile", () => {
  it("accepts the Haven file and defaults each number's kind to meta", () => {
    const result = parseApplyFile(file());
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.file.numbers[0]?.kind).toBe("meta");
      expect(result.file.agents[0]?.spec).toEqual(havenSpec);
    }
  });

  it("accepts menu routing whose options name existing agents", () => {
    const input = file({
      agents: twoAgents,
      "numbers.0.agent": "vendas",
      routing: {
        mode: "menu",
        prompt: "Olá! Com quem você quer falar?",
        options: [
          { title: "Vendas", agent: "vendas" },
          { title: "Suporte", agent: "suporte" },
        ],
      },
    });
    expect(errorsOf(input)).toEqual([]);
  });

  it("rejects a number whose agent is not in agents", () => {
    expect(errorsOf(file({ "numbers.0.agent": "sdr" }))).toEqual([
      'numbers.0.agent: unknown agent "sdr" (agents: recepcao)',
    ]);
  });

  it("rejects a menu option whose agent is not in agents", () => {
    const input = file({
      routing: {
        mode: "menu",
        prompt: "Escolha:",
        options: [
          { title: "Recepção", agent: "recepcao" },
          { title: "Vendas", agent: "vendas" },
        ],
      },
    });
    expect(errorsOf(input)).toEqual(['routing.options.1.agent: unknown agent "vendas" (agents: recepcao)']);
  });

  it("rejects duplicate agent slugs and phoneNumberIds, naming the repeat", () => {
    const input = file({
      agents: [
        { slug: "recepcao", spec: havenSpec },
        { slug: "recepcao", spec: minimalSpec },
      ],
      numbers: [
        { phoneNumberId: "1065", displayPhoneNumber: "+55 11 9999-0001", accessToken: "t1", agent: "recepcao" },
        { phoneNumberId: "1065", displayPhoneNumber: "+55 11 9999-0002", accessToken: "t2", agent: "recepcao" },
      ],
    });
    expect(errorsOf(input)).toEqual([
      'agents.1.slug: duplicate agent slug "recepcao" (also agents.0)',
      'numbers.1.phoneNumberId: duplicate phoneNumberId "1065" (also numbers.0)',
    ]);
  });

  it("reports cross-reference errors together with shape errors", () => {
    const input = file({ "agents.0.spec.handoff.message": REMOVE, "numbers.0.agent": "sdr" });
    expect(errorsOf(input)).toEqual([
      "agents.0.spec.handoff.message: required",
      'numbers.0.agent: unknown agent "sdr" (agents: recepcao)',
    ]);
  });

  it("rejects duplicate templates (same name and language)", () => {
    const input = file({ "templates.1.name": "retomada_v1" });
    expect(errorsOf(input)).toEqual(['templates.1.name: duplicate template "retomada_v1" (pt_BR) (also templates.0)']);
  });

  it.each<[string, Record<string, unknown>]>([
    ["tenant.slug", { "tenant.slug": "Haven Clinic" }],
    ["tenant.name", { "tenant.name": REMOVE }],
    ["numbers.0.phoneNumberId", { "numbers.0.phoneNumberId": "+5511999990001" }],
    ["numbers.0.accessToken", { "numbers.0.accessToken": "env:1BAD" }],
    ["numbers.0.kind", { "numbers.0.kind": "cloud" }],
    ["routing.mode", { routing: { mode: "round-robin" } }],
    ["routing.options", { routing: { mode: "menu", prompt: "Escolha:", options: [] } }],
    ["templates.0.category", { "templates.0.category": "transactional" }],
    ["templates.1.purpose", { "templates.1.purpose": "promo" }],
    ["webhookSecret", { webhookSecret: "" }],
    ["extra", { extra: true }],
  ])("names the path %s", (path, changes) => {
    const result = parseApplyFile(file(changes));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((error) => error.path)).toEqual([path]);
    }
  });

  it("still checks references when an agent itself is invalid", () => {
    expect(errorsOf(file({ agents: [] }))).toEqual([
      "agents: at least one agent",
      'numbers.0.agent: unknown agent "recepcao" (no agents defined)',
    ]);
    expect(errorsOf(file({ "agents.0.slug": "Recepção" }))).toEqual([
      "agents.0.slug: must be a lowercase slug (a-z, 0-9 and single dashes)",
      'numbers.0.agent: unknown agent "recepcao" (agents: Recepção)',
    ]);
  });

  it("explains an unknown routing mode", () => {
    expect(errorsOf(file({ routing: { mode: "round-robin" } }))).toEqual([
      'routing.mode: expected "number" or "menu"',
    ]);
  });

  it("refuses a menu option title WhatsApp would cut, counting the option's number", () => {
    const menu = (titles: string[]) =>
      file({ routing: { mode: "menu", prompt: "Escolha:", options: titles.map((title) => ({ title, agent: "recepcao" })) } });
    // Up to 3 options are reply buttons (20 characters): "1 " leaves 18.
    expect(errorsOf(menu(["Agendamentos e Vendas", "Suporte"]))).toEqual([
      `routing.options.0.title: must be at most 18 characters: WhatsApp's reply buttons (up to 3 options) show 20 characters, the option's number "1 " included`,
    ]);
    expect(errorsOf(menu(["Agendamentos e Vend", "Suporte"]))).toHaveLength(1);
    expect(errorsOf(menu(["Agendamentos e Ven", "Suporte"]))).toEqual([]);
    // Past 3 they are list rows (24 characters): 22 after "1 "…"9 ", 21 after "10 ".
    const ten = Array.from({ length: 10 }, (_, index) => `Opção ${index + 1}`);
    expect(errorsOf(menu(["Agendamentos e Vendas!!", ...ten.slice(1)]))).toEqual([
      `routing.options.0.title: must be at most 22 characters: WhatsApp's list rows show 24 characters, the option's number "1 " included`,
    ]);
    expect(errorsOf(menu(["Agendamentos e Vendas!", ...ten.slice(1, 9), "Agendamentos e Vendas!"]))).toEqual([
      `routing.options.9.title: must be at most 21 characters: WhatsApp's list rows show 24 characters, the option's number "10 " included`,
      'routing.options.9.title: duplicate option title "Agendamentos e Vendas!" (also routing.options.0)',
    ]);
    expect(ZSetRoutingInput.safeParse({ tenantId: "00000000-0000-4000-8000-000000000000", routing: { mode: "menu", prompt: "?", options: [{ title: "Agendamentos e Vendas", agent: "a" }] } }).success).toBe(false);
  });

  it("caps a menu at 10 options", () => {
    const options = Array.from({ length: 11 }, (_, index) => ({ title: `Opção ${index + 1}`, agent: "recepcao" }));
    expect(errorsOf(file({ routing: { mode: "menu", prompt: "Escolha:", options } }))).toEqual([
      "routing.options: at most 10 options",
    ]);
  });

  it("ZApplyFile itself enforces the cross-checks (for tRPC inputs)", () => {
    const result = ZApplyFile.safeParse(file({ "numbers.0.agent": "sdr" }));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["numbers", 0, "agent"]);
  });
});

describe("parseSecretRef", () => {
  it("splits env references from literals", () => {
    expect(parseSecretRef("env:HAVEN_WA_TOKEN")).toEqual({ kind: "env", name: "HAVEN_WA_TOKEN" });
    expect(parseSecretRef("EAAGm0PX4ZCpsBA")).toEqual({ kind: "literal", value: "EAAGm0PX4ZCpsBA" });
  });
});

import { describe, expect, it } from "vitest";

import { menuTitleMax } from "../schemas/apply-file.ts";
import { buildMenuPayload, matchMenuChoice } from "./routing.ts";

const opts = [
  { title: "Vendas", agent: "sdr" },
  { title: "Suporte técnico", agent: "suporte" },
];

describe("menu routing", () => {
  it("builds reply buttons for up to 3 options and a list past that", () => {
    const b = buildMenuPayload("Como posso ajudar?", opts) as { interactive: { type: string; action: { buttons: { reply: { id: string; title: string } }[] } } };
    expect(b.interactive.type).toBe("button");
    expect(b.interactive.action.buttons.map((x) => x.reply)).toEqual([
      { id: "agent:sdr", title: "1 Vendas" },
      { id: "agent:suporte", title: "2 Suporte técnico" },
    ]);
    const many = [...opts, { title: "Financeiro", agent: "fin" }, { title: "Outros", agent: "geral" }];
    const l = buildMenuPayload("Menu", many) as { interactive: { type: string; action: { sections: { rows: unknown[] }[] } } };
    expect(l.interactive.type).toBe("list");
    expect(l.interactive.action.sections[0]?.rows).toHaveLength(4);
  });
  it("shows every title whole: the number counts against WhatsApp's limit, and a title too long for a button goes in a list", () => {
    expect([menuTitleMax(3, 0), menuTitleMax(4, 0), menuTitleMax(10, 8), menuTitleMax(10, 9)]).toEqual([18, 22, 22, 21]);
    const fits = [{ title: "Agendamentos e Ven", agent: "agenda" }, { title: "Suporte", agent: "suporte" }];
    const b = buildMenuPayload("Menu", fits) as { interactive: { type: string; action: { buttons: { reply: { title: string } }[] } } };
    expect(b.interactive.type).toBe("button");
    expect(b.interactive.action.buttons[0]?.reply.title).toBe("1 Agendamentos e Ven");
    // A menu saved before the schema refused it: "1 Agendamentos e Vendas" is 23 characters.
    const saved = [{ title: "Agendamentos e Vendas", agent: "agenda" }, { title: "Suporte", agent: "suporte" }];
    const l = buildMenuPayload("Menu", saved) as { interactive: { type: string; action: { sections: { rows: { id: string; title: string }[] }[] } } };
    expect(l.interactive.type).toBe("list");
    expect(l.interactive.action.sections[0]?.rows).toEqual([
      { id: "agent:agenda", title: "1 Agendamentos e Vendas" },
      { id: "agent:suporte", title: "2 Suporte" },
    ]);
    const longer = buildMenuPayload("Menu", [{ title: "Agendamentos e Vendas!!!", agent: "a" }]) as typeof l;
    expect(longer.interactive.action.sections[0]?.rows[0]?.title).toBe("1 Agendamentos e Vendas…");
    expect(matchMenuChoice("1 Agendamentos e Vendas…", saved)).toBe(0);
  });
  it("understands tapped buttons, typed numbers and names", () => {
    expect(matchMenuChoice("1 Vendas", opts)).toBe(0);
    expect(matchMenuChoice("2", opts)).toBe(1);
    expect(matchMenuChoice("opção 2 por favor", opts)).toBe(1);
    expect(matchMenuChoice("SUPORTE TECNICO", opts)).toBe(1);
    expect(matchMenuChoice("quero vendas", opts)).toBe(0);
  });
  it("returns null when the answer is unclear", () => {
    expect(matchMenuChoice("oi", opts)).toBeNull();
    expect(matchMenuChoice("7", opts)).toBeNull();
    expect(matchMenuChoice("1 ou 2", opts)).toBeNull();
  });
});

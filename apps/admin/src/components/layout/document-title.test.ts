import { describe, expect, it } from "vitest";

import { documentTitle } from "./document-title.ts";

describe("documentTitle", () => {
  it("names the page, then the tenant, then the product", () => {
    expect(documentTitle(["Métricas", undefined, "Haven Clínica"], "LX Agent Factory")).toBe(
      "Métricas · Haven Clínica · LX Agent Factory",
    );
  });

  it("says the product's name once when no part names the page, waiting or not", () => {
    expect(documentTitle([undefined, undefined, "Haven Clínica"], "LX Agent Factory", 1)).toBe(
      "(1) Haven Clínica · LX Agent Factory",
    );
    expect(documentTitle([undefined, "recepcao", "Haven Clínica"], "LX Agent Factory", 3)).toBe(
      "(3) recepcao · Haven Clínica · LX Agent Factory",
    );
    expect(documentTitle([], "LX Agent Factory", 2)).toBe("(2) LX Agent Factory");
    expect(documentTitle([null, ""], "LX Agent Factory")).toBe("LX Agent Factory");
  });

  it("leads with the waiting count only when someone waits", () => {
    expect(documentTitle(["Empresas"], "LX Agent Factory", 4)).toBe("(4) Empresas · LX Agent Factory");
    expect(documentTitle(["Empresas"], "LX Agent Factory", 0)).toBe("Empresas · LX Agent Factory");
  });
});

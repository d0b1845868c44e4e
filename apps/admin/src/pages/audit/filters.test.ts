import { describe, expect, it } from "vitest";

import {
  actorFilter,
  DEFAULT_PAGE_SIZE,
  filterErrors,
  localToIso,
  readFilters,
  toInput,
  type Filters,
} from "./filters.ts";

const NONE: Filters = { tenant: "", type: "", actor: "", from: "", to: "", size: DEFAULT_PAGE_SIZE };

describe("audit filters: time range", () => {
  it("'Até' a minute reaches that minute's last millisecond; 'De' starts at its first", () => {
    expect(localToIso("2026-11-27T06:47", "start")).toBe(new Date(2026, 10, 27, 6, 47, 0, 0).toISOString());
    expect(localToIso("2026-11-27T06:47", "end")).toBe(new Date(2026, 10, 27, 6, 47, 59, 999).toISOString());
    // Seconds typed into the address: the end of that second.
    expect(localToIso("2026-11-27T06:47:30", "end")).toBe(
      new Date(2026, 10, 27, 6, 47, 30, 999).toISOString(),
    );
    expect(localToIso("", "end")).toBeUndefined();
  });

  it("'De 06:47 / Até 06:47' is the whole minute, and valid", () => {
    const filters = { ...NONE, from: "2026-11-27T06:47", to: "2026-11-27T06:47" };
    const input = toInput(filters);
    expect(Date.parse(input.to!) - Date.parse(input.from!)).toBe(59_999);
    expect(filterErrors(filters)).toEqual({});
  });

  it("a date that is none, from the address, is an error under its field, not a filter left out", () => {
    for (const bad of [
      "2026-13-01T00:00",
      "2026-02-30T10:00",
      "2026-01-01T24:00",
      "2026-01-01T10:60",
      "ontem",
    ]) {
      const filters = readFilters(new URLSearchParams({ from: bad, to: bad }));
      const errors = filterErrors(filters);
      expect({ bad, from: errors.from?.length ?? 0, to: errors.to?.length ?? 0 }).toEqual({
        bad,
        from: 1,
        to: 1,
      });
      expect(errors.from?.[0]).toMatch(/^Invalid ISO datetime/);
    }
    // A valid one beside an invalid one: only the invalid field errs.
    expect(Object.keys(filterErrors({ ...NONE, from: "2026-01-01T10:00", to: "2026-13-01T00:00" }))).toEqual([
      "to",
    ]);
  });

  it("an inverted range is still an error under 'Até'", () => {
    expect(Object.keys(filterErrors({ ...NONE, from: "2026-01-02T10:00", to: "2026-01-01T10:00" }))).toEqual([
      "to",
    ]);
  });
});

describe("audit filters: actor", () => {
  it("the words the table shows for the platform's actors, in either language and any case, are their labels", () => {
    expect(actorFilter("sistema")).toBe("system");
    expect(actorFilter(" SISTEMA ")).toBe("system");
    expect(actorFilter("System")).toBe("system");
    expect(actorFilter("CLI")).toBe("cli");
    expect(actorFilter("meta")).toBe("meta");
    expect(actorFilter("Meta")).toBe("meta");
    expect(actorFilter("agendador")).toBe("scheduler");
    expect(actorFilter("redefinição de senha por e-mail")).toBe("password reset by e-mail");
  });

  it("anything else goes as typed (the API matches it whatever its case), an empty field not at all", () => {
    expect(actorFilter("Ana.Souza@Haven.TEST")).toBe("Ana.Souza@Haven.TEST");
    expect(actorFilter("ana")).toBe("ana");
    expect(actorFilter("   ")).toBeUndefined();
    expect(toInput({ ...NONE, actor: "CLI" }).actor).toBe("cli");
  });
});

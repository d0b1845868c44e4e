import { describe, expect, it } from "vitest";

import { renameKey, setSpecValue } from "./edit.ts";

describe("setSpecValue", () => {
  it("sets a nested value, creating the objects on the way", () => {
    expect(setSpecValue({ goals: ["a"] }, ["plugins", "calendar"], { backend: "local" })).toEqual({
      goals: ["a"],
      plugins: { calendar: { backend: "local" } },
    });
  });

  it("removing the last plugin removes `plugins` too", () => {
    const spec = {
      goals: ["a"],
      plugins: { calendar: { backend: "local" }, reminders: { offsetsMinutes: [60] } },
    };
    const once = setSpecValue(spec, ["plugins", "calendar"], undefined);
    expect(once).toEqual({ goals: ["a"], plugins: { reminders: { offsetsMinutes: [60] } } });
    expect(setSpecValue(once, ["plugins", "reminders"], undefined)).toEqual({ goals: ["a"] });
  });

  it("clearing the last setting of an optional object removes the object, up the path", () => {
    expect(
      setSpecValue({ context: { recentMessages: 20 } }, ["context", "recentMessages"], undefined),
    ).toEqual({});
    const crm = {
      plugins: { crm: { backend: "pipedrive", qualifyFields: ["a"], customFields: { a: "k" } } },
    };
    expect(setSpecValue(crm, ["plugins", "crm", "customFields", "a"], undefined)).toEqual({
      plugins: { crm: { backend: "pipedrive", qualifyFields: ["a"] } },
    });
  });

  it("keeps a top-level object the schema requires, and never removes a list item", () => {
    expect(setSpecValue({ business: { name: "x" } }, ["business", "name"], undefined)).toEqual({
      business: {},
    });
    expect(setSpecValue({ services: [{ price: "1" }] }, ["services", 0, "price"], undefined)).toEqual({
      services: [{}],
    });
  });

  it("does not touch the input", () => {
    const spec = { context: { recentMessages: 20 } };
    setSpecValue(spec, ["context", "recentMessages"], undefined);
    expect(spec).toEqual({ context: { recentMessages: 20 } });
  });
});

describe("renameKey", () => {
  it("renames in place and refuses a key another row has", () => {
    const record = { a: "1", b: "2", c: "3" };
    expect(Object.keys(renameKey(record, "b", "z"))).toEqual(["a", "z", "c"]);
    expect(renameKey(record, "b", "c")).toBe(record);
  });
});

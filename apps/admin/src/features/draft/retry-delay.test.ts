import { describe, expect, it } from "vitest";

import { autosaveRetryDelay } from "./draft-context.tsx";

describe("autosaveRetryDelay", () => {
  it("doubles from 1 s and stays at 10 s, so a save is retried within 10 s of the API coming back", () => {
    expect([0, 1, 2, 3, 4, 5, 20].map(autosaveRetryDelay)).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });
});

import { describe, expect, it } from "vitest";

import { ZPassword } from "./users.ts";

describe("ZPassword (console, API and lx)", () => {
  it("refuses a password of spaces only, whatever its length", () => {
    for (const blank of ["        ", " \t \t    ", " ".repeat(200)]) {
      const r = ZPassword.safeParse(blank);
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.message)).toEqual(["must not be empty"]);
    }
  });

  it("keeps spaces inside, before and after a password: it is never trimmed", () => {
    for (const password of ["  my pass phrase ", "correct horse battery staple", " s3cret-pass"]) {
      expect(ZPassword.parse(password)).toBe(password);
    }
  });

  it("still bounds the length", () => {
    expect(ZPassword.safeParse("short").success).toBe(false);
    expect(ZPassword.safeParse("x".repeat(201)).success).toBe(false);
  });
});

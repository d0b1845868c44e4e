import { describe, expect, it } from "vitest";

import { ZEmail, ZPassword } from "./users.ts";

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

describe("ZEmail (inviting a user, asking for a password link)", () => {
  it("says required for an empty or blank address, and invalid only for a wrong one", () => {
    for (const blank of ["", "   "]) {
      expect(ZEmail.safeParse(blank).error?.issues.map((i) => i.message)).toEqual(["required"]);
    }
    expect(ZEmail.safeParse("maria@").error?.issues.map((i) => i.message)).toEqual(["Invalid email address"]);
  });

  it("trims a pasted address", () => {
    expect(ZEmail.parse("  maria@clinica.com.br ")).toBe("maria@clinica.com.br");
  });
});

import { describe, expect, test } from "vitest";

import { ZPassword } from "@lx/shared/schemas";

import { GENERATED_PASSWORD_LENGTH, generatePassword } from "./password.ts";

describe("generatePassword", () => {
  test("is 16 letters and digits without look-alikes, accepted by the shared schema", () => {
    const password = generatePassword();
    expect(password).toHaveLength(GENERATED_PASSWORD_LENGTH);
    expect(password).toMatch(/^[A-HJ-NP-Za-km-z2-9]+$/);
    expect(ZPassword.safeParse(password).success).toBe(true);
  });

  test("differs on every call", () => {
    const passwords = new Set(Array.from({ length: 200 }, () => generatePassword()));
    expect(passwords.size).toBe(200);
  });
});

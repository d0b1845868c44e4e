import { describe, expect, test } from "vitest";

import { passwordLinkUrl, ZPassword } from "@lx/shared/schemas";

import { GENERATED_PASSWORD_LENGTH, generatePassword, passwordLinkToken } from "./password.ts";

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

describe("passwordLinkToken", () => {
  const token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";

  test("reads the token of a link the console builds", () => {
    const url = new URL(passwordLinkUrl("https://console.example/", token));
    expect(url.pathname).toBe("/password");
    expect(passwordLinkToken(url.hash)).toBe(token);
    expect(passwordLinkToken(`t=${token}`)).toBe(token);
  });

  test("is null for a missing or garbled token", () => {
    expect(passwordLinkToken("")).toBeNull();
    expect(passwordLinkToken("#")).toBeNull();
    expect(passwordLinkToken(`#x=${token}`)).toBeNull();
    expect(passwordLinkToken(`#t=${token.slice(0, 40)}`)).toBeNull();
    expect(passwordLinkToken(`#t=${token}x`)).toBeNull();
    expect(passwordLinkToken(`#t=${token.slice(0, 42)}+`)).toBeNull();
  });
});

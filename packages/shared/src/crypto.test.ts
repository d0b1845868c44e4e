import { createHmac, randomBytes } from "node:crypto";

import { describe, expect, it } from "vitest";

import {
  decryptSecret,
  encryptSecret,
  hashPassword,
  hmacSha256Hex,
  parseSecretKey,
  parseSecretKeys,
  randomToken,
  sealingKey,
  timingSafeEqualHex,
  timingSafeEqualStr,
  verifyPassword,
} from "./crypto.ts";

const key = randomBytes(32);

/** Flips one bit of a base64url segment's decoded bytes. */
function flipBit(segment: string): string {
  const bytes = Buffer.from(segment, "base64url");
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return bytes.toString("base64url");
}

describe("parseSecretKey", () => {
  it("accepts 64 hex characters and base64 of 32 bytes", () => {
    const hex = key.toString("hex");
    expect(parseSecretKey(hex).equals(key)).toBe(true);
    expect(parseSecretKey(` ${hex.toUpperCase()}\n`).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString("base64")).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString("base64url")).equals(key)).toBe(true);
  });

  it.each(["", "abc", "00".repeat(31), randomBytes(16).toString("base64"), "z".repeat(64)])(
    "rejects %j with a clear message that does not echo the key",
    (text) => {
      expect(() => parseSecretKey(text)).toThrow(/secret key must be 32 bytes/);
      try {
        parseSecretKey(text);
      } catch (error) {
        if (text.length > 3) {
          expect((error as Error).message).not.toContain(text);
        }
      }
    },
  );
});

describe("encryptSecret / decryptSecret", () => {
  it("round-trips, with a fresh IV each time", () => {
    const token = "EAAGm0PX4ZCpsBAKZA-ção-✓";
    const first = encryptSecret(key, token);
    const second = encryptSecret(key, token);
    expect(first).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(second).not.toBe(first);
    expect(first).not.toContain("EAAGm0PX4ZCpsBA");
    expect(decryptSecret(key, first)).toBe(token);
    expect(decryptSecret(key, second)).toBe(token);
    expect(decryptSecret(key, encryptSecret(key, ""))).toBe("");
  });

  it("detects tampering with the ciphertext, tag or IV", () => {
    const [version, iv, tag, ciphertext] = encryptSecret(key, "segredo do tenant").split(".") as [
      string,
      string,
      string,
      string,
    ];
    expect(() => decryptSecret(key, [version, iv, tag, flipBit(ciphertext)].join("."))).toThrow(/tampered/);
    expect(() => decryptSecret(key, [version, iv, flipBit(tag), ciphertext].join("."))).toThrow(/tampered/);
    expect(() => decryptSecret(key, [version, flipBit(iv), tag, ciphertext].join("."))).toThrow(/tampered/);
  });

  it("fails with the wrong key", () => {
    const boxed = encryptSecret(key, "segredo");
    expect(() => decryptSecret(randomBytes(32), boxed)).toThrow(/wrong key or tampered/);
  });

  it("during a rotation, opens boxes of the current and of the previous key, and seals with the current", () => {
    const previous = randomBytes(32);
    const keys = parseSecretKeys(key.toString("hex"), previous.toString("base64"));
    expect(keys).toHaveLength(2);
    expect(sealingKey(keys).equals(key)).toBe(true);
    expect(decryptSecret(keys, encryptSecret(previous, "antigo"))).toBe("antigo");
    expect(decryptSecret(keys, encryptSecret(key, "novo"))).toBe("novo");
    expect(() => decryptSecret(keys, encryptSecret(randomBytes(32), "outro"))).toThrow(/wrong key or tampered/);
    expect(() => decryptSecret(keys, "v2.a.b.c")).toThrow(/not a v1 secret box/);
    // The same key twice, or no previous key, is one key.
    expect(parseSecretKeys(key.toString("hex"), key.toString("hex"))).toHaveLength(1);
    expect(parseSecretKeys(key.toString("hex"), "")).toHaveLength(1);
    expect(() => parseSecretKeys(key.toString("hex"), "short")).toThrow(/32 bytes/);
  });

  it("binds associated data", () => {
    const boxed = encryptSecret(key, "segredo", "tenant:haven");
    expect(decryptSecret(key, boxed, "tenant:haven")).toBe("segredo");
    expect(() => decryptSecret(key, boxed, "tenant:other")).toThrow(/tampered/);
    expect(() => decryptSecret(key, boxed)).toThrow(/tampered/);
  });

  it("rejects malformed boxes and short keys", () => {
    expect(() => decryptSecret(key, "v2.a.b.c")).toThrow(/not a v1 secret box/);
    expect(() => decryptSecret(key, "segredo")).toThrow(/not a v1 secret box/);
    expect(() => decryptSecret(key, "v1.AAAA.AAAA.AAAA")).toThrow(/not a v1 secret box/);
    expect(() => encryptSecret(randomBytes(16), "x")).toThrow(/32 bytes/);
  });
});

describe("hashPassword / verifyPassword", () => {
  it("verifies the right password only", async () => {
    const encoded = await hashPassword("correct horse battery staple");
    expect(encoded).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    await expect(verifyPassword("correct horse battery staple", encoded)).resolves.toBe(true);
    await expect(verifyPassword("correct horse battery stapl", encoded)).resolves.toBe(false);
    await expect(verifyPassword("", encoded)).resolves.toBe(false);
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([hashPassword("senha123"), hashPassword("senha123")]);
    expect(a).not.toBe(b);
  });

  it("treats composed and decomposed accents as the same password", async () => {
    const encoded = await hashPassword("s\u00e9nha");
    await expect(verifyPassword("se\u0301nha", encoded)).resolves.toBe(true);
  });

  it("returns false for malformed or hostile encodings", async () => {
    await expect(verifyPassword("x", "bcrypt$2b$10$abc")).resolves.toBe(false);
    await expect(verifyPassword("x", "scrypt$16384$8$1$c2FsdA")).resolves.toBe(false);
    await expect(verifyPassword("x", "scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0$" + "A".repeat(86))).resolves.toBe(false);
    await expect(verifyPassword("x", "scrypt$16385$8$1$c2FsdHNhbHRzYWx0$" + "A".repeat(86))).resolves.toBe(false);
  });
});

describe("hmac and comparisons", () => {
  it("computes the hex HMAC-SHA256 of a body", () => {
    const body = '{"object":"whatsapp_business_account"}';
    expect(hmacSha256Hex("app-secret", body)).toBe(createHmac("sha256", "app-secret").update(body).digest("hex"));
    expect(hmacSha256Hex("key", "The quick brown fox jumps over the lazy dog")).toBe(
      "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
    );
  });

  it("compares hex digests in constant time, case-insensitively", () => {
    const digest = hmacSha256Hex("s", "body");
    expect(timingSafeEqualHex(digest, digest.toUpperCase())).toBe(true);
    expect(timingSafeEqualHex(digest, hmacSha256Hex("s", "body!"))).toBe(false);
    expect(timingSafeEqualHex(digest, digest.slice(0, 62))).toBe(false);
    expect(timingSafeEqualHex(digest, "zz" + digest.slice(2))).toBe(false);
  });

  it("compares strings of any length", () => {
    expect(timingSafeEqualStr("verify-token", "verify-token")).toBe(true);
    expect(timingSafeEqualStr("verify-token", "verify-tokeN")).toBe(false);
    expect(timingSafeEqualStr("short", "a much longer string")).toBe(false);
  });

  it("makes url-safe random tokens of the requested size", () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(token);
    expect(Buffer.from(randomToken(16), "base64url")).toHaveLength(16);
  });
});

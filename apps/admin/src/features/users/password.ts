import { ZPasswordLinkToken } from "@lx/shared/schemas";

/**
 * Letters and digits without the look-alikes (0/O, 1/l/I), so a password read aloud or copied by
 * hand survives; 57 symbols × 16 characters ≈ 93 bits.
 */
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
export const GENERATED_PASSWORD_LENGTH = 16;

/** A random password from `crypto.getRandomValues`, without modulo bias (bytes past the last full round are drawn again). */
export function generatePassword(length: number = GENERATED_PASSWORD_LENGTH): string {
  const limit = 256 - (256 % ALPHABET.length);
  const out: string[] = [];
  const bytes = new Uint8Array(length * 2);
  while (out.length < length) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte < limit && out.length < length) {
        out.push(ALPHABET.charAt(byte % ALPHABET.length));
      }
    }
  }
  return out.join("");
}

/**
 * The token of a password link's URL (`/password#t=<token>`, see `passwordLinkUrl`): the fragment
 * never reaches a server. Null when it is missing or garbled (cut short when pasted, say).
 */
export function passwordLinkToken(hash: string): string | null {
  const parsed = ZPasswordLinkToken.safeParse(new URLSearchParams(hash.replace(/^#/, "")).get("t"));
  return parsed.success ? parsed.data : null;
}

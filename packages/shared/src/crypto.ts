/**
 * Server-side cryptography (node:crypto): secret boxing for stored access tokens and webhook
 * secrets, password hashing, HMAC signatures and constant-time comparisons.
 * Never imported by "@lx/shared" or "@lx/shared/schemas", so browser bundles stay free of node:crypto.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from "node:crypto";

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BOX_VERSION = "v1";

/**
 * Parses a 32-byte key given as 64 hex characters or as base64 (standard or url-safe, padding optional).
 * Throws with a message that never echoes the key.
 */
export function parseSecretKey(text: string): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) {
    return Buffer.from(value, "hex");
  }
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (bytes.length === KEY_BYTES) {
      return bytes;
    }
  }
  throw new Error(
    `secret key must be 32 bytes written as 64 hex characters or base64 (got ${value.length} characters); generate one with \`openssl rand -hex 32\``,
  );
}

/**
 * The key that seals, optionally followed by earlier keys that may still open old boxes: during a
 * rotation `LX_SECRET_KEY` is the new key and `LX_SECRET_KEY_PREVIOUS` the old one, until
 * `lx secrets rotate` has sealed every stored secret again with the new key.
 */
export type SecretKeys = Buffer | readonly Buffer[];

/** The key that seals new boxes: the first one. */
export function sealingKey(keys: SecretKeys): Buffer {
  const key = Buffer.isBuffer(keys) ? keys : keys[0];
  if (!key) {
    throw new Error("no secret key");
  }
  return key;
}

/** LX_SECRET_KEY and, when set, LX_SECRET_KEY_PREVIOUS, parsed (the current key first). */
export function parseSecretKeys(current: string, previous?: string): Buffer[] {
  const key = parseSecretKey(current);
  if (previous === undefined || previous.trim() === "") {
    return [key];
  }
  const old = parseSecretKey(previous);
  return old.equals(key) ? [key] : [key, old];
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new Error(`secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
  }
}

/**
 * AES-256-GCM with a random 12-byte IV. Output: `v1.<iv>.<tag>.<ciphertext>`, each base64url.
 * `associatedData` (e.g. a tenant id) binds the box to a context: decrypting elsewhere fails.
 */
export function encryptSecret(key: Buffer, plaintext: string, associatedData?: string): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  if (associatedData !== undefined) {
    cipher.setAAD(Buffer.from(associatedData, "utf8"));
  }
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [BOX_VERSION, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(
    ".",
  );
}

/**
 * Opens a box from `encryptSecret` with the one key, or with whichever of `keys` sealed it (tried in
 * order: GCM's tag tells a wrong key at once). Throws on a malformed box, when no key opens it, or
 * on any tampering.
 */
export function decryptSecret(keys: SecretKeys, boxed: string, associatedData?: string): string {
  const list = Buffer.isBuffer(keys) ? [keys] : keys;
  let failure = new Error("no secret key");
  for (const key of list) {
    try {
      return openBox(key, boxed, associatedData);
    } catch (err) {
      if (!(err instanceof Error) || err.message.startsWith("cannot decrypt secret: not a v1")) {
        throw err;
      }
      failure = err;
    }
  }
  throw failure;
}

function openBox(key: Buffer, boxed: string, associatedData?: string): string {
  assertKey(key);
  const parts = boxed.split(".");
  const [version, ivText, tagText, ciphertextText] = parts;
  if (
    parts.length !== 4 ||
    version !== BOX_VERSION ||
    ivText === undefined ||
    tagText === undefined ||
    ciphertextText === undefined ||
    ![ivText, tagText, ciphertextText].every((part) => /^[A-Za-z0-9_-]*$/.test(part))
  ) {
    throw new Error("cannot decrypt secret: not a v1 secret box");
  }
  const iv = Buffer.from(ivText, "base64url");
  const tag = Buffer.from(tagText, "base64url");
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new Error("cannot decrypt secret: not a v1 secret box");
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    if (associatedData !== undefined) {
      decipher.setAAD(Buffer.from(associatedData, "utf8"));
    }
    const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertextText, "base64url")), decipher.final()]);
    return plaintext.toString("utf8");
  } catch (cause) {
    throw new Error("cannot decrypt secret: wrong key or tampered data", { cause });
  }
}

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 64, saltBytes: 16 } as const;

function scryptAsync(password: string, salt: Buffer, keyLength: number, N: number, r: number, p: number) {
  return new Promise<Buffer>((resolve, reject) => {
    // maxmem above 128·N·r so the parameters we accept never hit Node's 32 MiB default.
    scrypt(password, salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (error, derived) => {
      if (error) {
        reject(error);
      } else {
        resolve(derived);
      }
    });
  });
}

/** scrypt (N=16384, r=8, p=1) with a random 16-byte salt: `scrypt$16384$8$1$<salt>$<hash>` (base64url). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltBytes);
  const hash = await scryptAsync(password.normalize("NFC"), salt, SCRYPT.keyLength, SCRYPT.N, SCRYPT.r, SCRYPT.p);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

/** Constant-time check of a password against `hashPassword` output; false for a malformed encoding. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split("$");
  const [scheme, nText, rText, pText, saltText, hashText] = parts;
  if (parts.length !== 6 || scheme !== "scrypt" || saltText === undefined || hashText === undefined) {
    return false;
  }
  const N = Number(nText);
  const r = Number(rText);
  const p = Number(pText);
  // Bounds keep a corrupted or hostile row from asking for gigabytes of memory.
  const sane =
    Number.isInteger(N) &&
    N >= 2 &&
    N <= 1 << 20 &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 16;
  const salt = Buffer.from(saltText, "base64url");
  const expected = Buffer.from(hashText, "base64url");
  if (!sane || salt.length === 0 || expected.length < 16) {
    return false;
  }
  const actual = await scryptAsync(password.normalize("NFC"), salt, expected.length, N, r, p);
  return timingSafeEqual(actual, expected);
}

/** Lowercase hex HMAC-SHA256 of `body` (e.g. the raw webhook body) with `secret`. */
export function hmacSha256Hex(secret: string | Buffer, body: string | Buffer): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/** Constant-time comparison of two hex strings (case-insensitive); false for different lengths or non-hex input. */
export function timingSafeEqualHex(a: string, b: string): boolean {
  const hex = /^(?:[0-9a-fA-F]{2})*$/;
  if (!hex.test(a) || !hex.test(b) || a.length !== b.length) {
    return false;
  }
  return timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}

/** Constant-time string comparison that does not leak the length (both sides are hashed first). */
export function timingSafeEqualStr(a: string, b: string): boolean {
  const left = createHash("sha256").update(a, "utf8").digest();
  const right = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(left, right);
}

/** A random url-safe token (`bytes` random bytes, base64url). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

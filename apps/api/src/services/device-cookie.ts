import { createHmac, hkdfSync, randomBytes } from "node:crypto";

import { sealingKey, timingSafeEqualHex, type SecretKeys } from "@lx/shared/crypto";

/**
 * Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a browser that
 * signed in to an account gets `lx_device`, a token bound to that account's e-mail and signed with a
 * key derived from LX_SECRET_KEY. A later sign-in to the same account that presents it is a
 * *trusted* attempt: its failures count against that device only, not against the account's or the
 * address's limits. So a stranger guessing an operator's password (or 30 typos behind one proxy
 * address) locks out untrusted browsers, never the operator's own; and a stolen password still
 * needs the device's cookie to get more than the untrusted rate. The token carries no e-mail: it is
 * `v1.<nonce>.<mac>` where the MAC covers the e-mail and the account's credential stamp (a digest of
 * its password hash, `deviceStamp`), so it only vouches for the account it was issued to, and only
 * until its password changes: a new password (a reset, `lx user password`) revokes every device.
 */
export const DEVICE_COOKIE = "lx_device";

/** A device stays known for a year after its last sign-in (each sign-in issues a fresh cookie). */
export const DEVICE_COOKIE_TTL_MS = 365 * 24 * 3_600_000;

const VERSION = "v1";

function keysOf(keys: SecretKeys): readonly Buffer[] {
  return Buffer.isBuffer(keys) ? [keys] : keys;
}

/** The MAC key of device cookies: derived from a secret key, never the sealing key itself. */
function macKey(key: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "lx device cookie v1", 32));
}

function mac(key: Buffer, email: string, stamp: string, nonce: string): string {
  return createHmac("sha256", macKey(key)).update(`${VERSION}\n${normalise(email)}\n${stamp}\n${nonce}`).digest("hex");
}

function normalise(email: string): string {
  return email.trim().toLowerCase();
}

/** A new device token for `email` with its credential stamp, signed with the current key. */
export function issueDeviceToken(keys: SecretKeys, email: string, stamp: string): string {
  const nonce = randomBytes(16).toString("base64url");
  return `${VERSION}.${nonce}.${mac(sealingKey(keys), email, stamp, nonce)}`;
}

/**
 * The device's id (its nonce) when `token` is a device token issued for `email` with its current
 * credential stamp, under one of the keys (the previous key too, during a rotation); null for anything
 * else — absent, malformed, forged, issued for another account or before its password changed, or
 * for an e-mail with no account (`stamp` null).
 */
export function verifiedDevice(
  keys: SecretKeys,
  token: string | null | undefined,
  email: string,
  stamp: string | null,
): string | null {
  if (stamp === null) {
    return null;
  }
  const parts = token?.split(".");
  if (parts?.length !== 3 || parts[0] !== VERSION) {
    return null;
  }
  const [, nonce = "", given = ""] = parts;
  if (!/^[A-Za-z0-9_-]{22}$/.test(nonce)) {
    return null;
  }
  return keysOf(keys).some((key) => timingSafeEqualHex(given, mac(key, email, stamp, nonce))) ? nonce : null;
}

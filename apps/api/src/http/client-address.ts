/**
 * The address of the client a request came from: the sign-in and reset rate limits key on it, and
 * the audit trail records it with each sign-in. Behind a load balancer or reverse proxy every socket
 * is the proxy's, so `TRUST_PROXY` names the proxies whose `X-Forwarded-For` is believed
 * (`proxy-addr`, Express's "trust proxy": walking the header from the right, the first address not
 * trusted is the client). Unset, the header is ignored: anyone can write it.
 */
import type { IncomingMessage } from "node:http";
import { isIPv6 } from "node:net";

import proxyaddr from "proxy-addr";

import { ipv6Groups } from "@lx/shared/domain";

/** Whether an address (and its position in the chain, 0 = the socket) is a trusted proxy. */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * Parses `TRUST_PROXY`: a comma-separated list of addresses, CIDR ranges and the names `loopback`,
 * `linklocal` and `uniquelocal` (private ranges). Throws with the bad entry's reason.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) {
    throw new TypeError("must name at least one address, range, or loopback / linklocal / uniquelocal");
  }
  return proxyaddr.compile(entries);
}

/** The client's address, or null when the request has no Node socket (`app.request` in tests). */
export function clientAddress(incoming: IncomingMessage | undefined, trust: TrustProxy | null): string | null {
  const socketAddress = incoming?.socket.remoteAddress;
  if (!incoming || !socketAddress) {
    return null;
  }
  return trust ? proxyaddr(incoming, trust) : socketAddress;
}

/**
 * The key a client address is rate-limited under (sign-in and reset limits): an IPv4 address itself
 * (written IPv4-mapped, `::ffff:a.b.c.d`, too); an IPv6 address its /64, e.g. `2001:db8:0:1::/64`.
 * A /64 is what one subscriber or server is handed, and any of its 2^64 addresses is theirs to use:
 * keyed by the full address, one network would get unlimited tries. Null (no socket): `unknown`.
 */
export function rateLimitAddress(ip: string | null): string {
  if (ip === null) {
    return "unknown";
  }
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1]) {
    return mapped[1];
  }
  if (!isIPv6(ip)) {
    return ip;
  }
  const prefix = ipv6Groups(ip) // a zone (fe80::1%eth0) dropped
    .slice(0, 4)
    .map((g) => g.toString(16));
  return `${prefix.join(":")}::/64`;
}

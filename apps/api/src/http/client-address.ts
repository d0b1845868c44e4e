/**
 * The address of the client a request came from: the sign-in and reset rate limits key on it, and
 * the audit trail records it with each sign-in. Behind a load balancer or reverse proxy every socket
 * is the proxy's, so `TRUST_PROXY` names the proxies whose `X-Forwarded-For` is believed
 * (`proxy-addr`, Express's "trust proxy": walking the header from the right, the first address not
 * trusted is the client). Unset, the header is ignored: anyone can write it.
 */
import type { IncomingMessage } from "node:http";

import proxyaddr from "proxy-addr";

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

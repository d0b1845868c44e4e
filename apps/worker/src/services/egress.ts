import { lookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";

import { Agent, fetch, type RequestInit, type Response } from "undici";

import { ipv6Groups } from "@lx/shared/domain";
import { CRM_API_HOSTS, isCrmApiUrl, type CrmTokenBackend } from "@lx/shared/schemas";

/**
 * Where a tenant's URLs may lead. Agent specs name URLs the worker calls (a handoff notice's
 * `notifyWebhookUrl`, the calendar and CRM tools' `webhookUrl`, a CRM's `baseUrl`), and whoever edits
 * a spec chooses them. Without a guard, a spec could point the worker at what only it can reach — the
 * database's port, the worker's metrics, a cloud's metadata service (169.254.169.254) — and read the
 * answer back in the audit log, where a failed call quotes the start of the answer. So these calls:
 *
 * - never reach a loopback, private, link-local, shared (CGNAT), multicast or reserved address, nor
 *   an IPv6 address outside global unicast or one carrying such an IPv4 (6to4, NAT64, mapped,
 *   compatible: embeddedIpv4), as written in the URL or as its name resolves — checked at connect
 *   time, on the address actually dialled, so a name that resolves differently on a second lookup
 *   (DNS rebinding) gains nothing;
 * - never read more than MAX_RESPONSE_BYTES of an answer (readBodyCapped);
 * - never follow a redirect (a public URL answering 302 to an internal one): a 3xx is a failure;
 * - except for what `LX_EGRESS_ALLOW` lists: comma-separated addresses, CIDR ranges or host names
 *   (an n8n on the agency's private network, `10.0.4.0/24` or `n8n.internal`; `127.0.0.1` for a
 *   local n8n on a laptop and for the test suites' fake receivers).
 *
 * A CRM's `baseUrl` is held tighter still (assertCrmTokenDestination): the tenant's CRM token rides in
 * its query string, so it goes only to the CRM's own API hosts over https, or to a destination
 * `LX_EGRESS_ALLOW` names itself (written as such in the URL: a local CRM proxy, a fake CRM).
 */
export type EgressPolicy = { allow: BlockList; allowHosts: Set<string>; description: string };

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // shared address space (CGNAT)
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata services
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv4");
}
/**
 * IPv6: only global unicast (2000::/3) is public, less its special ranges below. Everything else is
 * refused — unspecified, loopback, unique local (fc00::/7), link-local (fe80::/10), the deprecated
 * site-local (fec0::/10), multicast (ff00::/8), discard-only (100::/64), local-use NAT64
 * (64:ff9b:1::/48, where the IPv4 sits wherever the operator chose) — except the forms that carry an
 * IPv4 address at a fixed place, which are judged by that IPv4 (embeddedIpv4): a 6to4 or NAT64
 * address of 127.0.0.1 reaches 127.0.0.1.
 */
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet("2000::", 3, "ipv6");
for (const [net, prefix] of [
  ["2001::", 23], // IETF protocol assignments: Teredo (2001::/32), benchmarking, ORCHID
  ["2001:db8::", 32], // documentation
  ["3fff::", 20], // documentation
  ["5f00::", 16], // SRv6 segment identifiers
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv6");
}

/**
 * The IPv4 address an IPv6 address carries at a fixed place, or null: IPv4-mapped (::ffff:a.b.c.d),
 * SIIT (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64's well-known prefix
 * (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::). Each reaches, or names, that IPv4 host.
 */
export function embeddedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  const v4 = (hi = 0, lo = 0) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  if (zero(0, 5) && g[5] === 0xffff) {
    return v4(g[6], g[7]);
  }
  if (zero(0, 4) && g[4] === 0xffff && g[5] === 0) {
    return v4(g[6], g[7]);
  }
  // ::a.b.c.d, but not :: and ::1 (refused as such), nor the rest of ::/112.
  if (zero(0, 6) && g[6] !== 0) {
    return v4(g[6], g[7]);
  }
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) {
    return v4(g[6], g[7]);
  }
  if (g[0] === 0x2002) {
    return v4(g[1], g[2]);
  }
  return null;
}

/** Parses `LX_EGRESS_ALLOW`; throws on an entry that is neither an address, a CIDR range nor a host name. */
export function parseEgressAllow(value: string | undefined): EgressPolicy {
  const allow = new BlockList();
  const allowHosts = new Set<string>();
  const entries = (value ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  for (const entry of entries) {
    const [address, prefix] = entry.split("/");
    const version = isIP(unbracket(address ?? ""));
    if (version !== 0) {
      const type = version === 4 ? "ipv4" : "ipv6";
      const bits = prefix === undefined ? (version === 4 ? 32 : 128) : Number(prefix);
      if (!Number.isInteger(bits) || bits < 0 || bits > (version === 4 ? 32 : 128)) {
        throw new Error(`LX_EGRESS_ALLOW: "${entry}" has a bad prefix length`);
      }
      allow.addSubnet(unbracket(address ?? ""), bits, type);
    } else if (prefix === undefined && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(entry)) {
      allowHosts.add(entry.toLowerCase());
    } else {
      throw new Error(`LX_EGRESS_ALLOW: "${entry}" is not an address, a CIDR range or a host name`);
    }
  }
  return { allow, allowHosts, description: entries.join(",") };
}

const unbracket = (host: string) => (host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host);

/** Why `address` may not be dialled under `policy`, or null when it may. */
export function refusal(policy: EgressPolicy, address: string): string | null {
  const version = isIP(address);
  if (version === 0) {
    return `${address} is not an address`;
  }
  const type = version === 4 ? "ipv4" : "ipv6";
  if (policy.allow.check(address, type)) {
    return null;
  }
  if (version === 6) {
    const inner = embeddedIpv4(address);
    if (inner !== null) {
      return refusal(policy, inner) === null ? null : `${address} carries ${inner}, ${REFUSED_ADDRESS}`;
    }
    if (GLOBAL_UNICAST.check(address, "ipv6") && !BLOCKED.check(address, "ipv6")) {
      return null;
    }
  } else if (!BLOCKED.check(address, "ipv4")) {
    return null;
  }
  return `${address} is ${REFUSED_ADDRESS}`;
}

const REFUSED_ADDRESS = "a private or local address (LX_EGRESS_ALLOW lists the ones tenants' URLs may reach)";

/** A refused destination: not retried, and its message names the address, never the URL (which may hold a token). */
export class EgressRefused extends Error {
  override name = "EgressRefused";
}

/** Public addresses only, until the worker's start sets the policy of its env (LX_EGRESS_ALLOW). */
let current = parseEgressAllow(undefined);
let agent = agentFor(current);

/** Sets the policy of every later call (the worker's start, from its validated env). */
export function setEgressPolicy(policy: EgressPolicy): void {
  if (policy === current) {
    return;
  }
  const old = agent;
  current = policy;
  agent = agentFor(policy);
  void old.close();
}

function agentFor(policy: EgressPolicy): Agent {
  const guardedLookup = (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    lookup(hostname, { ...options }, (err, address: string | LookupAddress[], family?: number) => {
      if (err) {
        callback(err, address, family);
        return;
      }
      if (policy.allowHosts.has(hostname.toLowerCase())) {
        callback(null, address, family);
        return;
      }
      if (Array.isArray(address)) {
        const allowed = address.filter((a) => refusal(policy, a.address) === null);
        const first = address[0];
        if (allowed.length === 0 && first) {
          callback(new EgressRefused(`refused: ${hostname} resolves to ${refusal(policy, first.address) ?? first.address}`), []);
          return;
        }
        callback(null, allowed);
        return;
      }
      const why = refusal(policy, address);
      if (why) {
        callback(new EgressRefused(`refused: ${hostname} resolves to ${why}`), address, family);
        return;
      }
      callback(null, address, family);
    });
  };
  return new Agent({ connect: { lookup: guardedLookup } });
}

/**
 * fetch for a URL a tenant chose: the policy above, redirects never followed (a 3xx comes back as
 * the answer, for the caller to treat as a failure). Throws EgressRefused, before any connection,
 * for a refused address written in the URL or a name that resolves only to refused ones.
 */
export async function egressFetch(url: string, init: Omit<RequestInit, "redirect" | "dispatcher">): Promise<Response> {
  const { hostname } = new URL(url);
  const host = unbracket(hostname);
  if (isIP(host) !== 0) {
    const why = refusal(current, host);
    if (why) {
      throw new EgressRefused(`refused: ${why}`);
    }
  }
  try {
    return await fetch(url, { ...init, redirect: "manual", dispatcher: agent });
  } catch (err) {
    // undici wraps the lookup's error as the cause of its "fetch failed".
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof EgressRefused) {
      throw cause;
    }
    throw err;
  }
}


/** Whether `LX_EGRESS_ALLOW` names `url`'s host itself: a listed host name, or an address written in the URL that it allows. */
function explicitlyAllowed(policy: EgressPolicy, url: URL): boolean {
  const host = unbracket(url.hostname).toLowerCase();
  const version = isIP(host);
  if (version === 0) {
    return policy.allowHosts.has(host);
  }
  return policy.allow.check(host, version === 4 ? "ipv4" : "ipv6");
}

/**
 * Throws EgressRefused unless the tenant's CRM token may go to `url` (a CRM's base URL): https on
 * the backend's own API hosts (@lx/shared/schemas crm-hosts.ts: api.pipedrive.com,
 * <company>.pipedrive.com; crm.rdstation.com, api.rd.services), or a host or address LX_EGRESS_ALLOW
 * lists. Checked where the token is attached, so no spec (whatever its validation said) sends it
 * elsewhere. The message names the host, never the URL's query nor the token.
 */
export function assertCrmTokenDestination(backend: CrmTokenBackend, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EgressRefused("refused: the CRM base URL is not a URL");
  }
  if (isCrmApiUrl(backend, url) || explicitlyAllowed(current, parsed)) {
    return;
  }
  throw new EgressRefused(
    `refused: the CRM token goes only to https on ${CRM_API_HOSTS[backend].label}, not to ${parsed.protocol}//${parsed.host} (LX_EGRESS_ALLOW lists other destinations)`,
  );
}

/**
 * The most of an answer the worker reads from a tenant's URL: 256 KiB. Every answer these calls
 * expect is small JSON — a deal Pipedrive or RD Station created (a few KiB), a day's slots, an
 * acknowledgement — and what is read goes to the model (which gets at most MAX_TOOL_OUTPUT_CHARS of
 * it, generate.ts) or to a jsonb column. Held to 256 KiB, the worker's 64 concurrent jobs buffer
 * 16 MiB at most, where an unbounded read let one receiver stream hundreds of MiB into the shared
 * process within the 10 s timeout.
 */
export const MAX_RESPONSE_BYTES = 256 * 1024;

/** An answer past the cap: not read further (the connection is dropped), nor retried. */
export class ResponseTooLarge extends Error {
  override name = "ResponseTooLarge";
}

/**
 * The body of `res` as text, read as a stream up to `maxBytes`. Past it (a content-length saying so,
 * or the bytes themselves), the stream is cancelled, which closes the connection, and: `truncate`
 * false (an answer the caller would use) throws ResponseTooLarge; true (an error page, quoted only by
 * its start) returns what was read.
 */
export async function readBodyCapped(res: Response, opts: { maxBytes?: number; truncate?: boolean } = {}): Promise<string> {
  const maxBytes = opts.maxBytes ?? MAX_RESPONSE_BYTES;
  const tooLarge = (how: string) =>
    new ResponseTooLarge(`the answer is larger than ${maxBytes >= 1024 ? `${Math.floor(maxBytes / 1024)} KiB` : `${maxBytes} bytes`} (${how}); not read further`);
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (!opts.truncate && Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(`content-length ${declared}`);
  }
  if (!res.body) {
    return "";
  }
  // undici types the stream's chunks as any; they are bytes.
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    if (total + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - total));
      await reader.cancel().catch(() => undefined);
      if (!opts.truncate) {
        throw tooLarge(`over ${total + value.byteLength} bytes`);
      }
      break;
    }
    total += value.byteLength;
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * The eight 16-bit groups of an IPv6 address, in order: `::` expanded, a zone index (`fe80::1%eth0`)
 * dropped, a dotted IPv4 tail (`::ffff:192.0.2.1`) read as the last two groups. The address must be
 * one `node:net`'s `isIPv6` accepts (callers check first; this module does no I/O and stays
 * browser-safe). Used by the sign-in rate limit's /64 key (apps/api) and the egress guard's embedded
 * IPv4 check (apps/worker).
 */
export function ipv6Groups(address: string): number[] {
  let text = address.split("%")[0] ?? "";
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = text
      .slice(lastColon + 1)
      .split(".")
      .map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, lastColon + 1);
    text = text.endsWith("::") ? text : text.slice(0, -1);
  }
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => Number.parseInt(g, 16)));
  const [head = "", rest] = text.split("::");
  const before = parse(head);
  const after = [...(rest === undefined ? [] : parse(rest)), ...tail];
  return [...before, ...Array<number>(Math.max(0, 8 - before.length - after.length)).fill(0), ...after];
}

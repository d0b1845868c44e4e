import { isIPv6 } from "node:net";

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { ipv6Groups } from "./ipv6.ts";

describe("ipv6Groups", () => {
  it.each([
    ["::", [0, 0, 0, 0, 0, 0, 0, 0]],
    ["::1", [0, 0, 0, 0, 0, 0, 0, 1]],
    ["2001:db8::", [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]],
    ["2001:DB8:0:1::5", [0x2001, 0xdb8, 0, 1, 0, 0, 0, 5]],
    ["2001:db8:1:2:3:4:5:6", [0x2001, 0xdb8, 1, 2, 3, 4, 5, 6]],
    ["fe80::1%eth0", [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
    ["::ffff:192.0.2.1", [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]],
    ["::127.0.0.1", [0, 0, 0, 0, 0, 0, 0x7f00, 1]],
    ["64:ff9b::10.0.0.1", [0x64, 0xff9b, 0, 0, 0, 0, 0x0a00, 1]],
    ["1:2:3:4:5:6:1.2.3.4", [1, 2, 3, 4, 5, 6, 0x0102, 0x0304]],
    ["1::6:1.2.3.4", [1, 0, 0, 0, 0, 6, 0x0102, 0x0304]],
  ] as const)("%s → its eight groups", (address, groups) => {
    expect(isIPv6(address.split("%")[0] ?? "")).toBe(true);
    expect(ipv6Groups(address)).toEqual(groups);
  });

  it("reads back any address written in full, compressed or not", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
        const full = groups.map((g) => g.toString(16)).join(":");
        expect(ipv6Groups(full)).toEqual(groups);
        // The longest run of zero groups (two or more) as "::", as an address is usually written.
        const compressed = full.replace(/(^|:)0(:0)+(:|$)/, "::");
        expect(isIPv6(compressed)).toBe(true);
        expect(ipv6Groups(compressed)).toEqual(groups);
      }),
    );
  });
});

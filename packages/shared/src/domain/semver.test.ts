import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  FIRST_VERSION,
  bumpSemver,
  compareSemver,
  formatSemver,
  isSemver,
  nextVersion,
  parseSemver,
} from "./semver.ts";

describe("semver", () => {
  it("parses and formats MAJOR.MINOR.PATCH", () => {
    expect(parseSemver("1.2.3")).toEqual({ major: 1, minor: 2, patch: 3 });
    expect(parseSemver("10.0.12")).toEqual({ major: 10, minor: 0, patch: 12 });
    expect(formatSemver({ major: 2, minor: 0, patch: 7 })).toBe("2.0.7");
  });

  it.each(["1.2", "1.2.3.4", "v1.2.3", "01.2.3", "1.2.3-beta", " 1.2.3", "", "a.b.c"])(
    "rejects %j",
    (version) => {
      expect(parseSemver(version)).toBeNull();
      expect(isSemver(version)).toBe(false);
    },
  );

  it("bumps patch, minor and major, resetting the lower parts", () => {
    expect(bumpSemver("1.2.3", "patch")).toBe("1.2.4");
    expect(bumpSemver("1.2.3", "minor")).toBe("1.3.0");
    expect(bumpSemver("1.2.3", "major")).toBe("2.0.0");
    expect(bumpSemver({ major: 1, minor: 9, patch: 9 }, "patch")).toBe("1.9.10");
    expect(() => bumpSemver("latest", "patch")).toThrow(/invalid version "latest"/);
  });

  it("compares numerically, not as text", () => {
    expect(compareSemver("1.10.0", "1.9.0")).toBe(1);
    expect(compareSemver("1.0.0", "1.0.0")).toBe(0);
    expect(compareSemver("1.0.9", "2.0.0")).toBe(-1);
    expect(["1.10.0", "1.2.0", "1.0.1", "2.0.0"].sort(compareSemver)).toEqual(["1.0.1", "1.2.0", "1.10.0", "2.0.0"]);
  });

  it("starts at 1.0.0 and bumps the latest after that", () => {
    expect(FIRST_VERSION).toBe("1.0.0");
    expect(nextVersion(null, "patch")).toBe("1.0.0");
    expect(nextVersion(null, "major")).toBe("1.0.0");
    expect(nextVersion("1.0.0", "patch")).toBe("1.0.1");
    expect(nextVersion("1.4.2", "minor")).toBe("1.5.0");
    expect(nextVersion("0.3.0", "patch")).toBe("1.0.0");
  });

  it("property: a bump always yields a greater version that round-trips", () => {
    const part = fc.integer({ min: 0, max: 9999 });
    fc.assert(
      fc.property(part, part, part, fc.constantFrom("patch", "minor", "major") , (major, minor, patch, bump) => {
        const version = formatSemver({ major, minor, patch });
        const next = bumpSemver(version, bump);
        expect(compareSemver(next, version)).toBe(1);
        expect(formatSemver(parseSemver(next) ?? { major: -1, minor: -1, patch: -1 })).toBe(next);
      }),
    );
  });
});

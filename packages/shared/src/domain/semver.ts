/**
 * Agent versions are plain `MAJOR.MINOR.PATCH` (no pre-release or build tags, no leading zeros).
 * The first publishable version is 1.0.0.
 */
export type Semver = { major: number; minor: number; patch: number };
export type SemverBump = "patch" | "minor" | "major";

export const FIRST_VERSION = "1.0.0";
export const SEMVER_BUMPS = ["patch", "minor", "major"] as const satisfies readonly SemverBump[];
export const SEMVER_PATTERN = /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$/;

/** `"1.2.3"` → `{ major: 1, minor: 2, patch: 3 }`; anything else → null. */
export function parseSemver(version: string): Semver | null {
  const match = SEMVER_PATTERN.exec(version);
  if (match === null) {
    return null;
  }
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

export function isSemver(version: string): boolean {
  return parseSemver(version) !== null;
}

export function formatSemver(version: Semver): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

function toSemver(version: string | Semver): Semver {
  if (typeof version !== "string") {
    return version;
  }
  const parsed = parseSemver(version);
  if (parsed === null) {
    throw new RangeError(`invalid version "${version}": expected MAJOR.MINOR.PATCH, e.g. 1.0.0`);
  }
  return parsed;
}

/** 1.2.3 + patch → 1.2.4; + minor → 1.3.0; + major → 2.0.0. Throws RangeError on an invalid version. */
export function bumpSemver(version: string | Semver, bump: SemverBump): string {
  const { major, minor, patch } = toSemver(version);
  switch (bump) {
    case "major":
      return formatSemver({ major: major + 1, minor: 0, patch: 0 });
    case "minor":
      return formatSemver({ major, minor: minor + 1, patch: 0 });
    case "patch":
      return formatSemver({ major, minor, patch: patch + 1 });
  }
}

/** Negative when a < b, 0 when equal, positive when a > b (usable with Array.prototype.sort). Throws on an invalid version. */
export function compareSemver(a: string | Semver, b: string | Semver): -1 | 0 | 1 {
  const left = toSemver(a);
  const right = toSemver(b);
  const delta = left.major - right.major || left.minor - right.minor || left.patch - right.patch;
  return delta < 0 ? -1 : delta > 0 ? 1 : 0;
}

/** The version to publish after `latest` (the highest published one): 1.0.0 when there is none, never below 1.0.0. */
export function nextVersion(latest: string | null, bump: SemverBump): string {
  if (latest === null) {
    return FIRST_VERSION;
  }
  const next = bumpSemver(latest, bump);
  return compareSemver(next, FIRST_VERSION) < 0 ? FIRST_VERSION : next;
}

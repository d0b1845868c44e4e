/**
 * The version a publish will get, for the form's preview (the server computes the real one:
 * `nextVersion` of @lx/shared/domain, which the browser does not import). First version: 1.0.0.
 */
export type Bump = "patch" | "minor" | "major";

export function nextVersion(latest: string | null, bump: Bump): string {
  const match = latest ? /^(\d+)\.(\d+)\.(\d+)$/.exec(latest) : null;
  if (!match) {
    return "1.0.0";
  }
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  switch (bump) {
    case "major":
      return `${major + 1}.0.0`;
    case "minor":
      return `${major}.${minor + 1}.0`;
    case "patch":
      return `${major}.${minor}.${patch + 1}`;
  }
}

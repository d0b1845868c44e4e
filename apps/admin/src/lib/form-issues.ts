/** A form's zod issues by their dotted path ("email", "turns.0.customer"), for the fields to show. */
export function issuesByPath(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const issue of issues) {
    const key = issue.path.map(String).join(".");
    out.set(key, [...(out.get(key) ?? []), issue.message]);
  }
  return out;
}

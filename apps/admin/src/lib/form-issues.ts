import { useState } from "react";
import type { z } from "zod";

/** A form's zod issues by their dotted path ("email", "turns.0.customer"), for the fields to show. */
function issuesByPath(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const issue of issues) {
    const key = issue.path.map(String).join(".");
    out.set(key, [...(out.get(key) ?? []), issue.message]);
  }
  return out;
}

/**
 * A form checked with the API's own schema before anything is sent: no errors shown until the first
 * submit, then on every keystroke. `submit` (a form's `onSubmit` as it is: it stops the browser's own
 * submission) hands the parsed value to `onValid` when it is valid;
 * `valid` says whether it is now (for a button that stays off until then).
 */
export function useCheckedForm<S extends z.ZodType>(
  schema: S,
  value: unknown,
  onValid: (data: z.output<S>) => void,
): { issues: Map<string, string[]>; submit: (event?: { preventDefault: () => void }) => void; valid: boolean } {
  const [submitted, setSubmitted] = useState(false);
  const parsed = schema.safeParse(value);
  const issues = submitted && !parsed.success ? issuesByPath(parsed.error.issues) : new Map<string, string[]>();
  const submit = (event?: { preventDefault: () => void }) => {
    event?.preventDefault();
    setSubmitted(true);
    if (parsed.success) {
      onValid(parsed.data);
    }
  };
  return { issues, submit, valid: parsed.success };
}

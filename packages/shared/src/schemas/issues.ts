import type { z } from "zod";

/** One validation problem, addressed by a dotted path (`handoff.message`, `services.0.name`). */
export type FieldError = { path: string; message: string };

/**
 * Per-parse error map: a key that is absent reads `required` instead of zod's
 * "Invalid input: expected string, received undefined".
 */
const requiredErrorMap = (issue: { code: string; input?: unknown }): string | undefined =>
  issue.code === "invalid_type" && issue.input === undefined ? "required" : undefined;

function joinPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => (typeof segment === "symbol" ? (segment.description ?? "") : String(segment))).join(".");
}

function cleanMessage(message: string): string {
  return message.replace(/^Invalid (input|option): /, "");
}

/** Flattens zod issues into `{ path, message }` pairs; an unknown key gets its own path. */
export function toFieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        errors.push({ path: joinPath([...issue.path, key]), message: "unknown key" });
      }
      continue;
    }
    errors.push({ path: joinPath(issue.path), message: cleanMessage(issue.message) });
  }
  return errors;
}

/** safeParse with the `required` error map, returning dotted-path errors. */
export function safeParseWithPaths<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; data: z.output<S> } | { ok: false; errors: FieldError[] } {
  const result = schema.safeParse(input, { error: requiredErrorMap });
  if (result.success) {
    return { ok: true, data: result.data };
  }
  return { ok: false, errors: toFieldErrors(result.error.issues) };
}

/** One `path: message` per line; an error on the document itself reads `(root): message`. */
export function formatSpecErrors(errors: readonly FieldError[]): string {
  return errors.map((error) => `${error.path === "" ? "(root)" : error.path}: ${error.message}`).join("\n");
}

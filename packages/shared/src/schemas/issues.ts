import type { z } from "zod";

import type { CrmTokenBackend } from "./crm-hosts.ts";

/**
 * The facts of one of our own issues, for a client to word it in its language rather than parse the
 * English `message` (which stays, for the API and `lx`): a zod custom issue's `params`, named by `issue`.
 */
export type IssueParams = {
  /** A CRM `baseUrl` the token may not go to: not https on `backend`'s API hosts (CRM_API_HOSTS). */
  issue: "crm.base_url_host";
  backend: CrmTokenBackend;
};

const ISSUE_PARAMS_CHECKS: Record<IssueParams["issue"], (p: Record<string, unknown>) => boolean> = {
  "crm.base_url_host": (p) => p.backend === "pipedrive" || p.backend === "rdstation",
};

/** Whether `value` is one of our issues' params (a custom issue's, or one received over the wire). */
export function isIssueParams(value: unknown): value is IssueParams {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const p = value as Record<string, unknown>;
  return typeof p.issue === "string" && Object.hasOwn(ISSUE_PARAMS_CHECKS, p.issue) && ISSUE_PARAMS_CHECKS[p.issue as IssueParams["issue"]](p);
}

/**
 * One validation problem, addressed by a dotted path (`handoff.message`, `services.0.name`); with
 * `params` when it is one of ours a client words itself.
 */
export type FieldError = { path: string; message: string; params?: IssueParams };

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
    const error: FieldError = { path: joinPath(issue.path), message: cleanMessage(issue.message) };
    if (issue.code === "custom" && isIssueParams(issue.params)) {
      error.params = issue.params;
    }
    errors.push(error);
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

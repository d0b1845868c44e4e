import { TRPCClientError } from "@trpc/client";

import { isReason, reasonText, type Reason } from "@lx/shared/errors";

import type { Messages } from "./i18n/messages.ts";

/** The error `data` the API's formatter sends (apps/api/src/trpc/init.ts). */
type ErrorData = {
  code?: string;
  httpStatus?: number;
  appError?: { code: string; userMessage: string | null; reason?: unknown } | null;
  zodError?: { formErrors: string[]; fieldErrors: Record<string, string[] | undefined> } | null;
};

function errorData(err: unknown): ErrorData | null {
  if (err instanceof TRPCClientError) {
    const data: unknown = err.data;
    return data && typeof data === "object" ? (data as ErrorData) : null;
  }
  return null;
}

/** The app error code (`NOT_FOUND`, `RATE_LIMITED`…) first, then tRPC's (`UNAUTHORIZED`, `BAD_REQUEST`…). */
export function errorCode(err: unknown): string | null {
  const data = errorData(err);
  return data?.appError?.code ?? data?.code ?? null;
}

export function isUnauthorized(err: unknown): boolean {
  return errorCode(err) === "UNAUTHORIZED";
}

/**
 * Why the server refused, as data (`data.appError.reason`, a code of @lx/shared/errors with its
 * parameters); null without one, or with a code this build does not know. Branch on this, never on
 * the English `userMessage`.
 */
export function errorReason(err: unknown): Reason | null {
  const reason = errorData(err)?.appError?.reason;
  return isReason(reason) ? reason : null;
}

/**
 * A sentence for the user: the reason in the console's language (`t.reasons`), else the server's
 * English `userMessage` (a reason this build does not know), else the form errors, a text per code,
 * or a generic one.
 */
export function errorMessage(err: unknown, t: Messages): string {
  const reason = errorReason(err);
  if (reason) {
    return reasonText(t.reasons, reason);
  }
  const data = errorData(err);
  if (data?.appError?.userMessage) {
    return data.appError.userMessage;
  }
  const fieldErrors = data?.zodError?.fieldErrors;
  if (fieldErrors) {
    const first = Object.entries(fieldErrors).find(([, messages]) => messages && messages.length > 0);
    if (first) {
      return `${first[0]}: ${first[1]?.[0] ?? ""}`;
    }
  }
  const code = errorCode(err);
  const known = code ? t.errors.byCode[code] : undefined;
  if (known) {
    return known;
  }
  if (err instanceof TypeError) {
    return t.errors.network;
  }
  return t.errors.generic;
}

import { TRPCClientError } from "@trpc/client";

import type { Messages } from "./i18n/messages.ts";

/** The error `data` the API's formatter sends (apps/api/src/trpc/init.ts). */
type ErrorData = {
  code?: string;
  httpStatus?: number;
  appError?: { code: string; userMessage: string | null } | null;
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

/** Whether the server explained the error in a sentence of its own (`userMessage`). */
export function hasUserMessage(err: unknown): boolean {
  return Boolean(errorData(err)?.appError?.userMessage);
}

/** A sentence for the user: the server's safe `userMessage`, else a text per code, else a generic one. */
export function errorMessage(err: unknown, t: Messages): string {
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

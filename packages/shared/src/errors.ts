/**
 * One error type for expected outcomes (STYLE rule 24). The API maps `code` to a tRPC code and an
 * HTTP status through APP_ERROR_STATUS; the SPA reads `err.data.appError.code`, and words
 * `err.data.appError.reason` (reasons.ts) in its own language.
 */
import { reasonText, REASON_USER_MESSAGES, type Reason } from "./reasons.ts";

export * from "./reasons.ts";

export const APP_ERROR_CODES = [
  "NOT_FOUND",
  "FORBIDDEN",
  "UNAUTHORIZED",
  "CONFLICT",
  "INVALID_INPUT",
  "INVALID_STATE",
  "RATE_LIMITED",
  "INTERNAL",
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

/** The tRPC error codes we map to (a subset of @trpc/server's TRPC_ERROR_CODE_KEY). */
export type TrpcErrorCode =
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "UNAUTHORIZED"
  | "CONFLICT"
  | "BAD_REQUEST"
  | "PRECONDITION_FAILED"
  | "TOO_MANY_REQUESTS"
  | "INTERNAL_SERVER_ERROR";

export const APP_ERROR_STATUS = {
  NOT_FOUND: { trpc: "NOT_FOUND", http: 404 },
  FORBIDDEN: { trpc: "FORBIDDEN", http: 403 },
  UNAUTHORIZED: { trpc: "UNAUTHORIZED", http: 401 },
  CONFLICT: { trpc: "CONFLICT", http: 409 },
  INVALID_INPUT: { trpc: "BAD_REQUEST", http: 400 },
  INVALID_STATE: { trpc: "PRECONDITION_FAILED", http: 412 },
  RATE_LIMITED: { trpc: "TOO_MANY_REQUESTS", http: 429 },
  INTERNAL: { trpc: "INTERNAL_SERVER_ERROR", http: 500 },
} as const satisfies Record<AppErrorCode, { trpc: TrpcErrorCode; http: number }>;

export type AppErrorOptions = {
  /** For logs and developers. */
  message: string;
  /**
   * Why, as data safe to show to the user: the console words it in its language, and the English
   * `userMessage` is derived from it (REASON_USER_MESSAGES). Without one, clients show a generic
   * text for the code.
   */
  reason?: Reason;
  cause?: unknown;
};

export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: AppErrorCode;
  readonly reason: Reason | undefined;
  /** The reason's English sentence (for `lx` and API clients); undefined without a reason. */
  readonly userMessage: string | undefined;
  override readonly cause: unknown;

  constructor(code: AppErrorCode, { message, reason, cause }: AppErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.reason = reason;
    this.userMessage = reason === undefined ? undefined : reasonText(REASON_USER_MESSAGES, reason);
    this.cause = cause;
  }

  get httpStatus(): number {
    return APP_ERROR_STATUS[this.code].http;
  }

  get trpcCode(): TrpcErrorCode {
    return APP_ERROR_STATUS[this.code].trpc;
  }

  /** The public shape (no cause, no stack). */
  toJSON(): { code: AppErrorCode; message: string; userMessage?: string; reason?: Reason } {
    return this.reason === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, userMessage: this.userMessage, reason: this.reason };
  }
}

export function isAppErrorCode(value: unknown): value is AppErrorCode {
  return typeof value === "string" && (APP_ERROR_CODES as readonly string[]).includes(value);
}

/** instanceof, or the same shape from another copy of this module (bundled apps, workers). */
export function isAppError(error: unknown): error is AppError {
  if (error instanceof AppError) {
    return true;
  }
  return (
    error instanceof Error && error.name === "AppError" && isAppErrorCode((error as { code?: unknown }).code)
  );
}

/**
 * One line for a server that could not listen on `port` (named by its variable, e.g. PORT): the
 * process then stops with it, as for a bad variable, instead of an 'error' event's stack.
 */
export function listenFailure(err: unknown, port: number | string, variable: string): string {
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
  if (code === "EADDRINUSE") {
    return `port ${port} is already in use (${variable}): stop what holds it or choose another port`;
  }
  if (code === "EACCES") {
    return `no permission to listen on port ${port} (${variable})`;
  }
  return `cannot listen on port ${port} (${variable}): ${err instanceof Error ? err.message : String(err)}`;
}

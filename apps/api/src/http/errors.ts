import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

import { APP_ERROR_STATUS, isAppError, type AppErrorCode } from "@lx/shared/errors";

import type { HonoEnv } from "./types.ts";

/** The one JSON error shape of non-tRPC routes (STYLE rule 33). */
export type HttpErrorBody = {
  error: { code: AppErrorCode; message: string; requestId: string };
};

export function errorBody(c: Context<HonoEnv>, code: AppErrorCode, message: string): HttpErrorBody {
  return { error: { code, message, requestId: c.get("requestId") } };
}

function codeForStatus(status: number): AppErrorCode {
  const entry = Object.entries(APP_ERROR_STATUS).find(([, v]) => v.http === status);
  if (entry) {
    return entry[0] as AppErrorCode;
  }
  if (status === 413 || (status >= 400 && status < 500)) {
    return "INVALID_INPUT";
  }
  return "INTERNAL";
}

/**
 * The single error boundary of the Hono app (STYLE rules 33, 39): an AppError answers with its own
 * status and message; Hono's HTTPException with its status; anything else is logged with its stack
 * and answered 500 without detail.
 */
export const handleError: ErrorHandler<HonoEnv> = (err, c) => {
  const log = c.get("logger");
  if (isAppError(err)) {
    const status = APP_ERROR_STATUS[err.code].http as ContentfulStatusCode;
    if (status >= 500) {
      log.error({ err }, "request error");
    } else {
      log.info({ code: err.code, message: err.message }, "request refused");
    }
    return c.json(errorBody(c, err.code, err.message), status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = codeForStatus(status);
    if (status >= 500) {
      log.error({ err }, "request error");
    }
    return c.json(errorBody(c, code, err.message || code.toLowerCase().replace(/_/g, " ")), status);
  }
  log.error({ err }, "unhandled error");
  return c.json(errorBody(c, "INTERNAL", "internal server error"), 500);
};

export const handleNotFound: NotFoundHandler<HonoEnv> = (c) =>
  c.json(errorBody(c, "NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`), 404);

import type { HttpBindings } from "@hono/node-server";

import type { AuthSession } from "@lx/db/queries";

import type { Logger } from "../logger.ts";

/** Variables every request carries (set by the request-id middleware in app.ts). */
export type HonoVariables = {
  requestId: string;
  /** Child logger bound to this request's id. */
  logger: Logger;
  /**
   * `/trpc` only: the session of the request's cookie, resolved before its body is read (the body
   * limit depends on it; the tRPC context reuses it). Null: anonymous.
   */
  session?: AuthSession | null;
};

/**
 * `Bindings` are the Node request and response @hono/node-server passes each request; absent when a
 * test calls `app.request` directly.
 */
export type HonoEnv = { Variables: HonoVariables; Bindings: Partial<HttpBindings> };

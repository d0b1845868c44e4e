import type { Logger } from "../logger.ts";

/** Variables every request carries (set by the request-id middleware in app.ts). */
export type HonoVariables = {
  requestId: string;
  /** Child logger bound to this request's id. */
  logger: Logger;
};

export type HonoEnv = { Variables: HonoVariables };

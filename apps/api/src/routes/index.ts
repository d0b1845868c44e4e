import { Hono } from "hono";

import type { AppDeps } from "../app.ts";
import type { HonoEnv } from "../http/types.ts";

/**
 * Plain HTTP routes under `/api` (mounted by `newApp`). This is where the runtime work adds the Meta
 * webhook: `routes.route("/webhooks/whatsapp", whatsappWebhook(deps))` — GET handshake and signed POST
 * (CONTRACT.md "HTTP"). Errors thrown here reach `handleError` and get the JSON error shape.
 */
export function apiRoutes(_deps: AppDeps): Hono<HonoEnv> {
  const routes = new Hono<HonoEnv>();
  return routes;
}

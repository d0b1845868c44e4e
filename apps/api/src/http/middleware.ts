import { randomUUID } from "node:crypto";

import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Registry } from "prom-client";

import { lazyChild, type Logger } from "../logger.ts";
import { httpRequestDuration } from "../metrics.ts";
import type { HonoEnv } from "./types.ts";

export const REQUEST_ID_HEADER = "X-Request-Id";

/** A caller-supplied id is kept when it is short and plain (it ends up in logs and audit rows). */
const ACCEPTABLE_REQUEST_ID = /^[\w.:=-]{1,128}$/;

/**
 * Takes the caller's X-Request-Id (or makes one), binds a child logger to it, and echoes it on the
 * response — set after the handler so it also lands on responses built outside Hono (tRPC, static).
 */
export function requestContext(logger: Logger): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const requestId = incoming && ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set("requestId", requestId);
    c.set("logger", lazyChild(logger, { requestId }));
    await next();
    c.res.headers.set(REQUEST_ID_HEADER, requestId);
  };
}

/**
 * Paths whose success is logged at debug only: probes and scrapes every few seconds, and Meta's
 * webhook deliveries — each one is stored (webhook_events), counted and timed (`lx_webhook_*`), and
 * the worker logs every message it answers with its Meta ids; an info line per delivery was about
 * 15 % of the API's CPU per webhook (docs/benchmarks.md, session 7). Failures (4xx, 5xx) still log.
 */
const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics", "/api/webhooks/whatsapp"]);

/** One log line and one histogram observation per request, labelled with the route pattern. */
export function requestLog(registry: Registry): MiddlewareHandler<HonoEnv> {
  const histogram = httpRequestDuration(registry);
  return async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const status = c.res.status;
    // The deepest matched handler's pattern ("/trpc/*", "/api/webhooks/whatsapp"), so raw paths never
    // become label values. A 404 that only went through the catch-all middleware is "unmatched".
    const pattern = routePath(c);
    const route =
      !pattern || (status === 404 && (pattern === "/*" || pattern === "*")) ? "unmatched" : pattern;
    histogram.observe({ route, method: c.req.method, status: String(status) }, seconds);
    const line = { method: c.req.method, path: c.req.path, status, durationMs: Math.round(seconds * 1000) };
    const log = c.get("logger");
    if (c.req.path === "/readyz" && status === 503) {
      // "Not ready" is the probe's answer, not a failure (pending migrations during a deploy, a
      // database restarting): the handler logs it at warn with its reason.
      log.debug(line, "request");
    } else if (status >= 500) {
      log.error(line, "request failed");
    } else if (QUIET_PATHS.has(c.req.path) && status < 400) {
      log.debug(line, "request");
    } else {
      log.info(line, "request");
    }
  };
}

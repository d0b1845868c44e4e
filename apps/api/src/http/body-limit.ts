import type { Context, MiddlewareHandler } from "hono";

import { jsonNestingExceeds } from "./json-depth.ts";
import { readRawBody, TOO_LARGE } from "./raw-body.ts";
import type { HonoEnv } from "./types.ts";

/**
 * Caps the request body of the routes below it (the console API, `/trpc/*`): past `maxBytes` (a
 * number, or one chosen per request) the request is answered by `onTooLarge` (413) without ever
 * holding the body; otherwise the body, read once, is handed on as the request's.
 *
 * Not Hono's `bodyLimit`: it only counts while the handler reads, and tRPC catches that read's error
 * into a 500 of its own; and a refused upload it leaves unread gets its connection reset, so the
 * console would see a network error instead of the 413. `readRawBody` (shared with the webhook)
 * refuses by Content-Length before reading, cuts a chunked body as soon as it passes the cap, and
 * drains a moderate overshoot (up to 32 MiB, never stored) so that a browser still uploading gets
 * the answer.
 *
 * `nesting`: a body whose JSON nests deeper than `maxDepth` is answered by `onTooDeep` (400) before
 * anything parses it — a byte scan of the body already held (http/json-depth.ts).
 */
export function requestBodyLimit(
  limit: number | ((c: Context<HonoEnv>) => number),
  onTooLarge: (c: Context<HonoEnv>, maxBytes: number) => Response | Promise<Response>,
  nesting?: { maxDepth: number; onTooDeep: (c: Context<HonoEnv>) => Response | Promise<Response> },
): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") {
      return next();
    }
    const maxBytes = typeof limit === "number" ? limit : limit(c);
    const raw = await readRawBody(c, maxBytes);
    if (raw === TOO_LARGE) {
      c.get("logger").info(
        { maxBytes, declared: c.req.header("content-length") ?? null },
        "request body too large",
      );
      return onTooLarge(c, maxBytes);
    }
    if (nesting && jsonNestingExceeds(raw, nesting.maxDepth)) {
      c.get("logger").info({ maxDepth: nesting.maxDepth, bytes: raw.length }, "request body nested too deep");
      return nesting.onTooDeep(c);
    }
    c.req.raw = new Request(c.req.url, {
      method: c.req.method,
      headers: c.req.raw.headers,
      body: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
    });
    await next();
  };
}

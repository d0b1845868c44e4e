import { access } from "node:fs/promises";
import path from "node:path";

import { serveStatic } from "@hono/node-server/serve-static";
import type { Hono } from "hono";

import type { HonoEnv } from "./types.ts";

/** Paths that belong to the API: never answered with the console's index.html. */
const API_PREFIXES = ["/api", "/trpc"];

function isApiPath(p: string): boolean {
  return API_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

/**
 * Serves the built console from `distDir` at `/`: real files first, then index.html for any other
 * GET/HEAD outside /api and /trpc, so client-side routes (`/tenants/haven`) survive a reload.
 * Source maps (`*.map`) are never served, even if a build left some in `distDir` (the production
 * build makes none: apps/admin/vite.config.ts): they would hand anyone the console's whole source.
 * Registered last, after every API route.
 */
export function mountConsole(app: Hono<HonoEnv>, distDir: string): void {
  const root = path.resolve(distDir);
  const files = serveStatic<HonoEnv>({ root });
  const indexHtml = serveStatic<HonoEnv>({ root, path: "index.html" });

  app.on(["GET", "HEAD"], "*", async (c, next) => {
    if (isApiPath(c.req.path) || c.req.path.endsWith(".map")) {
      return next(); // a source map: a 404 (the fallback below skips any path with an extension)
    }
    return files(c, next);
  });

  app.on(["GET", "HEAD"], "*", async (c, next) => {
    if (isApiPath(c.req.path) || path.extname(c.req.path) !== "") {
      // A missing asset (`/assets/app-1234.js`) is a 404, not the HTML page.
      return next();
    }
    // The index is never cached, so a new deploy's asset names are picked up at once.
    c.header("Cache-Control", "no-cache");
    return indexHtml(c, next);
  });
}

/** True when `distDir/index.html` exists (index.ts warns otherwise). */
export async function consoleIndexExists(distDir: string): Promise<boolean> {
  try {
    await access(path.join(path.resolve(distDir), "index.html"));
    return true;
  } catch {
    return false;
  }
}

import { Hono } from "hono";
import type { Registry } from "prom-client";

import type { Database } from "@lx/db/client";
import { pendingMigrations } from "@lx/db/migrate";

import type { HonoEnv } from "./types.ts";

/** A probe that takes longer than this counts as "the database does not answer". */
const READY_TIMEOUT_MS = 3000;

export type ReadinessResult = { ready: true } | { ready: false; reason: string };

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Ready = the database answers `select 1` and has applied every committed migration. */
export async function checkReadiness(db: Database): Promise<ReadinessResult> {
  try {
    await withTimeout(
      db.$client`select 1`.then(() => undefined),
      READY_TIMEOUT_MS,
      "database ping",
    );
  } catch (err) {
    return {
      ready: false,
      reason: `database unavailable: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  try {
    const pending = await withTimeout(pendingMigrations(db), READY_TIMEOUT_MS, "migration check");
    if (pending > 0) {
      return { ready: false, reason: `${pending} pending migration${pending === 1 ? "" : "s"}` };
    }
  } catch (err) {
    return {
      ready: false,
      reason: `migration check failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  return { ready: true };
}

/** `/healthz` (liveness), `/readyz` (database + migrations) and `/metrics` (Prometheus text). */
export function healthRoutes(deps: { db: Database; registry: Registry }): Hono<HonoEnv> {
  const routes = new Hono<HonoEnv>();

  routes.get("/healthz", (c) => c.text("ok"));

  routes.get("/readyz", async (c) => {
    const result = await checkReadiness(deps.db);
    if (result.ready) {
      return c.json({ status: "ready" });
    }
    c.get("logger").warn({ reason: result.reason }, "not ready");
    return c.json({ status: "not_ready", reason: result.reason }, 503);
  });

  routes.get("/metrics", async (c) => {
    const body = await deps.registry.metrics();
    return c.body(body, 200, { "Content-Type": deps.registry.contentType });
  });

  return routes;
}

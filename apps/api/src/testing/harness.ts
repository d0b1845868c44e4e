/**
 * Test helpers for apps/api: an app built with `newApp` against a test database, tRPC callers for a
 * real session, and a log sink. Used by *.integration.test.ts only.
 */
import { TRPCError } from "@trpc/server";
import type { Hono } from "hono";
import type { Registry } from "prom-client";
import { expect } from "vitest";

import type { Database } from "@lx/db/client";
import { NumberDirectory } from "@lx/db/number-directory";
import { login, resolveSession, type AuthSession } from "@lx/db/queries";
import { TEST_SECRET_KEY } from "@lx/db/testing";

import { newApp, type AppConfig } from "../app.ts";
import type { HonoEnv } from "../http/types.ts";
import { createLogger, type Logger } from "../logger.ts";
import { createMetricsRegistry } from "../metrics.ts";
import { finishedCountsCache, type FinishedCountsCache } from "../services/finished-counts.ts";
import type { PasswordMail } from "../services/password-mail.ts";
import { createLoginRateLimiter, loginThrottle, ResetRequestLimiter, type LoginLimiter } from "../services/rate-limit.ts";
import { appSandboxGateway, type SandboxGateway } from "../services/sandbox-chat.ts";
import { SESSION_COOKIE, type TrpcContext } from "../trpc/init.ts";
import { appRouter } from "../trpc/root.ts";

/** A pino logger whose JSON lines are kept in memory. */
export function memoryLogger(level = "debug"): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void raw.push(line) });
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export type TestApp = {
  app: Hono<HonoEnv>;
  registry: Registry;
  logs: () => Record<string, unknown>[];
  limiter: LoginLimiter;
  directory: NumberDirectory;
};

export function buildTestApp(db: Database, config: Partial<AppConfig> = {}, mail?: PasswordMail): TestApp {
  const { logger, lines } = memoryLogger();
  const registry = createMetricsRegistry({ defaultMetrics: true });
  const limiter = createLoginRateLimiter(db);
  // Not listening: tests that change numbers call directory.invalidate() or use fresh numbers.
  const directory = new NumberDirectory(db);
  const app = newApp({
    db,
    directory,
    logger,
    registry,
    loginLimiter: limiter,
    mail,
    config: {
      secretKey: TEST_SECRET_KEY,
      cookieSecure: false,
      metaAppSecret: "test-app-secret",
      metaVerifyToken: "test-verify-token",
      ...config,
    },
  });
  return { app, registry, logs: lines, limiter, directory };
}

export type TestContext = TrpcContext & { cookies: string[] };

/**
 * Sandbox mode as `pnpm start` has it, without a socket: the test chat's webhook POSTs go through
 * `app.request` of an app built on the same database. Handoff-test steps wait `stepTimeoutMs` (short:
 * no worker runs in these tests).
 */
export function loopbackSandbox(db: Database, stepTimeoutMs = 1000): SandboxGateway {
  const { app } = buildTestApp(db);
  return appSandboxGateway(app, "test-app-secret", stepTimeoutMs);
}

/** A tRPC context as the HTTP adapter would build it, with Set-Cookie lines collected in `cookies`. */
export function makeContext(
  db: Database,
  session: AuthSession | null,
  options: {
    ip?: string | null;
    limiter?: LoginLimiter;
    requestId?: string;
    /** Default: `loopbackSandbox(db)`; null: sandbox mode off. */
    sandbox?: SandboxGateway | null;
    /** Default: a cache of this context's own (the app keeps one per process). */
    finishedCounts?: FinishedCountsCache;
    /** Default: none (no SMTP_URL). */
    mail?: PasswordMail | null;
    resetLimiter?: ResetRequestLimiter;
    /** The request's `lx_device` cookie value. Default: none. */
    deviceToken?: string | null;
  } = {},
): TestContext {
  const cookies: string[] = [];
  return {
    db,
    session,
    requestId: options.requestId ?? `test-${Math.random().toString(36).slice(2, 10)}`,
    logger: memoryLogger().logger,
    secretKey: TEST_SECRET_KEY,
    ip: options.ip === undefined ? "10.0.0.1" : options.ip,
    userAgent: "vitest",
    deviceToken: options.deviceToken ?? null,
    loginLimiter: options.limiter ?? createLoginRateLimiter(db),
    resetLimiter: options.resetLimiter ?? new ResetRequestLimiter(db),
    mail: options.mail ?? null,
    finishedCounts: options.finishedCounts ?? finishedCountsCache(db),
    sandbox: options.sandbox === undefined ? loopbackSandbox(db) : options.sandbox,
    setCookie: (name, value) => void cookies.push(`${name}=${value}`),
    clearCookie: (name) => void cookies.push(`${name}=`),
    cookies,
  };
}

/** Signs `email` in through the real `login` query and returns the resolved session. */
export async function sessionFor(db: Database, email: string, password: string): Promise<AuthSession> {
  const ip = "10.0.0.1";
  const { token } = await login(db, {
    email,
    password,
    ip,
    userAgent: "vitest",
    throttle: loginThrottle(createLoginRateLimiter(db), ip, email),
  });
  const session = await resolveSession(db, { token });
  if (!session) {
    throw new Error("sessionFor: session did not resolve");
  }
  return session;
}

export function callerFor(
  db: Database,
  session: AuthSession | null,
  options?: Parameters<typeof makeContext>[2],
) {
  const ctx = makeContext(db, session, options);
  return { caller: appRouter.createCaller(ctx), ctx };
}

/** The `name=value` of a Set-Cookie line for `name`, from a fetch Response. */
export function sessionCookieFrom(res: Response): string | null {
  for (const line of res.headers.getSetCookie()) {
    if (line.startsWith(`${SESSION_COOKIE}=`)) {
      return line.split(";")[0] ?? null;
    }
  }
  return null;
}

/** The tRPC error code a call ends with ("OK" when it succeeds, "THROWN" for anything else thrown). */
export async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "OK";
  } catch (err) {
    return err instanceof TRPCError ? err.code : "THROWN";
  }
}

/** A connection of the pool kept for one test's own transaction. */
type ReservedSql = Awaited<ReturnType<Database["$client"]["reserve"]>>;

/**
 * A race made deterministic: `hold` writes in a transaction left open (a webhook's insert, an
 * activation), `act` starts meanwhile, is seen waiting on a lock (and not yet settled), then the
 * held transaction commits. Returns how `act` ended (its tRPC code, "OK" when it succeeded).
 */
export async function actWhileHeld(
  db: Database,
  hold: (tx: ReservedSql) => Promise<unknown>,
  act: () => Promise<unknown>,
): Promise<string> {
  const held = await db.$client.reserve();
  try {
    await held`begin`;
    await hold(held);
    let settled = false;
    const outcome = codeOf(act()).finally(() => {
      settled = true;
    });
    await expect
      .poll(async () => {
        const [row] = await db.$client<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
        return row?.n ?? 0;
      })
      .toBeGreaterThan(0);
    expect(settled).toBe(false);
    await held`commit`;
    return await outcome;
  } finally {
    held.release();
  }
}

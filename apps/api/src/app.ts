import { trpcServer } from "@hono/trpc-server";
import { getErrorShape, TRPCError } from "@trpc/server";
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import type { Registry } from "prom-client";

import type { Database } from "@lx/db/client";
import { FLOOD_PAYLOAD, Notifier } from "@lx/db/notifier";
import type { NumberDirectory } from "@lx/db/number-directory";

import { createFakeGraphApp, createFakeGraphState } from "@lx/sandbox";
import type { SecretKeys } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";
import { TRPC_MAX_BATCH_SIZE, TRPC_MAX_BODY_BYTES } from "@lx/shared/schemas";

import { requestBodyLimit } from "./http/body-limit.ts";
import type { TrustProxy } from "./http/client-address.ts";
import { handleError, handleNotFound } from "./http/errors.ts";
import { MAX_JSON_DEPTH } from "./http/json-depth.ts";
import { healthRoutes } from "./http/health.ts";
import { requestContext, requestLog } from "./http/middleware.ts";
import { securityHeaders } from "./http/security-headers.ts";
import { mountConsole } from "./http/static.ts";
import type { HonoEnv } from "./http/types.ts";
import type { Logger } from "./logger.ts";
import { apiRoutes } from "./routes/index.ts";
import { finishedCountsCache } from "./services/finished-counts.ts";
import type { PasswordMail } from "./services/password-mail.ts";
import { createLoginRateLimiter, ResetRequestLimiter, type LoginLimiter } from "./services/rate-limit.ts";
import { httpSandboxGateway } from "./services/sandbox-chat.ts";
import { FLOOD_WAKE_GAP_MS, WAKE_GAP_MS, webhookFlood } from "./services/webhook-flood.ts";
import { createContextFromHono, requestSession, SESSION_COOKIE, type TrpcContext } from "./trpc/init.ts";
import { appRouter } from "./trpc/root.ts";

export type { HonoEnv };

export type AppConfig = {
  /** LX_SECRET_KEY, parsed. */
  secretKey: SecretKeys;
  /** Mark the session cookie Secure (behind HTTPS). */
  cookieSecure: boolean;
  /** TRUST_PROXY: the proxies whose X-Forwarded-For names the client (rate limits, audit); null: none. */
  trustProxy?: TrustProxy | null;
  /** Folder of the built console, served at `/` with an SPA fallback. */
  adminDistDir?: string;
  metaAppSecret: string;
  /** META_APP_SECRET_PREVIOUS: while Meta's app secret is being reset, signatures made with it still pass. */
  metaAppSecretPrevious?: string;
  metaVerifyToken: string;
  /**
   * Mount the Meta sandbox (fake Graph API) at /sandbox/graph. Its status callbacks are signed with
   * metaAppSecret and posted to this API's own webhook at `selfUrl`.
   */
  sandbox?: { selfUrl: string };
  /** WEBHOOK_FLOOD_MS (services/webhook-flood.ts); default 10, 0: never ask the workers to yield. */
  webhookFloodMs?: number;
};

export type AppDeps = {
  db: Database;
  logger: Logger;
  config: AppConfig;
  /** Prometheus registry served at /metrics (see metrics.ts). */
  registry: Registry;
  /** phone_number_id → tenant cache of the webhook (started, i.e. listening, by the caller). */
  directory: NumberDirectory;
  /** Login failure limiter; one per app unless given (tests pass their own). */
  loginLimiter?: LoginLimiter;
  /** Password links by e-mail (SMTP_URL); absent: links are only shown to the operator. */
  mail?: PasswordMail;
};

/**
 * Builds the HTTP app (STYLE rule 26): middleware, the single error boundary, probes, the console
 * API at /trpc/*, plain routes at /api (the Meta webhook goes there), and the console at /.
 */
export function newApp(deps: AppDeps): Hono<HonoEnv> {
  const app = new Hono<HonoEnv>();
  const loginLimiter = deps.loginLimiter ?? createLoginRateLimiter(deps.db);
  const resetLimiter = new ResetRequestLimiter(deps.db);
  const finishedCounts = finishedCountsCache(deps.db);
  // Coalesced worker wake-ups (one NOTIFY in flight per channel; see @lx/db/notifier).
  const onWakeError = (err: unknown) => deps.logger.warn({ err }, "worker wake-up failed (workers poll)");
  const flood = webhookFlood(deps);
  const wake = {
    // During a webhook flood the workers' wake-ups say so (they pace their job starts) and go out
    // less often (pacing workers need fewer; each costs every listening worker a little CPU).
    jobs: new Notifier(
      deps.db,
      "lx_jobs",
      () => (flood.flooding ? FLOOD_WAKE_GAP_MS : WAKE_GAP_MS),
      onWakeError,
      () => (flood.flooding ? FLOOD_PAYLOAD : ""),
    ),
    outbox: new Notifier(deps.db, "lx_outbox", WAKE_GAP_MS, onWakeError),
  };
  // The test chat writes to sandbox numbers through this API's own webhook (the real path).
  const sandboxGateway = deps.config.sandbox
    ? httpSandboxGateway(deps.config.sandbox.selfUrl, deps.config.metaAppSecret)
    : null;

  app.use("*", requestContext(deps.logger));
  app.use("*", requestLog(deps.registry));
  app.use("*", securityHeaders({ https: deps.config.cookieSecure }));
  app.onError(handleError);
  app.notFound(handleNotFound);

  app.route("/", healthRoutes({ db: deps.db, registry: deps.registry }));

  // A body past its limit is refused before tRPC reads it (tRPC would buffer it whole): up to
  // TRPC_MAX_BODY_BYTES with a live session (an operator's spec draft), ANONYMOUS_MAX_BODY_BYTES
  // without one (sign-in, password links: a few hundred bytes), so that strangers cannot make the API
  // read and parse megabytes. And a body nested deeper than MAX_JSON_DEPTH is refused before tRPC
  // parses it (the walks after the parse would overflow their stack on it). Both in tRPC's error
  // shape, so that the console shows them like any other error.
  app.use("/trpc/*", requestSession(deps.db));
  app.use(
    "/trpc/*",
    requestBodyLimit((c) => (c.get("session") ? TRPC_MAX_BODY_BYTES : ANONYMOUS_MAX_BODY_BYTES), trpcPayloadTooLarge, {
      maxDepth: MAX_JSON_DEPTH,
      onTooDeep: trpcTooDeep,
    }),
  );
  app.use(
    "/trpc/*",
    trpcServer({
      endpoint: "/trpc",
      router: appRouter,
      // One request may carry at most this many calls (400 past it): a batch of 40 sign-ins was
      // 2 s of scrypt. The console's httpBatchLink splits its batches at the same number.
      maxBatchSize: TRPC_MAX_BATCH_SIZE,
      // Queries may come as POST: the console sends auth.passwordLink that way, so that the
      // one-time token travels in the body, never in a URL a proxy logs (the procedure refuses GET).
      allowMethodOverride: true,
      createContext: (opts, c) =>
        createContextFromHono(
          {
            db: deps.db,
            secretKey: deps.config.secretKey,
            cookieSecure: deps.config.cookieSecure,
            trustProxy: deps.config.trustProxy ?? null,
            loginLimiter,
            resetLimiter,
            mail: deps.mail ?? null,
            finishedCounts,
            sandbox: sandboxGateway,
            wakeOutbox: () => wake.outbox.wake(),
            wakeJobs: () => wake.jobs.wake(),
          },
          // @hono/trpc-server types `c` as Context<any>; it is this app's context.
          c as Context<HonoEnv>,
          opts.resHeaders,
        ),
      onError: ({ error, path, type, ctx }) => {
        // Everything is logged; the response only reveals non-internal errors (errorFormatter).
        const log = (ctx as TrpcContext | undefined)?.logger ?? deps.logger;
        if (error.code === "INTERNAL_SERVER_ERROR") {
          log.error({ err: error.cause ?? error, path, type }, "trpc error");
        } else {
          log.info({ code: error.code, message: error.message, path, type }, "trpc refused");
        }
      },
    }),
  );

  app.route("/api", apiRoutes(deps, wake, flood));

  if (deps.config.sandbox) {
    const state = createFakeGraphState({
      webhook: {
        url: `${deps.config.sandbox.selfUrl}/api/webhooks/whatsapp`,
        appSecret: deps.config.metaAppSecret,
      },
      statusDelaysMs: { sent: 50, delivered: 300, read: 1500 },
      onLog: (line) => deps.logger.debug({ sandbox: true }, line),
    });
    app.route("/sandbox/graph", createFakeGraphApp(state));
  }

  if (deps.config.adminDistDir) {
    mountConsole(app, deps.config.adminDistDir);
  }

  return app;
}

/** The largest `/trpc` request body without a signed-in session (413 past it). */
export const ANONYMOUS_MAX_BODY_BYTES = 64 * 1024;

/**
 * The 413 of `/trpc`. A request over the anonymous cap that carries a session cookie which no longer
 * names a live session (it expired, or was revoked, while an operator was editing a big draft) is
 * answered 401 UNAUTHORIZED instead, as the same request under the cap would be: the console then
 * sends the operator to the login page ("your session has expired") rather than showing "sign in to
 * send more".
 */
function trpcPayloadTooLarge(c: Context<HonoEnv>, maxBytes: number): Response {
  if (maxBytes === ANONYMOUS_MAX_BODY_BYTES && getCookie(c, SESSION_COOKIE)) {
    const error = new AppError("UNAUTHORIZED", { message: "sign in to use the console" });
    return trpcRefusal(c, new TRPCError({ code: error.trpcCode, message: error.message, cause: error }), 401);
  }
  const message =
    maxBytes === TRPC_MAX_BODY_BYTES
      ? `request body over ${TRPC_MAX_BODY_BYTES / (1024 * 1024)} MiB`
      : `request body over ${maxBytes / 1024} KiB without a session: sign in to send more`;
  return trpcRefusal(c, new TRPCError({ code: "PAYLOAD_TOO_LARGE", message }), 413);
}

/** The 400 of `/trpc` for a body nested deeper than MAX_JSON_DEPTH. */
function trpcTooDeep(c: Context<HonoEnv>): Response {
  return trpcRefusal(
    c,
    new TRPCError({ code: "BAD_REQUEST", message: `request body nested deeper than ${MAX_JSON_DEPTH} levels` }),
    400,
  );
}

/** A refusal of `/trpc` before tRPC runs, shaped like the errors tRPC answers itself (the API's errorFormatter). */
function trpcRefusal(c: Context<HonoEnv>, error: TRPCError, status: 400 | 401 | 413): Response {
  const shape = getErrorShape({
    config: appRouter._def._config,
    error,
    type: "unknown",
    path: undefined,
    input: undefined,
    ctx: undefined,
  });
  return c.json({ error: shape }, status);
}

/**
 * `pnpm api`: reads env, builds the dependencies, serves, and shuts down gracefully (STYLE rule 26).
 * Nothing is exported: tests build the app with `newApp` from app.ts.
 */
import { serve } from "@hono/node-server";

import { closeDb, createDb } from "@lx/db/client";
import { NumberDirectory } from "@lx/db/number-directory";
import { listenFailure } from "@lx/shared/errors";
import { watchLaunchers } from "@lx/shared/launcher";

import { newApp } from "./app.ts";
import { loadApiEnv, mailConfigOf, secretKeysOf } from "./env.ts";
import { consoleIndexExists } from "./http/static.ts";
import { createLogger } from "./logger.ts";
import { createMetricsRegistry } from "./metrics.ts";
import { PasswordMail } from "./services/password-mail.ts";

const SHUTDOWN_TIMEOUT_MS = 10_000;

const env = loadApiEnv();
const logger = createLogger(env.LOG_LEVEL);
// The webhook runs one short statement per message; with 32+ concurrent POSTs a pool of 10 queues them.
const db = createDb(env.DATABASE_URL, {
  max: 20,
  applicationName: "lx-api",
  prepare: env.DATABASE_PREPARE,
  statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
});
const registry = createMetricsRegistry();

if (env.ADMIN_DIST_DIR && !(await consoleIndexExists(env.ADMIN_DIST_DIR))) {
  logger.warn({ adminDistDir: env.ADMIN_DIST_DIR }, "ADMIN_DIST_DIR has no index.html; the console will 404");
}

const directory = new NumberDirectory(db, {
  onListenRetry: (err, attempt) => logger.warn({ err, attempt }, "LISTEN lx_numbers failed; retrying"),
});
await directory.start();

const mailConfig = mailConfigOf(env);
const mail = mailConfig ? new PasswordMail(db, mailConfig, logger) : undefined;

const app = newApp({
  db,
  directory,
  logger,
  registry,
  mail,
  config: {
    secretKey: secretKeysOf(env),
    cookieSecure: env.COOKIE_SECURE,
    trustProxy: env.TRUST_PROXY ?? null,
    adminDistDir: env.ADMIN_DIST_DIR,
    metaAppSecret: env.META_APP_SECRET,
    metaAppSecretPrevious: env.META_APP_SECRET_PREVIOUS,
    metaVerifyToken: env.META_VERIFY_TOKEN,
    sandbox: env.LX_SANDBOX ? { selfUrl: `http://127.0.0.1:${env.PORT}` } : undefined,
    webhookFloodMs: env.WEBHOOK_FLOOD_MS,
  },
});

const server = serve({ fetch: app.fetch, port: env.PORT }, (info) => {
  logger.info({ port: info.port, passwordMail: mail ? "on" : "off (SMTP_URL unset)" }, `api listening on http://localhost:${info.port}`);
});
server.once("error", (err) => {
  // One line, like a bad variable (EADDRINUSE: another API, or anything else, holds the port).
  process.stderr.write(`${listenFailure(err, env.PORT, "PORT")}\n`);
  process.exit(1);
});

let stopping = false;

async function shutdown(signal: NodeJS.Signals | "launcher gone"): Promise<void> {
  if (stopping) {
    return;
  }
  stopping = true;
  logger.info({ signal }, "shutting down");
  const force = setTimeout(() => {
    logger.error("shutdown timed out; exiting");
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  force.unref();
  try {
    // Stop accepting connections and wait for in-flight requests, then release the pool.
    await new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      if ("closeIdleConnections" in server) {
        server.closeIdleConnections();
      }
    });
    await directory.stop();
    await mail?.close();
    await closeDb(db);
    logger.info("stopped");
    process.exit(0);
  } catch (err) {
    logger.error({ err }, "error during shutdown");
    process.exit(1);
  }
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// `pnpm api`: a SIGTERM to pnpm alone makes it exit without passing it on, which left the API
// listening with nobody to stop it; its going means the same as SIGTERM. (Run as `node` — production —
// or under `pnpm start`'s supervisor, nothing is watched.)
watchLaunchers(
  () => {
    logger.warn("the package manager that ran the API has gone: shutting down");
    void shutdown("launcher gone");
  },
  { packageManagerOnly: true },
);

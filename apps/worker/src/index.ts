import { closeDb, createDb } from "@lx/db/client";
import { parseSecretKeys } from "@lx/shared/crypto";
import { listenFailure } from "@lx/shared/errors";
import { watchLaunchers } from "@lx/shared/launcher";

import { lowerBackendPriority, lowerProcessPriority, WORKER_APPLICATION_NAME } from "./cpu-priority.ts";
import { loadWorkerEnv } from "./env.ts";
import { setEgressPolicy } from "./services/egress.ts";
import { createLogger } from "./logger.ts";
import { createWorkerMetrics, serveMetrics } from "./metrics.ts";
import { startWorker, WORKER_SYNCHRONOUS_COMMIT } from "./worker.ts";

const env = loadWorkerEnv();
const logger = createLogger(env.LOG_LEVEL);
lowerProcessPriority(env.WORKER_NICE, logger);
setEgressPolicy(env.LX_EGRESS_ALLOW);
// Jobs hold no connection while they wait on the LLM or the Graph API, so the pool stays small.
const db = createDb(env.DATABASE_URL, {
  max: Math.min(Math.ceil(env.WORKER_CONCURRENCY / 4) + 6, 24),
  applicationName: WORKER_APPLICATION_NAME,
  prepare: env.DATABASE_PREPARE,
  synchronousCommit: WORKER_SYNCHRONOUS_COMMIT,
  statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
});
// The same niceness for this worker's PostgreSQL backends when the server is on this machine.
const backendNice = lowerBackendPriority(db, { url: env.DATABASE_URL, nice: env.WORKER_NICE, logger });
const metrics = createWorkerMetrics(db);
const metricsServer = await serveMetrics(metrics.registry, env.WORKER_METRICS_PORT).catch((err: unknown) => {
  // One line, like a bad variable: another worker (or process) on this machine holds the port.
  process.stderr.write(`${listenFailure(err, env.WORKER_METRICS_PORT, "WORKER_METRICS_PORT")}\n`);
  process.exit(1);
});
const worker = await startWorker({
  db,
  logger,
  secretKey: parseSecretKeys(env.LX_SECRET_KEY, env.LX_SECRET_KEY_PREVIOUS),
  concurrency: env.WORKER_CONCURRENCY,
  llm: {
    mode: env.LX_LLM,
    openai: { apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL },
    anthropic: { apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL },
    fallback: env.LX_LLM_FALLBACK,
  },
  graph: { baseUrl: env.META_GRAPH_URL, apiVersion: env.META_API_VERSION, sandboxBaseUrl: env.SANDBOX_GRAPH_URL },
  metrics,
  flood: { ratePerSecond: env.WORKER_FLOOD_RATE, maxMs: env.WORKER_FLOOD_MAX_MS },
  tuning: {
    leaseMs: env.WORKER_LEASE_MS,
    ambiguousGraceMs: env.OUTBOX_AMBIGUOUS_GRACE_MS,
  },
});
logger.info({ metricsPort: env.WORKER_METRICS_PORT, llm: env.LX_LLM, egressAllow: env.LX_EGRESS_ALLOW.description || null }, "worker ready");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    logger.warn({ signal }, "second signal: exiting now");
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, "shutting down: finishing in-flight work");
  await worker.stop(15_000);
  backendNice.stop();
  metricsServer.close();
  await closeDb(db);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// `pnpm worker`: a SIGTERM to pnpm alone makes it exit without passing it on, which left the worker
// running with nobody to stop it; its going means the same as SIGTERM: the drain. (Run as `node` —
// production — or under `pnpm start`'s supervisor, nothing is watched.)
watchLaunchers(
  () => {
    logger.warn("the package manager that ran the worker has gone: shutting down");
    void shutdown("launcher gone");
  },
  { packageManagerOnly: true },
);

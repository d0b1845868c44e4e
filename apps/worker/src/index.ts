import os from "node:os";

import { closeDb, createDb } from "@lx/db/client";
import { parseSecretKey } from "@lx/shared/crypto";

import { loadWorkerEnv } from "./env.ts";
import { createLogger } from "./logger.ts";
import { createWorkerMetrics, serveMetrics } from "./metrics.ts";
import { startWorker } from "./worker.ts";

const env = loadWorkerEnv();
const logger = createLogger(env.LOG_LEVEL);
try {
  os.setPriority(Math.max(os.getPriority(), env.WORKER_NICE));
} catch (err) {
  logger.warn({ err, nice: env.WORKER_NICE }, "could not lower the worker's CPU priority");
}
// Jobs hold no connection while they wait on the LLM or the Graph API, so the pool stays small.
const db = createDb(env.DATABASE_URL, { max: Math.min(Math.ceil(env.WORKER_CONCURRENCY / 4) + 6, 24), applicationName: "lx-worker", prepare: env.DATABASE_PREPARE });
const metrics = createWorkerMetrics(db);
const metricsServer = await serveMetrics(metrics.registry, env.WORKER_METRICS_PORT);
const worker = await startWorker({
  db,
  logger,
  secretKey: parseSecretKey(env.LX_SECRET_KEY),
  concurrency: env.WORKER_CONCURRENCY,
  llm: {
    mode: env.LX_LLM,
    openai: { apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL },
    anthropic: { apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL },
  },
  graph: { baseUrl: env.META_GRAPH_URL, apiVersion: env.META_API_VERSION, sandboxBaseUrl: env.SANDBOX_GRAPH_URL },
  metrics,
  tuning: {
    leaseMs: env.WORKER_LEASE_MS,
    ambiguousGraceMs: env.OUTBOX_AMBIGUOUS_GRACE_MS,
  },
});
logger.info({ metricsPort: env.WORKER_METRICS_PORT, llm: env.LX_LLM }, "worker ready");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    logger.warn({ signal }, "second signal: exiting now");
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, "shutting down: finishing in-flight work");
  await worker.stop(15_000);
  metricsServer.close();
  await closeDb(db);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));

import { closeDb, createDb } from "@lx/db/client";

import { loadWorkerEnv } from "./env.ts";
import { createLogger } from "./logger.ts";
import { createWorkerRegistry, serveMetrics } from "./metrics.ts";
import { startWorker } from "./worker.ts";

const env = loadWorkerEnv();
const logger = createLogger(env.LOG_LEVEL);
const db = createDb(env.DATABASE_URL, { max: Math.min(env.WORKER_CONCURRENCY + 4, 40), applicationName: "lx-worker" });
const registry = createWorkerRegistry();
const metricsServer = await serveMetrics(registry, env.WORKER_METRICS_PORT);
const worker = await startWorker({ db, logger, concurrency: env.WORKER_CONCURRENCY });
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

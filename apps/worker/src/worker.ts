import { randomBytes } from "node:crypto";
import os from "node:os";

import type { Database } from "@lx/db/client";

import type { Logger } from "./logger.ts";

export type WorkerOptions = {
  db: Database;
  logger: Logger;
  concurrency: number;
};

export type RunningWorker = { id: string; stop: (timeoutMs?: number) => Promise<void> };

/** Unique per process start, so a restarted process never mistakes its predecessor's locks for its own. */
export function newWorkerId(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/**
 * The worker process' main loop. Woken by LISTEN lx_jobs (with polling as a backstop); the job
 * handlers, conversation locks and the outbox sender are added by the runtime.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const id = newWorkerId();
  const log = options.logger.child({ workerId: id });
  const listener = await options.db.$client.listen("lx_jobs", () => {
    log.debug("woken by lx_jobs");
  });
  log.info({ concurrency: options.concurrency }, "worker started");
  return {
    id,
    stop: async () => {
      await listener.unlisten();
      log.info("worker stopped");
    },
  };
}

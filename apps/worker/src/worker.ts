import { randomBytes } from "node:crypto";
import os from "node:os";

import type { Database } from "@lx/db/client";
import {
  eraseExpiredConversations,
  expireTenantlessWebhookEvents,
  expireWebhookSecretOverlaps,
  pruneRateLimitHits,
  resumeIdleHandoffs,
  TENANTLESS_EVENT_RETENTION_DAYS,
} from "@lx/db/queries";
import type { SecretKeys } from "@lx/shared/crypto";

import { createLlmRouter, logLlmAccess, type LlmConfig } from "./llm/index.ts";
import type { Logger } from "./logger.ts";
import type { WorkerMetrics } from "./metrics.ts";
import { OutboxSender } from "./outbox/sender.ts";
import { JOB_RETENTION_HOURS, pruneFinishedJobs } from "./queue/prune.ts";
import { FloodYield } from "./queue/flood.ts";
import { JobRunner, type JobHandler } from "./queue/runner.ts";
import { BundleCache } from "./services/bundle-cache.ts";

import { handleHandoffNotify } from "./services/handoff-notify.ts";
import { handleDeadTestRun, handleTestRun } from "./services/regression.ts";
import { handleDeadReply, handleReply, preloadReplyTargets } from "./services/reply.ts";
import { scanReminders } from "./services/reminders.ts";
import { handleSummarize } from "./services/summarize.ts";

export type WorkerOptions = {
  db: Database;
  logger: Logger;
  secretKey: SecretKeys;
  concurrency: number;
  llm: LlmConfig;
  graph: { baseUrl: string; apiVersion: string; sandboxBaseUrl?: string };
  metrics?: WorkerMetrics;
  /**
   * Webhook floods (queue/flood.ts): job starts per second while the API reports one
   * (WORKER_FLOOD_RATE; 0 ignores them) and for how long at most (WORKER_FLOOD_MAX_MS). Absent: ignored.
   */
  flood?: { ratePerSecond: number; maxMs: number };
  /** Overrides for tests and benchmarks. */
  tuning?: {
    leaseMs?: number;
    pollMs?: number;
    reapEveryMs?: number;
    sendConcurrency?: number;
    sendTimeoutMs?: number;
    ambiguousGraceMs?: number;
    retryBaseMs?: number;
    schedulerMs?: number;
    /** How often due appointment reminders are looked for (default 10 minutes). */
    reminderScanMs?: number;
    /** How often finished jobs past their retention are deleted (default 10 minutes). */
    pruneEveryMs?: number;
  };
};

export type RunningWorker = {
  id: string;
  runner: JobRunner;
  sender: OutboxSender;
  /** Starts the periodic jobs (handoff timeouts, appointment reminders, pruning and the retention sweeps). */
  schedule: () => void;
  stop: (timeoutMs?: number) => Promise<void>;
};

/**
 * The worker's connections commit asynchronously (createDb's `synchronousCommit`): nothing it
 * commits is promised to anyone outside until the outbox claim, which commits durably before a send.
 */
export const WORKER_SYNCHRONOUS_COMMIT = "off";

/** Unique per process start, so a restarted process never mistakes its predecessor's locks for its own. */
export function newWorkerId(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

/** The tasks a worker runs (the `task` label of its job metrics). */
export const JOB_TASKS = ["conversation.reply", "conversation.summarize", "handoff.notify", "agent.test_run"] as const;

/** The job catalog: one handler per task (STYLE rule 34). Handlers call services; they never touch queue tables. */
export function createHandlers(o: WorkerOptions, bundles: BundleCache): Record<(typeof JOB_TASKS)[number], JobHandler> {
  const chooseModel = createLlmRouter(o.llm);
  return {
    "conversation.reply": (ctx) =>
      handleReply(ctx, {
        bundles,
        chooseModel,
        metrics: o.metrics?.replyHooks,
        tools: { secretKey: o.secretKey, retryBackoffMs: o.tuning?.retryBaseMs },
      }),
    "conversation.summarize": (ctx) => handleSummarize(ctx, { bundles, chooseModel }),
    "handoff.notify": (ctx) => handleHandoffNotify(ctx, { secretKey: o.secretKey, retryBackoffMs: o.tuning?.retryBaseMs }),
    "agent.test_run": (ctx) => handleTestRun(ctx, { bundles, chooseModel, tools: { secretKey: o.secretKey } }),
  };
}

/** Builds the job runner and the outbox sender of one worker process (not started). */
export function createWorker(o: WorkerOptions, id = newWorkerId()): RunningWorker {
  const logger = o.logger.child({ workerId: id });
  // Which model providers have credentials: a warning names each key missing (its agents fail).
  logLlmAccess(logger, o.llm);
  const bundles = new BundleCache();
  const sender = new OutboxSender({
    db: o.db,
    logger,
    workerId: id,
    secretKey: o.secretKey,
    bundles,
    graph: o.graph,
    concurrency: o.tuning?.sendConcurrency ?? Math.max(8, Math.min(64, o.concurrency)),
    pollMs: o.tuning?.pollMs,
    sendTimeoutMs: o.tuning?.sendTimeoutMs,
    ambiguousGraceMs: o.tuning?.ambiguousGraceMs,
    retryBaseMs: o.tuning?.retryBaseMs,
    onSend: o.metrics?.onSend,
  });
  const flood = o.flood && o.flood.ratePerSecond > 0
    ? new FloodYield({
        ...o.flood,
        onChange: (yielding, why) =>
          yielding
            ? logger.info({ jobsPerSecond: o.flood?.ratePerSecond, maxMs: o.flood?.maxMs }, "webhook flood: pacing job starts")
            : why === "too long"
              ? logger.warn({ maxMs: o.flood?.maxMs }, "webhook flood past WORKER_FLOOD_MAX_MS: answering at full speed")
              : logger.info("webhook flood over: answering at full speed"),
      })
    : undefined;
  if (flood) {
    o.metrics?.watchFlood(() => flood.yielding);
  }
  const runner = new JobRunner({
    db: o.db,
    logger,
    workerId: id,
    handlers: createHandlers(o, bundles),
    preload: { "conversation.reply": (jobs) => preloadReplyTargets(o.db, jobs) },
    concurrency: o.concurrency,
    flood,
    leaseMs: o.tuning?.leaseMs,
    pollMs: o.tuning?.pollMs,
    reapEveryMs: o.tuning?.reapEveryMs,
    hooks: {
      ...o.metrics?.jobHooks,
      // A finished job may have queued outbox rows: wake this process' sender (no NOTIFY needed).
      onJobDone: (job, ms) => {
        o.metrics?.jobHooks.onJobDone?.(job, ms);
        sender.notify();
      },
    },
    onDead: {
      "conversation.reply": (job) => handleDeadReply(o.db, job, { bundles }, id),
      "agent.test_run": (job, err) => handleDeadTestRun(o.db, job, err, id),
    },
  });

  // Scheduler: conversations nobody answered within resumeAfterMinutes go back to the bot; due
  // appointment reminders are queued (idempotent, so every worker may scan).
  let scheduler: NodeJS.Timeout | undefined;
  let reminders: NodeJS.Timeout | undefined;
  let pruning: NodeJS.Timeout | undefined;
  const prune = () => {
    pruneFinishedJobs(o.db)
      .then((n) => n > 0 && logger.info({ jobs: n, retentionHours: JOB_RETENTION_HOURS }, "finished jobs pruned"))
      .catch((err: unknown) => logger.error({ err }, "pruning finished jobs failed"));
    // Tenants' retention windows (LGPD): conversations idle past theirs have the customer's data erased.
    eraseExpiredConversations(o.db, { actor: { type: "worker", label: id } })
      .then((n) => n > 0 && logger.info({ conversations: n }, "conversations past their tenant's retention erased"))
      .catch((err: unknown) => logger.error({ err }, "retention sweep failed"));
    // Webhook payloads no tenant claims (no tenant's erasure can ask for them): blanked after 30 days.
    expireTenantlessWebhookEvents(o.db)
      .then((n) => n > 0 && logger.info({ events: n, retentionDays: TENANTLESS_EVENT_RETENTION_DAYS }, "tenant-less webhook payloads expired"))
      .catch((err: unknown) => logger.error({ err }, "expiring tenant-less webhook payloads failed"));
    // The API's rate-limit counts (sign-ins, reset requests): no window is longer than a day.
    pruneRateLimitHits(o.db).catch((err: unknown) => logger.error({ err }, "pruning rate-limit counts failed"));
    // Previous signing secrets past their rotation's overlap (readers ignore them already): erased.
    expireWebhookSecretOverlaps(o.db)
      .then((n) => n > 0 && logger.info({ tenants: n }, "previous webhook secrets past their overlap erased"))
      .catch((err: unknown) => logger.error({ err }, "erasing expired previous webhook secrets failed"));
  };
  const scanDueReminders = () => {
    scanReminders(o.db, { now: new Date(), workerId: id })
      .then((scan) => {
        if (scan.queued + scan.blocked > 0) {
          logger.info(scan, "appointment reminders");
          sender.notify();
        }
      })
      .catch((err: unknown) => logger.error({ err }, "reminder scan failed"));
  };
  const schedule = () => {
    scheduler = setInterval(() => {
      resumeIdleHandoffs(o.db)
        .then((ids) => ids.length > 0 && logger.info({ conversations: ids }, "handoffs timed out: back to the bot"))
        .catch((err: unknown) => logger.error({ err }, "resume scheduler failed"));
    }, o.tuning?.schedulerMs ?? 30_000);
    scanDueReminders();
    reminders = setInterval(scanDueReminders, o.tuning?.reminderScanMs ?? 600_000);
    prune();
    pruning = setInterval(prune, o.tuning?.pruneEveryMs ?? 600_000);
  };
  return {
    id,
    runner,
    sender,
    schedule,
    stop: async (timeoutMs = 15_000) => {
      clearInterval(scheduler);
      clearInterval(reminders);
      clearInterval(pruning);
      await Promise.all([runner.stop(timeoutMs), sender.stop(timeoutMs)]);
      logger.info("worker stopped");
    },
  };
}

export async function startWorker(o: WorkerOptions): Promise<RunningWorker> {
  const w = createWorker(o);
  await w.runner.start();
  await w.sender.start();
  w.schedule();
  o.logger.info({ workerId: w.id, concurrency: o.concurrency, llm: o.llm.mode }, "worker started");
  return w;
}

import { setMaxListeners } from "node:events";

import type { SQL } from "drizzle-orm";

import { describeFailure, isConnectionLoss, retryWhileUnreachable, type Database, type Executor, type Transaction } from "@lx/db/client";
import { GroupCommit } from "@lx/db/group-commit";
import { listenWithRetry } from "@lx/db/notifier";
import { insertAuditEvent } from "@lx/db/queries";

import type { Logger } from "../logger.ts";
import { claimBatchWindow } from "./batch-window.ts";
import { claimJobs, type ClaimedJob } from "./claim.ts";
import { completeJob, completionCte } from "./complete.ts";
import { failJob, releaseJob } from "./fail.ts";
import type { FloodYield } from "./flood.ts";
import { extendLeases, reapExpiredJobs } from "./reap.ts";

/** Never retried: the job is dead at once (bad payload, missing rows). */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

/** Thrown by `ctx.defer`: the job goes back to the queue for later without spending an attempt. */
export class DeferJobError extends Error {
  override name = "DeferJobError";
  constructor(readonly delayMs: number) {
    super(`deferred ${delayMs} ms`);
  }
}

/** The job's lease was taken over by another worker: its effects must not commit. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

export type JobContext = {
  job: ClaimedJob;
  workerId: string;
  logger: Logger;
  db: Database;
  /**
   * Runs `effects` in one transaction together with completing the job (which frees its
   * conversation for the next job), guarded by ownership: if another worker took the job over, nothing commits
   * (LeaseLostError). A handler that never calls it is completed with no effects.
   */
  finish: (effects: (tx: Transaction) => Promise<void>) => Promise<void>;
  /**
   * `finish` in one statement, never a transaction left open between steps (the statement is
   * group-committed with the completions that arrive meanwhile, see `completions`): `build` gets the CTE that
   * completes the job (`job`, see completionCte; `when` is its extra guard) and returns the whole
   * statement, whose effects are written only when `exists (select 1 from job)` and which selects
   * `exists (select 1 from job) as done`. True when the job completed with its effects. False when
   * nothing was written (the guard failed, or the job is no longer ours): call `finish` to decide.
   */
  finishInOneStatement: (when: SQL, build: (job: SQL) => SQL) => Promise<boolean>;
  /** Puts the job back to run again in `delayMs`, without spending an attempt (e.g. a burst window). */
  defer: (delayMs: number) => never;
  signal: AbortSignal;
  /** What the task's preload read for this job with the rest of its claim batch (RunnerOptions.preload), if anything. */
  preloaded?: unknown;
};

export type JobHandler = (ctx: JobContext) => Promise<void>;

/** When a job whose database connection was lost runs again (no attempt spent; see run()). */
export const CONNECTION_LOSS_RETRY_MS = 1_000;

/** How a job attempt failed: retried later, dead-lettered, or its lease taken over by another worker. */
export const JOB_FAILURE_OUTCOMES = ["retry", "dead", "lost"] as const;
export type JobFailureOutcome = (typeof JOB_FAILURE_OUTCOMES)[number];

export type RunnerOptions = {
  db: Database;
  logger: Logger;
  workerId: string;
  handlers: Record<string, JobHandler>;
  concurrency: number;
  /** Lease of a claimed job (and so of its conversation, see claim.ts); renewed every leaseMs/3. */
  leaseMs?: number;
  /** Backstop polling when no NOTIFY arrives. */
  pollMs?: number;
  /** How often this process looks for expired leases. */
  reapEveryMs?: number;
  /** Claim at most this many jobs per round trip. */
  batchSize?: number;
  /** Paces job starts during a webhook flood (flood.ts); absent: floods are ignored. */
  flood?: FloodYield;
  /**
   * Per task, one read for all the jobs of a claim batch (job id → value, handed to the handler as
   * `ctx.preloaded`). A failed preload is logged and the handlers read for themselves.
   */
  preload?: Record<string, (jobs: ClaimedJob[]) => Promise<Map<number, unknown>>>;
  /** Called after a job of that task went dead (e.g. hand a conversation to a human). */
  onDead?: Record<string, (job: ClaimedJob, error: unknown) => Promise<void>>;
  hooks?: {
    onJobDone?: (job: ClaimedJob, ms: number) => void;
    onJobFailed?: (job: ClaimedJob, outcome: JobFailureOutcome, error: unknown) => void;
  };
};

type Wake = { promise: Promise<void>; resolve: () => void };

function newWake(): Wake {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Runs jobs from message_queue with up to `concurrency` in flight (async I/O: slow LLM calls overlap).
 * Woken by NOTIFY lx_jobs and by finished jobs, polling only as a backstop.
 */
export class JobRunner {
  private readonly inFlight = new Map<number, { job: ClaimedJob; promise: Promise<void> }>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private wake = newWake();
  private wakePending = false;
  private stopping = false;
  private loopPromise: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly abort = new AbortController();
  /**
   * One-statement completions by group commit: those that arrive while two batches are running go together
   * in one transaction, their statements pipelined (one commit for the lot, three round trips
   * whatever their number). Each statement writes only if its own job completed, so a job that lost
   * its lease or failed its guard changes nothing for the others; a statement that errors fails the
   * batch, and GroupCommit then re-runs each completion on its own.
   */
  private readonly completions: GroupCommit<SQL, boolean>;

  constructor(private readonly o: RunnerOptions) {
    this.completions = new GroupCommit(async (statements: SQL[]) => {
      const run = async (ex: Executor, statement: SQL) => (await ex.execute<{ done: boolean }>(statement))[0]?.done === true;
      const [only] = statements;
      if (statements.length === 1 && only) {
        return [await run(o.db, only)];
      }
      return o.db.transaction((tx) => Promise.all(statements.map((st) => run(tx, st))));
    });
    // Each in-flight job links its own signal to this one shutdown signal (and unlinks it when done).
    setMaxListeners(o.concurrency + 16, this.abort.signal);
    this.leaseMs = o.leaseMs ?? 30_000;
    this.pollMs = o.pollMs ?? 1_000;
    this.batchSize = o.batchSize ?? 16;
  }

  /** The signal aborted at shutdown (each job's own signal follows it); for diagnostics and tests. */
  get shutdownSignal(): AbortSignal {
    return this.abort.signal;
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** How the one-statement completions were grouped (GroupCommit stats). */
  get completionStats(): GroupCommit<SQL, boolean>["stats"] {
    return this.completions.stats;
  }

  async start(): Promise<void> {
    const listener = await listenWithRetry(
      this.o.db,
      "lx_jobs",
      (payload) => {
        this.o.flood?.onWake(payload);
        this.notify();
      },
      {
        onRetry: (err, attempt) => this.o.logger.warn({ err, attempt }, "LISTEN lx_jobs failed; retrying"),
      },
    );
    this.unlisten = listener.unlisten;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.timers.push(setInterval(() => void this.reap(), this.o.reapEveryMs ?? 5_000));
    // Reap once at start: a worker restarted after a crash picks up abandoned jobs at once.
    void this.reap();
    this.loopPromise = this.loop();
  }

  notify(): void {
    this.wakePending = true;
    this.wake.resolve();
  }

  /** Stops claiming, waits for in-flight jobs up to `timeoutMs`, then gives the rest back. */
  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    this.notify();
    for (const t of this.timers) {
      clearInterval(t);
    }
    await this.unlisten?.();
    await this.loopPromise;
    const all = Promise.allSettled([...this.inFlight.values()].map((f) => f.promise));
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref()),
    ]);
    if (timedOut) {
      // Given back first, then aborted: an aborted LLM call fails its job, and that failure (an
      // attempt spent, a backoff, on the last attempt a dead letter and its follow-up) raced the
      // release. Released first, the job is no longer ours and the failure records nothing.
      const left = [...this.inFlight.values()].map((f) => f.job);
      for (const job of left) {
        await releaseJob(this.o.db, { jobId: job.id, workerId: this.o.workerId, delayMs: 0 });
      }
      this.abort.abort();
      this.o.logger.warn({ jobs: left.length }, "shutdown timeout: released in-flight jobs");
    }
    // Leases were kept alive while the jobs in flight finished.
    clearInterval(this.heartbeatTimer);
  }

  /** Claims and runs one batch, awaiting it: deterministic driving for tests. Returns jobs run. */
  async runOnce(): Promise<number> {
    const jobs = await claimJobs(this.o.db, { workerId: this.o.workerId, limit: this.batchSize, leaseMs: this.leaseMs });
    const preloaded = await this.preload(jobs);
    await Promise.all(jobs.map((j) => this.run(j, preloaded.get(j.id))));
    return jobs.length;
  }

  private async loop(): Promise<void> {
    let backlog = false;
    while (!this.stopping) {
      if (backlog) {
        await claimBatchWindow(this.o.concurrency - this.inFlight.size, this.o.concurrency);
      }
      const free = this.o.concurrency - this.inFlight.size;
      let claimedFull = false;
      // During a webhook flood, starts are paced (flood.ts): with none allowed yet, wait for the next.
      const allowed = free > 0 && this.o.flood ? this.o.flood.allowance() : Number.POSITIVE_INFINITY;
      if (allowed < 1) {
        await this.sleep(this.o.flood?.waitMs() ?? this.pollMs);
        continue;
      }
      if (free > 0) {
        this.wakePending = false;
        const limit = Math.min(free, this.batchSize, allowed);
        try {
          const jobs = await claimJobs(this.o.db, { workerId: this.o.workerId, limit, leaseMs: this.leaseMs });
          this.o.flood?.spend(jobs.length);
          const preloaded = await this.preload(jobs);
          for (const job of jobs) {
            // run() records its own failures; should anything still escape it, it is logged here,
            // never left as an unhandled rejection (which would end the process).
            const promise = this.run(job, preloaded.get(job.id))
              .catch((err: unknown) => this.o.logger.error({ err, jobId: job.id }, "job run failed; its lease will expire"))
              .finally(() => {
                this.inFlight.delete(job.id);
                this.notify();
              });
            this.inFlight.set(job.id, { job, promise });
          }
          claimedFull = jobs.length === limit;
          backlog = claimedFull;
        } catch (err) {
          this.o.logger.error({ err }, "claim failed");
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      // Go round again only when a slot is free: with every slot busy, a pending wake-up must wait
      // for a job to finish (which wakes us), or this loop would spin and starve the event loop.
      const hasFree = this.o.concurrency - this.inFlight.size > 0;
      if (hasFree && (claimedFull || this.wakePending)) {
        continue;
      }
      await this.sleep(this.pollMs);
    }
  }

  /** Until a wake-up (a NOTIFY, a finished job, stop) or `ms`, whichever is first. */
  private async sleep(ms: number): Promise<void> {
    this.wake = newWake();
    const timer = setTimeout(() => this.wake.resolve(), ms);
    await this.wake.promise;
    clearTimeout(timer);
  }

  /** The tasks' preloads for a claimed batch (job id → value); never throws. */
  private async preload(jobs: ClaimedJob[]): Promise<Map<number, unknown>> {
    const out = new Map<number, unknown>();
    const preload = this.o.preload;
    if (!preload || jobs.length === 0) {
      return out;
    }
    const byTask = new Map<string, { load: (jobs: ClaimedJob[]) => Promise<Map<number, unknown>>; batch: ClaimedJob[] }>();
    for (const j of jobs) {
      const load = preload[j.task];
      if (load) {
        const entry = byTask.get(j.task) ?? { load, batch: [] };
        entry.batch.push(j);
        byTask.set(j.task, entry);
      }
    }
    await Promise.all(
      [...byTask].map(async ([task, { load, batch }]) => {
        try {
          for (const [id, value] of await load(batch)) {
            out.set(id, value);
          }
        } catch (err) {
          this.o.logger.warn({ err, task, jobs: batch.length }, "preload failed; the jobs read for themselves");
        }
      }),
    );
    return out;
  }

  private async run(job: ClaimedJob, preloaded?: unknown): Promise<void> {
    const { db, workerId } = this.o;
    const log = this.o.logger.child({ jobId: job.id, task: job.task, conversationId: job.conversationId, tenantId: job.tenantId });
    const started = performance.now();
    const handler = this.o.handlers[job.task];
    try {
      if (!handler) {
        throw new PermanentJobError(`no handler for task "${job.task}"`);
      }
      let finished = false;
      const finish = async (effects: (tx: Transaction) => Promise<void>) => {
        await db.transaction(async (tx) => {
          // Sent together (pipelined on the transaction's connection); if the job is no longer ours
          // the throw rolls the effects back with it.
          const [owned] = await Promise.all([completeJob(tx, { jobId: job.id, workerId }), effects(tx)]);
          if (!owned) {
            throw new LeaseLostError(`job ${job.id} is no longer ours`);
          }
        });
        finished = true;
      };
      const finishInOneStatement = async (when: SQL, build: (job: SQL) => SQL) => {
        finished = await this.completions.add(build(completionCte({ jobId: job.id, workerId, when })));
        return finished;
      };
      const defer = (delayMs: number): never => {
        throw new DeferJobError(delayMs);
      };
      // The job's own signal, aborted at shutdown. Handlers pass it to the LLM SDKs, which add an
      // abort listener per call and never remove it: on the worker's long-lived shutdown signal that
      // was a listener (and the request it closes over) kept forever per LLM call. Here the listeners
      // go with the job, and the one link to the shutdown signal is removed when the job ends.
      const jobAbort = new AbortController();
      setMaxListeners(64, jobAbort.signal);
      const onShutdown = () => jobAbort.abort(this.abort.signal.reason);
      this.abort.signal.addEventListener("abort", onShutdown, { once: true });
      try {
        await handler({ job, workerId, logger: log, db, finish, finishInOneStatement, defer, signal: jobAbort.signal, preloaded });
      } finally {
        this.abort.signal.removeEventListener("abort", onShutdown);
      }
      if (!finished) {
        await finish(() => Promise.resolve());
      }
      this.o.hooks?.onJobDone?.(job, performance.now() - started);
    } catch (err) {
      if (err instanceof DeferJobError) {
        try {
          await releaseJob(db, { jobId: job.id, workerId, delayMs: err.delayMs });
          log.debug({ delayMs: err.delayMs }, "job deferred");
        } catch (releaseErr) {
          log.warn({ err: releaseErr }, "could not defer the job; its lease will expire");
        }
        return;
      }
      if (this.abort.signal.aborted) {
        // Interrupted by a shutdown that timed out: stop() gave the job back before aborting it.
        log.info("job interrupted by shutdown; released to another worker");
        return;
      }
      if (isConnectionLoss(err)) {
        // The database went away under the job (a restart, a failover): not the job's fault, so no
        // attempt is spent and no backoff grows — a failover must not dead-letter customers' messages.
        await this.releaseAfterConnectionLoss(job.id, log, err);
        return;
      }
      if (err instanceof LeaseLostError) {
        log.warn("lease lost: another worker owns this job now; effects discarded");
        this.o.hooks?.onJobFailed?.(job, "lost", err);
        return;
      }
      const permanent = err instanceof PermanentJobError;
      const message = describeFailure(err);
      try {
        // The dead letter and its audit event commit together: a crash between them left a dead job
        // the audit trail never mentioned.
        const outcome = await db.transaction(async (tx) => {
          const o = await failJob(tx, { jobId: job.id, workerId, error: message, permanent });
          if (o === "dead") {
            await insertAuditEvent(tx, {
              tenantId: job.tenantId,
              actor: { type: "worker", label: workerId },
              type: "job.dead",
              subjectType: "job",
              subjectId: job.id,
              data: { task: job.task, attempts: job.attempts, error: message, conversationId: job.conversationId },
            });
          }
          return o;
        });
        if (outcome === "dead") {
          log.error({ err, attempts: job.attempts }, "job dead-lettered");
          await this.o.onDead?.[job.task]?.(job, err).catch((deadErr: unknown) => log.error({ err: deadErr }, "dead-letter follow-up failed"));
        } else {
          log.warn({ err, attempts: job.attempts, outcome }, "job failed");
        }
        this.o.hooks?.onJobFailed?.(job, outcome, err);
      } catch (failErr) {
        log.error({ err: failErr, cause: err }, "could not record the job failure; its lease will expire");
      }
    }
  }

  /**
   * Gives a job back after its database connection was lost, retrying while the database cannot be
   * reached (the first try meets a restarting server still down): a release within the job's lease
   * spends no attempt. Only an outage longer than the lease, or a shutdown meanwhile (stop() hands
   * the job back itself), leaves the job to the reaper.
   */
  private async releaseAfterConnectionLoss(jobId: number, log: Logger, cause: unknown): Promise<void> {
    try {
      await retryWhileUnreachable(
        () => releaseJob(this.o.db, { jobId, workerId: this.o.workerId, delayMs: CONNECTION_LOSS_RETRY_MS }),
        { forMs: this.leaseMs, stopped: () => this.stopping },
      );
      log.warn({ err: cause }, "database connection lost during the job; released to run again");
    } catch (err) {
      log.warn({ err, cause }, "database connection lost during the job; its lease will expire");
    }
  }

  private async heartbeat(): Promise<void> {
    const ids = [...this.inFlight.keys()];
    if (ids.length === 0) {
      return;
    }
    const t0 = performance.now();
    try {
      await extendLeases(this.o.db, { jobIds: ids, workerId: this.o.workerId, leaseMs: this.leaseMs });
      this.o.logger.debug({ jobs: ids.length, ms: Math.round(performance.now() - t0) }, "heartbeat");
    } catch (err) {
      this.o.logger.error({ err }, "heartbeat failed");
    }
  }

  private async reap(): Promise<void> {
    try {
      // Taken back and audited together (one transaction), like a dead letter.
      const reaped = await this.o.db.transaction(async (tx) => {
        const jobs = await reapExpiredJobs(tx);
        for (const j of jobs) {
          await insertAuditEvent(tx, {
            tenantId: j.tenantId,
            actor: { type: "worker", label: this.o.workerId },
            type: "job.lease_expired",
            subjectType: "job",
            subjectId: j.id,
            data: { previousOwner: j.lockedBy, conversationId: j.conversationId, status: j.status },
          });
        }
        return jobs;
      });
      if (reaped.length > 0) {
        this.o.logger.warn({ jobs: reaped.map((j) => j.id) }, "reaped jobs with expired leases");
        this.notify();
      }
    } catch (err) {
      this.o.logger.error({ err }, "reap failed");
    }
  }
}

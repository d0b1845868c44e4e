import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { auditEvents } from "@lx/db/schema";
import { dbTest as test, startDbProxy } from "@lx/db/testing";

import { PermanentJobError, type JobHandler } from "./runner.ts";
import { enqueue, runnerOn, setup, waitUntil } from "./testing.ts";

/** The handler's effect: a test_log row written in the transaction that completes the job. */
const logAndFinish: JobHandler = async (ctx) => {
  await ctx.finish(async (tx) => {
    await tx.execute(sql`
      insert into test_log (job_id, conversation_id, seq, attempt, worker, started)
      values (${ctx.job.id}, ${ctx.job.conversationId}, ${Number(ctx.job.payload.seq)}, ${ctx.job.attempts}, ${ctx.workerId}, clock_timestamp())`);
  });
};

const idList = (ids: number[]) => `{${ids.join(",")}}`;

/** Closes what is left open of the test's jobs when it ends, passed or failed: the file's later tests run workers. */
function closeAtEnd(db: Database, ids: number[]) {
  onTestFinished(async () => {
    await db.execute(sql`
      update message_queue set status = 'done', locked_by = null, lease_expires_at = null
      where id = any(${idList(ids)}::bigint[]) and status in ('queued', 'running')`);
  });
}


/** A handler for one job: its first run waits until `release()`, every run then logs and finishes. */
function firstRunHeld(jobId: number) {
  const runs: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const handler: JobHandler = async (ctx) => {
    if (ctx.job.id !== jobId) {
      throw new Error(`job ${ctx.job.id} is not this test's`);
    }
    runs.push(ctx.workerId);
    if (runs.length === 1) {
      await gate;
    }
    await logAndFinish(ctx);
  };
  return { handler, runs, release: () => release() };
}

type JobRow = { status: string; attempts: number; locked_by: string | null; lease_expires_at: string | null; last_error: string | null; due: boolean };

async function jobRow(db: Database, id: number): Promise<JobRow> {
  const [row] = await db.execute<JobRow>(sql`
    select status, attempts, locked_by, lease_expires_at::text, last_error, run_at <= now() as due
    from message_queue where id = ${id}`);
  return row!;
}

async function logged(db: Database, id: number) {
  return db.execute<{ worker: string; attempt: number }>(sql`select worker, attempt from test_log where job_id = ${id} order by finished`);
}

/** A handler whose first run sits in a 30 s statement (`marker`, to find and cut); later runs log and finish. */
function sleepsOnFirstRun(tag: string) {
  const marker = `select pg_sleep(30) /* ${tag} */`;
  let runs = 0;
  const handler: JobHandler = async (ctx) => {
    runs++;
    if (runs === 1) {
      await ctx.db.execute(sql.raw(marker));
    }
    await logAndFinish(ctx);
  };
  return { marker, handler, runs: () => runs };
}

async function auditsOf(db: Database, type: string, jobIds: number[]) {
  return db
    .select({ tenantId: auditEvents.tenantId, subjectId: auditEvents.subjectId, data: auditEvents.data })
    .from(auditEvents)
    .where(sql`${auditEvents.type} = ${type} and ${auditEvents.subjectType} = 'job' and ${auditEvents.subjectId} = any(${idList(jobIds)}::text[])`);
}

/**
 * Records, for every job leaving `running` for `queued` or `dead`, the clock of the statement that
 * did it (now(): in the trigger, the same transaction timestamp failJob's SQL reads) and the run_at
 * it wrote: the backoff that statement chose, exactly, with no round trip in the measure.
 */
async function recordFailureClock(db: Database) {
  await db.execute(sql`
    create table if not exists test_fail_clock (job_id bigint, attempts int, status text, failed_at timestamptz, run_at timestamptz)`);
  await db.execute(sql`
    create or replace function test_fail_clock() returns trigger language plpgsql as $$
    begin
      insert into test_fail_clock values (new.id, new.attempts, new.status, now(), new.run_at);
      return null;
    end $$`);
  await db.execute(sql`
    create or replace trigger test_fail_clock after update on message_queue for each row
    when (old.status = 'running' and new.status in ('queued', 'dead')) execute function test_fail_clock()`);
  onTestFinished(async () => {
    await db.execute(sql`drop trigger if exists test_fail_clock on message_queue`);
  });
}

/** The backoff (ms) each of `ids` was given by its failure at `attempts` (see recordFailureClock). */
async function backoffs(db: Database, ids: number[], attempts: number): Promise<number[]> {
  const rows = await db.execute<{ ms: number }>(sql`
    select (extract(epoch from run_at - failed_at) * 1000)::float8 as ms from test_fail_clock
    where job_id = any(${idList(ids)}::bigint[]) and attempts = ${attempts} and status = 'queued'
    order by job_id`);
  return rows.map((r) => r.ms);
}

/** fail.ts: min(300 000, 1000 · 2^(attempts − 1)) ms, times a jitter factor in [0.5, 1). */
function backoffBounds(attempts: number): [number, number] {
  const capped = Math.min(300_000, 1000 * 2 ** Math.max(attempts - 1, 0));
  return [capped * 0.5, capped];
}

describe("job lifecycle: retry backoff, lease heartbeat, shutdown", () => {
  test("a failed job waits out an exponential backoff with equal jitter, capped at 5 minutes; jobs failing together spread out", async ({ db, dbUrl }) => {
    const { tenant, convs } = await setup(db, 8);
    await recordFailureClock(db);
    const ids = await Promise.all(convs.map((c, i) => enqueue(db, tenant.id, c, i, { maxAttempts: 40 })));
    closeAtEnd(db, ids);
    const outcomes: string[] = [];
    const runner = await runnerOn(
      dbUrl,
      async () => {
        throw new Error("transient");
      },
      { hooks: { onJobFailed: (_job, outcome) => outcomes.push(outcome) } },
    );
    // Attempts 1–3 as the runner reaches them, then (attempts set by hand) the last step under the
    // cap, the first one over it, and one far past it (uncapped, 2^29 s).
    for (const attempts of [1, 2, 3, 9, 10, 30]) {
      await db.execute(sql`update message_queue set run_at = now(), attempts = ${attempts - 1} where id = any(${idList(ids)}::bigint[])`);
      expect(await runner.runOnce()).toBe(ids.length);
      const rows = await db.execute<{ status: string; attempts: number; last_error: string | null; locked_by: string | null }>(sql`
        select status, attempts, last_error, locked_by from message_queue where id = any(${idList(ids)}::bigint[])`);
      expect(rows).toEqual(ids.map(() => ({ status: "queued", attempts, last_error: "Error: transient", locked_by: null })));

      const delays = await backoffs(db, ids, attempts);
      expect(delays).toHaveLength(ids.length);
      const [low, high] = backoffBounds(attempts);
      for (const ms of delays) {
        // run_at is stored to the microsecond: allow its rounding, nothing more.
        expect(ms, `attempt ${attempts}`).toBeGreaterThanOrEqual(low - 0.001);
        expect(ms, `attempt ${attempts}`).toBeLessThanOrEqual(high + 0.001);
      }
      // Jitter: jobs failing at the same attempt are not all put back to the same instant.
      expect(new Set(delays).size, `attempt ${attempts}: ${delays.join(", ")}`).toBeGreaterThan(1);
    }
    expect(outcomes).toEqual(Array.from({ length: 6 * ids.length }, () => "retry"));
  });

  test("a permanent error dead-letters the job at its first attempt, with a job.dead audit event", async ({ db, dbUrl }) => {
    const { tenant, convs } = await setup(db, 2);
    const [conv, other] = [convs[0]!, convs[1]!];
    const poison = await enqueue(db, tenant.id, conv, 1, { maxAttempts: 8 });
    const next = await enqueue(db, tenant.id, conv, 2);
    const bystander = await enqueue(db, tenant.id, other, 1);
    closeAtEnd(db, [poison, next, bystander]);
    const [before] = await db.execute<{ run_at: string }>(sql`select run_at::text from message_queue where id = ${poison}`);
    const dead: number[] = [];
    const runner = await runnerOn(
      dbUrl,
      async (ctx) => {
        if (ctx.job.id === poison) {
          throw new PermanentJobError("bad payload");
        }
        await logAndFinish(ctx);
      },
      { onDead: { "test.log": async (job) => void dead.push(job.id) } },
    );
    // Both conversations' heads run in this claim; the poison job does not wait out a backoff.
    expect(await runner.runOnce()).toBe(2);
    const [row] = await db.execute<{ status: string; attempts: number; last_error: string; run_at: string; finished: boolean; locked_by: string | null }>(sql`
      select status, attempts, last_error, run_at::text, finished_at is not null as finished, locked_by from message_queue where id = ${poison}`);
    expect(row).toEqual({ status: "dead", attempts: 1, last_error: "PermanentJobError: bad payload", run_at: before!.run_at, finished: true, locked_by: null });
    expect(dead).toEqual([poison]);
    expect(await auditsOf(db, "job.dead", [poison, next, bystander])).toEqual([
      {
        tenantId: tenant.id,
        subjectId: String(poison),
        data: { task: "test.log", attempts: 1, error: "PermanentJobError: bad payload", conversationId: conv },
      },
    ]);
    // Dead, it no longer holds its conversation: the next job runs.
    expect(await runner.runOnce()).toBe(1);
    expect((await jobRow(db, next)).status).toBe("done");
    expect((await jobRow(db, bystander)).status).toBe("done");
  });

  test.for([
    ["runs its heartbeat (started)", true],
    ["has no heartbeat (driven by runOnce: a stalled worker, the control)", false],
  ] as const)("a job running 4 leases long, on a runner that %s, against another runner reaping every 50 ms", async ([, heartbeat], { db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 1);
    const jobId = await enqueue(db, tenant.id, convs[0]!, 1);
    closeAtEnd(db, [jobId]);
    // The first run outlasts its lease many times over.
    const { handler, runs, release } = firstRunHeld(jobId);
    const leaseMs = 600;
    const owner = await runnerOn(dbUrl, handler, { workerId: "w-owner", leaseMs, reapEveryMs: 60_000 });
    const reaper = await runnerOn(dbUrl, handler, { workerId: "w-reaper", leaseMs, reapEveryMs: 50 });
    let ownerRun: Promise<number> | undefined;
    if (heartbeat) {
      await owner.start();
    } else {
      ownerRun = owner.runOnce();
    }
    await waitUntil(db, async () => (await jobRow(db, jobId)).locked_by === "w-owner");
    await reaper.start();

    // Until the job has run 2.5 s (over 4 leases), or was taken from its owner.
    const leases = new Set<string>();
    await waitUntil(db, async () => {
      const [r] = await db.execute<{ locked_by: string | null; lease: string | null; ran_ms: number }>(sql`
        select locked_by, lease_expires_at::text as lease, (extract(epoch from clock_timestamp() - locked_at) * 1000)::float8 as ran_ms
        from message_queue where id = ${jobId}`);
      if (r!.lease !== null && r!.locked_by === "w-owner") {
        leases.add(r!.lease);
      }
      return r!.locked_by !== "w-owner" || r!.ran_ms >= 2_500;
    });
    if (!heartbeat) {
      // Taken over: let the second run finish before the first is released.
      await waitUntil(db, async () => (await jobRow(db, jobId)).status === "done");
    }
    release();
    if (ownerRun) {
      expect(await ownerRun).toBe(1);
    }
    await waitUntil(db, async () => owner.running === 0 && (await jobRow(db, jobId)).status === "done");

    const job = await jobRow(db, jobId);
    const log = await logged(db, jobId);
    const expired = await auditsOf(db, "job.lease_expired", [jobId]);
    if (heartbeat) {
      // The lease was renewed all along (every leaseMs/3): the reaper never saw it expire.
      expect(leases.size).toBeGreaterThanOrEqual(5);
      expect(runs).toEqual(["w-owner"]);
      expect(job).toMatchObject({ status: "done", attempts: 1 });
      expect(log).toEqual([{ worker: "w-owner", attempt: 1 }]);
      expect(expired).toEqual([]);
    } else {
      // The same job with no heartbeat: the reaper takes it back after one lease, the other runner
      // runs it again, and the stalled owner's late completion commits nothing.
      expect(leases.size).toBe(1);
      expect(runs).toEqual(["w-owner", "w-reaper"]);
      expect(job).toMatchObject({ status: "done", attempts: 2 });
      expect(log).toEqual([{ worker: "w-reaper", attempt: 2 }]);
      expect(expired).toEqual([
        { tenantId: tenant.id, subjectId: String(jobId), data: expect.objectContaining({ previousOwner: "w-owner" }) as unknown },
      ]);
    }
  });

  test("at the shutdown timeout a job still running is handed back, due now, without spending an attempt; another runner completes it once", async ({ db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 1);
    // Two attempts already spent: the release must leave it at two (not three, not zero).
    const jobId = await enqueue(db, tenant.id, convs[0]!, 1, { attempts: 2, maxAttempts: 5 });
    closeAtEnd(db, [jobId]);
    // The first run ignores the abort: still running when the shutdown gives up on it.
    const { handler, runs, release } = firstRunHeld(jobId);
    const stopping = await runnerOn(dbUrl, handler, { workerId: "w-stopping" });
    await stopping.start();
    await waitUntil(db, async () => (await jobRow(db, jobId)).locked_by === "w-stopping");
    expect(await jobRow(db, jobId)).toMatchObject({ status: "running", attempts: 3 });

    await stopping.stop(300);
    expect(stopping.shutdownSignal.aborted).toBe(true);
    expect(await jobRow(db, jobId)).toEqual({ status: "queued", attempts: 2, locked_by: null, lease_expires_at: null, last_error: null, due: true });

    const next = await runnerOn(dbUrl, handler, { workerId: "w-next" });
    await next.start();
    await waitUntil(db, async () => (await jobRow(db, jobId)).status === "done");
    // The stopped runner's job ends late and must write nothing.
    release();
    await waitUntil(db, () => Promise.resolve(stopping.running === 0));
    expect(runs).toEqual(["w-stopping", "w-next"]);
    expect(await jobRow(db, jobId)).toMatchObject({ status: "done", attempts: 3 });
    expect(await logged(db, jobId)).toEqual([{ worker: "w-next", attempt: 3 }]);
  });

  test("jobs that fail because the shutdown aborted them (as an LLM call does) are handed back too: on their last attempt none is dead-lettered", async ({ db, dbUrl }) => {
    const { tenant, convs } = await setup(db, 6);
    // Four of five attempts spent: each claim is the job's last, so a failure recorded would kill it.
    // Six at once: the releases go one by one while the six failures race them.
    const jobIds: number[] = [];
    for (const conv of convs) {
      jobIds.push(await enqueue(db, tenant.id, conv, 1, { attempts: 4, maxAttempts: 5 }));
    }
    closeAtEnd(db, jobIds);
    const dead: number[] = [];
    const handler: JobHandler = (ctx) =>
      new Promise<void>((_, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }));
    const stopping = await runnerOn(dbUrl, handler, {
      workerId: "w-stopping",
      onDead: { "test.log": (job) => Promise.resolve(void dead.push(job.id)) },
    });
    await stopping.start();
    await waitUntil(db, async () => (await Promise.all(jobIds.map((id) => jobRow(db, id)))).every((r) => r.locked_by === "w-stopping"));
    await stopping.stop(300);
    await waitUntil(db, () => Promise.resolve(stopping.running === 0)); // their failure paths have run
    for (const id of jobIds) {
      expect(await jobRow(db, id)).toEqual({ status: "queued", attempts: 4, locked_by: null, lease_expires_at: null, last_error: null, due: true });
    }
    expect(dead).toEqual([]);
    const audits = await db.execute(sql`select 1 from audit_events where type = 'job.dead' and subject_id = any(${`{${jobIds.join(",")}}`}::text[])`);
    expect(audits).toHaveLength(0);
  });

  test("a job whose database connection is lost mid-run (a restart, a failover) runs again soon, spending no attempt — even on its last one", async ({ db, dbUrl }) => {
    const { tenant, convs } = await setup(db, 1);
    const jobId = await enqueue(db, tenant.id, convs[0]!, 1, { attempts: 4, maxAttempts: 5 });
    closeAtEnd(db, jobId ? [jobId] : []);
    const { marker, handler, runs } = sleepsOnFirstRun(`lost-${jobId}`); // its backend is terminated meanwhile
    const runner = await runnerOn(dbUrl, handler, { workerId: "w-lost" });
    await runner.start();
    await waitUntil(db, async () => {
      const [hit] = await db.execute<{ ok: boolean }>(sql`select pg_terminate_backend(pid) as ok from pg_stat_activity where query = ${marker}`);
      return hit?.ok === true;
    });
    await waitUntil(db, async () => (await jobRow(db, jobId)).status === "done");
    expect(runs()).toBe(2);
    // The claim that ran it a second time counted attempt 5: the lost run gave its attempt back.
    expect(await jobRow(db, jobId)).toMatchObject({ status: "done", attempts: 5 });
    expect(await logged(db, jobId)).toEqual([{ worker: "w-lost", attempt: 5 }]);
    expect(await auditsOf(db, "job.dead", [jobId])).toEqual([]);
  });

  test("a job whose statement waits on a lock past DATABASE_STATEMENT_TIMEOUT_MS fails that attempt and is retried, not held for as long as the lock", async ({ db, dbUrl }) => {
    const { tenant, convs } = await setup(db, 1);
    await db.execute(sql`create table if not exists hang_probe (id int)`);
    const jobId = await enqueue(db, tenant.id, convs[0]!, 1, { maxAttempts: 8 });
    closeAtEnd(db, jobId ? [jobId] : []);
    const handler: JobHandler = async (ctx) => {
      await ctx.db.execute(sql`select count(*) from hang_probe`);
      await logAndFinish(ctx);
    };
    // An operator's long transaction holds the table (a migration would, too).
    await db.transaction(async (tx) => {
      await tx.execute(sql`lock table hang_probe in access exclusive mode`);
      const runner = await runnerOn(dbUrl, handler, { workerId: "w-timeout" }, { statementTimeoutMs: 200 });
      await runner.start();
      // Without the timeout the job would stay running, its lease extended, until the lock goes.
      await waitUntil(db, async () => (await jobRow(db, jobId)).attempts >= 2);
      const row = await jobRow(db, jobId);
      expect(row.last_error).toMatch(/statement timeout/);
    });
    await waitUntil(db, async () => (await jobRow(db, jobId)).status === "done");
    expect(await logged(db, jobId)).toHaveLength(1);
    expect(await auditsOf(db, "job.dead", [jobId])).toEqual([]);
  });

  test("the database going away for a while under a running job (a restart): the job is handed back once it is reachable again, spending no attempt — even its last", async ({ db, dbUrl }) => {
    const { tenant, convs } = await setup(db, 1);
    const jobId = await enqueue(db, tenant.id, convs[0]!, 1, { attempts: 4, maxAttempts: 5 });
    closeAtEnd(db, jobId ? [jobId] : []);
    const proxy = await startDbProxy(dbUrl);
    onTestFinished(() => proxy.close());
    const { marker, handler, runs } = sleepsOnFirstRun(`outage-${jobId}`); // the database goes away meanwhile
    const runner = await runnerOn(proxy.url, handler, { workerId: "w-outage", leaseMs: 5_000 });
    await runner.start();
    await waitUntil(db, async () => (await db.execute(sql`select 1 from pg_stat_activity where query = ${marker}`)).length > 0);
    proxy.down();
    await db.execute(sql`select pg_terminate_backend(pid) from pg_stat_activity where query = ${marker}`);
    // Down until the worker has met the refusal a few times: its first tries to hand the job back
    // fail, as they would against a server still restarting.
    await waitUntil(db, async () => proxy.refused >= 3);
    proxy.up();
    await waitUntil(db, async () => (await jobRow(db, jobId)).status === "done");
    expect(runs()).toBe(2);
    // Claimed again as attempt 5 (the first run gave its attempt back), not reaped and dead-lettered.
    expect(await jobRow(db, jobId)).toMatchObject({ status: "done", attempts: 5 });
    expect(await logged(db, jobId)).toEqual([{ worker: "w-outage", attempt: 5 }]);
    expect(await auditsOf(db, "job.dead", [jobId])).toEqual([]);
  });
});

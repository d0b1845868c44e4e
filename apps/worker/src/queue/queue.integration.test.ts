import { getEventListeners } from "node:events";

import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import { closeDb, createDb, type Database } from "@lx/db/client";
import { auditEvents } from "@lx/db/schema";
import { dbTest as test } from "@lx/db/testing";

import { claimJobs } from "./claim.ts";
import { failJob, releaseJob } from "./fail.ts";
import { PermanentJobError, type JobHandler } from "./runner.ts";
import { enqueue, runnerOn, setup, waitUntil } from "./testing.ts";

/** A handler that records its start (DB clock, read inside the completing transaction) and end. */
function loggingHandler(opts: { failFirstOf?: Set<string>; delayMs?: number; oneStatement?: boolean } = {}): JobHandler {
  const failed = new Set<string>();
  return async (ctx) => {
    const started = await ctx.db.execute<{ t: string }>(sql`select clock_timestamp()::text as t`);
    if (opts.delayMs) {
      await new Promise((r) => setTimeout(r, Math.random() * opts.delayMs!));
    }
    const conv = ctx.job.conversationId ?? "";
    if (opts.failFirstOf?.has(conv) && !failed.has(conv)) {
      failed.add(conv);
      throw new Error("transient failure");
    }
    const row = sql`${ctx.job.id}::bigint, ${ctx.job.conversationId}::uuid, ${Number(ctx.job.payload.seq)}::int, ${ctx.job.attempts}::int,
                    ${ctx.workerId}::text, ${started[0]!.t}::timestamptz`;
    if (opts.oneStatement) {
      // The effect and the completion in one statement (finishInOneStatement), as the reply does.
      const done = await ctx.finishInOneStatement(sql`true`, (job) => sql`
        with ${job}, logged as (
          insert into test_log (job_id, conversation_id, seq, attempt, worker, started)
          select ${row} where exists (select 1 from job))
        select exists (select 1 from job) as done`);
      if (!done) {
        await ctx.finish(() => Promise.resolve());
      }
      return;
    }
    await ctx.finish(async (tx) => {
      await tx.execute(sql`
        insert into test_log (job_id, conversation_id, seq, attempt, worker, started)
        select ${row}`);
    });
  };
}

const openJobs = async (db: Database) =>
  (await db.execute<{ n: number }>(sql`select count(*)::int as n from message_queue where status in ('queued','running')`))[0]!.n;

async function violations(db: Database) {
  // Overlap: a job of a conversation started before its predecessor's completion committed.
  // Order: within a conversation, completion order must follow enqueue order (seq).
  const rows = await db.execute<{ overlaps: number; disorder: number; dupes: number; total: number }>(sql`
    with l as (
      select *, lag(finished) over w as prev_finished, lag(seq) over w as prev_seq
      from test_log window w as (partition by conversation_id order by finished)
    )
    select count(*) filter (where started < prev_finished)::int as overlaps,
           count(*) filter (where seq < prev_seq)::int as disorder,
           (select count(*) - count(distinct job_id) from test_log)::int as dupes,
           count(*)::int as total
    from l`);
  return rows[0]!;
}

describe("job queue", () => {
  test.for([
    ["a transaction", false],
    ["one statement", true],
  ] as const)("three concurrent runners keep every conversation serial and in order, with no duplicates (completing in %s)", async ([, oneStatement], { db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 20);
    // Bursty, random assignment (round-robin would hide ordering bugs; see queue-anchors.md).
    let seq = 0;
    for (let i = 0; i < 300; i++) {
      const conv = convs[Math.floor(Math.random() * convs.length)]!;
      await enqueue(db, tenant.id, conv, seq++);
    }
    const runners = await Promise.all([1, 2, 3].map(() => runnerOn(dbUrl, loggingHandler({ delayMs: 3, oneStatement }))));
    await Promise.all(runners.map((r) => r.start()));
    await waitUntil(db, async () => (await openJobs(db)) === 0);
    expect(await violations(db)).toEqual({ overlaps: 0, disorder: 0, dupes: 0, total: 300 });
  });

  test("a job's abort listeners (the LLM SDKs never remove theirs) go with the job; shutdown still aborts a job in flight", async ({ db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 4);
    for (let i = 0; i < 40; i++) {
      await enqueue(db, tenant.id, convs[i % convs.length]!, i);
    }
    const signals = new Set<AbortSignal>();
    const logging = loggingHandler({});
    const runner = await runnerOn(dbUrl, async (ctx) => {
      // Like the OpenAI SDK's fetch wrapper: a listener per call, never removed.
      ctx.signal.addEventListener("abort", () => undefined);
      ctx.signal.addEventListener("abort", () => undefined);
      signals.add(ctx.signal);
      await logging(ctx);
    });
    await runner.start();
    await waitUntil(db, async () => (await openJobs(db)) === 0);
    expect(signals.size).toBe(40);
    expect(getEventListeners(runner.shutdownSignal, "abort")).toHaveLength(0);
    // Stopped first: otherwise it could claim the next job before the runner meant for it.
    await runner.stop(1_000);

    // A job in flight at shutdown sees its signal aborted.
    let aborted: Promise<void> | undefined;
    const blocking = await runnerOn(dbUrl, (ctx) => {
      aborted = new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      return aborted;
    });
    await enqueue(db, tenant.id, convs[0]!, 100);
    await blocking.start();
    await waitUntil(db, () => Promise.resolve(aborted !== undefined));
    await blocking.stop(1_000);
    await expect(aborted).resolves.toBeUndefined();
  });

  test("a failed job is retried before its conversation's later jobs (FIFO under retry)", async ({ db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 5);
    let seq = 0;
    for (let round = 0; round < 4; round++) {
      for (const c of convs) {
        await enqueue(db, tenant.id, c, seq++);
      }
    }
    const runner = await runnerOn(dbUrl, loggingHandler({ failFirstOf: new Set(convs) }), {});
    // Backoff of the first retry is 0.5–1 s; the successors must wait for it.
    await runner.start();
    await waitUntil(db, async () => (await openJobs(db)) === 0);
    const v = await violations(db);
    expect(v).toMatchObject({ overlaps: 0, disorder: 0, dupes: 0 });
    const retried = await db.execute<{ n: number }>(sql`select count(*)::int as n from test_log where attempt = 2`);
    expect(retried[0]!.n).toBe(5);
  });

  test("a job whose worker died is reclaimed when its lease expires, and the takeover is audited", async ({ db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 1);
    const conv = convs[0]!;
    const jobId = await enqueue(db, tenant.id, conv, 1);
    const next = await enqueue(db, tenant.id, conv, 2);
    // A "worker" claims the job (which holds its conversation), then vanishes (no heartbeat, no finish).
    const [claimed] = await claimJobs(db, { workerId: "dead-worker", limit: 1, leaseMs: 300 });
    expect(claimed?.id).toBe(jobId);
    // While that lease runs, nobody can take the conversation's next job.
    expect(await claimJobs(db, { workerId: "other", limit: 10, leaseMs: 300 })).toEqual([]);

    const runner = await runnerOn(dbUrl, loggingHandler());
    await runner.start();
    await waitUntil(db, async () => (await openJobs(db)) === 0);
    const log = await db.execute<{ job_id: string; attempt: number }>(sql`select job_id::text, attempt from test_log order by finished`);
    expect(log.map((r) => [Number(r.job_id), r.attempt])).toEqual([
      [jobId, 2],
      [next, 1],
    ]);
    const audits = await db
      .select({ type: auditEvents.type, data: auditEvents.data })
      .from(auditEvents)
      .where(sql`${auditEvents.type} = 'job.lease_expired' and ${auditEvents.tenantId} = ${tenant.id}`);
    expect(audits).toEqual([
      { type: "job.lease_expired", data: expect.objectContaining({ previousOwner: "dead-worker", conversationId: conv }) as unknown },
    ]);
  });

  test("a job behind a running job of its conversation is not claimed and spends no attempt", async ({ db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 2);
    const [busy, free] = [convs[0]!, convs[1]!];
    const first = await enqueue(db, tenant.id, busy, 1);
    const [held] = await claimJobs(db, { workerId: "slow-worker", limit: 1, leaseMs: 60_000 });
    expect(held?.id).toBe(first);
    const waiting = await enqueue(db, tenant.id, busy, 2);
    const other = await enqueue(db, tenant.id, free, 1);
    const runner = await runnerOn(dbUrl, loggingHandler());
    await runner.start();
    await waitUntil(db, async () => (await db.execute(sql`select 1 from test_log where job_id = ${other}`)).length === 1);
    // Claim rounds went by (the other conversation ran); the waiting job was never taken.
    const [w] = await db.execute<{ attempts: number; status: string }>(sql`select attempts, status from message_queue where id = ${waiting}`);
    expect(w).toEqual({ attempts: 0, status: "queued" });
    // The holder finishes; the waiting job runs once, with its first attempt.
    await db.execute(sql`update message_queue set status = 'done', locked_by = null where id = ${first}`);
    runner.notify();
    await waitUntil(db, async () => (await openJobs(db)) === 0);
    const [after] = await db.execute<{ attempts: number }>(sql`select attempts from message_queue where id = ${waiting}`);
    expect(after!.attempts).toBe(1);
  });

  test("a claim locks only the jobs it takes: jobs waiting behind their conversation's head stay unlocked", async ({ db, dbUrl }) => {
    const { tenant, convs } = await setup(db, 2);
    const [busy, free] = [convs[0]!, convs[1]!];
    await enqueue(db, tenant.id, busy, 1);
    expect(await claimJobs(db, { workerId: "w-head", limit: 1, leaseMs: 60_000 })).toHaveLength(1);
    const waiting: number[] = [];
    for (let i = 2; i <= 40; i++) {
      waiting.push(await enqueue(db, tenant.id, busy, i));
    }
    const other = await enqueue(db, tenant.id, free, 1);
    const probe = createDb(dbUrl, { max: 1 });
    onTestFinished(() => closeDb(probe));
    await db.transaction(async (tx) => {
      // The claim has to read past the 39 waiting jobs to reach the other conversation's.
      expect((await claimJobs(tx, { workerId: "w-claim", limit: 5, leaseMs: 60_000 })).map((j) => j.id)).toEqual([other]);
      // While its transaction is open, another session can lock every waiting job: none was locked.
      const unlocked = await probe.execute<{ id: string }>(
        sql`select id from message_queue where id = any(${`{${waiting.join(",")}}`}::bigint[]) for update skip locked`,
      );
      expect(unlocked.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(waiting);
    });
    // The file's later tests wait for an empty queue.
    await db.execute(sql`update message_queue set status = 'done', locked_by = null where conversation_id in (${busy}, ${free})`);
  });

  test("a job sent back to wait (retry backoff, deferral) takes its conversation's later jobs' run_at with it", async ({ db }) => {
    const { tenant, convs } = await setup(db, 2);
    const [conv, other] = [convs[0]!, convs[1]!];
    const first = await enqueue(db, tenant.id, conv, 1);
    const later = [await enqueue(db, tenant.id, conv, 2), await enqueue(db, tenant.id, conv, 3)];
    const elsewhere = await enqueue(db, tenant.id, other, 1);
    const runAt = async (ids: number[]) =>
      (await db.execute<{ id: string; at: string }>(sql`
        select id, (extract(epoch from run_at) * 1e6)::bigint::text as at from message_queue
        where id = any(${`{${ids.join(",")}}`}::bigint[]) order by id`)).map((r) => r.at);
    const before = await runAt([elsewhere]);

    const [claimed] = await claimJobs(db, { workerId: "w-fail", limit: 1, leaseMs: 60_000 });
    expect(claimed?.id).toBe(first);
    expect(await failJob(db, { jobId: first, workerId: "w-fail", error: "LLM down", permanent: false })).toBe("retry");
    const [headAt, ...laterAt] = await runAt([first, ...later]);
    // The waiting jobs are due when their head is, not before: no claim walks past them meanwhile.
    expect(laterAt).toEqual([headAt, headAt]);
    expect(await runAt([elsewhere])).toEqual(before);
    expect((await claimJobs(db, { workerId: "w-other", limit: 5, leaseMs: 60_000 })).map((j) => j.id)).toEqual([elsewhere]);

    // The same for a deferral (a burst window): the head is due again, is claimed, and defers.
    await db.execute(sql`update message_queue set run_at = now() - interval '1 second' where conversation_id = ${conv}`);
    const [again] = await claimJobs(db, { workerId: "w-defer", limit: 1, leaseMs: 60_000 });
    expect(again?.id).toBe(first);
    await releaseJob(db, { jobId: first, workerId: "w-defer", delayMs: 60_000 });
    const [deferredAt, ...heldAt] = await runAt([first, ...later]);
    expect(heldAt).toEqual([deferredAt, deferredAt]);
    // The file's later tests wait for an empty queue.
    await db.execute(sql`update message_queue set status = 'done', locked_by = null where conversation_id in (${conv}, ${other})`);
  });

  test("a running job holds its whole conversation, even against an earlier queued job", async ({ db }) => {
    const { tenant, convs } = await setup(db, 1);
    const earlier = await enqueue(db, tenant.id, convs[0]!, 1);
    const later = await enqueue(db, tenant.id, convs[0]!, 2);
    // As if ids had committed out of order and the later job had been claimed first.
    await db.execute(sql`
      update message_queue set status = 'running', locked_by = 'w1', lease_expires_at = now() + interval '1 minute'
      where id = ${later}`);
    expect(await claimJobs(db, { workerId: "w2", limit: 10, leaseMs: 1_000 })).toEqual([]);
    await db.execute(sql`update message_queue set status = 'done', locked_by = null where id = ${later}`);
    expect((await claimJobs(db, { workerId: "w2", limit: 10, leaseMs: 1_000 })).map((j) => j.id)).toEqual([earlier]);
  });

  test("out of attempts, a job is dead-lettered with an audit event and stops blocking its conversation", async ({ db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 1);
    const conv = convs[0]!;
    const poison = await enqueue(db, tenant.id, conv, 1, { payload: { poison: true } });
    const next = await enqueue(db, tenant.id, conv, 2);
    const base = loggingHandler();
    const runner = await runnerOn(dbUrl, async (ctx) => {
      if (ctx.job.payload.poison === true) {
        throw ctx.job.attempts >= 2 ? new PermanentJobError("bad payload") : new Error("flaky");
      }
      await base(ctx);
    });
    await runner.start();
    await waitUntil(db, async () => (await openJobs(db)) === 0);
    const rows = await db.execute<{ id: string; status: string }>(sql`select id::text, status from message_queue where id in (${poison}, ${next}) order by id`);
    expect(rows.map((r) => r.status)).toEqual(["dead", "done"]);
    const dead = await db.select().from(auditEvents).where(sql`${auditEvents.type} = 'job.dead' and ${auditEvents.subjectId} = ${String(poison)}`);
    expect(dead).toHaveLength(1);
  });

  test("NOTIFY wakes an idle worker at once (no polling), and still does after a backlog drained", async ({ db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 20);
    // Polling every 10 minutes: only NOTIFY (and finished jobs) can wake this runner.
    const runner = await runnerOn(dbUrl, loggingHandler({ delayMs: 5 }), { pollMs: 600_000, concurrency: 4, batchSize: 4 });
    await runner.start();
    const logged = async () => (await db.execute<{ n: number }>(sql`select count(*)::int as n from test_log`))[0]!.n;
    const enqueueAndNotify = async (n: number, from: number) => {
      for (let i = 0; i < n; i++) {
        await enqueue(db, tenant.id, convs[i % convs.length]!, from + i);
      }
      await db.execute(sql`select pg_notify('lx_jobs', '')`);
    };
    await enqueueAndNotify(1, 0);
    await waitUntil(db, async () => (await logged()) === 1, 10_000);
    // A backlog (claims come back full, NOTIFYs are not needed), drained by finished jobs alone…
    await enqueueAndNotify(40, 1);
    await waitUntil(db, async () => (await logged()) === 41, 20_000);
    // …and the idle runner listens again.
    await enqueueAndNotify(1, 100);
    await waitUntil(db, async () => (await logged()) === 42, 10_000);
  });

  test("a task's preload reads once for the whole claim batch and hands each job its value; a failed preload only costs the read", async ({ db, dbUrl }) => {
    const { tenant, convs } = await setup(db, 4);
    const ids = await Promise.all(convs.map((c, i) => enqueue(db, tenant.id, c, i)));
    const calls: number[][] = [];
    const seen = new Map<number, unknown>();
    let fail = false;
    const runner = await runnerOn(
      dbUrl,
      async (ctx) => {
        seen.set(ctx.job.id, ctx.preloaded);
      },
      {
        preload: {
          "test.log": async (jobs) => {
            calls.push(jobs.map((j) => j.id).sort((a, b) => a - b));
            if (fail) {
              throw new Error("preload down");
            }
            return new Map(jobs.map((j) => [j.id, `value of ${j.id}`]));
          },
        },
      },
    );
    expect(await runner.runOnce()).toBe(4);
    expect(calls).toEqual([[...ids].sort((a, b) => a - b)]);
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(ids.map((id) => [id, `value of ${id}`])));

    fail = true;
    seen.clear();
    const more = await Promise.all(convs.slice(0, 2).map((c, i) => enqueue(db, tenant.id, c, 10 + i)));
    expect(await runner.runOnce()).toBe(2);
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(more.map((id) => [id, undefined])));
    const done = await db.execute<{ n: number }>(sql`select count(*)::int as n from message_queue where id = any(${`{${more.join(",")}}`}::bigint[]) and status = 'done'`);
    expect(done[0]!.n).toBe(2);
  });

  test("one-statement completions that arrive together commit together; one that fails its statement fails only its own job", async ({ db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 6);
    const ids = (await Promise.all(convs.map((c, i) => enqueue(db, tenant.id, c, i)))).sort((a, b) => a - b);
    const poison = ids[2]!;
    const runner = await runnerOn(dbUrl, async (ctx) => {
      // Every handler completes in the same tick: one group.
      const bad = ctx.job.id === poison ? sql`, boom as (select 1 / (select count(*) - count(*) from job) as x)` : sql``;
      await ctx.finishInOneStatement(sql`true`, (job) => sql`
        with ${job}, logged as (insert into test_log (job_id, seq) select ${ctx.job.id}::bigint, 1 where exists (select 1 from job)) ${bad}
        select exists (select 1 from job) ${ctx.job.id === poison ? sql`and (select x from boom) = 1` : sql``} as done`);
    });
    expect(await runner.runOnce()).toBe(6);
    // They went together, and the failed group was re-run completion by completion.
    expect(runner.completionStats.largest).toBeGreaterThanOrEqual(2);
    expect(runner.completionStats.isolated).toBeGreaterThanOrEqual(1);
    const jobs = await db.execute<{ id: string; status: string; last_error: string | null }>(
      sql`select id::text, status, last_error from message_queue where id = any(${`{${ids.join(",")}}`}::bigint[]) order by id`,
    );
    expect(jobs.map((j) => [Number(j.id), j.status])).toEqual(ids.map((id) => [id, id === poison ? "queued" : "done"]));
    expect(jobs.find((j) => Number(j.id) === poison)?.last_error).toMatch(/division by zero/);
    const logged = await db.execute<{ job_id: string }>(sql`select job_id::text from test_log order by job_id`);
    expect(logged.map((r) => Number(r.job_id))).toEqual(ids.filter((id) => id !== poison));
  });

  test("one-statement completion writes nothing when its guard fails, and the job stays the worker's to finish", async ({ db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 1);
    const jobId = await enqueue(db, tenant.id, convs[0]!, 1);
    const outcomes: boolean[] = [];
    const runner = await runnerOn(dbUrl, async (ctx) => {
      outcomes.push(
        await ctx.finishInOneStatement(sql`(select false)`, (job) => sql`
          with ${job}, logged as (insert into test_log (job_id) select ${ctx.job.id}::bigint where exists (select 1 from job))
          select exists (select 1 from job) as done`),
      );
      const [state] = await ctx.db.execute<{ status: string }>(sql`select status from message_queue where id = ${ctx.job.id}`);
      outcomes.push(state!.status === "running");
    });
    expect(await runner.runOnce()).toBe(1);
    expect(outcomes).toEqual([false, true]);
    expect(await db.execute(sql`select 1 from test_log where job_id = ${jobId}`)).toHaveLength(0);
    // The handler returned without finishing: the runner completed the job with no effects.
    const [job] = await db.execute<{ status: string }>(sql`select status from message_queue where id = ${jobId}`);
    expect(job!.status).toBe("done");
  });

  test.for([
    ["a transaction", false],
    ["one statement", true],
  ] as const)("a worker that lost its lease cannot commit its effects (completing in %s)", async ([, oneStatement], { db, dbUrl }) => {
    await db.execute(sql`truncate test_log`).catch(() => undefined);
    const { tenant, convs } = await setup(db, 1);
    const jobId = await enqueue(db, tenant.id, convs[0]!, 1);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = await runnerOn(
      dbUrl,
      async (ctx) => {
        await gate; // stalls past its lease (no heartbeat: leaseMs tiny, heartbeat every leaseMs/3 would renew, so stop it)
        await loggingHandler({ oneStatement })(ctx);
      },
      { leaseMs: 200, reapEveryMs: 60_000 },
    );
    // Claim through the slow runner but starve its heartbeat by expiring the lease by hand.
    const running = slow.runOnce();
    await waitUntil(db, async () => (await db.execute(sql`select 1 from message_queue where id = ${jobId} and status = 'running'`)).length === 1);
    await db.execute(sql`update message_queue set lease_expires_at = now() - interval '1 second', locked_by = 'someone-else' where id = ${jobId}`);
    release();
    await running;
    const log = await db.execute(sql`select 1 from test_log where job_id = ${jobId}`);
    expect(log).toHaveLength(0);
  });
});

import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { closeDb, createDb, type Database } from "@lx/db/client";
import { dbTest as test } from "@lx/db/testing";

import { JOB_RETENTION_HOURS, pruneFinishedJobs } from "./prune.ts";

/** A job created `createdH` hours ago and finished `finishedH` hours ago (null: not finished). */
async function job(db: Database, status: string, createdH: number, finishedH: number | null): Promise<number> {
  const rows = await db.execute<{ id: string }>(sql`
    insert into message_queue (task, status, created_at, finished_at)
    values ('test.prune', ${status}, now() - ${createdH} * interval '1 hour',
            case when ${finishedH}::float8 is null then null else now() - ${finishedH}::float8 * interval '1 hour' end)
    returning id`);
  return Number(rows[0]!.id);
}

/** The jobs of `task` still in the table (each test uses its own task: the file shares one database). */
async function remaining(db: Database, task = "test.prune"): Promise<number[]> {
  const rows = await db.execute<{ id: string }>(sql`select id from message_queue where task = ${task} order by id`);
  return rows.map((r) => Number(r.id));
}

describe("pruning finished jobs", () => {
  test("deletes done and cancelled jobs past the retention; keeps recent ones, dead ones and open ones", async ({ db }) => {
    const old = JOB_RETENTION_HOURS + 1;
    const gone = [await job(db, "done", old, old), await job(db, "cancelled", old + 5, old + 4)];
    const kept = [
      await job(db, "done", 1, 1),
      // Created long ago, finished recently (a job that waited out its backoff): still within retention.
      await job(db, "done", old + 10, 2),
      await job(db, "dead", old + 20, old + 20),
      await job(db, "queued", old + 20, null),
      await job(db, "running", old + 20, null),
    ];
    expect(await pruneFinishedJobs(db)).toBe(2);
    expect(await remaining(db)).toEqual(kept);
    for (const id of gone) {
      expect(await remaining(db)).not.toContain(id);
    }
    // Nothing left to do: a second run deletes nothing.
    expect(await pruneFinishedJobs(db)).toBe(0);
  });

  test("goes through a backlog batch by batch, up to its limit per run", async ({ db }) => {
    await db.execute(sql`
      insert into message_queue (task, status, created_at, finished_at)
      select 'test.backlog', 'done', now() - interval '3 days', now() - interval '3 days' from generate_series(1, 23)`);
    expect(await pruneFinishedJobs(db, { batchSize: 5, maxBatches: 3 })).toBe(15);
    expect(await pruneFinishedJobs(db, { batchSize: 5, maxBatches: 3 })).toBe(8);
    expect(await remaining(db, "test.backlog")).toEqual([]);
  });

  test("several workers pruning at once delete each row exactly once", async ({ db, dbUrl }) => {
    await db.execute(sql`
      insert into message_queue (task, status, created_at, finished_at)
      select 'test.concurrent', 'done', now() - interval '2 days', now() - interval '2 days' from generate_series(1, 3000)`);
    const conns = Array.from({ length: 4 }, () => createDb(dbUrl, { max: 1 }));
    try {
      const counts = await Promise.all(conns.map((c) => pruneFinishedJobs(c, { batchSize: 200 })));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(3000);
      expect(await remaining(db, "test.concurrent")).toEqual([]);
    } finally {
      await Promise.all(conns.map((c) => closeDb(c)));
    }
  });
});

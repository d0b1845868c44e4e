import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";

/**
 * How many runnable rows a claim picks (unlocked) per row it wants: workers claiming at the same
 * moment pick the same rows, and each skips those the others locked first.
 */
export const PICK_FACTOR = 2;

export type ClaimedJob = {
  id: number;
  tenantId: string | null;
  conversationId: string | null;
  task: string;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  messageId: number | null;
};

/**
 * Claims up to `limit` runnable jobs in one statement.
 *
 * - `FOR UPDATE SKIP LOCKED` lets any number of workers claim concurrently without waiting on or
 *   double-taking each other's rows; only the rows picked to run are locked (PICK_FACTOR).
 * - Head-of-line per conversation: a job is runnable only when no earlier job of its conversation is
 *   still queued and no job of its conversation is running. So a conversation's jobs run one at a
 *   time and in id (arrival) order, even across retries: a job waiting out its backoff still blocks
 *   its successors (FIFO under retry, which graphile-worker's named queues do not keep). Measured in
 *   ../shared/reference/queue-anchors.md at 80–95 % of an unordered claim.
 * - This IS the per-conversation lock: the running job's lease is the lock's TTL, the heartbeat that
 *   extends leases renews it, and the reaper expires it (audited as job.lease_expired). "Any running
 *   job" (not only earlier ones) keeps the exclusion even if ids ever committed out of order; ingest
 *   makes that impossible for reply jobs anyway (the conversation row upsert serialises them). A job
 *   blocked behind its conversation is never claimed, so waiting costs it no attempt and no round trip.
 * - `attempts` is counted at claim time, so a worker killed mid-job still used up an attempt; the
 *   lease (`lease_expires_at`) is how the reaper knows the job was abandoned.
 */
export async function claimJobs(
  db: Executor,
  { workerId, limit, leaseMs }: { workerId: string; limit: number; leaseMs: number },
): Promise<ClaimedJob[]> {
  const rows = await db.execute<{
    id: string | number;
    tenant_id: string | null;
    conversation_id: string | null;
    task: string;
    payload: Record<string, unknown>;
    attempts: number;
    max_attempts: number;
    message_id: string | number | null;
  }>(sql`
    with recursive walk as (
      -- Ready rows in claim order, one index step at a time: each step is an ordered LIMIT 1 scan
      -- of the ready index from the previous row on, so a claim reads as many ready rows as it
      -- needs (plus those held back behind their conversation's head), never the whole backlog.
      -- A plain ordered subquery (fenced with OFFSET 0 so that the head-of-line probe runs lazily,
      -- in order) was planned, once the statistics saw a backlog, as a bitmap scan of every ready
      -- row plus a sort: the whole ready index read and sorted by every claim.
      (select id, conversation_id, run_at from message_queue
       where status = 'queued' and run_at <= now()
       order by run_at, id limit 1)
      union all
      (select n.id, n.conversation_id, n.run_at from walk w
       cross join lateral (
         select id, conversation_id, run_at from message_queue
         where status = 'queued' and run_at <= now() and (run_at, id) > (w.run_at, w.id)
         order by run_at, id limit 1) n)
    ),
    picked as materialized (
      select q.id
      from walk q
      where q.conversation_id is null
        or not exists (
          select 1 from message_queue p
          where p.conversation_id = q.conversation_id
            and p.id <> q.id
            and (p.status = 'running' or (p.status = 'queued' and p.id < q.id))
        )
      limit ${limit * PICK_FACTOR}
    ),
    -- Only the picked rows are locked. With the lock on the scan itself, PostgreSQL locked every
    -- ready row it read, the ones held back behind their conversation's head included (a row lock
    -- is a tuple write and a WAL record): 112 KB of WAL for a claim of 5 behind 2,000 waiting rows.
    -- The recheck after the lock (status, run_at) drops a row another worker claimed meanwhile.
    candidates as (
      select j.id from message_queue j
      where j.id = any(array(select id from picked)) and j.status = 'queued' and j.run_at <= now()
      order by j.run_at, j.id
      limit ${limit}
      for update skip locked
    )
    update message_queue j
    set status = 'running',
        attempts = j.attempts + 1,
        locked_by = ${workerId},
        locked_at = now(),
        lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
    from candidates c
    where j.id = c.id
    returning j.id, j.tenant_id, j.conversation_id, j.task, j.payload, j.attempts, j.max_attempts, j.message_id`);
  return rows.map((r) => ({
    id: Number(r.id),
    tenantId: r.tenant_id,
    conversationId: r.conversation_id,
    task: r.task,
    payload: r.payload,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    messageId: r.message_id === null ? null : Number(r.message_id),
  }));
}

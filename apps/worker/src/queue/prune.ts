import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";
import { FINISHED_WINDOW_HOURS } from "@lx/db/queries";

/**
 * How long a finished job (done or cancelled) is kept: as long as the operations screen counts
 * finished jobs. Dead jobs are never pruned: they wait for an operator's retry.
 */
export const JOB_RETENTION_HOURS = FINISHED_WINDOW_HOURS;

/**
 * Table hygiene (../shared/reference/queue-anchors.md §7): finished rows would otherwise grow the
 * queue table without bound (one row per message ever answered) and every scan and vacuum with it.
 * Deletes jobs that finished, and were created, more than `retentionHours` ago, in batches of
 * `batchSize` (short transactions; the BRIN index on created_at finds the old part of the table),
 * at most `maxBatches` per call. SKIP LOCKED: every worker may prune at once without waiting on
 * another. Returns how many rows it deleted.
 */
export async function pruneFinishedJobs(
  db: Executor,
  { retentionHours = JOB_RETENTION_HOURS, batchSize = 5_000, maxBatches = 20 }: { retentionHours?: number; batchSize?: number; maxBatches?: number } = {},
): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const rows = await db.execute<{ n: number }>(sql`
      with old as (
        select id from message_queue
        where created_at < now() - ${retentionHours} * interval '1 hour'
          and status in ('done', 'cancelled')
          and finished_at < now() - ${retentionHours} * interval '1 hour'
        limit ${batchSize}
        for update skip locked
      ), gone as (
        delete from message_queue q using old where q.id = old.id returning 1
      )
      select count(*)::int as n from gone`);
    const n = rows[0]?.n ?? 0;
    total += n;
    if (n < batchSize) {
      break;
    }
  }
  return total;
}

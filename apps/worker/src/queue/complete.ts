import { sql, type SQL } from "drizzle-orm";

import type { Executor } from "@lx/db/client";

/**
 * Marks a job done — only if this worker still owns it. Called inside the transaction that writes the
 * job's effects (outbox rows, messages), so "effects written" and "job done" commit together; if the
 * lease was lost (the reaper gave the job to another worker), nothing commits and no duplicate is sent.
 */
export async function completeJob(tx: Executor, { jobId, workerId }: { jobId: number; workerId: string }): Promise<boolean> {
  const rows = await tx.execute(sql`with ${completionCte({ jobId, workerId, when: sql`true` })} select id from job`);
  return rows.length === 1;
}

/**
 * The same completion as a CTE named `job` (returning the id when it completed), for a statement
 * that completes the job and writes its effects at once: the effects must be written only when
 * `exists (select 1 from job)`. `when` is an extra condition read in the same snapshot (a guard), so
 * a job whose guard fails stays running and nothing is written.
 */
export function completionCte({ jobId, workerId, when }: { jobId: number; workerId: string; when: SQL }): SQL {
  return sql`job as (
    update message_queue
    set status = 'done', finished_at = now(), locked_by = null, lease_expires_at = null
    where id = ${jobId} and locked_by = ${workerId} and status = 'running' and (${when})
    returning id
  )`;
}

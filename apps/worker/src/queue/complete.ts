import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";

/**
 * Marks a job done — only if this worker still owns it. Called inside the transaction that writes the
 * job's effects (outbox rows, messages), so "effects written" and "job done" commit together; if the
 * lease was lost (the reaper gave the job to another worker), nothing commits and no duplicate is sent.
 */
export async function completeJob(tx: Executor, { jobId, workerId }: { jobId: number; workerId: string }): Promise<boolean> {
  const rows = await tx.execute(sql`
    update message_queue
    set status = 'done', finished_at = now(), locked_by = null, lease_expires_at = null
    where id = ${jobId} and locked_by = ${workerId} and status = 'running'
    returning id`);
  return rows.length === 1;
}

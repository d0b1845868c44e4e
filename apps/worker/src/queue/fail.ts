import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";

export type FailOutcome = "retry" | "dead" | "lost";

/**
 * A job put back to wait (`j`: a retry's backoff, a deferral) takes its conversation's later queued
 * jobs' run_at with it: they cannot run before it anyway (head-of-line), and left due they would be
 * walked past and probed by every claim until it runs — after an LLM outage, every claim of every
 * worker stepping over the whole backlog of conversations whose first job is backing off.
 */
const holdSuccessors = sql`held as (
      update message_queue s set run_at = j.run_at
      from j
      where j.status = 'queued' and j.conversation_id is not null
        and s.conversation_id = j.conversation_id and s.status = 'queued' and s.id > j.id and s.run_at < j.run_at
    )`;

/**
 * Records a failed attempt (owner-guarded). Permanent errors and jobs out of attempts go `dead`
 * (they stop blocking their conversation); others go back to `queued` with exponential backoff and
 * equal jitter computed in SQL from `attempts`: 1 s, 2 s, 4 s … capped at 5 minutes.
 */
export async function failJob(
  db: Executor,
  { jobId, workerId, error, permanent }: { jobId: number; workerId: string; error: string; permanent: boolean },
): Promise<FailOutcome> {
  const rows = await db.execute<{ status: string }>(sql`
    with j as (
      update message_queue
      set status = case when ${permanent} or attempts >= max_attempts then 'dead' else 'queued' end,
          run_at = case when ${permanent} or attempts >= max_attempts then run_at
                   else now() + (least(300000, 1000 * power(2, greatest(attempts - 1, 0)))
                                 * (0.5 + random() * 0.5)) * interval '1 millisecond' end,
          finished_at = case when ${permanent} or attempts >= max_attempts then now() end,
          last_error = ${error.slice(0, 2000)},
          locked_by = null,
          lease_expires_at = null
      where id = ${jobId} and locked_by = ${workerId} and status = 'running'
      returning id, conversation_id, status, run_at
    ), ${holdSuccessors}
    select status from j`);
  const status = rows[0]?.status;
  return status === "dead" ? "dead" : status === "queued" ? "retry" : "lost";
}

/**
 * Gives a claimed job back without spending an attempt, to run again in `delayMs`: a deferred job
 * (a burst window) or one handed back at shutdown. Waiting is not a failure.
 */
export async function releaseJob(
  db: Executor,
  { jobId, workerId, delayMs }: { jobId: number; workerId: string; delayMs: number },
): Promise<void> {
  await db.execute(sql`
    with j as (
      update message_queue
      set status = 'queued', attempts = greatest(attempts - 1, 0), locked_by = null, lease_expires_at = null,
          run_at = now() + ${delayMs} * interval '1 millisecond'
      where id = ${jobId} and locked_by = ${workerId} and status = 'running'
      returning id, conversation_id, status, run_at
    ), ${holdSuccessors}
    select 1`);
}

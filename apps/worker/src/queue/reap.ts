import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";

export type ReapedJob = { id: number; tenantId: string | null; conversationId: string | null; status: string; lockedBy: string | null };

/**
 * Hands back jobs whose lease expired (their worker died or stalled past its heartbeats): they are
 * queued again at once, or dead when out of attempts. SKIP LOCKED so concurrent reapers in several
 * workers never block each other. Returns what it reaped, for the audit trail.
 */
export async function reapExpiredJobs(db: Executor): Promise<ReapedJob[]> {
  const rows = await db.execute<{
    id: string | number;
    tenant_id: string | null;
    conversation_id: string | null;
    status: string;
    previous_owner: string | null;
  }>(sql`
    with expired as (
      select id, locked_by from message_queue
      where status = 'running' and lease_expires_at < now()
      for update skip locked
    )
    update message_queue j
    set status = case when j.attempts >= j.max_attempts then 'dead' else 'queued' end,
        finished_at = case when j.attempts >= j.max_attempts then now() end,
        run_at = now(),
        last_error = 'lease expired: worker ' || coalesce(e.locked_by, '?') || ' stopped heartbeating',
        locked_by = null,
        lease_expires_at = null
    from expired e
    where j.id = e.id
    returning j.id, j.tenant_id, j.conversation_id, j.status, e.locked_by as previous_owner`);
  return rows.map((r) => ({
    id: Number(r.id),
    tenantId: r.tenant_id,
    conversationId: r.conversation_id,
    status: r.status,
    lockedBy: r.previous_owner,
  }));
}

/** Renews the leases of the jobs this worker is running (its heartbeat; also the conversation lock's). */
export async function extendLeases(
  db: Executor,
  { jobIds, workerId, leaseMs }: { jobIds: number[]; workerId: string; leaseMs: number },
): Promise<number> {
  if (jobIds.length === 0) {
    return 0;
  }
  // One text for any number of ids (a prepared statement, not one per id list). SKIP LOCKED: a job
  // whose completing transaction holds its row is finishing anyway; the heartbeat never waits on it.
  const ids = `{${jobIds.map((id) => Math.trunc(id)).join(",")}}`;
  const rows = await db.execute(sql`
    update message_queue q
    set lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
    from (
      select id from message_queue
      where id = any(${ids}::bigint[]) and locked_by = ${workerId} and status = 'running'
      for update skip locked
    ) mine
    where q.id = mine.id
    returning q.id`);
  return rows.length;
}

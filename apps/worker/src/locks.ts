import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";

export type LockResult =
  | { acquired: true; tookOverFrom: string | null }
  | { acquired: false; heldBy: string; expiresAt: Date };

/**
 * Takes the per-conversation lock for `ttlMs`, or renews it when this worker already holds it.
 * An expired lock (its holder stopped heartbeating) is taken over, and the previous holder is
 * reported so the caller can audit the expiry. One statement: the upsert only overwrites a row
 * that is expired or ours.
 */
export async function acquireConversationLock(
  db: Executor,
  p: { conversationId: string; workerId: string; jobId: number | null; ttlMs: number },
): Promise<LockResult> {
  const rows = await db.execute<{ acquired: boolean; previous: string | null; holder: string; expires_at: string }>(sql`
    with prev as (
      select locked_by, expires_at from conversation_locks where conversation_id = ${p.conversationId}
    ),
    up as (
      insert into conversation_locks (conversation_id, locked_by, job_id, acquired_at, heartbeat_at, expires_at)
      values (${p.conversationId}, ${p.workerId}, ${p.jobId}, now(), now(), now() + ${p.ttlMs} * interval '1 millisecond')
      on conflict (conversation_id) do update
        set locked_by = excluded.locked_by, job_id = excluded.job_id, acquired_at = now(),
            heartbeat_at = now(), expires_at = excluded.expires_at
        where conversation_locks.expires_at < now() or conversation_locks.locked_by = excluded.locked_by
      returning locked_by
    )
    select exists (select 1 from up) as acquired,
           (select case when locked_by <> ${p.workerId} then locked_by end from prev) as previous,
           coalesce((select locked_by from prev), '') as holder,
           (select expires_at from prev)::text as expires_at`);
  const r = rows[0];
  if (r?.acquired) {
    return { acquired: true, tookOverFrom: r.previous };
  }
  return { acquired: false, heldBy: r?.holder ?? "?", expiresAt: new Date(r?.expires_at ?? Date.now()) };
}

/** Releases the lock if this worker holds it (inside the job's completing transaction). */
export async function releaseConversationLock(
  db: Executor,
  p: { conversationId: string; workerId: string },
): Promise<void> {
  await db.execute(sql`
    delete from conversation_locks where conversation_id = ${p.conversationId} and locked_by = ${p.workerId}`);
}

/** Heartbeat: pushes the expiry of every lock this worker holds. */
export async function renewConversationLocks(
  db: Executor,
  p: { workerId: string; ttlMs: number },
): Promise<number> {
  const rows = await db.execute(sql`
    update conversation_locks
    set heartbeat_at = now(), expires_at = now() + ${p.ttlMs} * interval '1 millisecond'
    where locked_by = ${p.workerId}
    returning conversation_id`);
  return rows.length;
}

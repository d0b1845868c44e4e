import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";
import type { OUTBOX_BLOCK_REASONS } from "@lx/db/schema";

type OutboxBlockReason = (typeof OUTBOX_BLOCK_REASONS)[number];

/**
 * Every settle is guarded by `locked_by = worker`: a row another sender took over is left alone. The
 * one exception is a send Meta accepted (markSentMany): its wamid is Meta's word that it went.
 */

/**
 * A send put back to wait (`r`: a retry's backoff, an ambiguous send's grace period) takes its
 * conversation's later queued sends' next_attempt_at with it: they cannot go before it (order per
 * conversation), and left due they would be walked past and probed by every claim until it goes —
 * during a Graph outage, every conversation's backlog (see holdSuccessors in queue/fail.ts).
 */
export const holdLaterSends = sql`held as (
      update outbox_messages s set next_attempt_at = r.next_attempt_at
      from r
      where r.conversation_id is not null and r.status in ('queued', 'ambiguous')
        and s.conversation_id = r.conversation_id and s.status = 'queued' and s.id > r.id
        and s.next_attempt_at < r.next_attempt_at
    )`;

/**
 * Settles many accepted sends in one statement (one round trip, one commit). A status callback may
 * have arrived before our HTTP response: the status never moves backwards.
 *
 * Meta accepted these sends, so the settle holds even when the row is no longer this worker's: a
 * settle that could not reach the database until the reaper had made the row ambiguous (a failover
 * longer than the send timeout) still lands, and the row is not sent again when its grace period
 * ends without a status callback (the callbacks may be held up by the same outage).
 */
export async function markSentMany(db: Executor, p: { workerId: string; rows: { id: number; wamid: string | null }[] }) {
  // `id = any(array)` keeps the primary-key index scan (a join against a row set was planned as a
  // sequential scan of the whole table); the wamids come along as an {id: wamid} object.
  const ids = `{${p.rows.map((r) => Math.trunc(r.id)).join(",")}}`;
  const wamids = JSON.stringify(Object.fromEntries(p.rows.map((r) => [String(r.id), r.wamid])));
  await db.execute(sql`
    update outbox_messages o
    set status = case when o.status in ('sending', 'ambiguous', 'queued') then 'sent' else o.status end,
        wamid = coalesce(o.wamid, ${wamids}::jsonb ->> o.id::text), sent_at = coalesce(o.sent_at, now()), locked_by = null,
        last_error = null, last_error_code = null, updated_at = now()
    where o.id = any(${ids}::bigint[]) and (o.locked_by = ${p.workerId} or o.status in ('sending', 'ambiguous', 'queued'))`);
}

/** Back to the queue after `delayMs`; `countAttempt: false` gives the attempt back (number paused). */
export async function markRetry(
  db: Executor,
  p: { id: number; workerId: string; delayMs: number; code: number | null; error: string; countAttempt?: boolean },
) {
  await db.execute(sql`
    with r as (
      update outbox_messages
      set status = 'queued', next_attempt_at = now() + ${p.delayMs} * interval '1 millisecond',
          attempts = case when ${p.countAttempt ?? true} then attempts else greatest(attempts - 1, 0) end,
          last_error_code = ${p.code}::int, last_error = ${p.error.slice(0, 1000)}, locked_by = null, updated_at = now()
      where id = ${p.id} and locked_by = ${p.workerId}
      returning id, conversation_id, status, next_attempt_at
    ), ${holdLaterSends}
    select 1`);
}

/**
 * Settles a row for good. A `blocked` row also gets its structured reason (`block_reason`, with the
 * template when it was one not approved) for the console to say in its own words; `last_error` stays
 * the English sentence the operations screen shows raw.
 */
export async function markFinal(
  db: Executor,
  p: {
    id: number;
    workerId: string;
    status: "dead" | "blocked" | "cancelled";
    code: number | null;
    error: string;
    block?: { reason: OutboxBlockReason; template: string | null };
  },
) {
  await db.execute(sql`
    update outbox_messages
    set status = ${p.status}, last_error_code = ${p.code}::int, last_error = ${p.error.slice(0, 1000)},
        block_reason = ${p.block?.reason ?? null}, block_template = ${p.block?.template ?? null},
        failed_at = now(), locked_by = null, updated_at = now()
    where id = ${p.id} and locked_by = ${p.workerId}`);
}

export async function markAmbiguous(db: Executor, p: { id: number; workerId: string; graceMs: number; error: string }) {
  await db.execute(sql`
    with r as (
      update outbox_messages
      set status = case when status = 'sending' then 'ambiguous' else status end,
          next_attempt_at = now() + ${p.graceMs} * interval '1 millisecond',
          last_error = ${p.error.slice(0, 1000)}, locked_by = null, updated_at = now()
      where id = ${p.id} and locked_by = ${p.workerId}
      returning id, conversation_id, status, next_attempt_at
    ), ${holdLaterSends}
    select 1`);
}

/** Outside the 24-hour window: the row becomes the agent's re-engagement template (same place in line). */
export async function rewriteAsTemplate(
  db: Executor,
  p: { id: number; workerId: string; payload: Record<string, unknown> },
) {
  await db.execute(sql`
    update outbox_messages set kind = 'template', payload = ${JSON.stringify(p.payload)}::jsonb, updated_at = now()
    where id = ${p.id} and locked_by = ${p.workerId}`);
}

export async function pauseNumber(db: Executor, p: { numberId: string; reason: string }): Promise<boolean> {
  const rows = await db.execute(sql`
    update phone_numbers set send_paused_at = now(), pause_reason = ${p.reason}, updated_at = now()
    where id = ${p.numberId}::uuid and send_paused_at is null
    returning id`);
  return rows.length > 0;
}

export async function templateBody(db: Executor, p: { tenantId: string; name: string; language: string }) {
  const rows = await db.execute<{ body: string }>(sql`
    select body from templates
    where tenant_id = ${p.tenantId}::uuid and name = ${p.name} and language = ${p.language} and status = 'approved'`);
  return rows[0]?.body ?? null;
}

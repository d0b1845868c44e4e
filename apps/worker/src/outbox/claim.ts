import { sql } from "drizzle-orm";

import { DURABLE_COMMIT, type Executor } from "@lx/db/client";

import { PICK_FACTOR } from "../queue/claim.ts";
import { holdLaterSends } from "./settle.ts";

export type ClaimedSend = {
  id: number;
  tenantId: string;
  conversationId: string | null;
  numberId: string;
  kind: string;
  recipient: string;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  /** How long ago the row was written (the database's clock): retryable failures are retried within a time budget from then. */
  ageMs: number;
  /** The status before this claim: 'ambiguous' means no status callback came within the grace period. */
  priorStatus: string;
  metaPhoneNumberId: string;
  numberKind: "meta" | "sandbox";
  accessTokenEnc: string;
  numberUpdatedAt: string;
  lastCustomerMessageAt: string | null;
  customerName: string | null;
  activeVersionId: string | null;
  /** Who wrote the message (bot, human, system); null for receipts. */
  author: string | null;
  /** A customer message (wamid) to mark as read alongside this send. */
  readReceiptFor: string | null;
  conversationMode: string | null;
  /** How the claim committed: always "on" (durable before the send; see DURABLE_COMMIT). */
  commitMode: string;
};

/**
 * Claims sendable outbox rows, strictly in order per conversation: a row is sendable only when no
 * earlier row of its conversation is still queued, sending or ambiguous ("row n+1 is never sent
 * before row n ends"). Rows of paused numbers wait. SKIP LOCKED lets several workers' senders share
 * the table; the RETURNING brings everything the send needs (token, window, active version).
 */
export async function claimSends(
  db: Executor,
  { workerId, limit }: { workerId: string; limit: number },
): Promise<ClaimedSend[]> {
  const rows = await db.execute<{
    id: string | number;
    tenant_id: string;
    conversation_id: string | null;
    phone_number_id: string;
    kind: string;
    recipient: string;
    payload: Record<string, unknown>;
    attempts: number;
    max_attempts: number;
    age_ms: number;
    prior_status: string;
    meta_phone_number_id: string;
    number_kind: "meta" | "sandbox";
    access_token_enc: string;
    number_updated_at: string;
    last_customer_message_at: string | null;
    customer_name: string | null;
    active_version_id: string | null;
    author: string | null;
    conversation_mode: string | null;
    read_receipt_for: string | null;
    synchronous_commit: string;
  }>(sql`
    with recursive walk as (
      -- Due rows in send order, one ordered index step at a time (see claimJobs): never the whole
      -- ready index read and sorted per claim.
      (select id, phone_number_id, conversation_id, next_attempt_at from outbox_messages
       where status in ('queued', 'ambiguous') and next_attempt_at <= now()
       order by next_attempt_at, id limit 1)
      union all
      (select n.id, n.phone_number_id, n.conversation_id, n.next_attempt_at from walk w
       cross join lateral (
         select id, phone_number_id, conversation_id, next_attempt_at from outbox_messages
         where status in ('queued', 'ambiguous') and next_attempt_at <= now()
           and (next_attempt_at, id) > (w.next_attempt_at, w.id)
         order by next_attempt_at, id limit 1) n)
    ),
    picked as materialized (
      select o.id
      from walk o
      where not exists (select 1 from phone_numbers n where n.id = o.phone_number_id and n.send_paused_at is not null)
        and (
          o.conversation_id is null
          or not exists (
            select 1 from outbox_messages p
            where p.conversation_id = o.conversation_id and p.id < o.id
              and p.status in ('queued', 'sending', 'ambiguous')
          )
        )
      limit ${limit * PICK_FACTOR}
    ),
    -- Only the picked rows are locked, not every due row the scan reads (see claimJobs); the recheck
    -- after the lock drops a row another sender claimed meanwhile.
    candidates as (
      select o.id, o.status as prior_status, o.phone_number_id, o.conversation_id, o.message_id
      from outbox_messages o
      where o.id = any(array(select id from picked)) and o.status in ('queued', 'ambiguous') and o.next_attempt_at <= now()
      order by o.next_attempt_at, o.id
      limit ${limit}
      for update skip locked
    ),
    -- The claim is what a crash leaves behind to say "this row may have reached Meta" (the row goes
    -- ambiguous instead of being sent again), so it is durable before the request leaves, even on the
    -- worker's asynchronous-commit connections; its flush also covers the reply that wrote the row.
    durable as (${sql.raw(DURABLE_COMMIT)})
    update outbox_messages x
    set status = 'sending', attempts = x.attempts + 1, locked_by = ${workerId}, locked_at = now(), updated_at = now()
    from candidates c
    cross join durable d
    join phone_numbers n on n.id = c.phone_number_id
    left join conversations cv on cv.id = c.conversation_id
    left join agents a on a.id = coalesce(cv.agent_id, n.agent_id)
    left join messages m on m.id = c.message_id
    where x.id = c.id
    returning x.id, x.tenant_id, x.conversation_id, x.phone_number_id, x.kind, x.recipient, x.payload, x.attempts,
              x.max_attempts, (extract(epoch from now() - x.created_at) * 1000)::float8 as age_ms, c.prior_status, n.phone_number_id as meta_phone_number_id, n.kind as number_kind,
              n.access_token_enc, n.updated_at::text as number_updated_at,
              cv.last_customer_message_at::text as last_customer_message_at, cv.customer_name, a.active_version_id,
              m.author, cv.mode as conversation_mode, x.read_receipt_for, d.synchronous_commit`);
  return rows.map((r) => ({
    id: Number(r.id),
    tenantId: r.tenant_id,
    conversationId: r.conversation_id,
    numberId: r.phone_number_id,
    kind: r.kind,
    recipient: r.recipient,
    payload: r.payload,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    ageMs: Number(r.age_ms),
    priorStatus: r.prior_status,
    metaPhoneNumberId: r.meta_phone_number_id,
    numberKind: r.number_kind,
    accessTokenEnc: r.access_token_enc,
    numberUpdatedAt: r.number_updated_at,
    lastCustomerMessageAt: r.last_customer_message_at,
    customerName: r.customer_name,
    activeVersionId: r.active_version_id,
    author: r.author,
    conversationMode: r.conversation_mode,
    readReceiptFor: r.read_receipt_for,
    commitMode: r.synchronous_commit,
  }));
}

/**
 * Rows stuck in 'sending' (the sending worker died mid-request) become 'ambiguous': the request may
 * have reached Meta, so they wait `graceMs` for a status callback before any re-send.
 */
export async function reapStuckSends(db: Executor, { olderThanMs, graceMs }: { olderThanMs: number; graceMs: number }) {
  const rows = await db.execute<{ id: string | number; tenant_id: string; locked_by: string | null }>(sql`
    with stuck as (
      select id, locked_by from outbox_messages
      where status = 'sending' and locked_at < now() - ${olderThanMs} * interval '1 millisecond'
      for update skip locked
    ),
    r as (
      update outbox_messages o
      set status = 'ambiguous', next_attempt_at = now() + ${graceMs} * interval '1 millisecond',
          locked_by = null, last_error = 'sender stopped mid-request (was ' || coalesce(s.locked_by, '?') || ')',
          updated_at = now()
      from stuck s
      where o.id = s.id
      returning o.id, o.tenant_id, o.conversation_id, o.status, o.next_attempt_at, s.locked_by
    ), ${holdLaterSends}
    select id, tenant_id, locked_by from r`);
  return rows.map((r) => ({ id: Number(r.id), tenantId: r.tenant_id, lockedBy: r.locked_by }));
}

import { sql } from "drizzle-orm";

import type { Executor } from "../client.ts";
import { pgSafe, pgSafeJson } from "./pg-safe.ts";

/** Where an inbound message lands: resolved from metadata.phone_number_id (cached by the webhook). */
export type NumberTarget = {
  tenantId: string;
  /** phone_numbers.id */
  numberId: string;
  /** Meta's phone_number_id */
  phoneNumberId: string;
  /**
   * The number's agent. The conversation's agent is decided by the worker (this one under routing
   * by number, the customer's menu choice under menu routing) and then remembered.
   */
  agentId: string | null;
  /**
   * The number's WhatsApp Business Account id, as the apply file gave it or Meta's webhooks showed it
   * (`entry[].id`): template status changes name the WABA, not a number.
   */
  wabaId?: string | null;
};

export type InboundMessageInput = {
  target: NumberTarget;
  customer: { waId: string | null; userId: string | null; name: string | null };
  metaMessageId: string;
  type: string;
  body: string;
  contextId: string | null;
  /**
   * Meta's timestamp of the message (the 24-hour window's anchor). The webhook never passes one later
   * than it received the message: a clock ahead would hold the window open past its end.
   */
  sentAt: Date;
  /** Whether a reply job is queued (reactions, system notices and stale replays are stored but not answered). */
  answerable: boolean;
  /**
   * Whether this is the customer's own message, which opens the 24-hour window
   * (last_customer_message_at). Default true; Meta's `system` notices do not.
   */
  opensWindow?: boolean;
  /**
   * An audit event written with the message, in the same statement (nothing for a duplicate): why a
   * message is kept but not answered (`message.system`, `message.too_old_to_answer`). Subject: the
   * conversation; `data` gets the message's meta id.
   */
  audit?: { type: string; data: Record<string, unknown>; requestId?: string | null } | null;
  /** What Meta sent for this message (stored in webhook_events). */
  payload: unknown;
};

export type IngestResult =
  | { status: "queued" | "stored"; conversationId: string; eventId: number; messageId: number; jobId: number | null }
  | { status: "duplicate"; conversationId: string };

/**
 * Stores one inbound message and queues its reply job — in ONE statement (one round trip, atomic
 * on its own). See ingestInboundMessages.
 */
export async function ingestInboundMessage(db: Executor, m: InboundMessageInput): Promise<IngestResult> {
  const [r] = await ingestInboundMessages(db, [m]);
  if (!r) {
    throw new Error("ingest returned no row");
  }
  return r;
}

/**
 * Stores inbound messages and queues their reply jobs — any number of them in ONE statement and so
 * one commit (the webhook's group commit, see GroupCommit): upsert each conversation once (under
 * routing by number, one without an agent takes its number's; one with an agent keeps it), insert the
 * webhook events (the unique (tenant_id, meta_message_id) makes a redelivery a no-op, within the
 * batch too), the message rows and the jobs, in input order so a customer's messages keep their
 * order in ids. A duplicate inserts nothing but the conversation upsert, whose fields only move
 * forward (greatest/coalesce). Conversations are upserted in key order, so two batches in flight at
 * once always take their row locks in the same order (no deadlock). Results come back in input order.
 */
export async function ingestInboundMessages(db: Executor, inputs: InboundMessageInput[]): Promise<IngestResult[]> {
  if (inputs.length === 0) {
    return [];
  }
  const rows = inputs.map((m, ord) => {
    const key = m.customer.waId ?? m.customer.userId;
    if (!key) {
      throw new Error("inbound message without wa_id or user_id");
    }
    return {
      ord,
      tenant_id: m.target.tenantId,
      number_id: m.target.numberId,
      pnid: m.target.phoneNumberId,
      key,
      wa_id: m.customer.waId,
      user_id: m.customer.userId,
      name: m.customer.name,
      at: m.sentAt.toISOString(),
      meta_id: m.metaMessageId,
      type: m.type,
      body: m.body,
      context_id: m.contextId,
      answerable: m.answerable,
      opens_window: m.opensWindow ?? true,
      audit_type: m.audit?.type ?? null,
      audit_data: m.audit ? { ...m.audit.data, metaMessageId: m.metaMessageId } : null,
      request_id: m.audit?.requestId ?? null,
      payload: m.payload ?? null,
    };
  });
  const result = await db.execute<{
    ord: number;
    conversation_id: string;
    event_id: number | null;
    message_id: number | null;
    job_id: number | null;
  }>(sql`
    with input as (
      select * from jsonb_to_recordset(${pgSafeJson(rows)}::jsonb) as i(
        ord int, tenant_id uuid, number_id uuid, pnid text, key text, wa_id text, user_id text, name text,
        at timestamptz, meta_id text, type text, body text, context_id text, answerable boolean,
        opens_window boolean, audit_type text, audit_data jsonb, request_id text, payload jsonb)
    ),
    -- the first of each (tenant, meta id) in the batch; a repeat in the same batch is a duplicate
    firsts as (
      select distinct on (tenant_id, meta_id) * from input order by tenant_id, meta_id, ord
    ),
    -- Routing by number: a conversation without an agent takes its number's (under menu routing, none
    -- until the customer chooses); one that has an agent keeps it. Decided here, where the row is
    -- locked anyway, so a reply never has to lock it to remember its agent.
    number_agent as (
      select n.id as number_id, case when t.routing->>'mode' = 'menu' then null else n.agent_id end as agent_id
      from phone_numbers n join tenants t on t.id = n.tenant_id
      where n.id in (select distinct number_id from input)
    ),
    conv as (
      insert into conversations as c (tenant_id, phone_number_id, customer_key, customer_wa_id,
                                      customer_user_id, customer_name, last_customer_message_at, last_message_at,
                                      agent_id)
      select i.tenant_id, i.number_id, i.key, max(i.wa_id), max(i.user_id),
             (array_agg(i.name order by i.ord desc) filter (where i.name is not null))[1],
             max(i.at) filter (where i.opens_window), max(i.at),
             min(na.agent_id::text)::uuid
      from input i left join number_agent na on na.number_id = i.number_id
      group by i.tenant_id, i.number_id, i.key
      order by i.number_id, i.key
      on conflict (phone_number_id, customer_key) do update set
        last_customer_message_at = greatest(c.last_customer_message_at, excluded.last_customer_message_at),
        last_message_at = greatest(c.last_message_at, excluded.last_message_at),
        customer_name = coalesce(excluded.customer_name, c.customer_name),
        customer_wa_id = coalesce(c.customer_wa_id, excluded.customer_wa_id),
        customer_user_id = coalesce(c.customer_user_id, excluded.customer_user_id),
        agent_id = coalesce(c.agent_id, excluded.agent_id),
        updated_at = now()
      returning c.id, c.phone_number_id, c.customer_key
    ),
    ev as (
      insert into webhook_events (tenant_id, meta_message_id, kind, status, phone_number_id, payload)
      select tenant_id, meta_id, 'message', case when answerable then 'queued' else 'processed' end, pnid, payload
      from firsts order by tenant_id, meta_id
      on conflict (tenant_id, meta_message_id) do nothing
      returning id, tenant_id, meta_message_id
    ),
    fresh as (
      select f.ord, f.tenant_id, f.type, f.body, f.meta_id, f.context_id, f.answerable, f.audit_type, f.audit_data,
             f.request_id, ev.id as event_id, conv.id as conversation_id
      from firsts f
      join ev on ev.tenant_id = f.tenant_id and ev.meta_message_id = f.meta_id
      join conv on conv.phone_number_id = f.number_id and conv.customer_key = f.key
    ),
    msg as (
      insert into messages (tenant_id, conversation_id, direction, author, type, body, meta_message_id,
                            context_meta_message_id)
      select tenant_id, conversation_id, 'in', 'customer', type, body, meta_id, context_id
      from fresh order by ord
      returning id, tenant_id, meta_message_id
    ),
    -- A new job is due when its conversation's head job is (run_at is never earlier than now()): behind
    -- a head that is backing off (an LLM outage) or deferred, it could not run before it anyway, and
    -- left due it would be walked past and probed by every claim meanwhile. The same hold that
    -- failJob/releaseJob put on the jobs already queued when the head was sent back.
    job as (
      insert into message_queue (tenant_id, conversation_id, task, payload, webhook_event_id, message_id, run_at)
      select fresh.tenant_id, fresh.conversation_id, 'conversation.reply', '{}'::jsonb, fresh.event_id, msg.id,
             greatest(now(), (select h.run_at from message_queue h
                              where h.conversation_id = fresh.conversation_id and h.status in ('queued', 'running')
                              order by h.id limit 1))
      from fresh join msg on msg.tenant_id = fresh.tenant_id and msg.meta_message_id = fresh.meta_id
      where fresh.answerable
      order by fresh.ord
      returning id, message_id
    ),
    -- Why a stored message is not answered (rare: none for an ordinary batch), with the message.
    audit as (
      insert into audit_events (tenant_id, actor_type, actor_label, type, subject_type, subject_id, data, request_id)
      select tenant_id, 'meta', 'meta', audit_type, 'conversation', conversation_id::text, audit_data, request_id
      from fresh where audit_type is not null
      order by ord
    )
    select i.ord, conv.id as conversation_id, fresh.event_id, msg.id as message_id, job.id as job_id
    from input i
    join conv on conv.phone_number_id = i.number_id and conv.customer_key = i.key
    left join fresh on fresh.ord = i.ord
    left join msg on msg.tenant_id = fresh.tenant_id and msg.meta_message_id = fresh.meta_id
    left join job on job.message_id = msg.id
    order by i.ord`);
  if (result.length !== inputs.length) {
    throw new Error(`ingest returned ${result.length} rows for ${inputs.length} messages`);
  }
  return result.map((r) =>
    r.event_id === null || r.message_id === null
      ? { status: "duplicate", conversationId: r.conversation_id }
      : {
          status: r.job_id === null ? "stored" : "queued",
          conversationId: r.conversation_id,
          eventId: r.event_id,
          messageId: r.message_id,
          jobId: r.job_id,
        },
  );
}

/** A signed payload we could not use (other webhook fields, bad JSON, no metadata): kept, not acted on. */
export async function storeIgnoredEvent(
  db: Executor,
  p: { tenantId?: string | null; phoneNumberId?: string | null; kind?: "status" | "other"; payload: unknown; error: string },
): Promise<void> {
  await db.execute(sql`
    insert into webhook_events (tenant_id, kind, status, phone_number_id, payload, error)
    values (${p.tenantId ?? null}, ${p.kind ?? "other"}, 'ignored', ${pgSafe(p.phoneNumberId ?? null)},
            ${pgSafeJson(p.payload ?? null)}::jsonb, ${pgSafe(p.error)})`);
}

const RANK = { sent: 1, delivered: 2, failed: 2, read: 3 } as const;
export type DeliveryStatus = keyof typeof RANK;

export function isDeliveryStatus(s: string): s is DeliveryStatus {
  return s in RANK;
}

export type StatusUpdate = {
  tenantId: string;
  wamid: string;
  /** A delivery status moves a send; any other (`played`: a voice message's first play) is kept as `ignored`. */
  status: DeliveryStatus | (string & {});
  /** Our outbox row id, echoed by Meta as biz_opaque_callback_data. */
  bizOpaque: string | null;
  /** Who the send went to (`recipient_id`, and `recipient_user_id` for a username customer). */
  recipientId?: string | null;
  recipientUserId?: string | null;
  at: Date;
  errorCode: number | null;
  errorMessage: string | null;
  /** Meta's phone_number_id and status item: kept in webhook_events when the callback moves no send of ours. */
  phoneNumberId?: string | null;
  payload?: unknown;
};

export type StatusResult = { id: number; conversationId: string | null; status: string; released: number };
/**
 * Per callback: the send it moved; "ignored" when it names no send of ours or is not a delivery
 * status (stored as an `ignored` webhook event); null when it found its send but was not a step forward.
 */
export type StatusOutcome = StatusResult | "ignored" | null;

/** The subscriber digits of a phone number: Brazil's wa_ids drop the mobile 9 that a typed number may carry. */
function phoneTail(v: string | null | undefined): string | null {
  const digits = v?.replace(/\D/g, "") ?? "";
  return digits.length >= 8 ? digits.slice(-8) : null;
}

/**
 * Applies one status callback to its outbox row (found by wamid, or by the row id Meta echoes in
 * biz_opaque_callback_data — which is how an ambiguous send learns it went through). Statuses never
 * move backwards: sent < delivered|failed < read; a late or repeated callback changes nothing (null).
 */
export async function applyStatusUpdate(db: Executor, u: StatusUpdate): Promise<StatusResult | null> {
  const [r] = await applyStatusUpdates(db, [u]);
  return r === undefined || r === "ignored" ? null : r;
}

/**
 * Applies many status callbacks in one statement (the webhook's group commit: Meta sends two or three
 * per reply, so they outnumber inbound messages). Returns, per callback and in order, the row it
 * moved, "ignored" when it names no send of ours (unknown wamid, another tenant's, an echoed id that
 * disagrees) or is not a delivery status — stored, in the same statement, as an `ignored` webhook
 * event (CONTRACT: a signed payload we cannot use is kept) — or null when it found its send but was
 * not a step forward (a redelivery, a late callback).
 * Several callbacks of one send in a batch (sent and delivered together) end as one after another
 * would have left it: the highest status, each milestone at its earliest time; the result goes to the
 * first callback carrying the final status. Rows are locked in id order, so concurrent batches never
 * deadlock on each other.
 *
 * An ambiguous send held its conversation's later sends until its grace period ends (holdLaterSends
 * in apps/worker outbox/settle.ts; new ones from dueWithConversationHead): they were held to exactly
 * its next_attempt_at. Once it is settled they are due at once (`released` counts them, so the caller
 * can wake a sender) instead of waiting out a grace that no longer has a reason.
 */
export async function applyStatusUpdates(db: Executor, updates: StatusUpdate[]): Promise<StatusOutcome[]> {
  if (updates.length === 0) {
    return [];
  }
  const input = updates.map((u, ord) => ({
    ord,
    tenant_id: u.tenantId,
    wamid: u.wamid,
    status: u.status,
    rank: isDeliveryStatus(u.status) ? RANK[u.status] : null,
    biz: u.bizOpaque && /^\d{1,18}$/.test(u.bizOpaque) ? u.bizOpaque : null,
    rcpt: u.recipientId ?? null,
    rcpt_user: u.recipientUserId ?? null,
    rcpt_tail: phoneTail(u.recipientId),
    at: u.at.toISOString(),
    error_code: u.errorCode,
    error_message: u.errorMessage,
    pnid: u.phoneNumberId ?? null,
    payload: u.payload ?? null,
  }));
  const rows = await db.execute<{ ord: number; id: number | null; conversation_id: string | null; status: string; released: number }>(sql`
    with input as (
      select * from jsonb_to_recordset(${pgSafeJson(input)}::jsonb) as i(
        ord int, tenant_id uuid, wamid text, status text, rank int, biz bigint, rcpt text, rcpt_user text,
        rcpt_tail text, at timestamptz, error_code int, error_message text, pnid text, payload jsonb)
    ),
    -- Each send by its wamid (unique index) or its echoed id (primary key), and by nothing else: the
    -- tenant is a filter only (IS NOT DISTINCT FROM is not indexable). With "tenant_id = … and (wamid
    -- = … or id = …)", a table whose statistics were stale or not yet gathered (a new database, a
    -- table grown since its last analyze) was read through the tenant's whole (tenant_id,
    -- created_at) index: every send the tenant ever had, for each callback.
    -- The echoed id is only a fallback, for a send whose wamid we never learned (an ambiguous one):
    -- other apps on the same WABA echo their own numbers, which collide with our ids. A row that has
    -- a wamid is found by it alone; one without is taken by its id only when the recipient agrees
    -- (or the callback names none). Nothing here reads more rows than before.
    matched as (
      select i.*, t.id as target_id
      from input i
      cross join lateral (
        select o.id from outbox_messages o
        where o.id = any(array(select w.id from outbox_messages w where w.wamid = i.wamid
                               union all
                               select i.biz where i.biz is not null))
          and o.tenant_id is not distinct from i.tenant_id
          and (o.wamid = i.wamid
               or (o.wamid is null
                   and ((i.rcpt is null and i.rcpt_user is null)
                        or o.recipient in (i.rcpt, i.rcpt_user)
                        or right(regexp_replace(o.recipient, '[^0-9]', '', 'g'), 8) = i.rcpt_tail)))
        order by o.wamid is null, o.id limit 1
      ) t
      where i.rank is not null
    ),
    -- What moves no send of ours is kept, not dropped (none for an ordinary batch).
    ignored as (
      insert into webhook_events (tenant_id, kind, status, phone_number_id, payload, error)
      select i.tenant_id, 'status', 'ignored', i.pnid,
             coalesce(i.payload, jsonb_build_object('id', i.wamid, 'status', i.status)),
             case when i.rank is null then format('status "%s" is not tracked', i.status)
                  when i.biz is not null then 'no send of ours has this wamid, nor this biz_opaque_callback_data with it'
                  else 'no send of ours has this wamid' end
      from input i where not exists (select 1 from matched m where m.ord = i.ord)
      order by i.ord
      returning 1
    ),
    agg as (
      select target_id, max(rank) as rank,
             (array_agg(status order by rank desc, ord))[1] as status,
             (array_agg(wamid order by ord))[1] as wamid,
             min(at) as sent_at,
             min(at) filter (where status in ('delivered', 'read')) as delivered_at,
             min(at) filter (where status = 'read') as read_at,
             max(at) filter (where status = 'failed') as failed_at,
             (array_agg(error_code order by ord desc) filter (where status = 'failed'))[1] as error_code,
             (array_agg(error_message order by ord desc) filter (where status = 'failed'))[1] as error_message
      from matched group by target_id
    ),
    locked as (
      select o.id from outbox_messages o where o.id = any(array(select target_id from agg)) order by o.id for update
    ),
    u as (
      update outbox_messages o set
        status = a.status,
        wamid = coalesce(o.wamid, a.wamid),
        sent_at = coalesce(o.sent_at, a.sent_at),
        delivered_at = coalesce(o.delivered_at, a.delivered_at),
        read_at = coalesce(o.read_at, a.read_at),
        failed_at = case when a.status = 'failed' then a.failed_at else o.failed_at end,
        last_error_code = case when a.status = 'failed' then a.error_code else o.last_error_code end,
        last_error = case when a.status = 'failed' then a.error_message else o.last_error end,
        updated_at = now()
      from agg a
      where o.id = any(array(select id from locked)) and a.target_id = o.id
        and (case o.status when 'sent' then 1 when 'delivered' then 2 when 'failed' then 2 when 'read' then 3 else 0 end) < a.rank
      returning o.id, o.conversation_id, o.status, o.next_attempt_at, o.phone_number_id, o.kind,
                coalesce(o.delivered_at, o.read_at, o.updated_at) as answered_at
    ),
    -- The number's first text answer that reached the customer (the setup checklist), set once.
    answered as (
      update phone_numbers n set first_answered_at = f.at
      from (select phone_number_id, min(answered_at) as at from u
            where kind = 'text' and status in ('delivered', 'read') group by phone_number_id) f
      where n.id = f.phone_number_id and n.first_answered_at is null
    ),
    released as (
      update outbox_messages s set next_attempt_at = now()
      from u
      where u.conversation_id is not null and s.conversation_id = u.conversation_id and s.status = 'queued'
        and s.id > u.id and s.next_attempt_at = u.next_attempt_at and s.next_attempt_at > now()
      returning u.id as by_id
    )
    (select distinct on (u.id) m.ord, u.id, u.conversation_id, u.status,
            (select count(*)::int from released r where r.by_id = u.id) as released
     from matched m join u on u.id = m.target_id and u.status = m.status
     order by u.id, m.ord)
    union all
    select i.ord, null, null, 'ignored', 0
    from input i where not exists (select 1 from matched m where m.ord = i.ord)`);
  const out: StatusOutcome[] = updates.map(() => null);
  for (const r of rows) {
    out[r.ord] =
      r.id === null
        ? "ignored"
        : { id: r.id, conversationId: r.conversation_id, status: r.status, released: r.released };
  }
  return out;
}

import { sql } from "drizzle-orm";

import type { Executor } from "../client.ts";

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
};

export type InboundMessageInput = {
  target: NumberTarget;
  customer: { waId: string | null; userId: string | null; name: string | null };
  metaMessageId: string;
  type: string;
  body: string;
  contextId: string | null;
  /** Meta's timestamp of the message (the 24-hour window's anchor). */
  sentAt: Date;
  /** Whether a reply job is queued (reactions are stored but not answered). */
  answerable: boolean;
  /** What Meta sent for this message (stored in webhook_events). */
  payload: unknown;
};

export type IngestResult =
  | { status: "queued" | "stored"; conversationId: string; eventId: number; messageId: number; jobId: number | null }
  | { status: "duplicate"; conversationId: string };

/**
 * Stores one inbound message and queues its reply job — in ONE statement (one round trip, atomic
 * on its own): upsert the conversation, insert the webhook event (the unique (tenant_id,
 * meta_message_id) makes a redelivery a no-op), the message row and the job. A duplicate inserts
 * nothing but the conversation upsert, whose fields only move forward (greatest/coalesce).
 */
export async function ingestInboundMessage(db: Executor, m: InboundMessageInput): Promise<IngestResult> {
  const key = m.customer.waId ?? m.customer.userId;
  if (!key) {
    throw new Error("inbound message without wa_id or user_id");
  }
  const t = m.target;
  const at = m.sentAt.toISOString();
  const rows = await db.execute<{
    conversation_id: string;
    event_id: string | number | null;
    message_id: string | number | null;
    job_id: string | number | null;
  }>(sql`
    with conv as (
      insert into conversations as c (tenant_id, phone_number_id, customer_key, customer_wa_id,
                                      customer_user_id, customer_name, last_customer_message_at, last_message_at)
      values (${t.tenantId}::uuid, ${t.numberId}::uuid, ${key}, ${m.customer.waId}, ${m.customer.userId},
              ${m.customer.name}, ${at}::timestamptz, ${at}::timestamptz)
      on conflict (phone_number_id, customer_key) do update set
        last_customer_message_at = greatest(c.last_customer_message_at, excluded.last_customer_message_at),
        last_message_at = greatest(c.last_message_at, excluded.last_message_at),
        customer_name = coalesce(excluded.customer_name, c.customer_name),
        customer_wa_id = coalesce(c.customer_wa_id, excluded.customer_wa_id),
        customer_user_id = coalesce(c.customer_user_id, excluded.customer_user_id),
        updated_at = now()
      returning c.id
    ),
    ev as (
      insert into webhook_events (tenant_id, meta_message_id, kind, status, phone_number_id, payload)
      values (${t.tenantId}, ${m.metaMessageId}, 'message', ${m.answerable ? "queued" : "processed"},
              ${t.phoneNumberId}, ${JSON.stringify(m.payload)}::jsonb)
      on conflict (tenant_id, meta_message_id) do nothing
      returning id
    ),
    msg as (
      insert into messages (tenant_id, conversation_id, direction, author, type, body, meta_message_id,
                            context_meta_message_id)
      select ${t.tenantId}, conv.id, 'in', 'customer', ${m.type}, ${m.body}, ${m.metaMessageId}, ${m.contextId}
      from conv, ev
      returning id, conversation_id
    ),
    job as (
      insert into message_queue (tenant_id, conversation_id, task, payload, webhook_event_id, message_id)
      select ${t.tenantId}, msg.conversation_id, 'conversation.reply', '{}'::jsonb, (select id from ev), msg.id
      from msg
      where ${m.answerable}
      returning id
    )
    select (select id from conv) as conversation_id, (select id from ev) as event_id,
           (select id from msg) as message_id, (select id from job) as job_id`);
  const r = rows[0];
  if (!r) {
    throw new Error("ingest returned no row");
  }
  if (r.event_id === null || r.message_id === null) {
    return { status: "duplicate", conversationId: r.conversation_id };
  }
  return {
    status: r.job_id === null ? "stored" : "queued",
    conversationId: r.conversation_id,
    eventId: Number(r.event_id),
    messageId: Number(r.message_id),
    jobId: r.job_id === null ? null : Number(r.job_id),
  };
}

/** A signed payload we could not use (other webhook fields, bad JSON, no metadata): kept, not acted on. */
export async function storeIgnoredEvent(
  db: Executor,
  p: { tenantId?: string | null; phoneNumberId?: string | null; kind?: "status" | "other"; payload: unknown; error: string },
): Promise<void> {
  await db.execute(sql`
    insert into webhook_events (tenant_id, kind, status, phone_number_id, payload, error)
    values (${p.tenantId ?? null}, ${p.kind ?? "other"}, 'ignored', ${p.phoneNumberId ?? null},
            ${JSON.stringify(p.payload ?? null)}::jsonb, ${p.error})`);
}

const RANK = { sent: 1, delivered: 2, failed: 2, read: 3 } as const;
export type DeliveryStatus = keyof typeof RANK;

export function isDeliveryStatus(s: string): s is DeliveryStatus {
  return s in RANK;
}

export type StatusUpdate = {
  tenantId: string;
  wamid: string;
  status: DeliveryStatus;
  /** Our outbox row id, echoed by Meta as biz_opaque_callback_data. */
  bizOpaque: string | null;
  at: Date;
  errorCode: number | null;
  errorMessage: string | null;
};

/**
 * Applies a status callback to its outbox row (found by wamid, or by the row id Meta echoes in
 * biz_opaque_callback_data — which is how an ambiguous send learns it went through). Statuses never
 * move backwards: sent < delivered|failed < read; a late or repeated callback changes nothing.
 */
export async function applyStatusUpdate(
  db: Executor,
  u: StatusUpdate,
): Promise<{ id: number; conversationId: string | null; status: string } | null> {
  const rank = RANK[u.status];
  const biz = u.bizOpaque && /^\d{1,18}$/.test(u.bizOpaque) ? u.bizOpaque : null;
  const at = u.at.toISOString();
  const rows = await db.execute<{ id: string | number; conversation_id: string | null; status: string }>(sql`
    update outbox_messages o set
      status = ${u.status},
      wamid = coalesce(o.wamid, ${u.wamid}),
      sent_at = coalesce(o.sent_at, ${at}),
      delivered_at = case when ${u.status} in ('delivered', 'read') then coalesce(o.delivered_at, ${at}) else o.delivered_at end,
      read_at = case when ${u.status} = 'read' then coalesce(o.read_at, ${at}) else o.read_at end,
      failed_at = case when ${u.status} = 'failed' then ${at}::timestamptz else o.failed_at end,
      last_error_code = case when ${u.status} = 'failed' then ${u.errorCode}::int else o.last_error_code end,
      last_error = case when ${u.status} = 'failed' then ${u.errorMessage}::text else o.last_error end,
      updated_at = now()
    where o.tenant_id = ${u.tenantId}
      and (o.wamid = ${u.wamid} or (${biz}::bigint is not null and o.id = ${biz}::bigint))
      and (case o.status when 'sent' then 1 when 'delivered' then 2 when 'failed' then 2 when 'read' then 3 else 0 end) < ${rank}
    returning o.id, o.conversation_id, o.status`);
  const r = rows[0];
  return r ? { id: Number(r.id), conversationId: r.conversation_id, status: r.status } : null;
}

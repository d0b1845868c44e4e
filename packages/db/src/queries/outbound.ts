import { sql, type SQL } from "drizzle-orm";

import type { PolicyVerdict } from "../schema/index.ts";
import type { Executor } from "../client.ts";

export type OutboundText = {
  tenantId: string;
  conversationId: string;
  /** phone_numbers.id of the conversation's number. */
  numberId: string;
  recipient: string;
  author: "bot" | "human" | "system";
  text: string;
  agentVersionId?: string | null;
  authorUserId?: string | null;
  answersUpToId?: number | null;
  /** A bot reply's summary, by its up_to_message_id (0: none): see messages.context_summary_up_to_id. */
  contextSummaryUpToId?: number | null;
  tokensIn?: number | null;
  tokensOut?: number | null;
  latencyMs?: number | null;
  policyVerdicts?: PolicyVerdict[] | null;
  /**
   * Bump the conversation's last_message_at (the inbox order). Default true. Bot replies pass false:
   * they follow the customer message that already bumped it, and updating the row would hold the
   * conversation's row lock until the reply's transaction commits — which made concurrent webhooks of
   * that conversation (whose ingest upserts the row) wait on the worker.
   */
  touchConversation?: boolean;
  /** Also mark this customer message (wamid) as read when the send goes out (see outbox_messages). */
  readReceiptFor?: string | null;
};

/**
 * Writes one outgoing text: the messages row (what the inbox and the model's context read) and its
 * outbox row (what the sender delivers), in one statement. Call it inside the transaction that
 * decided to send (the job's completion, a human reply, a handoff).
 */
export async function enqueueOutboundText(db: Executor, o: OutboundText): Promise<{ messageId: number; outboxId: number }> {
  return enqueueOutbound(db, { ...o, kind: "text", payload: { type: "text", text: { body: o.text, preview_url: false } } });
}

/**
 * An interactive message (reply buttons or a list): `text` is what the inbox and the model's context
 * show, `payload` Meta's body.
 */
export async function enqueueOutboundInteractive(
  db: Executor,
  o: OutboundText & { payload: Record<string, unknown> },
): Promise<{ messageId: number; outboxId: number }> {
  return enqueueOutbound(db, { ...o, kind: "interactive" });
}

async function enqueueOutbound(
  db: Executor,
  o: OutboundText & { kind: "text" | "interactive"; payload: Record<string, unknown> },
): Promise<{ messageId: number; outboxId: number }> {
  const rows = await db.execute<{ message_id: number; outbox_id: number }>(sql`
    with ${outboundCtes(o, sql`true`)}
    select (select id from msg) as message_id, (select id from ob) as outbox_id`);
  const r = rows[0];
  if (!r) {
    throw new Error("enqueueOutboundText returned no row");
  }
  return { messageId: r.message_id, outboxId: r.outbox_id };
}

/**
 * When a new send of the conversation is due: now, or when the conversation's first open send is
 * due again if that is later (a retry's backoff or an ambiguous send's grace during a Graph outage).
 * It cannot go before that send anyway (order per conversation), and left due it would be walked past
 * and probed by every outbox claim meanwhile: the same hold that holdLaterSends (apps/worker
 * outbox/settle.ts) puts on the sends already queued when the first one was put back to wait.
 */
export function dueWithConversationHead(conversationId: SQL): SQL {
  return sql`greatest(now(), (select h.next_attempt_at from outbox_messages h
                              where h.conversation_id = ${conversationId} and h.status in ('queued', 'sending', 'ambiguous')
                              order by h.id limit 1))`;
}

/**
 * The CTEs that write one outgoing text or interactive message — `msg` (the messages row) and `ob`
 * (its outbox row), plus the conversation's last_message_at unless `touchConversation` is false —
 * written only when `when` holds. For statements that decide and write at once, like the worker's
 * one-statement reply completion (`when` = the job completed).
 */
export function outboundCtes(
  o: OutboundText & { kind?: "text" | "interactive"; payload?: Record<string, unknown> },
  when: SQL,
): SQL {
  const kind = o.kind ?? "text";
  const payload = o.payload ?? { type: "text", text: { body: o.text, preview_url: false } };
  return sql`msg as (
      insert into messages (tenant_id, conversation_id, direction, author, type, body, agent_version_id,
                            author_user_id, answers_up_to_id, context_summary_up_to_id, tokens_in, tokens_out, latency_ms,
                            policy_verdicts)
      select ${o.tenantId}::uuid, ${o.conversationId}::uuid, 'out', ${o.author}, ${kind}, ${o.text},
             ${o.agentVersionId ?? null}::uuid, ${o.authorUserId ?? null}::uuid, ${o.answersUpToId ?? null}::bigint,
             ${o.contextSummaryUpToId ?? null}::bigint,
             ${o.tokensIn ?? null}::int, ${o.tokensOut ?? null}::int, ${o.latencyMs ?? null}::int,
             ${o.policyVerdicts ? JSON.stringify(o.policyVerdicts) : null}::jsonb
      where ${when}
      returning id
    ),
    ob as (
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload,
                                   read_receipt_for, next_attempt_at)
      select ${o.tenantId}::uuid, ${o.conversationId}::uuid, ${o.numberId}::uuid, msg.id, ${kind}, ${o.recipient},
             ${JSON.stringify(payload)}::jsonb, ${o.readReceiptFor ?? null}::text, ${dueWithConversationHead(sql`${o.conversationId}::uuid`)}
      from msg
      returning id
    )${
      (o.touchConversation ?? true)
        ? sql`,
    conv as (
      update conversations set last_message_at = now(), updated_at = now()
      where id = ${o.conversationId}::uuid and exists (select 1 from msg)
    )`
        : sql``
    }`;
}

/**
 * Queues a read receipt for an inbound message. It has no conversation on purpose: receipts are
 * not part of the conversation's strict send order, so they never hold a reply back.
 */
export async function enqueueMarkRead(
  db: Executor,
  p: { tenantId: string; numberId: string; recipient: string; metaMessageId: string },
): Promise<void> {
  const payload = { status: "read", message_id: p.metaMessageId };
  await db.execute(sql`
    insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, max_attempts)
    values (${p.tenantId}::uuid, null, ${p.numberId}::uuid, 'mark_read', ${p.recipient}, ${JSON.stringify(payload)}::jsonb, 3)`);
}

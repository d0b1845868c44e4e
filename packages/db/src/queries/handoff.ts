import { sql } from "drizzle-orm";

import { AppError } from "@lx/shared/errors";
import { PLATFORM_ACTORS } from "@lx/shared/schemas";

import type { Executor } from "../client.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { enqueueOutboundText } from "./outbound.ts";

/**
 * The human-handoff lifecycle: bot → pending_human (a trigger fired) → human (someone took over or
 * replied) → bot again (handed back, or nobody answered within resumeAfterMinutes) — or closed.
 * Every transition is one transaction with its audit event; the bot never answers outside `bot`.
 */

export type HandoffTrigger = "keyword" | "model" | "policy" | "failure" | "operator";

export type HandoffStart = {
  tenantId: string;
  conversationId: string;
  numberId: string;
  recipient: string;
  trigger: HandoffTrigger;
  reason: string;
  /** Sent to the customer (exactly once: only the transition out of `bot` sends it). */
  message: string;
  agentVersionId: string | null;
  answersUpToId: number | null;
  resumeAfterMinutes: number | null;
  /** The tenant's notifyWebhookUrl: a signed `handoff.started` is queued when set. */
  notifyWebhookUrl: string | null;
  actor: AuditActor;
};

/** Starts a handoff; returns false (and does nothing) when the conversation is not in `bot` mode. */
export async function startHandoff(tx: Executor, h: HandoffStart): Promise<boolean> {
  const moved = await tx.execute(sql`
    update conversations
    set mode = 'pending_human', handoff_started_at = now(), updated_at = now(),
        bot_resume_at = case when ${h.resumeAfterMinutes}::int is null then null
                             else now() + ${h.resumeAfterMinutes}::int * interval '1 minute' end
    where id = ${h.conversationId}::uuid and tenant_id = ${h.tenantId}::uuid and mode = 'bot'
    returning id`);
  if (moved.length === 0) {
    return false;
  }
  const [handoff] = await tx.execute<{ id: string }>(sql`
    insert into handoffs (tenant_id, conversation_id, trigger, reason)
    values (${h.tenantId}::uuid, ${h.conversationId}::uuid, ${h.trigger}, ${h.reason})
    returning id`);
  // The handoff message is the system's, not the bot's: a stale bot reply is cancelled at send
  // time, this one must go.
  await enqueueOutboundText(tx, {
    tenantId: h.tenantId,
    conversationId: h.conversationId,
    numberId: h.numberId,
    recipient: h.recipient,
    author: "system",
    text: h.message,
    agentVersionId: h.agentVersionId,
    answersUpToId: h.answersUpToId,
  });
  if (h.notifyWebhookUrl) {
    await tx.execute(sql`
      insert into message_queue (tenant_id, task, payload, max_attempts)
      values (${h.tenantId}::uuid, 'handoff.notify',
              ${JSON.stringify({ handoffId: handoff?.id, conversationId: h.conversationId, url: h.notifyWebhookUrl, trigger: h.trigger })}::jsonb,
              5)`);
  }
  await insertAuditEvent(tx, {
    tenantId: h.tenantId,
    actor: h.actor,
    type: "handoff.started",
    subjectType: "conversation",
    subjectId: h.conversationId,
    before: { mode: "bot" },
    after: { mode: "pending_human" },
    data: { trigger: h.trigger, reason: h.reason, handoffId: handoff?.id },
  });
  return true;
}

type ConvRow = { id: string; mode: string; phone_number_id: string; customer_key: string; erased: boolean };

async function lockConversation(tx: Executor, tenantId: string, conversationId: string): Promise<ConvRow> {
  const [c] = await tx.execute<ConvRow>(sql`
    select id, mode, phone_number_id, customer_key, erased_at is not null as erased from conversations
    where id = ${conversationId}::uuid and tenant_id = ${tenantId}::uuid
    for update`);
  if (!c) {
    throw new AppError("NOT_FOUND", { message: "conversation not found" });
  }
  if (c.erased) {
    throw new AppError("INVALID_STATE", { message: "this customer's data was erased: the conversation is closed for good" });
  }
  return c;
}

export type OperatorRef = { id: string; email: string };

function userActor(u: OperatorRef): AuditActor {
  return { type: "user", id: u.id, label: u.email };
}

/** Who has a conversation a human owns (null: nobody, or the owner's account is gone). */
export type ConversationOwner = { id: string; email: string; name: string | null } | null;

/**
 * A human takes the conversation: the bot goes silent (opens a handoff if none is open). When a human
 * already had it (two operators clicked at once, say), nothing changes and `assignedTo` says who has
 * it, so the console can tell the second operator it is someone else's.
 */
export async function takeOverConversation(
  db: Executor,
  p: { tenantId: string; conversationId: string; user: OperatorRef },
): Promise<{ mode: "human"; changed: boolean; assignedTo: ConversationOwner }> {
  return db.transaction(async (tx) => {
    const c = await lockConversation(tx, p.tenantId, p.conversationId);
    if (c.mode === "human") {
      const [owner] = await tx.execute<{ id: string; email: string; name: string | null }>(sql`
        select u.id, u.email, u.name from conversations c join users u on u.id = c.assigned_user_id
        where c.id = ${c.id}::uuid and c.tenant_id = ${p.tenantId}::uuid`);
      return { mode: "human" as const, changed: false, assignedTo: owner ?? null };
    }
    await tx.execute(sql`
      update conversations
      set mode = 'human', assigned_user_id = ${p.user.id}::uuid, bot_resume_at = null,
          handoff_started_at = coalesce(handoff_started_at, now()), updated_at = now()
      where id = ${c.id}::uuid`);
    if (c.mode === "bot" || c.mode === "closed") {
      await tx.execute(sql`
        insert into handoffs (tenant_id, conversation_id, trigger, reason)
        values (${p.tenantId}::uuid, ${c.id}::uuid, 'operator', 'taken over from the console')`);
    }
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: userActor(p.user),
      type: "handoff.taken_over",
      subjectType: "conversation",
      subjectId: c.id,
      before: { mode: c.mode },
      after: { mode: "human" },
    });
    const [me] = await tx.execute<{ name: string | null }>(sql`select name from users where id = ${p.user.id}::uuid`);
    return { mode: "human" as const, changed: true, assignedTo: { id: p.user.id, email: p.user.email, name: me?.name ?? null } };
  });
}

/**
 * A reply written by a human: it goes through the same outbox (ordering, 24-hour rule). Replying
 * takes the conversation over if it was not already.
 */
export async function sendHumanReply(
  db: Executor,
  p: { tenantId: string; conversationId: string; user: OperatorRef; text: string },
): Promise<{ messageId: number; outboxId: number }> {
  const text = p.text.trim();
  if (!text) {
    throw new AppError("INVALID_INPUT", { message: "the reply is empty" });
  }
  if (text.length > 4096) {
    throw new AppError("INVALID_INPUT", { message: "a WhatsApp message has at most 4,096 characters" });
  }
  return db.transaction(async (tx) => {
    const c = await lockConversation(tx, p.tenantId, p.conversationId);
    if (c.mode !== "human") {
      await takeOverConversation(tx, p);
    }
    await tx.execute(sql`
      update handoffs set first_human_reply_at = coalesce(first_human_reply_at, now())
      where conversation_id = ${c.id}::uuid and ended_at is null`);
    await tx.execute(sql`update conversations set bot_resume_at = null where id = ${c.id}::uuid`);
    const r = await enqueueOutboundText(tx, {
      tenantId: p.tenantId,
      conversationId: c.id,
      numberId: c.phone_number_id,
      recipient: c.customer_key,
      author: "human",
      authorUserId: p.user.id,
      text,
    });
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: userActor(p.user),
      type: "message.human_reply",
      subjectType: "conversation",
      subjectId: c.id,
      data: { messageId: r.messageId, chars: text.length },
    });
    return r;
  });
}

/** Marks, in the conversation itself, the stretch a human handled, for the model's context. */
async function endHandoff(
  tx: Executor,
  p: { tenantId: string; conversationId: string; endedById: string | null; reason: "human" | "timeout" | "closed" },
) {
  const [h] = await tx.execute<{ started: string }>(sql`
    update handoffs set ended_at = now(), ended_by_id = ${p.endedById}::uuid, end_reason = ${p.reason}
    where conversation_id = ${p.conversationId}::uuid and ended_at is null
    returning started_at::text as started`);
  if (h) {
    await tx.execute(sql`
      insert into messages (tenant_id, conversation_id, direction, author, type, body)
      values (${p.tenantId}::uuid, ${p.conversationId}::uuid, 'out', 'system', 'note',
              ${`[handoff ended: a human agent handled this conversation since ${h.started}; do not repeat or contradict what they said]`})`);
  }
}

/** The human hands the conversation back to the bot. */
export async function handBackConversation(
  db: Executor,
  p: { tenantId: string; conversationId: string; user: OperatorRef },
): Promise<{ changed: boolean }> {
  return db.transaction(async (tx) => {
    const c = await lockConversation(tx, p.tenantId, p.conversationId);
    if (c.mode === "bot") {
      return { changed: false };
    }
    await tx.execute(sql`
      update conversations set mode = 'bot', assigned_user_id = null, bot_resume_at = null,
             handoff_started_at = null, updated_at = now()
      where id = ${c.id}::uuid`);
    await endHandoff(tx, { tenantId: p.tenantId, conversationId: c.id, endedById: p.user.id, reason: "human" });
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: userActor(p.user),
      type: "handoff.ended",
      subjectType: "conversation",
      subjectId: c.id,
      before: { mode: c.mode },
      after: { mode: "bot" },
      data: { reason: "handed back" },
    });
    return { changed: true };
  });
}

/**
 * The scheduler's half of `resumeAfterMinutes`: conversations nobody answered in time go back to
 * the bot. Idempotent and safe to run in every worker (rows are claimed with SKIP LOCKED).
 */
export async function resumeIdleHandoffs(db: Executor): Promise<string[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.execute<{ id: string; tenant_id: string; mode: string }>(sql`
      with due as (
        select id, mode from conversations
        where bot_resume_at is not null and bot_resume_at <= now() and mode in ('pending_human', 'human')
        for update skip locked
      )
      update conversations c
      set mode = 'bot', bot_resume_at = null, assigned_user_id = null, handoff_started_at = null, updated_at = now()
      from due where c.id = due.id
      returning c.id, c.tenant_id, due.mode`);
    for (const r of rows) {
      await endHandoff(tx, { tenantId: r.tenant_id, conversationId: r.id, endedById: null, reason: "timeout" });
      await insertAuditEvent(tx, {
        tenantId: r.tenant_id,
        actor: PLATFORM_ACTORS.scheduler,
        type: "handoff.timeout",
        subjectType: "conversation",
        subjectId: r.id,
        before: { mode: r.mode },
        after: { mode: "bot" },
      });
    }
    return rows.map((r) => r.id);
  });
}

/** An operator moves a conversation to another agent of the same tenant. */
export async function moveConversationToAgent(
  db: Executor,
  p: { tenantId: string; conversationId: string; agentId: string; user: OperatorRef },
): Promise<void> {
  await db.transaction(async (tx) => {
    const [a] = await tx.execute<{ slug: string }>(sql`
      select slug from agents where id = ${p.agentId}::uuid and tenant_id = ${p.tenantId}::uuid`);
    if (!a) {
      throw new AppError("NOT_FOUND", { message: "agent not found" });
    }
    const [before] = await tx.execute<{ agent_id: string | null }>(sql`
      update conversations c set agent_id = ${p.agentId}::uuid, menu_state = ${JSON.stringify({ status: "chosen", agentSlug: a.slug })}::jsonb,
             updated_at = now()
      from (select agent_id from conversations where id = ${p.conversationId}::uuid and tenant_id = ${p.tenantId}::uuid for update) old
      where c.id = ${p.conversationId}::uuid and c.tenant_id = ${p.tenantId}::uuid
      returning old.agent_id`);
    if (!before) {
      throw new AppError("NOT_FOUND", { message: "conversation not found" });
    }
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: userActor(p.user),
      type: "conversation.agent_changed",
      subjectType: "conversation",
      subjectId: p.conversationId,
      before: { agentId: before.agent_id },
      after: { agentId: p.agentId, agentSlug: a.slug },
    });
  });
}

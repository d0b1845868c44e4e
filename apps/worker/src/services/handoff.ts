import { sql } from "drizzle-orm";

import type { Transaction } from "@lx/db/client";
import { enqueueOutboundText, insertAuditEvent } from "@lx/db/queries";

export type HandoffStart = {
  tenantId: string;
  conversationId: string;
  numberId: string;
  recipient: string;
  trigger: "keyword" | "model" | "policy" | "failure" | "operator";
  reason: string;
  message: string;
  agentVersionId: string | null;
  answersUpToId: number | null;
  actorLabel: string;
};

/**
 * Hands the conversation to a human: mode → pending_human (the bot goes silent), a handoffs row,
 * the customer gets the handoff message once, and an audit event. Only from `bot` mode, so a second
 * trigger while a handoff is open sends nothing.
 */
export async function startHandoff(tx: Transaction, h: HandoffStart): Promise<boolean> {
  const moved = await tx.execute(sql`
    update conversations set mode = 'pending_human', handoff_started_at = now(), updated_at = now()
    where id = ${h.conversationId}::uuid and mode = 'bot'
    returning id`);
  if (moved.length === 0) {
    return false;
  }
  await tx.execute(sql`
    insert into handoffs (tenant_id, conversation_id, trigger, reason)
    values (${h.tenantId}::uuid, ${h.conversationId}::uuid, ${h.trigger}, ${h.reason})`);
  await enqueueOutboundText(tx, {
    tenantId: h.tenantId,
    conversationId: h.conversationId,
    numberId: h.numberId,
    recipient: h.recipient,
    author: "bot",
    text: h.message,
    agentVersionId: h.agentVersionId,
    answersUpToId: h.answersUpToId,
  });
  await insertAuditEvent(tx, {
    tenantId: h.tenantId,
    actor: { type: "worker", label: h.actorLabel },
    type: "handoff.started",
    subjectType: "conversation",
    subjectId: h.conversationId,
    before: { mode: "bot" },
    after: { mode: "pending_human" },
    data: { trigger: h.trigger, reason: h.reason },
  });
  return true;
}

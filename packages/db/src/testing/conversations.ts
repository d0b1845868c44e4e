/**
 * Seed factories for conversations, messages and their outbox rows, with explicit times so that
 * inbox and metrics tests can assert exact numbers.
 */
import { sql } from "drizzle-orm";

import type { Executor } from "../client.ts";
import type { SendStatus } from "../queries/conversations.ts";
import {
  conversations,
  handoffs,
  messages,
  outboxMessages,
  type PolicyVerdict,
} from "../schema/index.ts";
import { uniqueSuffix } from "./seed.ts";

type Mode = "bot" | "pending_human" | "human" | "closed";

export async function seedConversation(
  db: Executor,
  p: {
    tenantId: string;
    numberId: string;
    agentId?: string | null;
    waId?: string;
    name?: string | null;
    mode?: Mode;
    lastMessageAt?: Date;
  },
) {
  const waId = p.waId ?? `5511${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`;
  const [row] = await db
    .insert(conversations)
    .values({
      tenantId: p.tenantId,
      phoneNumberId: p.numberId,
      agentId: p.agentId ?? null,
      customerKey: waId,
      customerWaId: waId,
      customerName: p.name === undefined ? `Cliente ${uniqueSuffix()}` : p.name,
      mode: p.mode ?? "bot",
      lastMessageAt: p.lastMessageAt ?? null,
      lastCustomerMessageAt: p.lastMessageAt ?? null,
    })
    .returning();
  if (!row) {
    throw new Error("seedConversation: no row");
  }
  return row;
}

export async function seedInbound(
  db: Executor,
  p: { tenantId: string; conversationId: string; body: string; at?: Date; type?: string },
) {
  const [row] = await db
    .insert(messages)
    .values({
      tenantId: p.tenantId,
      conversationId: p.conversationId,
      direction: "in",
      author: "customer",
      type: p.type ?? "text",
      body: p.body,
      metaMessageId: `wamid.test-${uniqueSuffix()}${uniqueSuffix()}`,
      createdAt: p.at ?? new Date(),
    })
    .returning();
  if (!row) {
    throw new Error("seedInbound: no row");
  }
  return row;
}

/**
 * An outgoing message and (unless `outbox: false`) its outbox row in `status`, with sent/delivered/read
 * times derived from `at` (+1 s, +2 s, +3 s) as far as the status implies.
 */
export async function seedOutbound(
  db: Executor,
  p: {
    tenantId: string;
    conversationId: string;
    numberId: string;
    author: "bot" | "human" | "system";
    body: string;
    at?: Date;
    type?: string;
    agentVersionId?: string | null;
    authorUserId?: string | null;
    answersUpToId?: number | null;
    tokensIn?: number | null;
    tokensOut?: number | null;
    policyVerdicts?: PolicyVerdict[] | null;
    status?: SendStatus;
    kind?: "text" | "template" | "interactive";
    outbox?: boolean;
    lastError?: string | null;
  },
) {
  const at = p.at ?? new Date();
  const [message] = await db
    .insert(messages)
    .values({
      tenantId: p.tenantId,
      conversationId: p.conversationId,
      direction: "out",
      author: p.author,
      type: p.type ?? "text",
      body: p.body,
      agentVersionId: p.agentVersionId ?? null,
      authorUserId: p.authorUserId ?? null,
      answersUpToId: p.answersUpToId ?? null,
      tokensIn: p.tokensIn ?? null,
      tokensOut: p.tokensOut ?? null,
      policyVerdicts: p.policyVerdicts ?? null,
      createdAt: at,
    })
    .returning();
  if (!message) {
    throw new Error("seedOutbound: no message");
  }
  if (p.outbox === false) {
    return { message, outbox: null };
  }
  const status = p.status ?? "delivered";
  const plus = (s: number) => new Date(at.getTime() + s * 1000);
  const reached = (list: SendStatus[]) => list.includes(status);
  const [outbox] = await db
    .insert(outboxMessages)
    .values({
      tenantId: p.tenantId,
      conversationId: p.conversationId,
      phoneNumberId: p.numberId,
      messageId: message.id,
      kind: p.kind ?? "text",
      recipient: "5511900000000",
      payload: { type: "text", text: { body: p.body } },
      status,
      attempts: status === "queued" ? 0 : 1,
      wamid: reached(["sent", "delivered", "read", "failed"]) ? `wamid.out-${uniqueSuffix()}${uniqueSuffix()}` : null,
      sentAt: reached(["sent", "delivered", "read"]) ? plus(1) : null,
      deliveredAt: reached(["delivered", "read"]) ? plus(2) : null,
      readAt: reached(["read"]) ? plus(3) : null,
      failedAt: reached(["failed", "dead"]) ? plus(1) : null,
      lastError: p.lastError ?? (reached(["failed", "dead", "blocked"]) ? `${status} in a test` : null),
      nextAttemptAt: at,
      createdAt: at,
      updatedAt: at,
    })
    .returning();
  if ((p.kind ?? "text") === "text" && reached(["delivered", "read"])) {
    // What the status callback that delivered it records on the number (applyStatusUpdates).
    const answered = plus(2).toISOString();
    await db.execute(sql`
      update phone_numbers set first_answered_at = least(coalesce(first_answered_at, ${answered}::timestamptz), ${answered}::timestamptz)
      where id = ${p.numberId}::uuid`);
  }
  return { message, outbox: outbox ?? null };
}

export async function seedHandoff(
  db: Executor,
  p: {
    tenantId: string;
    conversationId: string;
    trigger: "keyword" | "model" | "policy" | "failure" | "operator";
    reason?: string;
    startedAt: Date;
    firstHumanReplyAt?: Date | null;
    endedAt?: Date | null;
  },
) {
  const [row] = await db
    .insert(handoffs)
    .values({
      tenantId: p.tenantId,
      conversationId: p.conversationId,
      trigger: p.trigger,
      reason: p.reason ?? "",
      startedAt: p.startedAt,
      firstHumanReplyAt: p.firstHumanReplyAt ?? null,
      endedAt: p.endedAt ?? null,
      createdAt: p.startedAt,
    })
    .returning();
  if (!row) {
    throw new Error("seedHandoff: no row");
  }
  return row;
}

import type { TRPCRouterRecord } from "@trpc/server";

import {
  getConversation,
  getConversationThread,
  handBackConversation,
  listConversations,
  moveConversationToAgent,
  requireAgent,
  sendHumanReply,
  takeOverConversation,
} from "@lx/db/queries";
import {
  ZGetConversationInput,
  ZHandBackConversationInput,
  ZListConversationsInput,
  ZMoveConversationInput,
  ZReplyToConversationInput,
  ZTakeOverConversationInput,
  THREAD_TAIL_MAX,
} from "@lx/shared/schemas";

import { tenantOperatorProcedure } from "../init.ts";

/**
 * The conversations inbox (operators only; clients FORBIDDEN). Every conversation is looked up within
 * `ctx.tenant`, so another tenant's conversation id reads exactly like a missing one (NOT_FOUND).
 * The actions are the handoff services of @lx/db (one transaction each, audited).
 */
export const conversationsRouter = {
  /** A tenant's conversations, newest activity first, filtered, with a cursor and counts per mode. */
  list: tenantOperatorProcedure.input(ZListConversationsInput).query(async ({ ctx, input }) => {
    const agent = input.agentSlug
      ? await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug })
      : null;
    return listConversations(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent?.id,
      mode: input.mode,
      search: input.search,
      cursor: input.cursor,
      limit: input.limit,
    });
  }),

  /**
   * One thread: its newest messages (or, with `cursor`, the page older than that message id; with
   * `since`, every message from that id on) in order with version, policy verdicts and delivery
   * status; `olderCursor` for the next page; handoffs.
   */
  byId: tenantOperatorProcedure.input(ZGetConversationInput).query(async ({ ctx, input }) => {
    const thread = await getConversationThread(ctx.db, {
      tenantId: ctx.tenant.id,
      conversationId: input.conversationId,
      limit: input.since == null ? input.limit : THREAD_TAIL_MAX,
      before: input.cursor,
      since: input.since,
    });
    // The server's clock as of this answer: the console decides the 24-hour window on it, not on the
    // browser's, which may run ahead or behind (features/conversations/reply-plan.ts).
    return { ...thread, serverNow: new Date().toISOString() };
  }),

  /** A human takes the conversation: the bot goes silent for it (audited `handoff.taken_over`). */
  takeOver: tenantOperatorProcedure.input(ZTakeOverConversationInput).mutation(async ({ ctx, input }) => {
    return takeOverConversation(ctx.db, {
      tenantId: ctx.tenant.id,
      conversationId: input.conversationId,
      user: ctx.session.user,
    });
  }),

  /** Replies as a human through the outbox (takes the conversation over if needed). */
  reply: tenantOperatorProcedure.input(ZReplyToConversationInput).mutation(async ({ ctx, input }) => {
    const sent = await sendHumanReply(ctx.db, {
      tenantId: ctx.tenant.id,
      conversationId: input.conversationId,
      user: ctx.session.user,
      text: input.text,
    });
    ctx.wakeOutbox?.();
    return sent;
  }),

  /** Hands the conversation back to the bot (audited `handoff.ended`). */
  handBack: tenantOperatorProcedure.input(ZHandBackConversationInput).mutation(async ({ ctx, input }) => {
    return handBackConversation(ctx.db, {
      tenantId: ctx.tenant.id,
      conversationId: input.conversationId,
      user: ctx.session.user,
    });
  }),

  /** Moves the conversation to another agent of the tenant (audited `conversation.agent_changed`). */
  move: tenantOperatorProcedure.input(ZMoveConversationInput).mutation(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    await moveConversationToAgent(ctx.db, {
      tenantId: ctx.tenant.id,
      conversationId: input.conversationId,
      agentId: agent.id,
      user: ctx.session.user,
    });
    const conversation = await getConversation(ctx.db, {
      tenantId: ctx.tenant.id,
      conversationId: input.conversationId,
    });
    return { agent: conversation.agent };
  }),
} satisfies TRPCRouterRecord;

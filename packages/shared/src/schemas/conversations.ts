/**
 * zod input schemas of the conversations inbox (apps/api `conversations.*`), shared with the
 * console's forms (STYLE rule 22). zod only: the browser console imports this file.
 */
import { z } from "zod";

import { ZSlugRef, ZTenantScopeInput } from "./console.ts";

/** `CONVERSATION_MODES` of @lx/db/schema, repeated because this entry imports zod only. */
export const CONVERSATION_MODES = ["bot", "pending_human", "human", "closed"] as const;
export type TConversationMode = (typeof CONVERSATION_MODES)[number];

export const CONVERSATIONS_PAGE_MAX = 100;

/**
 * The inbox counts conversations per mode up to this many; a count above it comes back as
 * `INBOX_COUNT_CAP + 1`, meaning "more than" (shown as "1,000+"). The list polls every few seconds,
 * and an exact count reads every conversation of the mode each time.
 */
export const INBOX_COUNT_CAP = 1000;

export const ZListConversationsInput = ZTenantScopeInput.extend({
  agentSlug: ZSlugRef.optional(),
  mode: z.enum(CONVERSATION_MODES).optional(),
  /** Customer name, number (wa_id / user id) or the text of the last message; case-insensitive. */
  search: z.string().trim().min(1).max(200).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.int().min(1).max(CONVERSATIONS_PAGE_MAX).default(25),
});
export type TListConversationsInput = z.infer<typeof ZListConversationsInput>;

export const THREAD_PAGE_MAX = 500;

export const ZConversationScopeInput = ZTenantScopeInput.extend({ conversationId: z.uuid() });
export type TConversationScopeInput = z.infer<typeof ZConversationScopeInput>;

/** The most messages one `since` read returns (the newest of them when more have arrived). */
export const THREAD_TAIL_MAX = 2000;

export const ZGetConversationInput = ZConversationScopeInput.extend({
  /** The newest `limit` messages are returned (oldest first); `hasOlder` says when some were left out. */
  limit: z.int().min(1).max(THREAD_PAGE_MAX).default(300),
  /**
   * Keyset cursor (a message id, the `olderCursor` of the previous page): the `limit` messages just
   * older than it instead. Named `cursor` so the console can page with react-query's infinite queries.
   */
  cursor: z.int().min(1).nullish(),
  /**
   * The thread's tail from this message id on (it included) to the newest, whatever `limit` says
   * (at most THREAD_TAIL_MAX, the newest ones). What a reader who loaded older pages polls: the
   * older pages do not change, so only the tail is read again.
   */
  since: z.int().min(1).nullish(),
}).refine((input) => input.cursor == null || input.since == null, {
  message: "cursor and since cannot be used together",
  path: ["since"],
});
export type TGetConversationInput = z.infer<typeof ZGetConversationInput>;

export const ZTakeOverConversationInput = ZConversationScopeInput;
export type TTakeOverConversationInput = z.infer<typeof ZTakeOverConversationInput>;

export const ZHandBackConversationInput = ZConversationScopeInput;
export type THandBackConversationInput = z.infer<typeof ZHandBackConversationInput>;

/** A WhatsApp text has at most 4,096 characters. */
export const HUMAN_REPLY_MAX = 4096;

export const ZReplyToConversationInput = ZConversationScopeInput.extend({
  text: z.string().trim().min(1, "required").max(HUMAN_REPLY_MAX),
});
export type TReplyToConversationInput = z.infer<typeof ZReplyToConversationInput>;

export const ZMoveConversationInput = ZConversationScopeInput.extend({ agentSlug: ZSlugRef });
export type TMoveConversationInput = z.infer<typeof ZMoveConversationInput>;

import { sql, type SQL } from "drizzle-orm";

import { SERVICE_WINDOW_MS } from "@lx/shared/domain";
import { AppError } from "@lx/shared/errors";
import { CONVERSATION_MODES, INBOX_COUNT_CAP } from "@lx/shared/schemas";

import type { Executor } from "../client.ts";
import type { OUTBOX_BLOCK_REASONS, OUTBOX_STATUSES, PolicyVerdict } from "../schema/index.ts";
import { lastSendJoin, reachedAsTemplateName, sendReachedCustomer, sendTemplateName } from "./delivery.ts";

/**
 * The operators' conversations inbox: the list (filters, newest activity first, keyset cursor) and
 * one thread with, for every message, the agent version that wrote it, Sentinel's verdicts and the
 * delivery status of its outbox row. Reads only: the actions live in handoff.ts. Every query filters
 * by tenant in its WHERE clause (STYLE rule 18). Times leave as ISO strings (UTC, milliseconds).
 */

/** `to_char` of a timestamptz as an ISO instant, `…T…Z` with milliseconds (what the console shows). */
export function isoText(expr: SQL): SQL<string | null> {
  return sql<string | null>`to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The same at full microsecond precision, for keyset cursors (a Date would round and skip rows). */
export function cursorText(expr: SQL): SQL<string> {
  return sql<string>`to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export type ConversationMode = "bot" | "pending_human" | "human" | "closed";

export type ConversationListRow = {
  id: string;
  customerKey: string;
  customerWaId: string | null;
  customerUserId: string | null;
  customerName: string | null;
  mode: ConversationMode;
  agent: { id: string; slug: string; name: string } | null;
  number: { id: string; displayPhoneNumber: string; kind: "meta" | "sandbox" };
  /** The e-mail of the operator who has the conversation (mode human), and their name. */
  assignedTo: string | null;
  assignedName: string | null;
  /**
   * The last message a person would read. `sentAsTemplate`: an outgoing message of any kind (text,
   * menu, media…) the customer never got because, outside the 24-hour window, the worker sent the
   * agent's re-engagement template (named) instead; `blocked`: one that never reached them (blocked by
   * the 24-hour rule, dead, cancelled, failed). The preview says so rather than show the message as if
   * it had been received.
   */
  lastMessage: {
    body: string;
    author: string;
    type: string;
    createdAt: string;
    sentAsTemplate: string | null;
    blocked: boolean;
  } | null;
  lastMessageAt: string | null;
  lastCustomerMessageAt: string | null;
  handoffStartedAt: string | null;
  /** The customer's data was erased (queries/customers.ts): no identifiers, no texts, no actions. */
  erasedAt: string | null;
  createdAt: string;
};

type RawConversationRow = {
  id: string;
  customer_key: string;
  customer_wa_id: string | null;
  customer_user_id: string | null;
  customer_name: string | null;
  mode: ConversationMode;
  agent_id: string | null;
  agent_slug: string | null;
  agent_name: string | null;
  number_id: string;
  display_phone_number: string;
  number_kind: "meta" | "sandbox";
  assigned_email: string | null;
  assigned_name: string | null;
  last_body: string | null;
  last_author: string | null;
  last_type: string | null;
  last_at: string | null;
  last_template: string | null;
  last_blocked: boolean | null;
  last_message_at: string | null;
  last_customer_message_at: string | null;
  handoff_started_at: string | null;
  erased_at: string | null;
  created_at: string;
  cursor_at: string;
};

/** The select list and joins shared by the list and the thread header (`c` is the conversation). */
const conversationSelect = sql`
  select c.id, c.customer_key, c.customer_wa_id, c.customer_user_id, c.customer_name, c.mode,
         a.id as agent_id, a.slug as agent_slug, a.name as agent_name,
         n.id as number_id, n.display_phone_number, n.kind as number_kind,
         u.email as assigned_email, u.name as assigned_name,
         lm.body as last_body, lm.author as last_author, lm.type as last_type,
         ${isoText(sql`lm.created_at`)} as last_at,
         -- What reached the customer (delivery.ts, the model's context rule): the template is named
         -- only when it went; a send given up on (blocked, dead, cancelled, failed) is "not sent".
         ${reachedAsTemplateName("lm")} as last_template,
         not ${sendReachedCustomer} as last_blocked,
         ${isoText(sql`c.last_message_at`)} as last_message_at,
         ${isoText(sql`c.last_customer_message_at`)} as last_customer_message_at,
         ${isoText(sql`c.handoff_started_at`)} as handoff_started_at,
         ${isoText(sql`c.erased_at`)} as erased_at,
         ${isoText(sql`c.created_at`)} as created_at,
         ${cursorText(sql`coalesce(c.last_message_at, c.created_at)`)} as cursor_at
  from conversations c
  join phone_numbers n on n.id = c.phone_number_id
  -- The agent answering it: the conversation's own (menu routing, or moved) or its number's.
  left join agents a on a.id = coalesce(c.agent_id, n.agent_id)
  left join users u on u.id = c.assigned_user_id
  -- The last message a person would read (the model's context notes are internal).
  left join lateral (
    select m.id, m.direction, m.body, m.author, m.type, m.created_at from messages m
    where m.conversation_id = c.id and m.type <> 'note'
    order by m.id desc limit 1
  ) lm on true
  -- Its send, of any kind (text, menu, media…): the 24-hour rule may have sent a template instead, or
  -- blocked it (one probe of outbox_messages_message_idx per row listed).
  ${lastSendJoin("lm", { columns: sql`ob.kind, ob.status, ob.payload`, and: sql`ob.tenant_id = c.tenant_id` })}`;

function toConversationRow(r: RawConversationRow): ConversationListRow {
  return {
    id: r.id,
    customerKey: r.customer_key,
    customerWaId: r.customer_wa_id,
    customerUserId: r.customer_user_id,
    customerName: r.customer_name,
    mode: r.mode,
    agent: r.agent_id && r.agent_slug && r.agent_name ? { id: r.agent_id, slug: r.agent_slug, name: r.agent_name } : null,
    number: { id: r.number_id, displayPhoneNumber: r.display_phone_number, kind: r.number_kind },
    assignedTo: r.assigned_email,
    assignedName: r.assigned_name,
    lastMessage:
      r.last_at !== null
        ? {
            body: r.last_body ?? "",
            author: r.last_author ?? "",
            type: r.last_type ?? "text",
            createdAt: r.last_at,
            sentAsTemplate: r.last_template,
            blocked: r.last_blocked === true,
          }
        : null,
    lastMessageAt: r.last_message_at,
    lastCustomerMessageAt: r.last_customer_message_at,
    handoffStartedAt: r.handoff_started_at,
    erasedAt: r.erased_at,
    createdAt: r.created_at,
  };
}

type ConversationCursor = { at: string; id: string };

export function encodeConversationCursor(c: ConversationCursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id]), "utf8").toString("base64url");
}

/**
 * One page of a keyset query on (a timestamp, a uuid) that fetched `limit + 1` rows: the first
 * `limit` mapped, and the cursor of the last one when there were more. Rows carry `cursor_at`
 * (cursorText of the key's timestamp) and `id`.
 */
export function keysetPage<R extends { id: string; cursor_at: string }, T>(
  rows: readonly R[],
  limit: number,
  map: (row: R) => T,
): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(map),
    nextCursor: rows.length > limit && last ? encodeConversationCursor({ at: last.cursor_at, id: last.id }) : null,
  };
}

export function decodeConversationCursor(cursor: string): ConversationCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(value[0]) &&
      typeof value[1] === "string" &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value[1])
    ) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new AppError("INVALID_INPUT", { message: "invalid cursor" });
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

export type ConversationFilters = {
  tenantId: string;
  /** Only conversations this agent answers (their own agent, or their number's). */
  agentId?: string;
  mode?: ConversationMode;
  /** Customer name, number / user id, or the last message's text (case-insensitive substring). */
  search?: string;
  cursor?: string;
  limit: number;
};

export type ModeCounts = Record<ConversationMode, number>;

export type ConversationPage = { items: ConversationListRow[]; nextCursor: string | null; counts: ModeCounts };

/**
 * How many of a tenant's messages matching a search are read, at most, to find the conversations
 * whose last message matches (`planSearch`). Up to it the search reads only indexes (pg_trgm, migration
 * 0031); past it — a term in very many messages — it reads each listed conversation's last message
 * instead, which finds a page of such a common term quickly.
 */
export const SEARCH_MESSAGE_HITS_MAX = 5000;

/**
 * A search, ready to filter `conversations c`: the patterns, and the conversations whose last message
 * (not a note) matches when they are few enough to list (`lastMessageMatches`), else null — the
 * condition then reads the last message `lm` of each conversation it considers.
 */
type SearchPlan = { like: string; digitsLike: string | null; lastMessageMatches: string[] | null };

/**
 * The search's plan. The customer's name and number are matched on `conversations` through its trigram
 * indexes; the last message's text through the trigram index of `messages.body`: the tenant's matching
 * messages (at most SEARCH_MESSAGE_HITS_MAX + 1) that no later message of their conversation (not a
 * note) follows. A term without three letters or digits in a row gives the index little or nothing to
 * look up: it reads the last messages, as before.
 */
async function planSearch(db: Executor, tenantId: string, search: string): Promise<SearchPlan> {
  const like = `%${escapeLike(search)}%`;
  const digits = search.replace(/\D/g, "");
  const digitsLike = digits.length >= 3 ? `%${digits}%` : null;
  if (!/[\p{L}\p{N}]{3}/u.test(search)) {
    return { like, digitsLike, lastMessageMatches: null };
  }
  const [row] = await db.execute<{ n: number; ids: string[] | null }>(sql`
    with hits as materialized (
      select m.id, m.conversation_id from messages m
      where m.tenant_id = ${tenantId}::uuid and m.type <> 'note' and m.body ilike ${like}
      limit ${SEARCH_MESSAGE_HITS_MAX + 1}
    )
    select (select count(*) from hits)::int as n,
           case when (select count(*) from hits) <= ${SEARCH_MESSAGE_HITS_MAX} then (
             select coalesce(array_agg(h.conversation_id::text), '{}') from hits h
             where not exists (select 1 from messages l
                               where l.conversation_id = h.conversation_id and l.id > h.id and l.type <> 'note')
           ) end as ids`);
  return { like, digitsLike, lastMessageMatches: row && row.n <= SEARCH_MESSAGE_HITS_MAX ? (row.ids ?? []) : null };
}

/** The search's condition on `c` (and, without a list of last-message matches, on its last message `lm`). */
function searchCondition(plan: SearchPlan): SQL {
  const byNumber = plan.digitsLike !== null ? sql` or c.customer_key like ${plan.digitsLike}` : sql``;
  const byMessage =
    plan.lastMessageMatches !== null
      ? sql`c.id = any(${`{${plan.lastMessageMatches.join(",")}}`}::uuid[])`
      : sql`lm.body ilike ${plan.like}`;
  return sql`(c.customer_name ilike ${plan.like} or c.customer_key ilike ${plan.like} or ${byMessage}${byNumber})`;
}

/**
 * A tenant's conversations, newest activity first (last message either way, else creation), with
 * filters and a keyset cursor on (activity, id); plus how many conversations are in each mode (for the
 * agent filter and the search, not the mode), so the inbox can show "3 waiting for a human" — up to
 * INBOX_COUNT_CAP, above which a count is INBOX_COUNT_CAP + 1 ("more than").
 */
export async function listConversations(db: Executor, f: ConversationFilters): Promise<ConversationPage> {
  if (f.search) {
    // A search's statements are planned for its own terms: the generic plan a prepared statement
    // falls back to after five runs knows neither how rare the term is nor how many conversations
    // planSearch listed, and read a tenant's conversations one by one for a rare term (10 → 80 ms).
    return await db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('plan_cache_mode', 'force_custom_plan', true)`);
      return await readConversations(tx, f);
    });
  }
  return await readConversations(db, f);
}

async function readConversations(db: Executor, f: ConversationFilters): Promise<ConversationPage> {
  const cursor = f.cursor ? decodeConversationCursor(f.cursor) : null;
  const conditions: SQL[] = [sql`c.tenant_id = ${f.tenantId}::uuid`];
  if (f.agentId) {
    conditions.push(sql`a.id = ${f.agentId}::uuid`);
  }
  if (f.mode) {
    conditions.push(sql`c.mode = ${f.mode}`);
  }
  const search = f.search ? await planSearch(db, f.tenantId, f.search) : null;
  if (search) {
    conditions.push(searchCondition(search));
  }
  if (cursor) {
    conditions.push(
      sql`(coalesce(c.last_message_at, c.created_at), c.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`,
    );
  }
  const rows = await db.execute<RawConversationRow>(sql`
    ${conversationSelect}
    where ${sql.join(conditions, sql` and `)}
    order by coalesce(c.last_message_at, c.created_at) desc, c.id desc
    limit ${f.limit + 1}`);
  const { items, nextCursor } = keysetPage(rows, f.limit, toConversationRow);

  // Each mode counted up to INBOX_COUNT_CAP + 1 through (tenant_id, mode): the inbox polls this every
  // few seconds, and exact counts read every conversation of the tenant each time. The modes are
  // literals (our own constants), so that the planner sees how rare each one is: behind a parameter
  // it read a whole table for each mode that has no conversation.
  // A search is counted too, so that the chips agree with the list the search shows ("Todas 5" over
  // an empty result was the complaint): through the same plan, so it reads the last messages only when
  // the term is too common to list their matches (planSearch).
  const countOf = (mode: ConversationMode) => sql`
    select ${mode}::text as mode, (
      select count(*)::int from (
        select 1 from conversations c
        ${f.agentId ? sql`join phone_numbers n on n.id = c.phone_number_id` : sql``}
        ${
          search?.lastMessageMatches === null
            ? sql`left join lateral (
                select m.body from messages m
                where m.conversation_id = c.id and m.type <> 'note'
                order by m.id desc limit 1
              ) lm on true`
            : sql``
        }
        where c.tenant_id = ${f.tenantId}::uuid and c.mode = ${sql.raw(`'${mode}'`)}
          ${f.agentId ? sql`and coalesce(c.agent_id, n.agent_id) = ${f.agentId}::uuid` : sql``}
          ${search ? sql`and ${searchCondition(search)}` : sql``}
        limit ${INBOX_COUNT_CAP + 1}
      ) capped
    ) as n`;
  const countRows = await db.execute<{ mode: ConversationMode; n: number }>(
    sql.join(
      CONVERSATION_MODES.map((mode) => countOf(mode)),
      sql` union all `,
    ),
  );
  const counts: ModeCounts = { bot: 0, pending_human: 0, human: 0, closed: 0 };
  for (const r of countRows) {
    counts[r.mode] = r.n;
  }
  return { items, nextCursor, counts };
}

/** Delivery states of an outgoing message, from its outbox row. */
export type SendStatus = (typeof OUTBOX_STATUSES)[number];

/** Why the 24-hour rule blocked a send (apps/worker outbox/sender.ts). */
export type SendBlockReason = (typeof OUTBOX_BLOCK_REASONS)[number];

export type ThreadMessage = {
  id: number;
  direction: "in" | "out";
  author: "customer" | "bot" | "human" | "system";
  type: string;
  body: string;
  createdAt: string;
  /** The customer message a bot (or handoff) message answered. */
  answersUpToId: number | null;
  /** The agent version that wrote it (bot messages, and the system's handoff message). */
  agentVersion: { id: string; version: string; agentSlug: string } | null;
  /** The operator who wrote a human reply. */
  authorUser: { email: string; name: string | null } | null;
  tokensIn: number | null;
  tokensOut: number | null;
  latencyMs: number | null;
  policyVerdicts: PolicyVerdict[];
  /** The send of an outgoing message (null for inbound messages and the model's context notes). */
  delivery: {
    outboxId: number;
    kind: string;
    /**
     * The template actually sent (kind `template`): outside the 24-hour window the worker replaces a
     * free-form text with the agent's re-engagement template, and the message's own body was never sent.
     */
    templateName: string | null;
    status: SendStatus;
    attempts: number;
    lastErrorCode: number | null;
    lastError: string | null;
    /**
     * A `blocked` send's reason, and the re-engagement template that was not approved
     * (`template_not_approved`). Null on any other status, and on sends blocked before the reason was
     * recorded (the console then shows `lastError`).
     */
    block: { reason: SendBlockReason; template: string | null } | null;
    sentAt: string | null;
    deliveredAt: string | null;
    readAt: string | null;
    failedAt: string | null;
  } | null;
};

export type ThreadHandoff = {
  id: string;
  trigger: string;
  reason: string;
  startedAt: string;
  firstHumanReplyAt: string | null;
  endedAt: string | null;
  endReason: string | null;
};

/** The thread's answer about the re-engagement template (ConversationThread.reengagement). */
export type ReengagementRead =
  | { read: false }
  | { read: true; template: { name: string; language: string; status: string | null } | null };

export type ConversationThread = {
  conversation: ConversationListRow;
  messages: ThreadMessage[];
  /** True when older messages exist than the first one returned. */
  hasOlder: boolean;
  /** Pass as `before` to get the page of messages older than these (null: there are none). */
  olderCursor: number | null;
  handoffs: ThreadHandoff[];
  /**
   * What a free-form reply outside the 24-hour window becomes (the worker's rule, outbox/sender.ts).
   * `read: false`: on this server's clock the window is open for more than REENGAGEMENT_LEAD_MS yet,
   * so the template was not read (the thread is polled every 2.5 s and the composer needs it only once
   * the window has closed) — a reply now goes as written, whatever the reader's own clock says.
   * `read: true`: `template` is the re-engagement template the answering agent's active version names
   * (`templates.reengagement`) with its status among the tenant's templates (`approved`: the reply goes
   * as the template; anything else or null — not declared — and the reply is blocked), or null when the
   * agent names none (or has no active version): such a reply is blocked.
   */
  reengagement: ReengagementRead;
};

type RawThreadMessage = {
  id: string | number;
  direction: "in" | "out";
  author: "customer" | "bot" | "human" | "system";
  type: string;
  body: string;
  created_at: string;
  answers_up_to_id: string | number | null;
  version_id: string | null;
  version: string | null;
  version_agent_slug: string | null;
  author_email: string | null;
  author_name: string | null;
  tokens_in: number | null;
  tokens_out: number | null;
  latency_ms: number | null;
  policy_verdicts: PolicyVerdict[] | null;
  outbox_id: string | number | null;
  outbox_kind: string | null;
  outbox_template: string | null;
  outbox_status: SendStatus | null;
  outbox_attempts: number | null;
  last_error_code: number | null;
  last_error: string | null;
  block_reason: SendBlockReason | null;
  block_template: string | null;
  sent_at: string | null;
  delivered_at: string | null;
  read_at: string | null;
  failed_at: string | null;
};

function toThreadMessage(r: RawThreadMessage): ThreadMessage {
  return {
    id: Number(r.id),
    direction: r.direction,
    author: r.author,
    type: r.type,
    body: r.body,
    createdAt: r.created_at,
    answersUpToId: r.answers_up_to_id === null ? null : Number(r.answers_up_to_id),
    agentVersion:
      r.version_id && r.version && r.version_agent_slug
        ? { id: r.version_id, version: r.version, agentSlug: r.version_agent_slug }
        : null,
    authorUser: r.author_email ? { email: r.author_email, name: r.author_name } : null,
    tokensIn: r.tokens_in,
    tokensOut: r.tokens_out,
    latencyMs: r.latency_ms,
    policyVerdicts: r.policy_verdicts ?? [],
    delivery:
      r.outbox_id !== null && r.outbox_status !== null
        ? {
            outboxId: Number(r.outbox_id),
            kind: r.outbox_kind ?? "text",
            templateName: r.outbox_template,
            status: r.outbox_status,
            attempts: r.outbox_attempts ?? 0,
            lastErrorCode: r.last_error_code,
            lastError: r.last_error,
            block: r.block_reason !== null ? { reason: r.block_reason, template: r.block_template } : null,
            sentAt: r.sent_at,
            deliveredAt: r.delivered_at,
            readAt: r.read_at,
            failedAt: r.failed_at,
          }
        : null,
  };
}

/** One conversation's header row (NOT_FOUND for another tenant's, exactly like a missing one). */
export async function getConversation(
  db: Executor,
  p: { tenantId: string; conversationId: string },
): Promise<ConversationListRow> {
  const [row] = await db.execute<RawConversationRow>(sql`
    ${conversationSelect}
    where c.id = ${p.conversationId}::uuid and c.tenant_id = ${p.tenantId}::uuid`);
  if (!row) {
    throw new AppError("NOT_FOUND", { message: `unknown conversation ${p.conversationId}` });
  }
  return toConversationRow(row);
}

/**
 * How long before the window closes the thread starts reading the re-engagement template: the
 * composer needs it only once the window is closed (conversation-panel.tsx `replyPlanOf`, on the
 * browser's clock), and an hour covers a skew between that clock and this server's, and a tab whose
 * polls paused for a while.
 */
export const REENGAGEMENT_LEAD_MS = 3600_000;

/** Whether the thread reads the re-engagement template: the window is closed, or closes within the lead. */
export function needsReengagement(lastCustomerMessageAt: string | null, now = Date.now()): boolean {
  if (lastCustomerMessageAt === null) {
    return true;
  }
  return Date.parse(lastCustomerMessageAt) + SERVICE_WINDOW_MS - now <= REENGAGEMENT_LEAD_MS;
}

/**
 * The re-engagement template the answering agent's active version names, and its status among the
 * tenant's templates. The reference is taken out of the bundle once (`offset 0` keeps the planner from
 * inlining it back into every use): the bundle is a TOASTed jsonb of tens of kilobytes (the compiled
 * prompt with the agent's knowledge), decompressed whole for each `->` on it.
 */
async function readReengagement(
  db: Executor,
  p: { tenantId: string; conversationId: string },
): Promise<{ name: string; language: string; status: string | null } | null> {
  const [row] = await db.execute<{ name: string; language: string; status: string | null }>(sql`
    select r.ref ->> 'name' as name, r.ref ->> 'language' as language, t.status::text as status
    from conversations c
    join phone_numbers n on n.id = c.phone_number_id
    join agents a on a.id = coalesce(c.agent_id, n.agent_id) and a.tenant_id = c.tenant_id
    join agent_versions v on v.id = a.active_version_id
    cross join lateral (select v.bundle -> 'templates' -> 'reengagement' as ref offset 0) r
    left join templates t on t.tenant_id = c.tenant_id
                         and t.name = r.ref ->> 'name'
                         and t.language = r.ref ->> 'language'
    where c.id = ${p.conversationId}::uuid and c.tenant_id = ${p.tenantId}::uuid
      and r.ref ->> 'name' is not null`);
  return row ?? null;
}

/**
 * A conversation with its newest `limit` messages in order of arrival (id order), each with the
 * version that wrote it, Sentinel's verdicts and the status of its outbox row; and its handoffs.
 * With `before` (a message id, from `olderCursor`), the page is the `limit` messages just older than
 * that one instead: a keyset on `messages.id`, so pages never overlap or skip, however many messages
 * arrive meanwhile. With `since` (a message id), the messages from that one on to the newest instead
 * (at most `limit`, the newest ones): the tail a reader who loaded older pages polls.
 */
export async function getConversationThread(
  db: Executor,
  p: { tenantId: string; conversationId: string; limit: number; before?: number | null; since?: number | null },
): Promise<ConversationThread> {
  const conversation = await getConversation(db, p);
  const before = p.before ?? null;
  const since = p.since ?? null;
  const rows = await db.execute<RawThreadMessage>(sql`
    select m.id, m.direction, m.author, m.type, m.body, ${isoText(sql`m.created_at`)} as created_at,
           m.answers_up_to_id, m.tokens_in, m.tokens_out, m.latency_ms, m.policy_verdicts,
           v.id as version_id, v.version, ag.slug as version_agent_slug,
           u.email as author_email, u.name as author_name,
           ob.id as outbox_id, ob.kind as outbox_kind, ob.template_name as outbox_template, ob.status as outbox_status, ob.attempts as outbox_attempts,
           ob.last_error_code, ob.last_error, ob.block_reason, ob.block_template,
           ${isoText(sql`ob.sent_at`)} as sent_at, ${isoText(sql`ob.delivered_at`)} as delivered_at,
           ${isoText(sql`ob.read_at`)} as read_at, ${isoText(sql`ob.failed_at`)} as failed_at
    from messages m
    left join agent_versions v on v.id = m.agent_version_id
    left join agents ag on ag.id = v.agent_id
    left join users u on u.id = m.author_user_id
    -- Its send that counts (delivery.ts): the latest.
    ${lastSendJoin("m", {
      columns: sql`ob.id, ob.kind, ob.status, ob.attempts, ob.last_error_code, ob.last_error,
             case when ob.status = 'blocked' then ob.block_reason end as block_reason,
             case when ob.status = 'blocked' then ob.block_template end as block_template,
             ${sendTemplateName} as template_name,
             ob.sent_at, ob.delivered_at, ob.read_at, ob.failed_at`,
      and: sql`ob.tenant_id = ${p.tenantId}::uuid`,
    })}
    where m.conversation_id = ${p.conversationId}::uuid and m.tenant_id = ${p.tenantId}::uuid
      ${before === null ? sql`` : sql`and m.id < ${before}`}
      ${since === null ? sql`` : sql`and m.id >= ${since}`}
    order by m.id desc
    limit ${p.limit + 1}`);
  const messages = rows.slice(0, p.limit).reverse().map(toThreadMessage);
  const oldest = messages[0];
  let hasOlder = rows.length > p.limit;
  if (!hasOlder && since !== null) {
    const [older] = await db.execute<{ exists: boolean }>(sql`
      select exists (select 1 from messages m
                     where m.conversation_id = ${p.conversationId}::uuid and m.tenant_id = ${p.tenantId}::uuid
                       and m.id < ${oldest?.id ?? since}) as exists`);
    hasOlder = older?.exists === true;
  }
  const handoffs = await db.execute<{
    id: string;
    trigger: string;
    reason: string;
    started_at: string;
    first_human_reply_at: string | null;
    ended_at: string | null;
    end_reason: string | null;
  }>(sql`
    select h.id, h.trigger, h.reason, ${isoText(sql`h.started_at`)} as started_at,
           ${isoText(sql`h.first_human_reply_at`)} as first_human_reply_at,
           ${isoText(sql`h.ended_at`)} as ended_at, h.end_reason
    from handoffs h
    where h.conversation_id = ${p.conversationId}::uuid and h.tenant_id = ${p.tenantId}::uuid
    order by h.started_at, h.id`);
  const reengagement: ReengagementRead = needsReengagement(conversation.lastCustomerMessageAt)
    ? { read: true, template: await readReengagement(db, p) }
    : { read: false };
  return {
    conversation,
    messages,
    reengagement,
    hasOlder,
    olderCursor: hasOlder && oldest ? oldest.id : null,
    handoffs: handoffs.map((h) => ({
      id: h.id,
      trigger: h.trigger,
      reason: h.reason,
      startedAt: h.started_at,
      firstHumanReplyAt: h.first_human_reply_at,
      endedAt: h.ended_at,
      endReason: h.end_reason,
    })),
  };
}

import { sql, type SQL } from "drizzle-orm";

import type { Executor, Transaction } from "@lx/db/client";
import type { MenuState, TenantRouting } from "@lx/db/schema";
import type { SecretKeys } from "@lx/shared/crypto";
import { ANSWER_MAX_AGE_MS } from "@lx/shared/domain";
import {
  answerReminder,
  enqueueMarkRead,
  enqueueOutboundInteractive,
  enqueueOutboundText,
  asSentBody,
  insertAuditEvent,
  isoText,
  lastSendJoin,
  outboundCtes,
  sendReachedCustomer,
  startHandoff,
  type OutboundText,
  type HandoffStart,
} from "@lx/db/queries";
import {
  buildMenuPayload,
  isoInZone,
  matchHandoffKeyword,
  matchMenuChoice,
  menuText,
  type CompiledAgentBundle,
  type SentinelVerdict,
} from "@lx/shared";

import type { ModelChoice, LlmToolCall, LlmTurn } from "../llm/index.ts";
import type { Logger } from "../logger.ts";
import type { ClaimedJob } from "../queue/claim.ts";
import type { JobContext } from "../queue/runner.ts";
import { PermanentJobError } from "../queue/runner.ts";
import type { BundleCache } from "./bundle-cache.ts";
import { runCalendarTool } from "./calendar-tools.ts";
import { runCrmTool } from "./crm-tools.ts";
import { generateReply, modelHandoff, sentinelFor, systemPromptFor, toolLogFields, type ToolOutcome } from "./generate.ts";

export type ReplyDeps = {
  bundles: BundleCache;
  chooseModel: (bundle: CompiledAgentBundle) => ModelChoice;
  /** Bounded tool-call rounds per reply. */
  maxToolRounds?: number;
  /** What the plugins' tools need: the key of the tenants' webhook secrets (webhook backends). */
  tools?: { secretKey: SecretKeys; retryBackoffMs?: number };
  metrics?: {
    llm: (p: { provider: string; ms: number; tokensIn: number; tokensOut: number; ok: boolean }) => void;
    reply: (p: { outcome: string }) => void;
    policy: (p: { rule: string; action: string }) => void;
  };
};

type ReplyTarget = {
  messageId: number;
  body: string;
  metaMessageId: string | null;
  /**
   * When the customer sent the message (Meta's timestamp, never later than its arrival) and how old it
   * is now, and how long ago it arrived: a job run a day late (the workers were down) does not answer.
   */
  sentAt: string;
  ageMs: number;
  queuedMs: number;
  conversationId: string;
  tenantId: string;
  /** `active`, or `paused` / `archived`: the bot is silent on the tenant's Meta numbers (not its sandbox ones). */
  tenantStatus: string;
  numberKind: string;
  mode: string;
  summary: string;
  /** The summary's `up_to_message_id` (0: none yet), recorded on the reply for replays. */
  summaryUpToId: number;
  customerKey: string;
  numberId: string;
  agentId: string | null;
  conversationAgentId: string | null;
  activeVersionId: string | null;
  routing: TenantRouting;
  menuState: MenuState | null;
  /** A bot reply already covers this message (a burst answered together, or a re-run). */
  alreadyAnswered: boolean;
  /** How many of the bot's latest replies in a row Sentinel blocked (for the second-block handoff). */
  priorConsecutiveBlocks: number;
  /** The customer's latest message in the conversation (for burst windows). */
  latestIn: { id: number; ageMs: number; body: string } | null;
  /**
   * The context read along with the target: the active version's last `recentMessages` up to this
   * message. Used when the reply answers this message with this version (no burst, no menu choice).
   */
  history: { upToId: number; versionId: string; rows: HistoryRow[] } | null;
};

export type HistoryRow = { author: string; body: string };

type TargetRow = {
  message_id: string | number;
  body: string;
  meta_message_id: string | null;
  sent_at: string;
  age_ms: number;
  queued_ms: number;
  conversation_id: string;
  tenant_id: string;
  tenant_status: string;
  number_kind: string;
  mode: string;
  summary: string;
  summary_up_to_message_id: string | number | null;
  customer_key: string;
  number_id: string;
  agent_id: string | null;
  conversation_agent_id: string | null;
  active_version_id: string | null;
  routing: TenantRouting;
  menu_state: MenuState | null;
  already_answered: boolean;
  recent_blocks: boolean[] | null;
  latest_in_id: string | number | null;
  latest_in_age_ms: number | null;
  latest_in_body: string | null;
  history: [string, string][] | null;
};

async function loadTarget(db: Executor, messageId: number): Promise<ReplyTarget | null> {
  return (await loadTargets(db, [messageId])).get(messageId) ?? null;
}

/**
 * The reply jobs' targets for a claimed batch, in one query (the runner's preload): under a backlog
 * a claim takes up to 16 jobs, and each read one statement more than it needs.
 */
export async function preloadReplyTargets(db: Executor, jobs: readonly ClaimedJob[]): Promise<Map<number, ReplyTarget>> {
  const byMessage = await loadTargets(db, jobs.flatMap((j) => (j.messageId ? [j.messageId] : [])));
  const out = new Map<number, ReplyTarget>();
  for (const j of jobs) {
    const t = j.messageId ? byMessage.get(j.messageId) : undefined;
    if (t) {
      out.set(j.id, t);
    }
  }
  return out;
}

async function loadTargets(db: Executor, messageIds: readonly number[]): Promise<Map<number, ReplyTarget>> {
  const out = new Map<number, ReplyTarget>();
  if (messageIds.length === 0) {
    return out;
  }
  const ids = `{${messageIds.map((id) => Math.trunc(id)).join(",")}}`;
  const sent = sentAtSql("m");
  const rows = await db.execute<TargetRow>(sql`
    select m.id as message_id, m.body, m.meta_message_id, c.id as conversation_id, c.tenant_id, t.status as tenant_status,
           ${isoText(sent.at)} as sent_at, extract(epoch from now() - ${sent.at}) * 1000 as age_ms,
           extract(epoch from now() - m.created_at) * 1000 as queued_ms,
           n.kind as number_kind, c.mode,
           c.summary, c.summary_up_to_message_id, c.customer_key, c.phone_number_id as number_id, c.agent_id as conversation_agent_id,
           t.routing, c.menu_state, r.agent_id, a.active_version_id,
           exists (
             -- A reply is written after what it answers (o.id > m.id): the index range starts at m.
             select 1 from messages o
             where o.conversation_id = c.id and o.id > m.id and o.direction = 'out' and o.answers_up_to_id >= m.id
           ) as already_answered,
           (select array_agg(b.blocked order by b.id desc) from (
              select o.id, coalesce(o.policy_verdicts @> '[{"action":"block"}]'::jsonb, false) as blocked
              from messages o where o.conversation_id = c.id and o.author = 'bot'
              order by o.id desc limit 3) b) as recent_blocks,
           li.id as latest_in_id, extract(epoch from now() - li.created_at) * 1000 as latest_in_age_ms,
           li.body as latest_in_body, hist.rows as history
    from messages m
    join conversations c on c.id = m.conversation_id
    join phone_numbers n on n.id = c.phone_number_id
    join tenants t on t.id = c.tenant_id
    -- The conversation's own agent; else, routing by number, the number's agent; under menu routing
    -- none until the customer chooses.
    cross join lateral (
      select coalesce(c.agent_id, case when t.routing->>'mode' = 'menu' then null else n.agent_id end) as agent_id
    ) r
    left join agents a on a.id = r.agent_id
    ${sent.join}
    left join lateral (
      select i.id, i.created_at, i.body from messages i
      where i.conversation_id = c.id and i.direction = 'in' order by i.id desc limit 1
    ) li on true
    left join agent_versions av on av.id = a.active_version_id
    -- The context (loadHistory's query, in the same round trip), sized by the active version.
    left join lateral (
      select json_agg(json_build_array(h.author, h.body) order by h.pos, h.sub, h.id) as rows
      from (${recentTurnsSql(sql`c.id`, sql`m.id`, sql`coalesce((av.bundle->'context'->>'recentMessages')::int, 0)`)}) h
    ) hist on av.id is not null
    where m.id = any(${ids}::bigint[])`);
  for (const r of rows) {
    out.set(Number(r.message_id), targetOf(r));
  }
  return out;
}

/**
 * When the customer sent message `m` (a messages alias), as the webhook's ingest judged it: Meta's
 * timestamp from the stored webhook payload (one probe of its unique key), but never later than the
 * message's arrival (`created_at`), which stands in when the payload has none (expired, or not
 * Meta's: the test chat).
 */
function sentAtSql(message: string): { join: SQL; at: SQL } {
  const m = sql.identifier(message);
  return {
    join: sql`
    left join lateral (
      select to_timestamp((e.payload #>> '{message,timestamp}')::double precision) as at
      from webhook_events e
      where ${m}.direction = 'in' and ${m}.meta_message_id is not null
        and e.tenant_id = ${m}.tenant_id and e.meta_message_id = ${m}.meta_message_id and e.kind = 'message'
        and e.payload #>> '{message,timestamp}' ~ '^[0-9]{1,11}$'
    ) meta_sent on true`,
    at: sql`least(${m}.created_at, coalesce(meta_sent.at, ${m}.created_at))`,
  };
}

function targetOf(r: TargetRow): ReplyTarget {
  let blocks = 0;
  for (const blocked of r.recent_blocks ?? []) {
    if (!blocked) {
      break;
    }
    blocks++;
  }
  return {
    messageId: Number(r.message_id),
    body: r.body,
    metaMessageId: r.meta_message_id,
    sentAt: r.sent_at,
    ageMs: Number(r.age_ms),
    queuedMs: Number(r.queued_ms),
    conversationId: r.conversation_id,
    tenantId: r.tenant_id,
    tenantStatus: r.tenant_status,
    numberKind: r.number_kind,
    mode: r.mode,
    summary: r.summary,
    summaryUpToId: Number(r.summary_up_to_message_id ?? 0),
    customerKey: r.customer_key,
    numberId: r.number_id,
    agentId: r.agent_id,
    conversationAgentId: r.conversation_agent_id,
    activeVersionId: r.active_version_id,
    routing: r.routing,
    menuState: r.menu_state,
    alreadyAnswered: r.already_answered,
    priorConsecutiveBlocks: blocks,
    latestIn:
      r.latest_in_id === null
        ? null
        : { id: Number(r.latest_in_id), ageMs: Number(r.latest_in_age_ms), body: r.latest_in_body ?? "" },
    history:
      r.active_version_id === null
        ? null
        : {
            upToId: Number(r.message_id),
            versionId: r.active_version_id,
            rows: (r.history ?? []).map(([author, body]) => ({ author, body })),
          },
  };
}

/**
 * The conversation up to (and including) the message being answered, oldest first. Replies sit right
 * after the message they answered (`answers_up_to_id`), not at their own (later) id: a customer who
 * sent m1, m2 while r1 was being written saw m1, r1, m2.
 */
async function loadHistory(
  db: Executor,
  conversationId: string,
  upToId: number,
  limit: number,
): Promise<{ turns: LlmTurn[]; full: boolean }> {
  const rows = await db.execute<HistoryRow>(historySql(conversationId, upToId, limit));
  return toTurns(rows, limit);
}

/** loadHistory's statement (bench/probes/reply-context.ts measures it). */
export function historySql(conversationId: string, upToId: number, limit: number): SQL {
  return sql`
    select author, body from (${recentTurnsSql(sql`${conversationId}::uuid`, sql`${upToId}::bigint`, sql`${limit}::int`)}) recent
    order by pos, sub, id`;
}

/**
 * The conversation's latest `limit` turns up to message `upTo` (newest first, with `pos`/`sub` to
 * put them in conversation order): loadHistory's query and the target read's context, one text.
 * `asOf`: only what had been sent when `upTo` was answered (a replay: the reply to `upTo` and
 * everything after it exist now, but did not then).
 *
 * Turns are what the customer got (@lx/db delivery.ts): a reply whose send never reached them is
 * left out, and one the 24-hour rule replaced by a template reads as that template.
 *
 * It reads only the end of the conversation, whatever its length: it used to read and sort the whole
 * conversation (bench/probes/reply-context.ts). A turn's place `pos` is never past its own id (a
 * reply is written after the message it answers), so once the turns read newest id first hold
 * `limit` kept ones reaching back to place P, the latest `limit` by place all have an id of P or
 * more: the walk goes back one row at a time through messages_conversation_idx (one outbox probe
 * each) and stops at the first row below P, and only those rows are put in conversation order.
 * A walk of ordered `LIMIT 1` steps, as the queue's claim (claim.ts), so that no statistics can
 * plan it otherwise: as one ordered, limited scan it was planned on the primary key (a conversation
 * that was most of the table: every newer message of every conversation read) or as a bitmap scan
 * of the whole conversation plus a sort (the statistics of an average one).
 */
export function recentTurnsSql(conversation: SQL, upTo: SQL, limit: SQL, asOf = false): SQL {
  const kept = asOf
    ? sql`((k.direction = 'out' and coalesce(k.answers_up_to_id, k.id) < ${upTo}) or k.id <= ${upTo})`
    : sql`(k.direction = 'out' or k.id <= ${upTo})`;
  // The conversation's next kept row below id `before`, in the index's own order: by the row
  // (conversation_id, id), which no other index serves. The row found may be the end of the
  // conversation before it in the index (then the walk stops: `t.conversation_id = …` below).
  const turn = (before: SQL) => sql`
    select k.id, k.conversation_id, k.author, k.body, k.type, k.direction, coalesce(k.answers_up_to_id, k.id) as pos,
           case when k.answers_up_to_id is null then 0 else 1 end as sub,
           ob.kind as send_kind, ob.status as send_status, ob.payload as send_payload, ob.tenant_id as send_tenant_id,
           ${sendReachedCustomer} as reached
    from (
      select k.* from messages k
      where (k.conversation_id, k.id) < (${conversation}, ${before})
        and (k.conversation_id <> ${conversation} or ${kept})
      order by k.conversation_id desc, k.id desc limit 1
    ) k
    ${lastSendJoin("k")}`;
  // n: the kept turns so far; p: the lowest place among the first `limit` of them.
  return sql`
    with recursive walk as (
      (select t.*, t.reached::int as n, case when t.reached then t.pos end as p
       from (${turn(sql`9223372036854775807::bigint`)}) t
       where t.conversation_id = ${conversation})
      union all
      (select t.*, w.n + t.reached::int, case when t.reached and w.n < ${limit} then least(w.p, t.pos) else w.p end
       from walk w
       cross join lateral (${turn(sql`w.id`)}) t
       where t.conversation_id = ${conversation} and (w.n < ${limit} or t.id >= w.p))
    )
    select s.id, s.author, ${asSentBody("s")} as body, s.pos, s.sub
    from walk s
    cross join lateral (
      select s.send_kind as kind, s.send_status as status, s.send_payload as payload, s.send_tenant_id as tenant_id
    ) ob
    where s.reached
    order by s.pos desc, s.sub desc, s.id desc
    limit ${limit}`;
}

/** History rows (oldest first) as the model's turns. */
export function toTurns(rows: readonly HistoryRow[], limit: number): { turns: LlmTurn[]; full: boolean } {
  const turns: LlmTurn[] = [];
  for (const r of rows) {
    const role = r.author === "customer" ? "user" : "assistant";
    const content = r.author === "human" ? `[human agent] ${r.body}` : r.body;
    const last = turns.at(-1);
    // Consecutive turns of one side are merged (providers want alternating roles).
    if (last?.role === role) {
      last.content = `${last.content}\n${content}`;
    } else {
      turns.push(role === "user" ? { role, content } : { role: "assistant", content });
    }
  }
  // Fewer rows than asked for: the whole conversation fits in the context (no summary is due yet).
  return { turns, full: rows.length >= limit };
}

/**
 * conversation.reply: answer one customer message with the conversation's active agent version.
 * Reads happen outside any transaction (the LLM call may take seconds); every write happens in the
 * job's completing transaction, so a crash or a lost lease leaves nothing half-sent.
 */
export async function handleReply(ctx: JobContext, deps: ReplyDeps): Promise<void> {
  const { db, job, logger } = ctx;
  if (!job.messageId) {
    throw new PermanentJobError("conversation.reply without message_id");
  }
  const t = (ctx.preloaded as ReplyTarget | undefined) ?? (await loadTarget(db, job.messageId));
  if (!t) {
    throw new PermanentJobError(`message ${job.messageId} not found`);
  }
  const readReceipt = async (tx: Transaction) => {
    if (t.metaMessageId) {
      await enqueueMarkRead(tx, { tenantId: t.tenantId, numberId: t.numberId, recipient: t.customerKey, metaMessageId: t.metaMessageId });
    }
  };
  if (t.alreadyAnswered) {
    deps.metrics?.reply({ outcome: "already_answered" });
    return;
  }
  if (t.tenantStatus !== "active" && t.numberKind === "meta") {
    // The agency paused (or archived) the tenant: its customers' messages are kept for the inbox and
    // nobody is answered by the bot, not even with a read receipt. Sandbox numbers keep answering.
    deps.metrics?.reply({ outcome: "tenant_paused" });
    logger.info({ tenantStatus: t.tenantStatus }, "tenant paused: the bot stays silent");
    return;
  }
  if (t.ageMs > ANSWER_MAX_AGE_MS) {
    // The job ran a day or more after the message (the workers were down, or the queue was stuck):
    // the same rule as the webhook's ingest for a message that arrives that old. No model call, no
    // send (past 24 hours it could only be a paid template answering a stale question), and no read
    // receipt either (the ingest sends none for such a message; blue ticks a day late with no answer
    // read as being ignored). The message stays in the inbox for a human. Whatever the
    // conversation's mode: a human who has it answers it there. Judged by the job's own message: in
    // a burst, a newer message of the customer's is answered by its own job (bursts answer up to
    // the customer's latest message), and the audit says this one was not.
    const ageHours = Math.floor(t.ageMs / 3_600_000);
    const queuedHours = Math.floor(t.queuedMs / 3_600_000);
    await ctx.finish(async (tx) => {
      await insertAuditEvent(tx, {
        tenantId: t.tenantId,
        actor: { type: "worker", label: ctx.workerId },
        type: "message.too_old_to_answer",
        subjectType: "conversation",
        subjectId: t.conversationId,
        data: { stage: "run", messageId: t.messageId, metaMessageId: t.metaMessageId, sentAt: t.sentAt, ageHours, queuedHours, jobId: job.id },
      });
    });
    deps.metrics?.reply({ outcome: "too_old" });
    logger.info({ messageId: t.messageId, ageHours, queuedHours }, "message too old to answer when its job ran: not answered");
    return;
  }
  if (t.mode !== "bot") {
    // A human owns the conversation: the bot stays silent and makes no LLM call.
    deps.metrics?.reply({ outcome: "human_owned" });
    await ctx.finish(readReceipt);
    return;
  }
  // Multi-agent routing by menu: the first message gets the menu; the answer picks the agent.
  if (!t.agentId && t.routing.mode === "menu") {
    const routed = await routeByMenu(ctx, t, readReceipt);
    if (!routed) {
      deps.metrics?.reply({ outcome: "menu" });
      return;
    }
    t.agentId = routed.agentId;
    t.activeVersionId = routed.activeVersionId;
  }
  if (!t.activeVersionId) {
    await ctx.finish(async (tx) => {
      await insertAuditEvent(tx, {
        tenantId: t.tenantId,
        actor: { type: "worker", label: ctx.workerId },
        type: "reply.no_active_version",
        subjectType: "conversation",
        subjectId: t.conversationId,
        data: { agentId: t.agentId, messageId: t.messageId },
      });
    });
    deps.metrics?.reply({ outcome: "no_active_version" });
    return;
  }
  const active = await deps.bundles.get(db, t.activeVersionId);
  if (!active) {
    throw new PermanentJobError(`version ${t.activeVersionId} not found`);
  }
  const { bundle } = active;
  const log = logger.child({ agentVersion: active.version, agentVersionId: t.activeVersionId });

  // Bursts: wait burstWindowMs after the customer's latest message, then answer everything up to it
  // in one reply (later jobs of the burst find their message answered and stay silent).
  const windowMs = bundle.context.burstWindowMs;
  if (windowMs > 0 && t.latestIn) {
    if (t.latestIn.ageMs < windowMs) {
      ctx.defer(Math.ceil(windowMs - t.latestIn.ageMs) + 25);
    }
    t.messageId = t.latestIn.id;
    t.body = t.latestIn.body;
  }

  const keyword = matchHandoffKeyword(t.body, bundle.policies.handoff.keywords);
  if (keyword) {
    await ctx.finish(async (tx) => {
      await readReceipt(tx);
      await startHandoff(tx, handoffFor(t, bundle, ctx.workerId, "keyword", `"${keyword}"`));
    });
    log.info({ keyword }, "handoff by keyword");
    deps.metrics?.reply({ outcome: "handoff_keyword" });
    return;
  }

  // "Responda 1 para confirmar ou 2 para remarcar": a bare "1" or "2" answering an appointment
  // reminder confirms it, or marks it to be replaced by the next booking; the model is told either way.
  const answer = bundle.plugins.reminders ? /^\s*([12])\s*[.!]?\s*$/.exec(t.body)?.[1] : undefined;
  const reminded = answer
    ? await answerReminder(db, {
        tenantId: t.tenantId,
        conversationId: t.conversationId,
        answerMessageId: t.messageId,
        answer: answer === "1" ? "confirm" : "reschedule",
        actor: { type: "worker", label: ctx.workerId },
      })
    : null;
  if (reminded) {
    log.info({ appointmentId: reminded.id, answer }, answer === "1" ? "appointment confirmed by the customer" : "appointment to be moved");
  }

  const { recentMessages } = bundle.context;
  const { turns, full: longConversation } =
    t.history && t.history.upToId === t.messageId && t.history.versionId === t.activeVersionId
      ? toTurns(t.history.rows, recentMessages)
      : await loadHistory(db, t.conversationId, t.messageId, recentMessages);
  const system = systemPromptFor(bundle, {
    summary: t.summary,
    now: new Date(),
    extra: reminded ? [reminderAnswerSection(answer === "1", reminded, bundle.agent.timezone)] : [],
  });
  const choice = deps.chooseModel(bundle);
  const { provider } = choice;
  const generation = await generateReply({
    bundle,
    choice,
    system,
    turns,
    maxRounds: deps.maxToolRounds ?? 3,
    signal: ctx.signal,
    metrics: deps.metrics,
    runTool: (call) => runTool(call, bundle, t, { db, workerId: ctx.workerId, tools: deps.tools, logger: log }),
    onTool: (call, result) => log.info(toolLogFields(call, result), "tool called"),
  });
  const { text, handoffReason, tokensIn, tokensOut, latencyMs } = generation;

  if (handoffReason) {
    await ctx.finish(async (tx) => {
      await readReceipt(tx);
      await startHandoff(tx, handoffFor(t, bundle, ctx.workerId, "model", handoffReason ?? ""));
    });
    // The reason is the model's words about the customer: kept in the handoff row (erasable), not in logs.
    log.info({ reasonChars: handoffReason.length, tokensIn, tokensOut, latencyMs }, "handoff requested by the model");
    deps.metrics?.reply({ outcome: "handoff_model" });
    return;
  }

  const verdict: SentinelVerdict = sentinelFor(bundle, text, turns, t.priorConsecutiveBlocks);
  for (const h of verdict.hits) {
    deps.metrics?.policy({ rule: h.rule, action: h.action });
  }
  const auditPolicy = async (tx: Transaction) => {
    if (verdict.hits.length > 0) {
      await insertAuditEvent(tx, {
        tenantId: t.tenantId,
        actor: { type: "worker", label: ctx.workerId },
        type: "policy.hit",
        subjectType: "conversation",
        subjectId: t.conversationId,
        data: { verdict: verdict.action, hits: verdict.hits, agentVersion: active.version, messageId: t.messageId },
      });
    }
  };

  if (verdict.action === "handoff") {
    await ctx.finish(async (tx) => {
      await readReceipt(tx);
      await auditPolicy(tx);
      await startHandoff(
        tx,
        handoffFor(t, bundle, ctx.workerId, "policy", verdict.hits.map((h) => `${h.rule}: ${h.detail}`).join("; ")),
      );
    });
    log.warn({ hits: verdict.hits.map((h) => ({ rule: h.rule, action: h.action })) }, "Sentinel handed the conversation to a human");
    deps.metrics?.reply({ outcome: "handoff_policy" });
    return;
  }

  const finalParts = verdict.messages.length > 0 ? verdict.messages : [bundle.policies.fallbackMessage];
  const verdicts = verdict.hits.map((h) => ({ rule: h.rule, action: h.action, detail: h.detail }));
  const reply = (text: string, i: number): OutboundText => ({
    tenantId: t.tenantId,
    conversationId: t.conversationId,
    numberId: t.numberId,
    recipient: t.customerKey,
    author: "bot",
    text,
    agentVersionId: t.activeVersionId,
    answersUpToId: t.messageId,
    // The summary in the system prompt above (every part: a replay groups them by answersUpToId).
    contextSummaryUpToId: t.summaryUpToId,
    touchConversation: false,
    // The read receipt rides on the reply's first send (no row of its own).
    readReceiptFor: i === 0 ? t.metaMessageId : null,
    tokensIn: i === 0 ? tokensIn : null,
    tokensOut: i === 0 ? tokensOut : null,
    latencyMs: i === 0 ? latencyMs : null,
    policyVerdicts: i === 0 && verdicts.length > 0 ? verdicts : null,
  });
  const afterReply = () => {
    log.info(
      {
        metaMessageId: t.metaMessageId,
        tokensIn,
        tokensOut,
        latencyMs,
        parts: finalParts.length,
        provider: provider.name,
        policy: verdict.action,
        policyHits: verdict.hits.map((h) => h.rule),
      },
      "replied",
    );
    deps.metrics?.reply({ outcome: verdict.action === "block" ? "blocked" : "replied" });
  };
  const upToId = windowMs > 0 ? t.messageId : null;
  // The common case — one part, no policy hit to audit — in one statement: guard, job completion,
  // reply and summary check. When it writes nothing (taken over, a newer message, or the job lost),
  // the transaction below decides what happened and records it.
  const [only] = finalParts;
  if (only !== undefined && finalParts.length === 1 && verdict.hits.length === 0) {
    const done = await ctx.finishInOneStatement(replyGuardSql(t.conversationId, upToId), (job) => {
      const completed = sql`exists (select 1 from job)`;
      return sql`
        with ${job}, ${outboundCtes(reply(only, 0), completed)}
        ${longConversation ? sql`, summary as (${summaryIfDue(t.conversationId, t.tenantId, bundle, completed)})` : sql``}
        select ${completed} as done`;
    });
    if (done) {
      await rememberAgent(db, t, log);
      afterReply();
      return;
    }
  }
  let stale = false;
  let superseded = false;
  await ctx.finish(async (tx) => {
    const guard = await replyGuard(tx, t.conversationId, windowMs > 0 ? t.messageId : null);
    if (!guard.botOwns) {
      // Handed off while the reply was being written: the reply is dropped, and audited.
      stale = true;
      await Promise.all([
        readReceipt(tx),
        insertAuditEvent(tx, {
          tenantId: t.tenantId,
          actor: { type: "worker", label: ctx.workerId },
          type: "reply.stale",
          subjectType: "conversation",
          subjectId: t.conversationId,
          data: { messageId: t.messageId, agentVersion: active.version },
        }),
      ]);
      return;
    }
    if (guard.newerCustomerMessage) {
      // The customer wrote again while this reply was being written: a reply that ignores it is not
      // sent; the newer message's job answers everything.
      superseded = true;
      await readReceipt(tx);
      return;
    }
    // Independent writes, sent together: postgres.js pipelines them on the transaction's connection.
    await Promise.all([
      auditPolicy(tx),
      longConversation ? queueSummaryIfDue(tx, t.conversationId, t.tenantId, bundle) : undefined,
      ...finalParts.map((part, i) => enqueueOutboundText(tx, reply(part, i))),
    ]);
  });
  if (superseded) {
    log.info({ metaMessageId: t.metaMessageId }, "reply superseded by a newer customer message");
    deps.metrics?.reply({ outcome: "superseded" });
    return;
  }
  if (stale) {
    log.info({ metaMessageId: t.metaMessageId }, "reply dropped: the conversation was handed to a human meanwhile");
    deps.metrics?.reply({ outcome: "stale" });
    return;
  }
  await rememberAgent(db, t, log);
  afterReply();
}

/**
 * Remembers the agent on a conversation that still has none when number routing resolves one. The
 * webhook's ingest already gives a conversation its number's agent, so this is the exception (a
 * conversation started under menu routing, or while its number had no agent); a menu choice is
 * stored when made. Best effort, after the reply's commit and on its own: completions commit in
 * groups, and a group must never hold a conversation row (the ingest upserts it) while a busy worker
 * gets round to its commit. It never waits for the row either: a busy row is skipped, and the next
 * reply resolves the same agent and remembers it then (as after a crash right here).
 */
async function rememberAgent(db: Executor, t: ReplyTarget, log: Logger): Promise<void> {
  if (t.conversationAgentId || !t.agentId) {
    return;
  }
  await db
    .execute(
      sql`update conversations set agent_id = ${t.agentId}::uuid
        where id = (select c.id from conversations c
                    where c.id = ${t.conversationId}::uuid and c.agent_id is null
                    for no key update skip locked)`,
    )
    .catch((err: unknown) => log.warn({ err }, "could not remember the conversation's agent"));
}

/**
 * Summaries: past `summarizeAfter` messages beyond the summary, a conversation.summarize job folds
 * the older turns into the conversation summary. It runs off the reply path (no conversation id on
 * the job, so it never holds replies back); the job key keeps one open job per conversation. Only
 * checked once the recent-message window is full (a shorter conversation cannot be due), and the
 * count stops at the threshold.
 */
async function queueSummaryIfDue(tx: Transaction, conversationId: string, tenantId: string, bundle: CompiledAgentBundle): Promise<void> {
  await tx.execute(summaryIfDue(conversationId, tenantId, bundle, sql`true`));
}

/** The insert of queueSummaryIfDue, done only when `when` also holds (a CTE of the one-statement reply). */
function summaryIfDue(conversationId: string, tenantId: string, bundle: CompiledAgentBundle, when: SQL): SQL {
  const { summarizeAfter, recentMessages } = bundle.context;
  return sql`
    insert into message_queue (tenant_id, task, payload, job_key, max_attempts)
    select ${tenantId}::uuid, 'conversation.summarize', ${JSON.stringify({ conversationId })}::jsonb, ${`summarize:${conversationId}`}, 3
    where (${when})
      and (select count(*) from (
             select 1 from messages m join conversations c on c.id = m.conversation_id
             where m.conversation_id = ${conversationId} and m.id > coalesce(c.summary_up_to_message_id, 0)
             limit ${summarizeAfter + recentMessages + 1}) beyond)
          > ${summarizeAfter + recentMessages}
      and not exists (select 1 from message_queue where job_key = ${`summarize:${conversationId}`} and status in ('queued', 'running'))`;
}

/**
 * The menu of a menu-routed tenant. Returns the chosen agent, or null when this job was the menu
 * itself (sent, or asked again) and has been finished.
 */
async function routeByMenu(
  ctx: JobContext,
  t: ReplyTarget,
  readReceipt: (tx: Transaction) => Promise<void>,
): Promise<{ agentId: string; activeVersionId: string | null } | null> {
  if (t.routing.mode !== "menu") {
    return null;
  }
  const { prompt, options } = t.routing;
  const chosen = t.menuState?.status === "chosen" ? options.findIndex((o) => o.agent === (t.menuState as { agentSlug: string }).agentSlug) : -1;
  const asked = t.menuState?.status === "awaiting_choice" ? t.menuState.asked : 0;
  let choice = chosen >= 0 ? chosen : asked > 0 ? matchMenuChoice(t.body, options) : null;
  if (choice === null && asked < 2) {
    const text = menuText(prompt, options);
    await ctx.finish(async (tx) => {
      await readReceipt(tx);
      await enqueueOutboundInteractive(tx, {
        tenantId: t.tenantId,
        conversationId: t.conversationId,
        numberId: t.numberId,
        recipient: t.customerKey,
        author: "system",
        text,
        answersUpToId: t.messageId,
        payload: buildMenuPayload(prompt, options),
      });
      await tx.execute(sql`
        update conversations set menu_state = ${JSON.stringify({ status: "awaiting_choice", asked: asked + 1 })}::jsonb
        where id = ${t.conversationId}`);
    });
    return null;
  }
  // Unclear twice: the first option is the default.
  choice ??= 0;
  const option = options[choice] ?? options[0];
  if (!option) {
    throw new PermanentJobError("menu routing without options");
  }
  const [agent] = await ctx.db.execute<{ id: string; active_version_id: string | null }>(sql`
    select id, active_version_id from agents where tenant_id = ${t.tenantId} and slug = ${option.agent}`);
  if (!agent) {
    throw new PermanentJobError(`menu option agent "${option.agent}" does not exist`);
  }
  await ctx.db.execute(sql`
    update conversations set menu_state = ${JSON.stringify({ status: "chosen", agentSlug: option.agent })}::jsonb,
           agent_id = coalesce(agent_id, ${agent.id}::uuid)
    where id = ${t.conversationId}`);
  return { agentId: agent.id, activeVersionId: agent.active_version_id };
}

function handoffFor(
  t: ReplyTarget,
  bundle: CompiledAgentBundle,
  workerId: string,
  trigger: HandoffStart["trigger"],
  reason: string,
): HandoffStart {
  return {
    tenantId: t.tenantId,
    conversationId: t.conversationId,
    numberId: t.numberId,
    recipient: t.customerKey,
    trigger,
    reason,
    message: bundle.policies.handoff.message,
    agentVersionId: t.activeVersionId,
    answersUpToId: t.messageId,
    resumeAfterMinutes: bundle.policies.handoff.resumeAfterMinutes,
    notifyWebhookUrl: bundle.policies.handoff.notifyWebhookUrl,
    actor: { type: "worker", label: workerId },
  };
}

/**
 * Inside the completing transaction: whether the bot still owns the conversation and, under a burst
 * window, whether the customer wrote again after `upToId`. The conversation row is read, not locked:
 * a lock held until this transaction commits made every webhook of the conversation (its ingest
 * upserts the row) wait on the worker. A take-over that commits between this read and our commit is
 * still caught: the sender cancels a bot reply whose conversation is no longer the bot's, and audits
 * it (send.stale_cancelled), so the customer never gets it.
 */
/** replyGuard as one boolean (the bot owns the conversation and no newer message), for the one-statement reply. */
function replyGuardSql(conversationId: string, upToId: number | null): SQL {
  return sql`(select c.mode = 'bot' and not (${newerCustomerMessageSql(upToId)})
    from conversations c where c.id = ${conversationId}::uuid)`;
}

/** Under a burst window (`upToId` set): the customer wrote after `upToId` in conversation `c`. */
function newerCustomerMessageSql(upToId: number | null): SQL {
  return sql`${upToId}::bigint is not null and exists (
    select 1 from messages m where m.conversation_id = c.id and m.direction = 'in' and m.id > ${upToId}::bigint)`;
}

async function replyGuard(
  tx: Transaction,
  conversationId: string,
  upToId: number | null,
): Promise<{ botOwns: boolean; newerCustomerMessage: boolean }> {
  const [c] = await tx.execute<{ mode: string; newer: boolean }>(sql`
    select c.mode, ${newerCustomerMessageSql(upToId)} as newer
    from conversations c where c.id = ${conversationId}`);
  return { botOwns: c?.mode === "bot", newerCustomerMessage: c?.newer === true };
}

/**
 * conversation.reply went dead (the LLM is down, or the reply keeps failing): a failing bot hands
 * the conversation to a human instead of going quiet.
 */
export async function handleDeadReply(db: Executor, job: { messageId: number | null; id: number }, deps: Pick<ReplyDeps, "bundles">, workerId: string): Promise<void> {
  if (!job.messageId) {
    return;
  }
  const t = await loadTarget(db, job.messageId);
  if (!t?.activeVersionId) {
    return;
  }
  const active = await deps.bundles.get(db, t.activeVersionId);
  if (!active) {
    return;
  }
  await db.transaction(async (tx) => {
    await startHandoff(tx, handoffFor(t, active.bundle, workerId, "failure", `reply job ${job.id} failed on every attempt`));
  });
}

/** What the model is told when the customer answered a reminder with "1" or "2". */
function reminderAnswerSection(confirmed: boolean, a: { startsAt: string; service: string | null }, timeZone: string): string {
  const which = `${isoInZone(new Date(a.startsAt), timeZone)}${a.service ? ` (${a.service})` : ""}`;
  return confirmed
    ? `## Appointment confirmed\nThe customer answered the reminder with "1": their appointment of ${which} is now confirmed. Thank them briefly.`
    : `## Appointment to move\nThe customer answered the reminder with "2": they want to move their appointment of ${which}. Ask when suits them, offer times from check_availability and book the chosen one with book_slot: the old appointment is cancelled when the new one is booked.`;
}

/**
 * Tool execution: handoff_to_human, the calendar plugin's check_availability and book_slot
 * (services/calendar-tools.ts) and the CRM plugin's create_deal (services/crm-tools.ts). A tool the
 * version does not offer answers `{ error }`.
 */
async function runTool(
  call: LlmToolCall,
  bundle: CompiledAgentBundle,
  t: ReplyTarget,
  ctx: { db: Executor; workerId: string; tools?: ReplyDeps["tools"]; logger: Logger },
): Promise<ToolOutcome> {
  const handoff = modelHandoff(call, bundle);
  if (handoff) {
    return handoff;
  }
  const calendar = bundle.plugins.calendar;
  if ((call.name === "check_availability" || call.name === "book_slot") && calendar && ctx.tools) {
    const output = await runCalendarTool(call.name, call.arguments, {
      db: ctx.db,
      calendar,
      timeZone: bundle.agent.timezone,
      conversation: { tenantId: t.tenantId, conversationId: t.conversationId, customerKey: t.customerKey, agentId: t.agentId },
      workerId: ctx.workerId,
      secretKey: ctx.tools.secretKey,
      now: new Date(),
      retryBackoffMs: ctx.tools.retryBackoffMs,
      logger: ctx.logger,
    });
    return { output };
  }
  const crm = bundle.plugins.crm;
  if (call.name === "create_deal" && crm && ctx.tools) {
    const output = await runCrmTool(call.arguments, {
      db: ctx.db,
      crm,
      conversation: { tenantId: t.tenantId, conversationId: t.conversationId, customerKey: t.customerKey, agentId: t.agentId },
      workerId: ctx.workerId,
      secretKey: ctx.tools.secretKey,
      retryBackoffMs: ctx.tools.retryBackoffMs,
      logger: ctx.logger,
    });
    return { output };
  }
  return { output: { error: `tool ${call.name} is not available` } };
}

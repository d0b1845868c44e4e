import { sql } from "drizzle-orm";

import { estimateCostUsd, MODEL_PRICES, priceOf, type ModelPrice } from "@lx/shared/domain";
import { AppError } from "@lx/shared/errors";
import type { TMetricsTraffic as MetricsTraffic } from "@lx/shared/schemas";

import type { Executor } from "../client.ts";
import { insertAuditEvent } from "./audit.ts";
import { isoText } from "./conversations.ts";

/**
 * A tenant's metrics per day and per agent version, read-only, from the rows the runtime wrote:
 * messages (direction, author, version, tokens, Sentinel verdicts, answers_up_to_id), handoffs and
 * outbox rows. Days are calendar days in the tenant's time zone (`tenants.time_zone`, e.g.
 * America/Sao_Paulo): a message at 01:00 UTC counts on the previous day in São Paulo, and the range
 * starts at local midnight of its first day. The definitions (also shown in the console, one line each):
 *
 * - conversations: distinct conversations with a message that day (per version: with a message the
 *   version wrote).
 * - messages in / out: customer messages; messages sent by the bot, humans or the system (the model's
 *   internal context notes are not messages). Per version, "in" counts the customer messages the
 *   version answered and "out" what it wrote.
 * - bot first response (p50/p90): for each customer message received while no handoff was open, the
 *   time until the first outgoing message that answers it (`answers_up_to_id ≥` its id), counted when
 *   that message is the bot's (a handoff or menu message is not a bot answer). Attributed to the day
 *   the customer wrote and to the version that answered.
 * - human first response (p50/p90): handoff start → first human reply, over handoffs that got one.
 * - handoffs, rate and reasons: handoffs started; rate = handoffs ÷ conversations. A handoff belongs to
 *   the version whose handoff message opened it (same transaction); operator take-overs to none.
 * - delivery / read rate: of text messages that left the outbox (sent, delivered, read, failed, dead or
 *   blocked), the share that reached delivered (or read), and read.
 * - templates sent / failed: template sends that reached Meta (sent, delivered, read) / did not
 *   (failed, dead, blocked).
 * - policy hits: Sentinel verdict entries on the bot's messages.
 * - tokens and estimated cost: tokens in/out recorded on the bot's messages, priced with the model of
 *   the version that wrote them (MODEL_PRICES of @lx/shared, exact names only; an unlisted model has
 *   no price: its tokens are counted in `unpricedTokens`, never costed with a guess).
 *
 * Traffic: every figure counts either the tenant's customers only — conversations on its Meta numbers,
 * leaving out the sandbox numbers, where only the console's test chat, its handoff test and the
 * customer simulator ever write — or all traffic. By default customers only when the tenant has a Meta
 * number, else all (a tenant still on the sandbox has nothing else to show).
 */

export type MetricsValues = {
  conversations: number;
  messagesIn: number;
  messagesOut: number;
  botResponses: number;
  botFirstResponseP50Ms: number | null;
  botFirstResponseP90Ms: number | null;
  handoffs: number;
  handoffRate: number | null;
  humanResponses: number;
  humanFirstResponseP50Ms: number | null;
  humanFirstResponseP90Ms: number | null;
  textSends: number;
  delivered: number;
  read: number;
  deliveryRate: number | null;
  readRate: number | null;
  templatesSent: number;
  templatesFailed: number;
  policyHits: number;
  tokensIn: number;
  tokensOut: number;
  /** Estimated US dollars for the tokens whose model is priced; null when none is. */
  costUsd: number | null;
  /** Tokens of a model missing from the price table (not in costUsd). */
  unpricedTokens: number;
};

export type VersionMetrics = MetricsValues & {
  versionId: string;
  version: string;
  agentSlug: string;
  agentName: string;
  model: string;
  provider: string;
  /** The price-table row the model matched (its family), or null when it has no price. */
  priceModel: string | null;
};

export type TenantMetrics = {
  /**
   * `days` are YYYY-MM-DD in `timezone` (the tenant's IANA zone), oldest first; `from` is the first
   * of them, `fromInstant` the moment it began (ISO, UTC) and `to` the moment of the query.
   */
  range: { from: string; fromInstant: string; to: string; days: string[]; timezone: string };
  totals: MetricsValues;
  byDay: (MetricsValues & { day: string })[];
  byVersion: VersionMetrics[];
  handoffReasons: { trigger: string; reason: string; count: number }[];
  policyRules: { rule: string; action: string; count: number }[];
  prices: readonly ModelPrice[];
  /**
   * What the figures count (`customers`: not the sandbox numbers' conversations), whether the tenant
   * has a Meta number (the default), and, when customers only, how many test conversations (on a
   * sandbox number, with a message in the range) were left out.
   */
  traffic: { counted: MetricsTraffic; hasMetaNumber: boolean; testConversationsExcluded: number };
};

/** grouping(day, version_id): 0 = both, 1 = per day, 2 = per version, 3 = total. */
type Grouped = { day: string | null; version_id: string | null; g: number };

type Counts = Omit<
  MetricsValues,
  "handoffRate" | "deliveryRate" | "readRate" | "costUsd" | "unpricedTokens"
>;

function emptyCounts(): Counts {
  return {
    conversations: 0,
    messagesIn: 0,
    messagesOut: 0,
    botResponses: 0,
    botFirstResponseP50Ms: null,
    botFirstResponseP90Ms: null,
    handoffs: 0,
    humanResponses: 0,
    humanFirstResponseP50Ms: null,
    humanFirstResponseP90Ms: null,
    textSends: 0,
    delivered: 0,
    read: 0,
    templatesSent: 0,
    templatesFailed: 0,
    policyHits: 0,
    tokensIn: 0,
    tokensOut: 0,
  };
}

const ratio = (n: number, d: number) => (d > 0 ? n / d : null);
const ms = (v: number | null) => (v === null ? null : Math.round(v));

function finish(c: Counts, cost: { usd: number | null; unpriced: number }): MetricsValues {
  return {
    ...c,
    handoffRate: ratio(c.handoffs, c.conversations),
    deliveryRate: ratio(c.delivered, c.textSends),
    readRate: ratio(c.read, c.textSends),
    costUsd: cost.usd,
    unpricedTokens: cost.unpriced,
  };
}

/** `count` calendar dates from `first` (YYYY-MM-DD): date arithmetic only, no time zone involved. */
function calendarDays(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

export async function getTenantMetrics(
  db: Executor,
  p: { tenantId: string; days: number; traffic?: MetricsTraffic; now?: Date },
): Promise<TenantMetrics> {
  const now = p.now ?? new Date();
  const toIso = now.toISOString();
  const t = p.tenantId;
  // The tenant's calendar, from PostgreSQL's own zone data (the same the grouping below uses): today
  // in its zone, the first day of the range and the instant that day began there (DST-safe).
  // Also the tenant's numbers by kind, for the traffic filter.
  const [calendar] = await db.execute<{
    time_zone: string;
    first_day: string;
    from_instant: string;
    has_meta: boolean;
    sandbox_ids: string[];
  }>(sql`
    select x.time_zone, (x.today - ${p.days - 1}::int)::text as first_day,
           ${isoText(sql`((x.today - ${p.days - 1}::int)::timestamp at time zone x.time_zone)`)} as from_instant,
           exists (select 1 from phone_numbers n where n.tenant_id = x.id and n.kind = 'meta') as has_meta,
           array(select n.id::text from phone_numbers n where n.tenant_id = x.id and n.kind = 'sandbox') as sandbox_ids
    from (select id, time_zone, (${toIso}::timestamptz at time zone time_zone)::date as today
          from tenants where id = ${t}::uuid) x`);
  if (!calendar) {
    throw new AppError("NOT_FOUND", { message: `unknown tenant ${t}` });
  }
  const timeZone = calendar.time_zone;
  const fromIso = calendar.from_instant;
  const day = (col: string) => sql`((${sql.raw(col)}) at time zone ${timeZone}::text)::date::text`;

  const counted: MetricsTraffic = p.traffic ?? (calendar.has_meta ? "customers" : "all");
  const excluding = counted === "customers" && calendar.sandbox_ids.length > 0;
  const sandboxIds = sql`${`{${calendar.sandbox_ids.join(",")}}`}::uuid[]`;
  /** Rows of `alias` (with a conversation_id) counted: none of a sandbox number's conversations. */
  const customersOnly = (alias: string) =>
    excluding
      ? sql`and not exists (select 1 from conversations tc where tc.id = ${sql.raw(alias)}.conversation_id
                             and tc.phone_number_id = any(${sandboxIds}))`
      : sql``;

  // Messages: conversations, in/out, tokens, policy hits — per day, version, both and in total.
  // Every count and sum here and below is left an int8, which the driver reads as a JS number (exact
  // up to 2^53: client.ts, parseInt8). Never `::int`: it failed the whole page past 2^31, which a
  // month's prompt tokens pass (~800,000 replies at ~3,000 tokens).
  const messageRows = await db.execute<
    Grouped & {
      conversations: number;
      messages_in: number;
      messages_out: number;
      tokens_in: number;
      tokens_out: number;
      policy_hits: number;
    }
  >(sql`
    with m as (
      select ${day("m.created_at")} as day, m.agent_version_id as version_id, m.conversation_id, m.direction,
             m.tokens_in, m.tokens_out, m.policy_verdicts
      from messages m
      where m.tenant_id = ${t}::uuid and m.created_at >= ${fromIso}::timestamptz and m.created_at < ${toIso}::timestamptz
        and m.type <> 'note' ${customersOnly("m")}
    )
    select day, version_id, grouping(day, version_id)::int as g,
           count(distinct conversation_id) as conversations,
           count(*) filter (where direction = 'in') as messages_in,
           count(*) filter (where direction = 'out') as messages_out,
           coalesce(sum(tokens_in), 0) as tokens_in,
           coalesce(sum(tokens_out), 0) as tokens_out,
           coalesce(sum(jsonb_array_length(coalesce(policy_verdicts, '[]'::jsonb))), 0) as policy_hits
    from m
    group by grouping sets ((day, version_id), (day), (version_id), ())`);

  // First responses: each customer message (outside open handoffs) and the first message answering
  // it — of the conversation's outgoing messages (not notes) with `answers_up_to_id ≥` its id, the
  // one with the lowest id. Found for all of them at once, not with one index lookup per customer
  // message (31,000 in a busy month: 31,000 loops): the period's customer messages and the outgoing
  // messages that could answer them, in one list per conversation ordered by the id they cover
  // (a customer message's own, an answer's `answers_up_to_id`), highest first, answers before a
  // customer message of the same id; the running minimum of the answers' ids down that list is, at
  // each customer message, the lowest id among the answers covering it. An answer is written after
  // the message it answers (a higher id, and a time at most moments earlier, within a transaction
  // that began before it arrived): the answers are read from a day before the range on, through
  // messages_tenant_created_idx. `outs` is inlined (not materialized) so that the join back to it is
  // planned on messages.id, which is unique; as a CTE its row estimate put the query past
  // PostgreSQL's JIT thresholds (jit_above_cost), whose compilation alone took longer than the query.
  const responseRows = await db.execute<
    Grouped & { answered: number; bot: number; p50: number | null; p90: number | null }
  >(sql`
    with inbound as (
      select i.id, i.conversation_id, i.created_at
      from messages i
      where i.tenant_id = ${t}::uuid and i.direction = 'in'
        and i.created_at >= ${fromIso}::timestamptz and i.created_at < ${toIso}::timestamptz ${customersOnly("i")}
        and not exists (
          select 1 from handoffs h
          where h.conversation_id = i.conversation_id and h.started_at <= i.created_at
            and (h.ended_at is null or h.ended_at > i.created_at)
        )
    ),
    outs as not materialized (
      select o.id, o.conversation_id, o.answers_up_to_id, o.author, o.agent_version_id, o.created_at
      from messages o
      where o.tenant_id = ${t}::uuid and o.created_at >= ${fromIso}::timestamptz - interval '1 day'
        and o.direction = 'out' and o.type <> 'note'
        and o.answers_up_to_id >= (select min(id) from inbound)
    ),
    matched as (
      select s.inbound_id, s.created_at,
             min(s.out_id) over (partition by s.conversation_id order by s.covers desc, s.inbound_id nulls first
                                 rows between unbounded preceding and current row) as answer_id
      from (
        select o.conversation_id, o.answers_up_to_id as covers, o.id as out_id,
               null::bigint as inbound_id, null::timestamptz as created_at
        from outs o
        union all
        select i.conversation_id, i.id, null, i.id, i.created_at from inbound i
      ) s
    ),
    answered as (
      select ${day("i.created_at")} as day, r.agent_version_id as version_id, r.author,
             extract(epoch from r.created_at - i.created_at) * 1000 as ms
      from matched i
      join outs r on r.id = i.answer_id
      where i.inbound_id is not null
    )
    select day, version_id, grouping(day, version_id)::int as g,
           count(*) as answered,
           count(*) filter (where author = 'bot') as bot,
           percentile_cont(0.5) within group (order by ms) filter (where author = 'bot') as p50,
           percentile_cont(0.9) within group (order by ms) filter (where author = 'bot') as p90
    from answered
    group by grouping sets ((day), (version_id), ())`);

  // Handoffs: count, human first response, per day and per version (the version of the handoff
  // message written in the same transaction, i.e. at the same now()).
  const handoffRows = await db.execute<
    Grouped & { handoffs: number; human: number; p50: number | null; p90: number | null }
  >(sql`
    with h as (
      select ${day("h.started_at")} as day, s.agent_version_id as version_id,
             extract(epoch from h.first_human_reply_at - h.started_at) * 1000 as ms
      from handoffs h
      left join lateral (
        select m.agent_version_id from messages m
        where m.conversation_id = h.conversation_id and m.author = 'system' and m.type <> 'note'
          and m.created_at = h.started_at
        order by m.id limit 1
      ) s on true
      where h.tenant_id = ${t}::uuid and h.started_at >= ${fromIso}::timestamptz and h.started_at < ${toIso}::timestamptz
        ${customersOnly("h")}
    )
    select day, version_id, grouping(day, version_id)::int as g,
           count(*) as handoffs,
           count(ms) as human,
           percentile_cont(0.5) within group (order by ms) as p50,
           percentile_cont(0.9) within group (order by ms) as p90
    from h
    group by grouping sets ((day), (version_id), ())`);

  // Sends: text delivery and read, templates sent and failed.
  const sendRows = await db.execute<
    Grouped & { text_sends: number; delivered: number; read: number; templates_sent: number; templates_failed: number }
  >(sql`
    with o as (
      select ${day("o.created_at")} as day, m.agent_version_id as version_id, o.kind, o.status
      from outbox_messages o
      left join messages m on m.id = o.message_id
      where o.tenant_id = ${t}::uuid and o.kind in ('text', 'template')
        and o.created_at >= ${fromIso}::timestamptz and o.created_at < ${toIso}::timestamptz
        ${excluding ? sql`and o.phone_number_id <> all(${sandboxIds})` : sql``}
    )
    select day, version_id, grouping(day, version_id)::int as g,
           count(*) filter (where kind = 'text' and status in ('sent', 'delivered', 'read', 'failed', 'dead', 'blocked'))
             as text_sends,
           count(*) filter (where kind = 'text' and status in ('delivered', 'read')) as delivered,
           count(*) filter (where kind = 'text' and status = 'read') as read,
           count(*) filter (where kind = 'template' and status in ('sent', 'delivered', 'read')) as templates_sent,
           count(*) filter (where kind = 'template' and status in ('failed', 'dead', 'blocked')) as templates_failed
    from o
    group by grouping sets ((day), (version_id), ())`);

  const handoffReasons = await db.execute<{ trigger: string; reason: string; count: number }>(sql`
    select h.trigger, h.reason, count(*) as count from handoffs h
    where h.tenant_id = ${t}::uuid and h.started_at >= ${fromIso}::timestamptz and h.started_at < ${toIso}::timestamptz
      ${customersOnly("h")}
    group by trigger, reason
    order by count(*) desc, trigger, reason
    limit 20`);

  const policyRules = await db.execute<{ rule: string; action: string; count: number }>(sql`
    select v ->> 'rule' as rule, v ->> 'action' as action, count(*) as count
    from messages m, jsonb_array_elements(coalesce(m.policy_verdicts, '[]'::jsonb)) v
    where m.tenant_id = ${t}::uuid and m.created_at >= ${fromIso}::timestamptz and m.created_at < ${toIso}::timestamptz
      ${customersOnly("m")}
    group by 1, 2
    order by count(*) desc, 1, 2`);

  // The test conversations left out (for the console's note), when any could be.
  const [excluded] = excluding
    ? await db.execute<{ count: number }>(sql`
        select count(distinct m.conversation_id) as count
        from messages m join conversations c on c.id = m.conversation_id
        where m.tenant_id = ${t}::uuid and m.created_at >= ${fromIso}::timestamptz and m.created_at < ${toIso}::timestamptz
          and m.type <> 'note' and c.phone_number_id = any(${sandboxIds})`)
    : [];

  const versionIds = new Set<string>();
  for (const rows of [messageRows, responseRows, handoffRows, sendRows]) {
    for (const r of rows) {
      if (r.version_id) {
        versionIds.add(r.version_id);
      }
    }
  }
  const versions =
    versionIds.size === 0
      ? []
      : await db.execute<{
          id: string;
          version: string;
          agent_slug: string;
          agent_name: string;
          model: string;
          provider: string;
          major: number;
          minor: number;
          patch: number;
        }>(sql`
          select v.id, v.version, a.slug as agent_slug, a.name as agent_name, v.major, v.minor, v.patch,
                 coalesce(v.bundle -> 'model' ->> 'name', '') as model,
                 coalesce(v.bundle -> 'model' ->> 'provider', '') as provider
          from agent_versions v join agents a on a.id = v.agent_id
          where v.tenant_id = ${t}::uuid
            and v.id in (${sql.join([...versionIds].map((id) => sql`${id}::uuid`), sql`, `)})
          order by a.slug, v.major desc, v.minor desc, v.patch desc`);
  const modelOf = new Map(versions.map((v) => [v.id, { name: v.model, provider: v.provider }]));

  // Fold every query's rows into per-day, per-version and total counts.
  const days = calendarDays(calendar.first_day, p.days);
  const byDay = new Map(days.map((d) => [d, emptyCounts()]));
  const byVersion = new Map(versions.map((v) => [v.id, emptyCounts()]));
  const totals = emptyCounts();
  const target = (r: Grouped): Counts | undefined =>
    r.g === 1 ? byDay.get(r.day ?? "") : r.g === 2 ? (r.version_id ? byVersion.get(r.version_id) : undefined) : r.g === 3 ? totals : undefined;

  /** Tokens per (day, version), for costs priced by each version's model. */
  const costs = { day: new Map<string, { usd: number; priced: boolean; unpriced: number }>(), version: new Map<string, { usd: number; priced: boolean; unpriced: number }>() };
  const addCost = (map: Map<string, { usd: number; priced: boolean; unpriced: number }>, key: string, usd: number | null, tokens: number) => {
    const entry = map.get(key) ?? { usd: 0, priced: false, unpriced: 0 };
    if (usd === null) {
      entry.unpriced += tokens;
    } else {
      entry.usd += usd;
      entry.priced = true;
    }
    map.set(key, entry);
  };
  const total = { usd: 0, priced: false, unpriced: 0 };

  for (const r of messageRows) {
    if (r.g === 0) {
      const tokens = r.tokens_in + r.tokens_out;
      if (r.version_id && tokens > 0) {
        const model = modelOf.get(r.version_id);
        const usd = estimateCostUsd(model?.name ?? "", r.tokens_in, r.tokens_out, model?.provider);
        addCost(costs.day, r.day ?? "", usd, tokens);
        addCost(costs.version, r.version_id, usd, tokens);
        if (usd === null) {
          total.unpriced += tokens;
        } else {
          total.usd += usd;
          total.priced = true;
        }
      }
      continue;
    }
    const c = target(r);
    if (!c) {
      continue;
    }
    c.conversations = r.conversations;
    c.messagesOut = r.messages_out;
    c.tokensIn = r.tokens_in;
    c.tokensOut = r.tokens_out;
    c.policyHits = r.policy_hits;
    // Per version, "in" is the customer messages it answered (below); inbound rows have no version.
    if (r.g !== 2) {
      c.messagesIn = r.messages_in;
    }
  }
  for (const r of responseRows) {
    const c = target(r);
    if (!c) {
      continue;
    }
    if (r.g === 2) {
      c.messagesIn = r.answered;
    }
    c.botResponses = r.bot;
    c.botFirstResponseP50Ms = ms(r.p50);
    c.botFirstResponseP90Ms = ms(r.p90);
  }
  for (const r of handoffRows) {
    const c = target(r);
    if (!c) {
      continue;
    }
    c.handoffs = r.handoffs;
    // Human response times are the team's, not a version's.
    if (r.g !== 2) {
      c.humanResponses = r.human;
      c.humanFirstResponseP50Ms = ms(r.p50);
      c.humanFirstResponseP90Ms = ms(r.p90);
    }
  }
  for (const r of sendRows) {
    const c = target(r);
    if (!c) {
      continue;
    }
    c.textSends = r.text_sends;
    c.delivered = r.delivered;
    c.read = r.read;
    c.templatesSent = r.templates_sent;
    c.templatesFailed = r.templates_failed;
  }

  const costResult = (entry: { usd: number; priced: boolean; unpriced: number } | undefined) => ({
    usd: entry?.priced ? entry.usd : null,
    unpriced: entry?.unpriced ?? 0,
  });
  return {
    range: { from: calendar.first_day, fromInstant: fromIso, to: toIso, days, timezone: timeZone },
    totals: finish(totals, costResult(total)),
    byDay: days.map((d) => ({ day: d, ...finish(byDay.get(d) ?? emptyCounts(), costResult(costs.day.get(d))) })),
    byVersion: versions.map((v) => ({
      versionId: v.id,
      version: v.version,
      agentSlug: v.agent_slug,
      agentName: v.agent_name,
      model: v.model,
      provider: v.provider,
      priceModel: priceOf(v.model, v.provider)?.model ?? null,
      ...finish(byVersion.get(v.id) ?? emptyCounts(), costResult(costs.version.get(v.id))),
    })),
    handoffReasons: handoffReasons.map((r) => ({ trigger: r.trigger, reason: r.reason, count: r.count })),
    policyRules: policyRules.map((r) => ({ rule: r.rule, action: r.action, count: r.count })),
    prices: MODEL_PRICES,
    traffic: { counted, hasMetaNumber: calendar.has_meta, testConversationsExcluded: excluded?.count ?? 0 },
  };
}

/**
 * Records that `user` viewed the tenant's metrics (audit `metrics.viewed`, with the viewer's role,
 * which the setup checklist reads), at most once per session and UTC day. Returns whether it wrote.
 */
export async function recordMetricsView(
  db: Executor,
  p: {
    tenantId: string;
    user: { id: string; email: string; role: "operator" | "client" };
    sessionId: string;
    requestId?: string;
  },
): Promise<boolean> {
  // A prefix of sessions.id (itself a hash of the cookie token) is enough to tell sessions apart.
  const session = p.sessionId.slice(0, 16);
  const [seen] = await db.execute(sql`
    select 1 from audit_events
    where tenant_id = ${p.tenantId}::uuid and type = 'metrics.viewed' and actor_id = ${p.user.id}
      and created_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC'
      and data ->> 'session' = ${session}
    limit 1`);
  if (seen) {
    return false;
  }
  await insertAuditEvent(db, {
    tenantId: p.tenantId,
    actor: { type: "user", id: p.user.id, label: p.user.email },
    type: "metrics.viewed",
    subjectType: "tenant",
    subjectId: p.tenantId,
    data: { role: p.user.role, session },
    requestId: p.requestId,
  });
  return true;
}

/**
 * agent.test_run: the regression gate's worker side (docs/regression.md). A run of an agent's test
 * cases simulates each conversation against the version under test — the same prompt, model,
 * tool loop, handoff rules and Sentinel as a live reply (services/generate.ts) — with tools that
 * change nothing: availability is read from the local calendar, bookings and CRM deals are answered
 * as if made (`dryRun`), a handoff ends the conversation. Nothing is written to conversations,
 * messages, the outbox, appointments or the CRM. A replay regenerates the latest real bot replies of
 * the agent's latest conversations from the same context and sets them beside the originals.
 */
import { sql } from "drizzle-orm";
import { z } from "zod";

import { describeFailure, type Executor } from "@lx/db/client";
import { beginTestRun, failTestRun, finishTestRun, listTestCases, testCasesHash, type TestCaseRow, type TestRunTask } from "@lx/db/queries";
import type { SecretKeys } from "@lx/shared/crypto";
import { ZBundleCalendar } from "@lx/shared/compiler";
import {
  evaluateExpectations,
  maskCustomer,
  matchHandoffKeyword,
  replyChanged,
  type CompiledAgentBundle,
} from "@lx/shared";
import { REPLAY_MAX_REPLIES, type TReplayConversation, type TReplayReply, type TTestCaseResult, type TTranscriptLine } from "@lx/shared/schemas";

import type { LlmToolCall, LlmTurn, ModelChoice } from "../llm/index.ts";
import type { JobContext } from "../queue/runner.ts";
import { PermanentJobError } from "../queue/runner.ts";
import type { BundleCache } from "./bundle-cache.ts";
import { runCalendarTool } from "./calendar-tools.ts";
import { dealArguments } from "./crm-tools.ts";
import { generateReply, modelHandoff, sentinelFor, systemPromptFor, type ToolOutcome } from "./generate.ts";
import { recentTurnsSql, toTurns, type HistoryRow } from "./reply.ts";

export type RegressionDeps = {
  bundles: BundleCache;
  chooseModel: (bundle: CompiledAgentBundle) => ModelChoice;
  maxToolRounds?: number;
  /** The key of the tenants' secrets (check_availability through the local calendar needs none). */
  tools?: { secretKey: SecretKeys; retryBackoffMs?: number };
  /** Conversations simulated (or replayed) at once; LLM calls overlap. */
  parallel?: number;
};

const ZPayload = z.object({ runId: z.uuid() });

/** Test runs read no conversation: the local calendar's availability is read for the tenant as a whole. */
const NO_CONVERSATION = "00000000-0000-0000-0000-000000000000";

/**
 * Makes one run. A model failure throws (the job is retried, up to 3 attempts; then the run is marked
 * `error` by handleDeadTestRun); a run already finished (the job ran twice) is left as it is. The
 * results are written in the transaction that completes the job.
 */
export async function handleTestRun(ctx: JobContext, deps: RegressionDeps): Promise<void> {
  const payload = ZPayload.safeParse(ctx.job.payload);
  if (!payload.success) {
    throw new PermanentJobError("bad agent.test_run payload");
  }
  const run = await beginTestRun(ctx.db, payload.data.runId);
  if (!run) {
    return;
  }
  // A version's frozen bundle, or the draft's, frozen in the run when it was asked for.
  const bundle = run.bundle ?? (run.versionId ? (await deps.bundles.get(ctx.db, run.versionId))?.bundle : undefined);
  if (!bundle) {
    throw new PermanentJobError(`version ${run.versionId ?? "(none)"} not found`);
  }
  const log = ctx.logger.child({ testRunId: run.id, agentVersion: run.version ?? "draft", kind: run.kind });
  const actor = { type: "worker" as const, label: ctx.workerId };
  const sim = { bundle, run, deps, signal: ctx.signal, now: new Date() };

  if (run.kind === "cases") {
    const cases = await listTestCases(ctx.db, { tenantId: run.tenantId, agentId: run.agentId });
    const results = await mapLimited(cases, deps.parallel ?? 4, (c) => simulateCase(ctx.db, c, sim));
    const passedCount = results.filter((r) => r.passed).length;
    const summary = {
      total: results.length,
      passed: passedCount,
      failed: results.length - passedCount,
      changed: 0,
      tokensIn: sum(results.map((r) => r.tokensIn)),
      tokensOut: sum(results.map((r) => r.tokensOut)),
    };
    const passed = results.length > 0 && passedCount === results.length;
    await ctx.finish(async (tx) => {
      await finishTestRun(tx, { run, results, summary, passed, casesHash: testCasesHash(cases), actor });
    });
    log.info({ passed, total: summary.total, failed: summary.failed }, "test cases run");
    return;
  }

  const sources = await replaySources(ctx.db, run);
  const results = await mapLimited(sources, deps.parallel ?? 4, (s) => replayConversation(ctx.db, s, sim));
  const replies = results.flatMap((r) => r.replies);
  const changed = replies.filter((r) => r.changed).length;
  const summary = {
    total: replies.length,
    passed: replies.length - changed,
    failed: 0,
    changed,
    tokensIn: sum(results.map((r) => r.tokensIn)),
    tokensOut: sum(results.map((r) => r.tokensOut)),
  };
  await ctx.finish(async (tx) => {
    await finishTestRun(tx, {
      run,
      results: results.map(({ tokensIn: _in, tokensOut: _out, ...conversation }) => conversation),
      summary,
      passed: null,
      casesHash: null,
      actor,
    });
  });
  log.info({ conversations: results.length, replies: replies.length, changed }, "conversations replayed");
}

/** The run's job died (its last attempt failed): the run ends as `error` with the job's last error. */
export async function handleDeadTestRun(db: Executor, job: { payload: unknown }, error: unknown, workerId: string): Promise<void> {
  const payload = ZPayload.safeParse(job.payload);
  if (payload.success) {
    await failTestRun(db, { runId: payload.data.runId, error: describeFailure(error), actor: { type: "worker", label: workerId } });
  }
}

type Simulation = {
  bundle: CompiledAgentBundle;
  run: TestRunTask;
  deps: RegressionDeps;
  signal: AbortSignal;
  now: Date;
};

/** One model reply in a simulation: the reply's parts, or a handoff, with what it cost. */
type SimulatedReply = {
  parts: string[];
  handoff: { trigger: string; reason: string } | null;
  tools: string[];
  policy?: string;
  blocked: boolean;
  tokensIn: number;
  tokensOut: number;
};

/**
 * What the live reply would do with `history` (the customer's message last): handoff keyword,
 * model with tools, Sentinel — as services/reply.ts does, with dry-run tools.
 */
async function simulateReply(
  db: Executor,
  history: LlmTurn[],
  customerText: string,
  priorBlocks: number,
  sim: Simulation,
  summary = "",
): Promise<SimulatedReply> {
  const { bundle } = sim;
  const keyword = matchHandoffKeyword(customerText, bundle.policies.handoff.keywords);
  if (keyword) {
    return { parts: [], handoff: { trigger: "keyword", reason: `"${keyword}"` }, tools: [], blocked: false, tokensIn: 0, tokensOut: 0 };
  }
  const turns = [...history];
  const generation = await generateReply({
    bundle,
    choice: sim.deps.chooseModel(bundle),
    system: systemPromptFor(bundle, { summary, now: sim.now }),
    turns,
    maxRounds: sim.deps.maxToolRounds ?? 3,
    signal: sim.signal,
    runTool: (call) => dryRunTool(db, call, sim),
  });
  const cost = { tools: generation.tools, tokensIn: generation.tokensIn, tokensOut: generation.tokensOut };
  if (generation.handoffReason) {
    return { parts: [], handoff: { trigger: "model", reason: generation.handoffReason }, blocked: false, ...cost };
  }
  const verdict = sentinelFor(bundle, generation.text, turns, priorBlocks);
  const policy = verdict.hits.length > 0 ? `${verdict.action}: ${verdict.hits.map((h) => h.rule).join(", ")}` : undefined;
  if (verdict.action === "handoff") {
    const reason = verdict.hits.map((h) => `${h.rule}: ${h.detail}`).join("; ");
    return { parts: [], handoff: { trigger: "policy", reason }, policy, blocked: false, ...cost };
  }
  const parts = verdict.messages.length > 0 ? verdict.messages : [bundle.policies.fallbackMessage];
  return { parts, handoff: null, policy, blocked: verdict.action === "block", ...cost };
}

/** A test case, turn by turn, until its end or a handoff (the bot says nothing more after one). */
async function simulateCase(db: Executor, c: TestCaseRow, sim: Simulation): Promise<TTestCaseResult> {
  // The conversation as the live reply would read it back: one row per message (each reply part is
  // its own message), the latest `recentMessages` of them, turned into the model's turns by toTurns.
  const history: HistoryRow[] = [];
  const transcript: TTranscriptLine[] = [];
  const replies: string[] = [];
  const tools: string[] = [];
  let handoff: { trigger: string; reason: string } | null = null;
  let blocks = 0;
  let tokensIn = 0;
  let tokensOut = 0;
  const recent = sim.bundle.context.recentMessages;
  for (const [i, turn] of c.turns.entries()) {
    if (handoff) {
      transcript.push({ role: "system", text: `${c.turns.length - i} more customer message(s) not run: a human has the conversation` });
      break;
    }
    transcript.push({ role: "customer", text: turn.customer });
    history.push({ author: "customer", body: turn.customer });
    const reply = await simulateReply(db, toTurns(history.slice(-recent), recent).turns, turn.customer, blocks, sim);
    tokensIn += reply.tokensIn;
    tokensOut += reply.tokensOut;
    tools.push(...reply.tools);
    if (reply.handoff) {
      handoff = reply.handoff;
      transcript.push({ role: "system", text: sim.bundle.policies.handoff.message, tools: reply.tools, policy: reply.policy });
      continue;
    }
    blocks = reply.blocked ? blocks + 1 : 0;
    reply.parts.forEach((part, n) =>
      transcript.push({ role: "bot", text: part, ...(n === 0 ? { tools: reply.tools, policy: reply.policy } : {}) }),
    );
    replies.push(...reply.parts);
    history.push(...reply.parts.map((body) => ({ author: "bot", body })));
  }
  const expectations = evaluateExpectations({ replies, handoff, tools }, c.expectations);
  return {
    caseId: c.id,
    name: c.name,
    passed: expectations.every((e) => e.passed),
    transcript,
    expectations,
    handoff,
    toolsCalled: tools,
    tokensIn,
    tokensOut,
  };
}

/**
 * Tools that change nothing. check_availability reads the local calendar (the webhook backend is
 * not called: it is the tenant's system, and a test run must not reach it); book_slot and
 * create_deal answer as if done, after create_deal's own argument checks; handoff_to_human hands off.
 */
async function dryRunTool(db: Executor, call: LlmToolCall, sim: Simulation): Promise<ToolOutcome> {
  const handoff = modelHandoff(call, sim.bundle);
  if (handoff) {
    return handoff;
  }
  const calendar = sim.bundle.plugins.calendar ? ZBundleCalendar.parse(sim.bundle.plugins.calendar) : null;
  if (call.name === "check_availability" && calendar) {
    if (calendar.backend === "webhook" || !sim.deps.tools) {
      return { output: { dryRun: true, note: "test run: the tenant's calendar was not asked; offer to confirm times later", slots: [] } };
    }
    const output = await runCalendarTool("check_availability", call.arguments, {
      db,
      calendar,
      timeZone: sim.bundle.agent.timezone,
      conversation: { tenantId: sim.run.tenantId, conversationId: NO_CONVERSATION, customerKey: "test", agentId: sim.run.agentId },
      workerId: "test-run",
      secretKey: sim.deps.tools.secretKey,
      now: sim.now,
    });
    return { output };
  }
  if (call.name === "book_slot" && calendar) {
    return { output: { booked: true, dryRun: true, appointment: { start: call.arguments.start ?? null, service: call.arguments.service ?? null } } };
  }
  const crm = sim.bundle.plugins.crm;
  if (call.name === "create_deal" && crm) {
    const checked = dealArguments(call.arguments, crm);
    return { output: "refusal" in checked ? checked.refusal : { created: true, dryRun: true, title: checked.title } };
  }
  return { output: { error: `tool ${call.name} is not available` } };
}

type ReplaySource = {
  conversationId: string;
  customerKey: string;
  replies: { upTo: number; original: string; version: string | null; customer: string; summary: string }[];
};

/**
 * The agent's latest conversations with bot replies (`run.replayLimit`), each with its latest
 * REPLAY_MAX_REPLIES replies: the reply's parts joined, the version that wrote it, the customer
 * messages it answered (those since the previous reply), and the conversation summary the reply was
 * written with (`messages.context_summary_up_to_id` → conversation_summaries; for replies written
 * before that was recorded, the latest summary written before the answered message arrived).
 */
async function replaySources(db: Executor, run: TestRunTask): Promise<ReplaySource[]> {
  const rows = await db.execute<{
    conversation_id: string;
    customer_key: string;
    ord: string | number;
    up_to: string | number;
    original: string;
    version: string | null;
    customer: string | null;
    summary: string | null;
  }>(sql`
    with convs as (
      select c.id, c.customer_key, row_number() over (order by coalesce(c.last_message_at, c.created_at) desc, c.id desc) as ord
      from conversations c
      where c.tenant_id = ${run.tenantId}::uuid and c.agent_id = ${run.agentId}::uuid
        -- An erased customer's conversation has no texts left to replay (queries/customers.ts).
        and c.erased_at is null
        and exists (select 1 from messages o where o.conversation_id = c.id and o.author = 'bot')
      order by coalesce(c.last_message_at, c.created_at) desc, c.id desc
      limit ${run.replayLimit})
    select c.id as conversation_id, c.customer_key, c.ord, r.up_to, r.original, r.version,
           (select string_agg(i.body, E'\n' order by i.id) from messages i
            where i.conversation_id = c.id and i.direction = 'in' and i.id <= r.up_to and i.id > coalesce(r.prev_up_to, 0)) as customer,
           case
             -- The summary the reply recorded it was written with (0: none).
             when r.summary_up_to is not null then
               (select s.summary from conversation_summaries s
                where s.conversation_id = c.id and s.up_to_message_id = r.summary_up_to)
             -- Replies older than migration 0022 recorded none: the latest summary older than the
             -- message they answered.
             else
               (select s.summary from conversation_summaries s
                where s.conversation_id = c.id and s.up_to_message_id < r.up_to
                  and s.created_at < (select m.created_at from messages m where m.id = r.up_to)
                order by s.created_at desc, s.id desc limit 1)
           end as summary
    from convs c
    cross join lateral (
      select * from (
        select g.up_to, g.original, g.version, g.summary_up_to, lag(g.up_to) over (order by g.up_to) as prev_up_to
        from (
          select o.answers_up_to_id as up_to, string_agg(o.body, E'\n' order by o.id) as original, min(v.version) as version,
                 max(o.context_summary_up_to_id) as summary_up_to
          from messages o left join agent_versions v on v.id = o.agent_version_id
          where o.conversation_id = c.id and o.author = 'bot' and o.answers_up_to_id is not null
          group by o.answers_up_to_id) g) w
      order by w.up_to desc
      limit ${REPLAY_MAX_REPLIES}) r
    order by c.ord, r.up_to`);
  const out = new Map<string, ReplaySource>();
  for (const r of rows) {
    let source = out.get(r.conversation_id);
    if (!source) {
      source = { conversationId: r.conversation_id, customerKey: r.customer_key, replies: [] };
      out.set(r.conversation_id, source);
    }
    source.replies.push({ upTo: Number(r.up_to), original: r.original, version: r.version, customer: r.customer ?? "", summary: r.summary ?? "" });
  }
  return [...out.values()];
}

/** Regenerates each source reply from the real conversation up to the message it answered. */
async function replayConversation(
  db: Executor,
  s: ReplaySource,
  sim: Simulation,
): Promise<TReplayConversation & { tokensIn: number; tokensOut: number }> {
  const recent = sim.bundle.context.recentMessages;
  const replies: TReplayReply[] = [];
  let tokensIn = 0;
  let tokensOut = 0;
  for (const r of s.replies) {
    const rows = await db.execute<HistoryRow>(sql`
      select author, body from (${recentTurnsSql(sql`${s.conversationId}::uuid`, sql`${r.upTo}::bigint`, sql`${recent}::int`, true)}) recent
      order by pos, sub, id`);
    const { turns } = toTurns(rows, recent);
    const reply = await simulateReply(db, turns, r.customer, 0, sim, r.summary);
    tokensIn += reply.tokensIn;
    tokensOut += reply.tokensOut;
    const text = reply.handoff ? sim.bundle.policies.handoff.message : reply.parts.join("\n");
    replies.push({
      messageId: r.upTo,
      customer: r.customer,
      original: { text: r.original, version: r.version },
      candidate: { text, handoff: reply.handoff ? `${reply.handoff.trigger}: ${reply.handoff.reason}` : null, tools: reply.tools },
      changed: reply.handoff !== null || replyChanged(r.original, text),
    });
  }
  return { conversationId: s.conversationId, customer: maskCustomer(s.customerKey), replies, tokensIn, tokensOut };
}

/** `f` over `items`, at most `limit` at a time, results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i] as T);
    }
  });
  await Promise.all(lanes);
  return out;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

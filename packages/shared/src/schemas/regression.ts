/**
 * The regression gate (PRODUCT.md "Beyond the plan"): per-agent test conversations with
 * expectations, run against a candidate version before it goes live, and replays of real past
 * conversations against a candidate with the replies side by side. zod only: the browser console
 * imports this file, the database stores these shapes, the worker writes the results.
 */
import { z } from "zod";

import { ZAgentScopeInput, ZSemver } from "./console.ts";

/** Test cases an agent may have: a run simulates them all (four at a time) on every candidate. */
export const TEST_CASES_PER_AGENT_MAX = 100;
export const TEST_CASE_MAX_TURNS = 12;
export const TEST_CASE_MAX_EXPECTATIONS = 12;
/** Real conversations a replay takes (the agent's latest with bot replies). */
export const REPLAY_MAX_CONVERSATIONS = 20;
/** Bot replies a replay regenerates per conversation (its latest). */
export const REPLAY_MAX_REPLIES = 5;

/** The tools a `tool_called` expectation can name (AGENT_SPEC "Tools"). */
export const TEST_TOOL_NAMES = ["handoff_to_human", "check_availability", "book_slot", "create_deal"] as const;

const ZExpectedText = z.string().trim().min(1).max(200);

/**
 * What a test conversation must show, checked over the whole simulated conversation: some bot
 * reply contains a text (case and accents ignored), none does, it was handed to a human, it was not,
 * a tool was called.
 */
export const ZTestExpectation = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("contains"), text: ZExpectedText }),
  z.object({ kind: z.literal("not_contains"), text: ZExpectedText }),
  z.object({ kind: z.literal("handoff") }),
  z.object({ kind: z.literal("no_handoff") }),
  z.object({ kind: z.literal("tool_called"), tool: z.enum(TEST_TOOL_NAMES) }),
]);
export type TTestExpectation = z.infer<typeof ZTestExpectation>;

/** One customer message of a test conversation. */
export const ZTestTurn = z.object({ customer: z.string().trim().min(1).max(1000) });
export type TTestTurn = z.infer<typeof ZTestTurn>;

export const ZTestCaseBody = z.object({
  name: z.string().trim().min(1).max(120),
  turns: z.array(ZTestTurn).min(1).max(TEST_CASE_MAX_TURNS),
  expectations: z.array(ZTestExpectation).min(1).max(TEST_CASE_MAX_EXPECTATIONS),
});
export type TTestCaseBody = z.infer<typeof ZTestCaseBody>;

/**
 * Create (no id) or replace (id) a test case of an agent. `sourceConversationId`: the conversation a
 * new case was copied from (the inbox's "make a test case"), so that customer's erasure deletes it;
 * set when the case is created (an edit keeps it).
 */
export const ZSaveTestCaseInput = ZAgentScopeInput.extend({
  id: z.uuid().optional(),
  testCase: ZTestCaseBody,
  sourceConversationId: z.uuid().optional(),
}).refine((input) => input.id === undefined || input.sourceConversationId === undefined, {
  path: ["sourceConversationId"],
  message: "a case's source conversation is set when it is created",
});
export type TSaveTestCaseInput = z.infer<typeof ZSaveTestCaseInput>;

export const ZDeleteTestCaseInput = ZAgentScopeInput.extend({ id: z.uuid() });
export type TDeleteTestCaseInput = z.infer<typeof ZDeleteTestCaseInput>;

export const TEST_RUN_KINDS = ["cases", "replay"] as const;
export type TestRunKind = (typeof TEST_RUN_KINDS)[number];
export const TEST_RUN_STATUSES = ["queued", "running", "done", "error"] as const;
export type TestRunStatus = (typeof TEST_RUN_STATUSES)[number];

/** Runs the agent's test cases, or replays its latest real conversations, against one version. */
/** A run on a published version, or (`draft: true`, no version) on the agent's draft, compiled now. */
export const ZStartTestRunInput = ZAgentScopeInput.extend({
  version: ZSemver.optional(),
  draft: z.literal(true).optional(),
  kind: z.enum(TEST_RUN_KINDS).default("cases"),
  conversations: z.int().min(1).max(REPLAY_MAX_CONVERSATIONS).default(10),
}).refine((input) => (input.version === undefined) !== (input.draft === undefined), {
  path: ["version"],
  message: "name a version or the draft, not both",
});
export type TStartTestRunInput = z.infer<typeof ZStartTestRunInput>;

export const TEST_RUNS_PAGE_MAX = 50;

/** Runs of an agent, newest first, optionally of one version; `cursor` is the previous page's `nextCursor`. */
export const ZListTestRunsInput = ZAgentScopeInput.extend({
  version: ZSemver.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.int().min(1).max(TEST_RUNS_PAGE_MAX).default(20),
});
export type TListTestRunsInput = z.infer<typeof ZListTestRunsInput>;

export const ZGetTestRunInput = ZAgentScopeInput.extend({ id: z.uuid() });
export type TGetTestRunInput = z.infer<typeof ZGetTestRunInput>;

/** A line of a simulated conversation. `tools`: the tools the bot called before this reply. */
export const ZTranscriptLine = z.object({
  role: z.enum(["customer", "bot", "system"]),
  text: z.string(),
  tools: z.array(z.string()).optional(),
  /** Sentinel's verdict when it changed or blocked the reply. */
  policy: z.string().optional(),
});
export type TTranscriptLine = z.infer<typeof ZTranscriptLine>;

/** `detail` says why in words (logs, the API); `reply` is the 1-based reply that contains the text, if one does. */
export const ZExpectationResult = z.object({
  expectation: ZTestExpectation,
  passed: z.boolean(),
  detail: z.string(),
  reply: z.int().optional(),
});
export type TExpectationResult = z.infer<typeof ZExpectationResult>;

/** One test case run against the version. `error`: the conversation could not be run (an LLM failure). */
export const ZTestCaseResult = z.object({
  caseId: z.uuid(),
  name: z.string(),
  passed: z.boolean(),
  transcript: z.array(ZTranscriptLine),
  expectations: z.array(ZExpectationResult),
  handoff: z.object({ trigger: z.string(), reason: z.string() }).nullable(),
  toolsCalled: z.array(z.string()),
  tokensIn: z.int(),
  tokensOut: z.int(),
  error: z.string().optional(),
});
export type TTestCaseResult = z.infer<typeof ZTestCaseResult>;

/** One real bot reply regenerated by the candidate from the same conversation up to it. */
export const ZReplayReply = z.object({
  messageId: z.int(),
  /** The customer's message(s) the original reply answered. */
  customer: z.string(),
  original: z.object({ text: z.string(), version: z.string().nullable() }),
  candidate: z.object({ text: z.string(), handoff: z.string().nullable(), tools: z.array(z.string()), error: z.string().optional() }),
  changed: z.boolean(),
});
export type TReplayReply = z.infer<typeof ZReplayReply>;

export const ZReplayConversation = z.object({
  conversationId: z.uuid(),
  /** The customer's number or user id, masked but for its last four characters. */
  customer: z.string(),
  replies: z.array(ZReplayReply),
});
export type TReplayConversation = z.infer<typeof ZReplayConversation>;

/** Counts shown in lists: cases passed/failed, or replies kept/changed. */
export const ZTestRunSummary = z.object({
  total: z.int(),
  passed: z.int(),
  failed: z.int(),
  changed: z.int(),
  tokensIn: z.int(),
  tokensOut: z.int(),
});
export type TTestRunSummary = z.infer<typeof ZTestRunSummary>;

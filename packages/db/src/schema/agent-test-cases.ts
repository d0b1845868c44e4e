import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import type { CompiledAgentBundle } from "@lx/shared";
import type {
  TReplayConversation,
  TTestCaseResult,
  TTestExpectation,
  TTestRunSummary,
  TTestTurn,
  TestRunKind,
  TestRunStatus,
} from "@lx/shared/schemas";

import { createdAt, timestamps, tstz } from "./_columns.ts";
import { inList, TEST_RUN_KINDS, TEST_RUN_STATUSES } from "./_enums.ts";
import { agentVersions } from "./agent-versions.ts";
import { agents } from "./agents.ts";
import { conversations } from "./conversations.ts";
import { tenants } from "./tenants.ts";

/**
 * Regression gate: an agent's test conversations (customer turns) with expectations (@lx/shared/schemas
 * regression). A case copied from a real conversation (the inbox's "make a test case") remembers it:
 * its turns are that customer's words, so the customer's erasure deletes it (queries/customers.ts).
 */
export const agentTestCases = pgTable(
  "agent_test_cases",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    agentId: uuid()
      .notNull()
      .references(() => agents.id),
    name: text().notNull(),
    turns: jsonb().$type<TTestTurn[]>().notNull(),
    expectations: jsonb().$type<TTestExpectation[]>().notNull(),
    /** The conversation the case was copied from (null: written by hand). Set when created, kept by edits. */
    sourceConversationId: uuid().references(() => conversations.id),
    ...timestamps,
  },
  (t) => [
    index("agent_test_cases_agent_idx").on(t.agentId),
    uniqueIndex("agent_test_cases_name_key").on(t.agentId, t.name),
    // An erasure finds the cases copied from its conversations (the few copied ones only).
    index("agent_test_cases_source_idx").on(t.sourceConversationId).where(sql`${t.sourceConversationId} is not null`),
  ],
);

/**
 * One run against one version, done by a worker (`agent.test_run` job): the agent's test cases
 * (`cases`: `casesHash` is the hash of the cases it ran, so the gate knows when they changed since)
 * or a replay of its latest real conversations (`replay`). `results` holds a TTestCaseResult or a
 * TReplayConversation per item once done. A run of the agent's draft has no version: it carries the
 * draft's compiled bundle, frozen when it was asked for, and its verdict counts for a version
 * published with the same bundle (the compiler is deterministic: same bytes, same behaviour).
 */
export const agentTestRuns = pgTable(
  "agent_test_runs",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    agentId: uuid()
      .notNull()
      .references(() => agents.id),
    /** Null for a run of the draft (see `bundle`). */
    versionId: uuid().references(() => agentVersions.id),
    /** A draft run's compiled bundle, and its hash (a version's run: null; its version has them). */
    bundle: jsonb().$type<CompiledAgentBundle>(),
    bundleHash: text(),
    kind: text({ enum: TEST_RUN_KINDS }).$type<TestRunKind>().notNull().default("cases"),
    status: text({ enum: TEST_RUN_STATUSES }).$type<TestRunStatus>().notNull().default("queued"),
    casesHash: text(),
    /** Replays: how many of the latest conversations to replay. */
    replayLimit: integer(),
    results: jsonb().$type<TTestCaseResult[] | TReplayConversation[]>().notNull().default([]),
    summary: jsonb().$type<TTestRunSummary>(),
    /** Cases: every case passed (null until done, and for replays). */
    passed: boolean(),
    error: text(),
    requestedBy: text().notNull(),
    startedAt: tstz(),
    finishedAt: tstz(),
    ...createdAt,
  },
  (t) => [
    index("agent_test_runs_version_idx").on(t.versionId, t.createdAt),
    index("agent_test_runs_agent_idx").on(t.agentId, t.createdAt),
    check("agent_test_runs_kind_check", inList(t.kind, TEST_RUN_KINDS)),
    check("agent_test_runs_status_check", inList(t.status, TEST_RUN_STATUSES)),
    check("agent_test_runs_passed_check", sql`${t.kind} = 'cases' or ${t.passed} is null`),
    check("agent_test_runs_target_check", sql`(${t.versionId} is null) = (${t.bundle} is not null) and (${t.bundle} is null) = (${t.bundleHash} is null)`),
    index("agent_test_runs_bundle_idx").on(t.agentId, t.bundleHash).where(sql`${t.bundleHash} is not null`),
  ],
);

export type AgentTestCase = typeof agentTestCases.$inferSelect;
export type AgentTestRun = typeof agentTestRuns.$inferSelect;

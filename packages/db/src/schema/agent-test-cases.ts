import { boolean, index, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { createdAt, timestamps } from "./_columns.ts";
import { agentVersions } from "./agent-versions.ts";
import { agents } from "./agents.ts";
import { tenants } from "./tenants.ts";

export type TestTurn = { customer: string };
export type TestExpectation =
  | { kind: "contains"; text: string }
  | { kind: "not_contains"; text: string }
  | { kind: "handoff" }
  | { kind: "tool_called"; tool: string };

/** Regression gate: test conversations with expectations, run against a candidate version. */
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
    turns: jsonb().$type<TestTurn[]>().notNull(),
    expectations: jsonb().$type<TestExpectation[]>().notNull(),
    ...timestamps,
  },
  (t) => [index("agent_test_cases_agent_idx").on(t.agentId)],
);

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
    versionId: uuid()
      .notNull()
      .references(() => agentVersions.id),
    /** Per case: passed, the replies, and which expectations failed. */
    results: jsonb().$type<unknown>().notNull(),
    passed: boolean().notNull(),
    ...createdAt,
  },
  (t) => [index("agent_test_runs_version_idx").on(t.versionId)],
);

export type AgentTestCase = typeof agentTestCases.$inferSelect;

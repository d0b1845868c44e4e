/**
 * The regression gate (PRODUCT.md "Beyond the plan"; docs/regression.md): an agent's test cases,
 * the runs a worker makes of them (or replays of real conversations) against one version, and the
 * gate that activation checks. The worker's side (simulating conversations) is
 * apps/worker/src/services/regression.ts; what expectations mean is @lx/shared/domain regression.
 */
import { sql } from "drizzle-orm";

import type { CompiledAgentBundle } from "@lx/shared";
import { canonicalJson, sha256Hex } from "@lx/shared/compiler";
import { gateAllowsActivation, type GateState } from "@lx/shared/domain";
import { AppError } from "@lx/shared/errors";
import {
  TEST_CASES_PER_AGENT_MAX,
  type TestRunKind,
  type TestRunStatus,
  type TReplayConversation,
  type TTestCaseBody,
  type TTestCaseResult,
  type TTestExpectation,
  type TTestRunSummary,
  type TTestTurn,
} from "@lx/shared/schemas";

import { sqlState, type Executor } from "../client.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { pgSafe } from "./pg-safe.ts";
import { cursorText, decodeConversationCursor, isoText, keysetPage } from "./conversations.ts";

export type TestCaseRow = {
  id: string;
  name: string;
  turns: TTestTurn[];
  expectations: TTestExpectation[];
  /** The conversation it was copied from (its customer's erasure deletes the case); null: written by hand. */
  sourceConversationId: string | null;
  updatedAt: Date;
};

type RawCase = {
  id: string;
  name: string;
  turns: TTestTurn[];
  expectations: TTestExpectation[];
  source_conversation_id: string | null;
  updated_at: string;
};

const caseColumns = sql`id, name, turns, expectations, source_conversation_id, ${isoText(sql`updated_at`)} as updated_at`;

const toCase = (r: RawCase): TestCaseRow => ({
  id: r.id,
  name: r.name,
  turns: r.turns,
  expectations: r.expectations,
  sourceConversationId: r.source_conversation_id,
  updatedAt: new Date(r.updated_at),
});

/** An agent's test cases, by name. */
export async function listTestCases(db: Executor, p: { tenantId: string; agentId: string }): Promise<TestCaseRow[]> {
  const rows = await db.execute<RawCase>(sql`
    select ${caseColumns} from agent_test_cases
    where tenant_id = ${p.tenantId}::uuid and agent_id = ${p.agentId}::uuid
    order by name, id`);
  return rows.map(toCase);
}

/**
 * What a run of cases is compared by: the hash of the cases' ids and contents. A run is the gate's
 * evidence only while the cases it ran are the agent's cases (an edit, an addition or a removal
 * since makes it "not run" again).
 */
export function testCasesHash(cases: readonly Pick<TestCaseRow, "id" | "name" | "turns" | "expectations">[]): string {
  const canonical = [...cases]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((c) => ({ id: c.id, name: c.name, turns: c.turns, expectations: c.expectations }));
  return sha256Hex(canonicalJson(canonical));
}

/**
 * Creates (no id) or replaces a test case. A name already used by another case of the agent is
 * CONFLICT. Audited. A case copied from a conversation (`sourceConversationId`, on create only: an
 * edit keeps the source) must name one of the tenant's (NOT_FOUND) whose customer's data was not
 * erased (INVALID_STATE: the draft holds words the erasure already took away); its audit events carry
 * the conversation (`data.conversationId`), so that erasure redacts them too.
 */
export async function saveTestCase(
  db: Executor,
  p: {
    tenantId: string;
    agentId: string;
    id?: string;
    testCase: TTestCaseBody;
    sourceConversationId?: string;
    actor: AuditActor;
    requestId?: string;
  },
): Promise<TestCaseRow> {
  // Text from a form: a NUL cannot be stored in jsonb (pgSafe replaces it, as for Meta's text).
  const { name, turns, expectations } = pgSafe(p.testCase);
  try {
    return await db.transaction(async (tx) => {
      let before: RawCase | undefined;
      if (p.id) {
        [before] = await tx.execute<RawCase>(sql`
          select ${caseColumns} from agent_test_cases
          where id = ${p.id}::uuid and tenant_id = ${p.tenantId}::uuid and agent_id = ${p.agentId}::uuid
          for update`);
        if (!before) {
          throw new AppError("NOT_FOUND", { message: `unknown test case ${p.id}` });
        }
      } else {
        if (p.sourceConversationId !== undefined) {
          await checkCaseSource(tx, p.tenantId, p.sourceConversationId);
        }
        // Under the agent's row lock, so two concurrent creates cannot both pass the count (no key
        // update: the foreign keys of conversations and versions to the agent are not held up).
        await tx.execute(sql`select 1 from agents where id = ${p.agentId}::uuid and tenant_id = ${p.tenantId}::uuid for no key update`);
        const [{ n } = { n: 0 }] = await tx.execute<{ n: number }>(sql`
          select count(*)::int as n from agent_test_cases where agent_id = ${p.agentId}::uuid`);
        if (n >= TEST_CASES_PER_AGENT_MAX) {
          throw new AppError("INVALID_STATE", {
            message: `agent ${p.agentId} has ${n} test cases, the most it may have`,
            reason: { code: "test_cases.limit", max: TEST_CASES_PER_AGENT_MAX },
          });
        }
      }
      const [row] = p.id
        ? await tx.execute<RawCase>(sql`
            update agent_test_cases
            set name = ${name}, turns = ${JSON.stringify(turns)}::jsonb, expectations = ${JSON.stringify(expectations)}::jsonb, updated_at = now()
            where id = ${p.id}::uuid and tenant_id = ${p.tenantId}::uuid and agent_id = ${p.agentId}::uuid
            returning ${caseColumns}`)
        : await tx.execute<RawCase>(sql`
            insert into agent_test_cases (tenant_id, agent_id, name, turns, expectations, source_conversation_id)
            values (${p.tenantId}::uuid, ${p.agentId}::uuid, ${name}, ${JSON.stringify(turns)}::jsonb, ${JSON.stringify(expectations)}::jsonb,
                    ${p.sourceConversationId ?? null}::uuid)
            returning ${caseColumns}`);
      if (!row) {
        throw new AppError("NOT_FOUND", { message: `unknown test case ${p.id ?? ""}` });
      }
      await insertAuditEvent(tx, {
        tenantId: p.tenantId,
        actor: p.actor,
        type: p.id ? "agent_test.case_updated" : "agent_test.case_created",
        subjectType: "agent",
        subjectId: p.agentId,
        before: before ? { id: before.id, name: before.name, turns: before.turns, expectations: before.expectations } : null,
        after: { id: row.id, name, turns, expectations },
        data: caseSourceData(row),
        requestId: p.requestId,
      });
      return toCase(row);
    });
  } catch (err) {
    // unique_violation: a second case of the agent with the same name.
    if (sqlState(err) === "23505") {
      throw new AppError("CONFLICT", {
        message: `agent ${p.agentId} already has a test case named "${name}"`,
        reason: { code: "test_cases.name_taken", name },
      });
    }
    throw err;
  }
}

/**
 * The conversation a case is about to be copied from: the tenant's (NOT_FOUND), not erased
 * (INVALID_STATE). Held FOR KEY SHARE until the case is written: an erasure (which locks its
 * conversations FOR UPDATE) either waits for the case and then deletes it, or ran first and is seen.
 */
async function checkCaseSource(tx: Executor, tenantId: string, conversationId: string): Promise<void> {
  const [c] = await tx.execute<{ erased: boolean }>(sql`
    select erased_at is not null as erased from conversations
    where id = ${conversationId}::uuid and tenant_id = ${tenantId}::uuid
    for key share`);
  if (!c) {
    throw new AppError("NOT_FOUND", { message: `unknown conversation ${conversationId}` });
  }
  if (c.erased) {
    throw new AppError("INVALID_STATE", {
      message: `the customer's data of conversation ${conversationId} was erased`,
      reason: { code: "test_cases.source_erased" },
    });
  }
}

/** A copied case's audit events name its conversation, where an erasure of it looks (queries/customers.ts). */
function caseSourceData(c: Pick<RawCase, "source_conversation_id">): Record<string, unknown> | undefined {
  return c.source_conversation_id ? { conversationId: c.source_conversation_id } : undefined;
}

/** Deletes a test case (audited with what it was). */
export async function deleteTestCase(
  db: Executor,
  p: { tenantId: string; agentId: string; id: string; actor: AuditActor; requestId?: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.execute<RawCase>(sql`
      delete from agent_test_cases
      where id = ${p.id}::uuid and tenant_id = ${p.tenantId}::uuid and agent_id = ${p.agentId}::uuid
      returning ${caseColumns}`);
    if (!row) {
      throw new AppError("NOT_FOUND", { message: `unknown test case ${p.id}` });
    }
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: "agent_test.case_deleted",
      subjectType: "agent",
      subjectId: p.agentId,
      before: { id: row.id, name: row.name, turns: row.turns, expectations: row.expectations },
      data: caseSourceData(row),
      requestId: p.requestId,
    });
  });
}

export type TestRunRow = {
  id: string;
  /** Null for a run of the agent's draft (its bundle frozen in the run). */
  versionId: string | null;
  version: string | null;
  kind: TestRunKind;
  status: TestRunStatus;
  passed: boolean | null;
  /** Cases runs: whether the agent's cases changed since the run (its verdict no longer gates). */
  stale: boolean;
  summary: TTestRunSummary | null;
  error: string | null;
  requestedBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
};

export type TestRunDetail = TestRunRow & { results: TTestCaseResult[] | TReplayConversation[] };

type RawRun = {
  id: string;
  version_id: string | null;
  version: string | null;
  kind: TestRunKind;
  status: TestRunStatus;
  passed: boolean | null;
  cases_hash: string | null;
  summary: TTestRunSummary | null;
  error: string | null;
  requested_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  cursor_at: string;
};

/**
 * A run still queued or running whose job is no longer open is shown as the error it is, with the
 * dead job's last error: the moment between the job's dead-lettering and the worker recording the
 * run's failure, or a run whose worker could not (the reaper dead-lettered the job after a crash).
 */
const orphaned = sql`(r.status in ('queued', 'running') and not exists (
  select 1 from message_queue q where q.job_key = 'test_run:' || r.id::text and q.status in ('queued', 'running')))`;

const runColumns = sql`
  r.id, r.version_id, v.version, r.kind, case when ${orphaned} then 'error' else r.status end as status, r.passed,
  r.cases_hash, r.summary,
  coalesce(r.error, case when ${orphaned} then coalesce(
    (select q.last_error from message_queue q
     where q.tenant_id = r.tenant_id and q.status = 'dead' and q.job_key = 'test_run:' || r.id::text
     order by q.id desc limit 1),
    'the run stopped: its job is gone (see Operations)') end) as error,
  r.requested_by,
  ${isoText(sql`r.created_at`)} as created_at, ${isoText(sql`r.started_at`)} as started_at,
  ${isoText(sql`r.finished_at`)} as finished_at, ${cursorText(sql`r.created_at`)} as cursor_at`;

function toRun(r: RawRun, currentHash: string): TestRunRow {
  return {
    id: r.id,
    versionId: r.version_id,
    version: r.version,
    kind: r.kind,
    status: r.status,
    passed: r.passed,
    stale: r.kind === "cases" && r.status === "done" && r.cases_hash !== currentHash,
    summary: r.summary,
    error: r.error,
    requestedBy: r.requested_by,
    createdAt: new Date(r.created_at),
    startedAt: r.started_at ? new Date(r.started_at) : null,
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  };
}

/** Runs of an agent (optionally of one version), newest first, a keyset page. */
export async function listTestRuns(
  db: Executor,
  p: { tenantId: string; agentId: string; version?: string; cursor?: string; limit: number },
): Promise<{ items: TestRunRow[]; nextCursor: string | null }> {
  const after = p.cursor ? decodeConversationCursor(p.cursor) : null;
  const [rows, cases] = await Promise.all([
    db.execute<RawRun>(sql`
      select ${runColumns} from agent_test_runs r left join agent_versions v on v.id = r.version_id
      where r.tenant_id = ${p.tenantId}::uuid and r.agent_id = ${p.agentId}::uuid
        ${p.version ? sql`and v.version = ${p.version}` : sql``}
        ${after ? sql`and (r.created_at, r.id) < (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
      order by r.created_at desc, r.id desc
      limit ${p.limit + 1}`),
    listTestCases(db, p),
  ]);
  const hash = testCasesHash(cases);
  return keysetPage(rows, p.limit, (r) => toRun(r, hash));
}

/** One run with its results. */
export async function getTestRun(db: Executor, p: { tenantId: string; agentId: string; id: string }): Promise<TestRunDetail> {
  const [[row], cases] = await Promise.all([
    db.execute<RawRun & { results: TTestCaseResult[] | TReplayConversation[] }>(sql`
      select ${runColumns}, r.results from agent_test_runs r left join agent_versions v on v.id = r.version_id
      where r.id = ${p.id}::uuid and r.tenant_id = ${p.tenantId}::uuid and r.agent_id = ${p.agentId}::uuid`),
    listTestCases(db, p),
  ]);
  if (!row) {
    throw new AppError("NOT_FOUND", { message: `unknown test run ${p.id}` });
  }
  return { ...toRun(row, testCasesHash(cases)), results: row.results };
}

/**
 * Queues a run of the agent's test cases (`cases`), or a replay of its latest real conversations
 * (`replay`), against one version — or against the agent's draft, given compiled (`draft`: the bundle
 * is frozen in the run) — : the run row and its `agent.test_run` job in one transaction.
 * A cases run of an agent with no cases is INVALID_STATE. The caller wakes the workers. Audited.
 */
export async function requestTestRun(
  db: Executor,
  p: {
    tenantId: string;
    agentId: string;
    kind: TestRunKind;
    replayLimit: number;
    actor: AuditActor;
    requestId?: string;
  } & ({ version: string; draft?: never } | { version?: never; draft: CompiledAgentBundle }),
): Promise<TestRunRow> {
  return db.transaction(async (tx) => {
    let versionId: string | null = null;
    if (p.version !== undefined) {
      const [version] = await tx.execute<{ id: string }>(sql`
        select id from agent_versions where agent_id = ${p.agentId}::uuid and version = ${p.version}`);
      if (!version) {
        throw new AppError("NOT_FOUND", { message: `no version ${p.version}`, reason: { code: "version.not_found", version: p.version } });
      }
      versionId = version.id;
    }
    const draft = p.draft ?? null;
    if (p.kind === "cases") {
      const [any] = await tx.execute(sql`select 1 from agent_test_cases where agent_id = ${p.agentId}::uuid limit 1`);
      if (!any) {
        throw new AppError("INVALID_STATE", {
          message: `agent ${p.agentId} has no test cases`,
          reason: { code: "test_runs.no_cases" },
        });
      }
    }
    const [row] = await tx.execute<RawRun>(sql`
      with r as (
        insert into agent_test_runs (tenant_id, agent_id, version_id, bundle, bundle_hash, kind, replay_limit, requested_by)
        values (${p.tenantId}::uuid, ${p.agentId}::uuid, ${versionId}::uuid, ${draft ? JSON.stringify(draft) : null}::jsonb,
                ${draft?.bundleHash ?? null}, ${p.kind}, ${p.kind === "replay" ? p.replayLimit : null}, ${p.actor.label})
        returning *)
      select r.id, r.version_id, v.version, r.kind, r.status, r.passed, r.cases_hash, r.summary, r.error, r.requested_by,
             ${isoText(sql`r.created_at`)} as created_at, null as started_at, null as finished_at, ${cursorText(sql`r.created_at`)} as cursor_at
      from r left join agent_versions v on v.id = r.version_id`);
    if (!row) {
      throw new Error("requestTestRun: no row");
    }
    // Three attempts: an LLM outage fails a run (status error) rather than holding it for hours.
    await tx.execute(sql`
      insert into message_queue (tenant_id, task, payload, max_attempts, job_key)
      values (${p.tenantId}::uuid, 'agent.test_run', ${JSON.stringify({ runId: row.id })}::jsonb, 3, ${`test_run:${row.id}`})`);
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: "agent_test.requested",
      subjectType: "agent",
      subjectId: p.agentId,
      data: { runId: row.id, version: p.version ?? "draft", ...(draft ? { bundleHash: draft.bundleHash } : {}), kind: p.kind },
      requestId: p.requestId,
    });
    return toRun(row, "");
  });
}

/** The worker's view of a run it is about to make. */
export type TestRunTask = {
  id: string;
  tenantId: string;
  agentId: string;
  /** Null (with `bundle`) for a run of the draft. */
  versionId: string | null;
  version: string | null;
  bundle: CompiledAgentBundle | null;
  kind: TestRunKind;
  replayLimit: number;
};

/**
 * Marks a queued (or, on a retry, running) run as running and returns it; null when it is already
 * finished (a job run twice) or gone.
 */
export async function beginTestRun(db: Executor, runId: string): Promise<TestRunTask | null> {
  const [row] = await db.execute<{
    id: string;
    tenant_id: string;
    agent_id: string;
    version_id: string | null;
    version: string | null;
    bundle: CompiledAgentBundle | null;
    kind: TestRunKind;
    replay_limit: number | null;
  }>(sql`
    update agent_test_runs r set status = 'running', started_at = coalesce(r.started_at, now())
    where r.id = ${runId}::uuid and r.status in ('queued', 'running')
    returning r.id, r.tenant_id, r.agent_id, r.version_id, (select v.version from agent_versions v where v.id = r.version_id) as version,
              r.bundle, r.kind, r.replay_limit`);
  return row
    ? {
        id: row.id,
        tenantId: row.tenant_id,
        agentId: row.agent_id,
        versionId: row.version_id,
        version: row.version,
        bundle: row.bundle,
        kind: row.kind,
        replayLimit: row.replay_limit ?? 10,
      }
    : null;
}

/**
 * Stores a finished run: its results, counts, verdict (cases runs) and the hash of the cases it ran.
 * Only a running run is finished, so a job run twice writes once. Audited (`agent_test.finished`).
 */
export async function finishTestRun(
  db: Executor,
  p: {
    run: TestRunTask;
    results: TTestCaseResult[] | TReplayConversation[];
    summary: TTestRunSummary;
    passed: boolean | null;
    casesHash: string | null;
    actor: AuditActor;
  },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const results =
      p.run.kind === "cases"
        ? await keptCaseResults(tx, p.results as TTestCaseResult[])
        : await keptReplayResults(tx, p.results as TReplayConversation[]);
    const done = await tx.execute(sql`
      update agent_test_runs
      set status = 'done', results = ${JSON.stringify(results)}::jsonb, summary = ${JSON.stringify(p.summary)}::jsonb,
          passed = ${p.passed}, cases_hash = ${p.casesHash}, finished_at = now()
      where id = ${p.run.id}::uuid and status = 'running'
      returning id`);
    if (done.length === 0) {
      return false;
    }
    await insertAuditEvent(tx, {
      tenantId: p.run.tenantId,
      actor: p.actor,
      type: "agent_test.finished",
      subjectType: "agent",
      subjectId: p.run.agentId,
      data: { runId: p.run.id, version: p.run.version ?? "draft", kind: p.run.kind, passed: p.passed, summary: p.summary },
    });
    return true;
  });
}

/**
 * A case's result without its words: the name (a copied case's default names the customer), every
 * line of the simulated conversation, the handoff's reason and the expectations' details (they may
 * quote the replies). What passed, the tools called and the tokens stay.
 */
export function redactCaseResult(r: TTestCaseResult): TTestCaseResult {
  return {
    ...r,
    name: ERASED_CASE_NAME,
    transcript: r.transcript.map((line) => ({ ...line, text: "" })),
    expectations: r.expectations.map((e) => ({ ...e, detail: "" })),
    handoff: r.handoff ? { ...r.handoff, reason: "" } : null,
  };
}

const ERASED_CASE_NAME = "[erased]";

/**
 * A finished cases run keeps the words of the cases that still exist: one deleted while it ran (an
 * erasure of the customer it was copied from, or an operator) is kept redacted. The cases still there
 * are held FOR KEY SHARE until the run is stored, so an erasure deleting one either waits and then
 * finds the stored run (and redacts it), or deleted it first and is seen here.
 */
async function keptCaseResults(tx: Executor, results: TTestCaseResult[]): Promise<TTestCaseResult[]> {
  if (results.length === 0) {
    return results;
  }
  const ids = [...new Set(results.map((r) => r.caseId))];
  const rows = await tx.execute<{ id: string }>(sql`
    select id from agent_test_cases
    where id = any(array[${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )}]::uuid[])
    order by id
    for key share`);
  const kept = new Set(rows.map((r) => r.id));
  return results.map((r) => (kept.has(r.caseId) ? r : redactCaseResult(r)));
}

/**
 * A replay of real conversations without the customer's words (an erasure of that customer): the
 * masked customer, the words they wrote and both versions' replies. Timings and verdicts stay.
 */
export function redactReplay<T>(r: T): T {
  const replay = r as { customer?: string; replies?: Record<string, unknown>[] };
  return {
    ...replay,
    customer: ERASED_CASE_NAME,
    replies: (replay.replies ?? []).map((reply) => ({
      ...reply,
      customer: "",
      original: { ...(reply.original as object), text: "" },
      candidate: { ...(reply.candidate as object), text: "" },
    })),
  } as T;
}

/**
 * A finished replay keeps the words of the conversations not erased meanwhile: one whose customer was
 * erased while the run was being made is stored redacted. The others are held FOR SHARE until the run
 * is stored, so an erasure (which locks its conversations FOR UPDATE first) either waits and then
 * finds the stored run (and redacts it), or erased them first and is seen here.
 */
async function keptReplayResults(tx: Executor, results: TReplayConversation[]): Promise<TReplayConversation[]> {
  if (results.length === 0) {
    return results;
  }
  const ids = [...new Set(results.map((r) => r.conversationId))];
  const rows = await tx.execute<{ id: string }>(sql`
    select id from conversations
    where id = any(array[${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )}]::uuid[]) and erased_at is null
    order by id
    for share`);
  const kept = new Set(rows.map((r) => r.id));
  return results.map((r) => (kept.has(r.conversationId) ? r : redactReplay(r)));
}

/** A run whose job died (the LLM stayed down): status error with the reason. Audited. */
export async function failTestRun(db: Executor, p: { runId: string; error: string; actor: AuditActor }): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx.execute<{ tenant_id: string; agent_id: string }>(sql`
      update agent_test_runs set status = 'error', error = ${p.error.slice(0, 2000)}, finished_at = now()
      where id = ${p.runId}::uuid and status in ('queued', 'running')
      returning tenant_id, agent_id`);
    if (row) {
      await insertAuditEvent(tx, {
        tenantId: row.tenant_id,
        actor: p.actor,
        type: "agent_test.failed",
        subjectType: "agent",
        subjectId: row.agent_id,
        data: { runId: p.runId, error: p.error.slice(0, 500) },
      });
    }
  });
}

/**
 * The gate of each of an agent's versions: `no_cases`, `not_run` (no finished run of the current
 * cases), `passed` or `failed` (the latest finished run of the current cases) — a run of the version,
 * or of a draft that compiled to the same bundle (same bytes: the draft's verdict is the version's).
 */
export async function versionGates(db: Executor, p: { tenantId: string; agentId: string }): Promise<Map<string, GateState>> {
  const cases = await listTestCases(db, p);
  const gates = new Map<string, GateState>();
  const versions = await db.execute<{ id: string; passed: boolean | null }>(sql`
    select v.id, last.passed from agent_versions v
    left join lateral (
      select r.passed from agent_test_runs r
      where (r.version_id = v.id or (r.agent_id = v.agent_id and r.bundle_hash = v.bundle_hash))
        and r.kind = 'cases' and r.status = 'done' and r.cases_hash = ${testCasesHash(cases)}
      order by r.finished_at desc limit 1
    ) last on true
    where v.agent_id = ${p.agentId}::uuid and v.tenant_id = ${p.tenantId}::uuid`);
  for (const v of versions) {
    gates.set(v.id, cases.length === 0 ? "no_cases" : v.passed === null ? "not_run" : v.passed ? "passed" : "failed");
  }
  return gates;
}

/**
 * Activation's check: a version whose gate does not allow it goes live only with `force`, and the
 * override is audited (`version.gate_overridden`). Returns the gate state.
 */
export async function checkActivationGate(
  db: Executor,
  p: { tenantId: string; agentId: string; versionId: string; version: string; force: boolean; actor: AuditActor; requestId?: string },
): Promise<GateState> {
  const state = (await versionGates(db, p)).get(p.versionId) ?? "no_cases";
  if (gateAllowsActivation(state)) {
    return state;
  }
  if (!p.force) {
    const why = state === "failed" ? "its latest test run failed" : "its test cases have not been run on it";
    throw new AppError("INVALID_STATE", {
      message: `regression gate: version ${p.version} cannot go live, ${why} (run the agent's tests on it, or override with --force)`,
      reason: { code: state === "failed" ? "regression.failed" : "regression.not_run", version: p.version },
    });
  }
  await insertAuditEvent(db, {
    tenantId: p.tenantId,
    actor: p.actor,
    type: "version.gate_overridden",
    subjectType: "agent",
    subjectId: p.agentId,
    data: { version: p.version, gate: state },
    requestId: p.requestId,
  });
  return state;
}

/**
 * The finished run of the agent's current test cases that decides a version's gate (the latest, on
 * the version or on a draft with its bundle), or null (no cases, or none run): what the gate badge
 * opens. Filtered by tenant (STYLE rule 18).
 */
export async function gateRunOfVersion(
  db: Executor,
  p: { tenantId: string; agentId: string; versionId: string },
): Promise<{ id: string; passed: boolean; finishedAt: Date } | null> {
  const cases = await listTestCases(db, p);
  if (cases.length === 0) {
    return null;
  }
  const [row] = await db.execute<{ id: string; passed: boolean; finished_at: string }>(sql`
    select r.id, r.passed, r.finished_at from agent_versions v
    join agent_test_runs r
      on (r.version_id = v.id or (r.agent_id = v.agent_id and r.bundle_hash = v.bundle_hash))
      and r.tenant_id = v.tenant_id
      and r.kind = 'cases' and r.status = 'done' and r.cases_hash = ${testCasesHash(cases)}
    where v.id = ${p.versionId}::uuid and v.agent_id = ${p.agentId}::uuid and v.tenant_id = ${p.tenantId}::uuid
    order by r.finished_at desc limit 1`);
  return row ? { id: row.id, passed: row.passed, finishedAt: new Date(row.finished_at) } : null;
}

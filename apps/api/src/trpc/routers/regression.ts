import type { TRPCRouterRecord } from "@trpc/server";

import {
  compileDraft,
  deleteTestCase,
  getTestRun,
  listTestCases,
  listTestRuns,
  requestTestRun,
  requireAgent,
  saveTestCase,
  userActor,
} from "@lx/db/queries";
import {
  ZAgentScopeInput,
  ZDeleteTestCaseInput,
  ZGetTestRunInput,
  ZListTestRunsInput,
  ZSaveTestCaseInput,
  ZStartTestRunInput,
} from "@lx/shared/schemas";

import { toTestCaseDto, toTestRunDto } from "../dto.ts";
import { tenantOperatorProcedure, tenantReadProcedure } from "../init.ts";

/**
 * The regression gate (docs/regression.md): an agent's test cases, runs of them against a version
 * and replays of real conversations, done by a worker. Operators write; the tenant's client reads
 * (the evidence behind the versions it approves).
 */
export const regressionRouter = {
  /** The agent's test cases, by name. */
  cases: tenantReadProcedure.input(ZAgentScopeInput).query(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const rows = await listTestCases(ctx.db, { tenantId: ctx.tenant.id, agentId: agent.id });
    return rows.map(toTestCaseDto);
  }),

  /**
   * Operators: creates (no id) or replaces a test case; a name taken by another case is CONFLICT. A
   * case copied from a conversation names it (`sourceConversationId`): the tenant's (else NOT_FOUND),
   * not erased (else INVALID_STATE); that customer's erasure deletes the case.
   */
  saveCase: tenantOperatorProcedure.input(ZSaveTestCaseInput).mutation(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const row = await saveTestCase(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      id: input.id,
      testCase: input.testCase,
      sourceConversationId: input.sourceConversationId,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return toTestCaseDto(row);
  }),

  /** Operators: deletes a test case. */
  deleteCase: tenantOperatorProcedure.input(ZDeleteTestCaseInput).mutation(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    await deleteTestCase(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      id: input.id,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return { deleted: true };
  }),

  /**
   * Operators: queues a run of the agent's test cases (`cases`) or a replay of its latest real
   * conversations (`replay`) against a version, or against the agent's draft (`draft: true`: compiled
   * now and frozen in the run; a draft that does not compile is INVALID_INPUT with its errors, no
   * draft is INVALID_STATE); a worker makes it (poll `run` for the outcome).
   */
  start: tenantOperatorProcedure.input(ZStartTestRunInput).mutation(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const common = {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      kind: input.kind,
      replayLimit: input.conversations,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    };
    const run = input.version
      ? await requestTestRun(ctx.db, { ...common, version: input.version })
      : await requestTestRun(ctx.db, { ...common, draft: await compileDraft(ctx.db, { tenantId: ctx.tenant.id, agentId: agent.id }) });
    ctx.wakeJobs?.();
    return toTestRunDto(run);
  }),

  /** Runs of the agent (optionally of one version), newest first, by pages. */
  runs: tenantReadProcedure.input(ZListTestRunsInput).query(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const page = await listTestRuns(ctx.db, {
      tenantId: ctx.tenant.id,
      agentId: agent.id,
      version: input.version,
      cursor: input.cursor,
      limit: input.limit,
    });
    return { items: page.items.map(toTestRunDto), nextCursor: page.nextCursor };
  }),

  /** One run with its results (each case's transcript and expectations, or each replayed reply). */
  run: tenantReadProcedure.input(ZGetTestRunInput).query(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const run = await getTestRun(ctx.db, { tenantId: ctx.tenant.id, agentId: agent.id, id: input.id });
    return { ...toTestRunDto(run), results: run.results };
  }),
} satisfies TRPCRouterRecord;

import type { TRPCRouterRecord } from "@trpc/server";

import type { Database } from "@lx/db/client";
import {
  getQueueOverview,
  getTenantForUser,
  listDeadJobs,
  listFailedSends,
  listNumbers,
  retryDeadJob,
  retryFailedSend,
  setNumberPause,
  userActor,
  type SessionUser,
} from "@lx/db/queries";
import {
  ZGetQueueOverviewInput,
  ZListDeadJobsInput,
  ZListFailedSendsInput,
  ZListNumbersInput,
  ZPauseNumberInput,
  ZRetryJobInput,
  ZRetrySendInput,
  ZUnpauseNumberInput,
} from "@lx/shared/schemas";

import { operatorProcedure } from "../init.ts";

/** The optional tenant filter of the operations views (an unknown slug is NOT_FOUND). */
async function tenantIdOf(db: Database, user: SessionUser, tenantSlug: string | undefined) {
  return tenantSlug === undefined
    ? null
    : (await getTenantForUser(db, { user, ref: { slug: tenantSlug } })).id;
}

/**
 * Operations (operators only; clients FORBIDDEN): queue health, dead jobs and failed sends with
 * retry, per-number send pause. Operators work across tenants, so the tenant is an optional filter;
 * every write is audited with the operator and the request id.
 */
export const operationsRouter = {
  /**
   * Queue depth by status, runnable vs scheduled, age of the oldest runnable job and send: open and
   * failed rows live, the day's finished ones from a cache recounted at most every 30 s.
   */
  overview: operatorProcedure.input(ZGetQueueOverviewInput).query(async ({ ctx, input }) => {
    const tenantId = await tenantIdOf(ctx.db, ctx.session.user, input.tenantSlug);
    return getQueueOverview(ctx.db, { tenantId, finished: ctx.finishedCounts.get(tenantId) });
  }),

  /** Dead jobs, newest first. */
  deadJobs: operatorProcedure.input(ZListDeadJobsInput).query(async ({ ctx, input }) => {
    const tenantId = await tenantIdOf(ctx.db, ctx.session.user, input.tenantSlug);
    return listDeadJobs(ctx.db, { tenantId, cursor: input.cursor, limit: input.limit });
  }),

  /** Puts a dead job back in the queue (audited `job.retried`). */
  retryJob: operatorProcedure.input(ZRetryJobInput).mutation(async ({ ctx, input }) => {
    return retryDeadJob(ctx.db, {
      jobId: input.jobId,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /** Outbox rows that failed at Meta, died after their retries or were blocked by the 24-hour rule. */
  failedSends: operatorProcedure.input(ZListFailedSendsInput).query(async ({ ctx, input }) => {
    const tenantId = await tenantIdOf(ctx.db, ctx.session.user, input.tenantSlug);
    return listFailedSends(ctx.db, {
      tenantId,
      status: input.status,
      cursor: input.cursor,
      limit: input.limit,
    });
  }),

  /** Sends an outbox row again (audited `send.retried`). */
  retrySend: operatorProcedure.input(ZRetrySendInput).mutation(async ({ ctx, input }) => {
    return retryFailedSend(ctx.db, {
      outboxId: input.outboxId,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /** Every number with its send-pause state and how many sends wait for it. */
  numbers: operatorProcedure.input(ZListNumbersInput).query(async ({ ctx, input }) => {
    const tenantId = await tenantIdOf(ctx.db, ctx.session.user, input.tenantSlug);
    return listNumbers(ctx.db, { tenantId });
  }),

  /** Pauses a number's sending with a reason (audited `number.paused`). */
  pauseNumber: operatorProcedure.input(ZPauseNumberInput).mutation(async ({ ctx, input }) => {
    return setNumberPause(ctx.db, {
      numberId: input.numberId,
      paused: true,
      reason: input.reason,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /** Resumes a number's sending (audited `number.unpaused`). */
  unpauseNumber: operatorProcedure.input(ZUnpauseNumberInput).mutation(async ({ ctx, input }) => {
    return setNumberPause(ctx.db, {
      numberId: input.numberId,
      paused: false,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),
} satisfies TRPCRouterRecord;

/**
 * zod input schemas of the operations screen (apps/api `operations.*`): queue health, dead jobs and
 * failed sends with retry, per-number send pause. zod only: the browser console imports this file.
 */
import { z } from "zod";

import { ZSlugRef } from "./console.ts";

export const OPERATIONS_PAGE_MAX = 100;

/** Operators see every tenant, or the one they name. */
export const ZOperationsScopeInput = z.object({ tenantSlug: ZSlugRef.optional() });
export type TOperationsScopeInput = z.infer<typeof ZOperationsScopeInput>;

export const ZGetQueueOverviewInput = ZOperationsScopeInput;
export type TGetQueueOverviewInput = z.infer<typeof ZGetQueueOverviewInput>;

/** Pages go by id, newest first: `cursor` is the last id of the previous page. */
export const ZListDeadJobsInput = ZOperationsScopeInput.extend({
  cursor: z.int().positive().optional(),
  limit: z.int().min(1).max(OPERATIONS_PAGE_MAX).default(25),
});
export type TListDeadJobsInput = z.infer<typeof ZListDeadJobsInput>;

export const ZRetryJobInput = z.object({ jobId: z.int().positive() });
export type TRetryJobInput = z.infer<typeof ZRetryJobInput>;

/** Outbox statuses an operator can send again. */
export const RETRYABLE_SEND_STATUSES = ["dead", "blocked", "failed"] as const;

export const ZListFailedSendsInput = ZOperationsScopeInput.extend({
  status: z.enum(RETRYABLE_SEND_STATUSES).optional(),
  cursor: z.int().positive().optional(),
  limit: z.int().min(1).max(OPERATIONS_PAGE_MAX).default(25),
});
export type TListFailedSendsInput = z.infer<typeof ZListFailedSendsInput>;

export const ZRetrySendInput = z.object({ outboxId: z.int().positive() });
export type TRetrySendInput = z.infer<typeof ZRetrySendInput>;

export const ZListNumbersInput = ZOperationsScopeInput;
export type TListNumbersInput = z.infer<typeof ZListNumbersInput>;

export const ZPauseNumberInput = z.object({
  numberId: z.uuid(),
  reason: z.string().trim().min(1, "required").max(500),
});
export type TPauseNumberInput = z.infer<typeof ZPauseNumberInput>;

export const ZUnpauseNumberInput = z.object({ numberId: z.uuid() });
export type TUnpauseNumberInput = z.infer<typeof ZUnpauseNumberInput>;

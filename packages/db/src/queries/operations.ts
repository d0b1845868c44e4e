import { sql, type SQL } from "drizzle-orm";

import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { JOB_STATUSES, OUTBOX_STATUSES } from "../schema/index.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { isoText } from "./conversations.ts";

/**
 * The operators' operations screen: queue health (depth by status, age of the oldest runnable job
 * and send), dead jobs and failed sends with retry, and the per-number send pause. Operators see every
 * tenant, so `tenantId` is an optional filter here (the router allows operators only); every write
 * records its audit event in the same transaction (STYLE rule 20).
 */

export type JobStatus = (typeof JOB_STATUSES)[number];
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** Finished rows (done, cancelled, delivered…) are counted over this window; open and failed ones all. */
export const FINISHED_WINDOW_HOURS = 24;

export type QueueOverview = {
  finishedWindowHours: number;
  /** When the finished rows were counted (the API recounts them at most every FINISHED_RECOUNT_MS). */
  finishedCountedAt: string;
  jobs: {
    byStatus: Record<JobStatus, number>;
    /** Queued jobs whose run_at has passed (claimable now, unless their conversation's head is busy). */
    runnable: number;
    /** Queued jobs waiting for a later run_at (backoff, schedules, and the jobs held behind their conversation's backing-off job). */
    scheduled: number;
    /** run_at of the oldest runnable job, and how long it has waited (ms); null when none waits. */
    oldestRunnableAt: string | null;
    oldestRunnableAgeMs: number | null;
    /** Running jobs whose lease passed: a worker died with them (the reaper will take them back). */
    expiredLeases: number;
  };
  sends: {
    byStatus: Record<OutboxStatus, number>;
    oldestReadyAt: string | null;
    oldestReadyAgeMs: number | null;
    /** Queued sends held back because their number's sending is paused. */
    heldByPause: number;
  };
};

function tenantFilter(column: SQL, tenantId: string | null | undefined): SQL {
  return tenantId ? sql`and ${column} = ${tenantId}::uuid` : sql``;
}

/** Finished jobs and sends over the window: the costly part of the overview (a day of rows). */
export type FinishedCounts = {
  jobs: Record<"done" | "cancelled", number>;
  sends: Record<"sent" | "delivered" | "read" | "cancelled", number>;
  countedAt: string;
};

/**
 * The API serves these from a cache recounted at most this often (apps/api, finished-counts.ts): a
 * day's rows change little in 30 s, and every open operations screen polls every 5 s.
 */
export const FINISHED_RECOUNT_MS = 30_000;

/**
 * Counts the finished jobs and sends of the window, each through the rows of the window only (jobs:
 * finished ones are pruned after a day; sends: the BRIN index on created_at). Its cost grows with
 * the day's traffic (300,000 of each: ~0.2 s), hence the API's cache. Read receipts (`mark_read`)
 * are not counted among the finished sends: Meta sends no status for them, so one stays "sent" for
 * good, and "Enviados" would count every customer message read as a send that never got further
 * (queued, failed or dead ones still show with the open and failed sends: they are work of the sender).
 * Counts are left int8, which the driver reads as exact JS numbers (client.ts, parseInt8), never an
 * `::int` that overflows past 2^31.
 */
export async function countFinishedRows(db: Executor, p: { tenantId?: string | null }): Promise<FinishedCounts> {
  const window = sql`now() - ${FINISHED_WINDOW_HOURS} * interval '1 hour'`;
  const [jobs] = await db.execute<{ done: number; cancelled: number }>(sql`
    select count(*) filter (where status = 'done') as done, count(*) filter (where status = 'cancelled') as cancelled
    from message_queue q
    where status in ('done', 'cancelled') and coalesce(finished_at, created_at) > ${window}
      ${tenantFilter(sql`q.tenant_id`, p.tenantId)}`);
  const [sends] = await db.execute<{ sent: number; delivered: number; read: number; cancelled: number; counted_at: string }>(sql`
    select count(*) filter (where status = 'sent') as sent, count(*) filter (where status = 'delivered') as delivered,
           count(*) filter (where status = 'read') as read, count(*) filter (where status = 'cancelled') as cancelled,
           ${isoText(sql`now()`)} as counted_at
    from outbox_messages o
    where o.created_at > ${window} and status in ('sent', 'delivered', 'read', 'cancelled') and o.kind <> 'mark_read'
      ${tenantFilter(sql`o.tenant_id`, p.tenantId)}`);
  return {
    jobs: { done: jobs?.done ?? 0, cancelled: jobs?.cancelled ?? 0 },
    sends: { sent: sends?.sent ?? 0, delivered: sends?.delivered ?? 0, read: sends?.read ?? 0, cancelled: sends?.cancelled ?? 0 },
    countedAt: sends?.counted_at ?? new Date().toISOString(),
  };
}

/**
 * The overview: open, dead and failed rows counted live (each through a partial index of open or
 * failed rows), finished ones from `finished` when given (the API's cache), else counted here.
 */
export async function getQueueOverview(
  db: Executor,
  p: { tenantId?: string | null; finished?: Promise<FinishedCounts> },
): Promise<QueueOverview> {
  const finished = p.finished ?? countFinishedRows(db, { tenantId: p.tenantId });
  finished.catch(() => undefined); // awaited below; a rejection meanwhile is not "unhandled"
  // Open and dead jobs as two parts, each through its partial index (one `status in (…)` over the
  // three was planned as a scan of the whole table: a day of finished jobs).
  const tenantOfJob = tenantFilter(sql`q.tenant_id`, p.tenantId);
  const jobCounts = await db.execute<{ status: JobStatus; n: number }>(sql`
    select status, count(*) as n from message_queue q
    where status in ('queued', 'running') ${tenantOfJob} group by status
    union all
    select 'dead', count(*) from message_queue q where status = 'dead' ${tenantOfJob}`);
  const [jobs] = await db.execute<{
    runnable: number;
    scheduled: number;
    oldest_at: string | null;
    oldest_age_ms: number | null;
    expired: number;
  }>(sql`
    select count(*) filter (where status = 'queued' and run_at <= now()) as runnable,
           count(*) filter (where status = 'queued' and run_at > now()) as scheduled,
           ${isoText(sql`min(run_at) filter (where status = 'queued' and run_at <= now())`)} as oldest_at,
           (extract(epoch from now() - min(run_at) filter (where status = 'queued' and run_at <= now())) * 1000)::float8
             as oldest_age_ms,
           count(*) filter (where status = 'running' and lease_expires_at < now()) as expired
    from message_queue q
    where status in ('queued', 'running') ${tenantFilter(sql`q.tenant_id`, p.tenantId)}`);
  // Two parts, each through its own partial index (open sends, sends needing an operator): the
  // outbox is never pruned, and one condition "open or failed or updated in the window" read every
  // send ever made at each opening of the screen. The window's finished sends are in `finished`.
  const tenantOf = tenantFilter(sql`o.tenant_id`, p.tenantId);
  const sendCounts = await db.execute<{ status: OutboxStatus; n: number }>(sql`
    select status, count(*) as n from outbox_messages o
    where status in ('queued', 'sending', 'ambiguous') ${tenantOf} group by status
    union all
    select status, count(*) as n from outbox_messages o
    where status in ('failed', 'dead', 'blocked') ${tenantOf} group by status`);
  const [sends] = await db.execute<{ oldest_at: string | null; oldest_age_ms: number | null; held: number }>(sql`
    select ${isoText(sql`min(o.next_attempt_at) filter (where n.send_paused_at is null and o.next_attempt_at <= now())`)}
             as oldest_at,
           (extract(epoch from now() - min(o.next_attempt_at)
              filter (where n.send_paused_at is null and o.next_attempt_at <= now())) * 1000)::float8 as oldest_age_ms,
           count(*) filter (where n.send_paused_at is not null) as held
    from outbox_messages o join phone_numbers n on n.id = o.phone_number_id
    where o.status in ('queued', 'ambiguous') ${tenantFilter(sql`o.tenant_id`, p.tenantId)}`);
  const jobsByStatus = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  for (const r of jobCounts) {
    jobsByStatus[r.status] = r.n;
  }
  const sendsByStatus = Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;
  for (const r of sendCounts) {
    sendsByStatus[r.status] = r.n;
  }
  const done = await finished;
  Object.assign(jobsByStatus, done.jobs);
  Object.assign(sendsByStatus, done.sends);
  return {
    finishedWindowHours: FINISHED_WINDOW_HOURS,
    finishedCountedAt: done.countedAt,
    jobs: {
      byStatus: jobsByStatus,
      runnable: jobs?.runnable ?? 0,
      scheduled: jobs?.scheduled ?? 0,
      oldestRunnableAt: jobs?.oldest_at ?? null,
      oldestRunnableAgeMs: jobs?.oldest_age_ms === null || !jobs ? null : Math.max(0, Math.round(jobs.oldest_age_ms)),
      expiredLeases: jobs?.expired ?? 0,
    },
    sends: {
      byStatus: sendsByStatus,
      oldestReadyAt: sends?.oldest_at ?? null,
      oldestReadyAgeMs:
        sends?.oldest_age_ms === null || !sends ? null : Math.max(0, Math.round(sends.oldest_age_ms)),
      heldByPause: sends?.held ?? 0,
    },
  };
}

export type DeadJobRow = {
  id: number;
  tenantId: string | null;
  tenantSlug: string | null;
  tenantName: string | null;
  task: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  conversationId: string | null;
  messageId: number | null;
  createdAt: string;
  finishedAt: string | null;
};

export type IdPage<T> = { items: T[]; nextCursor: number | null };

/** Dead jobs (gave up after their attempts), newest first, paged by id. */
export async function listDeadJobs(
  db: Executor,
  p: { tenantId?: string | null; cursor?: number; limit: number },
): Promise<IdPage<DeadJobRow>> {
  const rows = await db.execute<{
    id: number;
    tenant_id: string | null;
    tenant_slug: string | null;
    tenant_name: string | null;
    task: string;
    attempts: number;
    max_attempts: number;
    last_error: string | null;
    conversation_id: string | null;
    message_id: number | null;
    created_at: string;
    finished_at: string | null;
  }>(sql`
    select q.id, q.tenant_id, t.slug as tenant_slug, t.name as tenant_name, q.task, q.attempts, q.max_attempts, q.last_error,
           q.conversation_id, q.message_id, ${isoText(sql`q.created_at`)} as created_at,
           ${isoText(sql`q.finished_at`)} as finished_at
    from message_queue q left join tenants t on t.id = q.tenant_id
    where q.status = 'dead' ${tenantFilter(sql`q.tenant_id`, p.tenantId)}
      ${p.cursor ? sql`and q.id < ${p.cursor}` : sql``}
    order by q.id desc
    limit ${p.limit + 1}`);
  const items = rows.slice(0, p.limit).map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    tenantSlug: r.tenant_slug,
    tenantName: r.tenant_name,
    task: r.task,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastError: r.last_error,
    conversationId: r.conversation_id,
    messageId: r.message_id,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  }));
  return { items, nextCursor: rows.length > p.limit ? (items.at(-1)?.id ?? null) : null };
}

/**
 * Puts a dead job back in the queue as if new (status queued, attempts 0, run_at now), audited
 * `job.retried` with what it was. NOT_FOUND when there is no such job; INVALID_STATE when it is not dead.
 */
export async function retryDeadJob(
  db: Executor,
  p: { jobId: number; actor: AuditActor; requestId?: string },
): Promise<{ id: number; task: string }> {
  return db.transaction(async (tx) => {
    const [job] = await tx.execute<{
      id: number;
      tenant_id: string | null;
      task: string;
      status: string;
      attempts: number;
      last_error: string | null;
    }>(sql`
      select id, tenant_id, task, status, attempts, last_error from message_queue
      where id = ${p.jobId} for update`);
    if (!job) {
      throw new AppError("NOT_FOUND", { message: `unknown job ${p.jobId}` });
    }
    if (job.status !== "dead") {
      throw new AppError("INVALID_STATE", {
        message: `job ${p.jobId} is ${job.status}, not dead`,
        reason: { code: "operations.job_not_dead" },
      });
    }
    await tx.execute(sql`
      update message_queue
      set status = 'queued', attempts = 0, run_at = now(), locked_by = null, locked_at = null,
          lease_expires_at = null, finished_at = null
      where id = ${p.jobId} and status = 'dead'`);
    await insertAuditEvent(tx, {
      tenantId: job.tenant_id,
      actor: p.actor,
      type: "job.retried",
      subjectType: "job",
      subjectId: p.jobId,
      before: { status: "dead", attempts: job.attempts, lastError: job.last_error },
      after: { status: "queued", attempts: 0 },
      data: { task: job.task },
      requestId: p.requestId,
    });
    return { id: job.id, task: job.task };
  });
}

export type FailedSendRow = {
  id: number;
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  conversationId: string | null;
  kind: string;
  recipient: string;
  status: "dead" | "blocked" | "failed";
  attempts: number;
  lastErrorCode: number | null;
  lastError: string | null;
  body: string | null;
  number: { id: string; displayPhoneNumber: string; paused: boolean };
  createdAt: string;
  updatedAt: string;
};

/** Sends that did not reach the customer (failed at Meta, dead after retries, blocked by the 24-hour rule). */
export async function listFailedSends(
  db: Executor,
  p: { tenantId?: string | null; status?: "dead" | "blocked" | "failed"; cursor?: number; limit: number },
): Promise<IdPage<FailedSendRow>> {
  const rows = await db.execute<{
    id: number;
    tenant_id: string;
    tenant_slug: string;
    tenant_name: string;
    conversation_id: string | null;
    kind: string;
    recipient: string;
    status: "dead" | "blocked" | "failed";
    attempts: number;
    last_error_code: number | null;
    last_error: string | null;
    body: string | null;
    number_id: string;
    display_phone_number: string;
    paused: boolean;
    created_at: string;
    updated_at: string;
  }>(sql`
    select o.id, o.tenant_id, t.slug as tenant_slug, t.name as tenant_name, o.conversation_id, o.kind, o.recipient, o.status, o.attempts,
           o.last_error_code, o.last_error, m.body, n.id as number_id, n.display_phone_number,
           n.send_paused_at is not null as paused,
           ${isoText(sql`o.created_at`)} as created_at, ${isoText(sql`o.updated_at`)} as updated_at
    from outbox_messages o
    join tenants t on t.id = o.tenant_id
    join phone_numbers n on n.id = o.phone_number_id
    left join messages m on m.id = o.message_id
    where ${p.status ? sql`o.status = ${p.status}` : sql`o.status in ('dead', 'blocked', 'failed')`}
      ${tenantFilter(sql`o.tenant_id`, p.tenantId)}
      ${p.cursor ? sql`and o.id < ${p.cursor}` : sql``}
    order by o.id desc
    limit ${p.limit + 1}`);
  const items = rows.slice(0, p.limit).map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    tenantSlug: r.tenant_slug,
    tenantName: r.tenant_name,
    conversationId: r.conversation_id,
    kind: r.kind,
    recipient: r.recipient,
    status: r.status,
    attempts: r.attempts,
    lastErrorCode: r.last_error_code,
    lastError: r.last_error,
    body: r.body,
    number: { id: r.number_id, displayPhoneNumber: r.display_phone_number, paused: r.paused },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
  return { items, nextCursor: rows.length > p.limit ? (items.at(-1)?.id ?? null) : null };
}

/**
 * Sends a dead, blocked or failed outbox row again: status queued, attempts 0, next attempt now; the
 * old wamid, times and error are cleared so the new send's callbacks land cleanly (the audit event
 * `send.retried` keeps what they were). The 24-hour rule and the number's pause apply as for any send.
 */
export async function retryFailedSend(
  db: Executor,
  p: { outboxId: number; actor: AuditActor; requestId?: string },
): Promise<{ id: number }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.execute<{
      id: number;
      tenant_id: string;
      status: string;
      attempts: number;
      wamid: string | null;
      last_error_code: number | null;
      last_error: string | null;
      conversation_id: string | null;
    }>(sql`
      select id, tenant_id, status, attempts, wamid, last_error_code, last_error, conversation_id
      from outbox_messages where id = ${p.outboxId} for update`);
    if (!row) {
      throw new AppError("NOT_FOUND", { message: `unknown send ${p.outboxId}` });
    }
    if (!["dead", "blocked", "failed"].includes(row.status)) {
      throw new AppError("INVALID_STATE", {
        message: `send ${p.outboxId} is ${row.status}`,
        reason: { code: "operations.send_not_retryable" },
      });
    }
    await tx.execute(sql`
      update outbox_messages
      set status = 'queued', attempts = 0, next_attempt_at = now(), locked_by = null, locked_at = null,
          wamid = null, sent_at = null, delivered_at = null, read_at = null, failed_at = null,
          last_error_code = null, last_error = null, block_reason = null, block_template = null, updated_at = now()
      where id = ${p.outboxId}`);
    await insertAuditEvent(tx, {
      tenantId: row.tenant_id,
      actor: p.actor,
      type: "send.retried",
      subjectType: "outbox",
      subjectId: p.outboxId,
      before: {
        status: row.status,
        attempts: row.attempts,
        wamid: row.wamid,
        lastErrorCode: row.last_error_code,
        lastError: row.last_error,
      },
      after: { status: "queued", attempts: 0 },
      data: { conversationId: row.conversation_id },
      requestId: p.requestId,
    });
    return { id: row.id };
  });
}

export type NumberRow = {
  id: string;
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
  kind: "meta" | "sandbox";
  agentSlug: string | null;
  /** Its WhatsApp Business Account, once the apply file, the console or Meta's webhooks named it. */
  wabaId: string | null;
  sendPausedAt: string | null;
  pauseReason: string | null;
  /** When one of its texts first reached delivered or read (the setup checklist). */
  firstAnsweredAt: string | null;
  /** Sends of this number waiting in the outbox (queued or ambiguous). */
  waiting: number;
  /** No customer has written to it (no conversation): `numbers.remove` may delete it. */
  removable: boolean;
};

export async function listNumbers(db: Executor, p: { tenantId?: string | null }): Promise<NumberRow[]> {
  const rows = await db.execute<{
    id: string;
    tenant_id: string;
    tenant_slug: string;
    tenant_name: string;
    phone_number_id: string;
    display_phone_number: string;
    kind: "meta" | "sandbox";
    agent_slug: string | null;
    waba_id: string | null;
    send_paused_at: string | null;
    pause_reason: string | null;
    first_answered_at: string | null;
    waiting: number;
    removable: boolean;
  }>(sql`
    select n.id, n.tenant_id, t.slug as tenant_slug, t.name as tenant_name, n.phone_number_id,
           n.display_phone_number, n.kind, a.slug as agent_slug, n.waba_id,
           ${isoText(sql`n.send_paused_at`)} as send_paused_at, n.pause_reason,
           ${isoText(sql`n.first_answered_at`)} as first_answered_at,
           (select count(*) from outbox_messages o
            where o.phone_number_id = n.id and o.status in ('queued', 'ambiguous')) as waiting,
           not exists (select 1 from conversations c where c.phone_number_id = n.id) as removable
    from phone_numbers n
    join tenants t on t.id = n.tenant_id
    left join agents a on a.id = n.agent_id
    where true ${tenantFilter(sql`n.tenant_id`, p.tenantId)}
    order by t.name, n.display_phone_number`);
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    tenantSlug: r.tenant_slug,
    tenantName: r.tenant_name,
    phoneNumberId: r.phone_number_id,
    displayPhoneNumber: r.display_phone_number,
    kind: r.kind,
    agentSlug: r.agent_slug,
    wabaId: r.waba_id,
    sendPausedAt: r.send_paused_at,
    pauseReason: r.pause_reason,
    firstAnsweredAt: r.first_answered_at,
    waiting: r.waiting,
    removable: r.removable,
  }));
}

/**
 * Pauses (reason given) or resumes a number's sending, audited `number.paused` / `number.unpaused`.
 * Paused rows stay queued: the sender skips them until the number is resumed. A no-op (already in
 * that state) changes nothing and writes no event.
 */
export async function setNumberPause(
  db: Executor,
  p: { numberId: string; paused: boolean; reason?: string; actor: AuditActor; requestId?: string },
): Promise<{ changed: boolean; sendPausedAt: string | null }> {
  return db.transaction(async (tx) => {
    const [number] = await tx.execute<{
      id: string;
      tenant_id: string;
      display_phone_number: string;
      send_paused_at: string | null;
      pause_reason: string | null;
    }>(sql`
      select id, tenant_id, display_phone_number, ${isoText(sql`send_paused_at`)} as send_paused_at, pause_reason
      from phone_numbers where id = ${p.numberId}::uuid for update`);
    if (!number) {
      throw new AppError("NOT_FOUND", { message: `unknown number ${p.numberId}` });
    }
    if ((number.send_paused_at !== null) === p.paused) {
      return { changed: false, sendPausedAt: number.send_paused_at };
    }
    const reason = p.paused ? (p.reason ?? "paused by an operator") : null;
    const [updated] = await tx.execute<{ send_paused_at: string | null }>(sql`
      update phone_numbers
      set send_paused_at = ${p.paused ? sql`now()` : sql`null`}, pause_reason = ${reason}, updated_at = now()
      where id = ${p.numberId}::uuid
      returning ${isoText(sql`send_paused_at`)} as send_paused_at`);
    await insertAuditEvent(tx, {
      tenantId: number.tenant_id,
      actor: p.actor,
      type: p.paused ? "number.paused" : "number.unpaused",
      subjectType: "phone_number",
      subjectId: number.id,
      before: { sendPausedAt: number.send_paused_at, pauseReason: number.pause_reason },
      after: { sendPausedAt: updated?.send_paused_at ?? null, pauseReason: reason },
      data: { displayPhoneNumber: number.display_phone_number },
      requestId: p.requestId,
    });
    return { changed: true, sendPausedAt: updated?.send_paused_at ?? null };
  });
}

export type StaleWorkReport = {
  /** Replies and handoff notices not yet done, queued (or claimed, by a worker gone with the old database) before the point. */
  jobs: number;
  /** Sends (texts, templates, read receipts) not yet settled, queued or in flight before the point. */
  sends: number;
};

/**
 * After the database was restored to an earlier point, the work that was in flight then is stale:
 * replies to messages of that time, sends queued then (some of which went out after the point, so
 * the restored rows do not know) and handoff notices already delivered. This cancels every reply and
 * handoff notice (jobs) and every send created before `before` that is still open — claimed ones
 * only if claimed before it too, so nothing a live worker took after the restore is touched — with
 * `last_error` saying why, and audits `restore.stale_cancelled` with the counts. Summaries and test
 * runs are left to run: redoing them sends nothing to anyone. `dryRun` counts and writes nothing.
 */
export async function cancelStaleWork(
  db: Executor,
  p: { before: Date; actor: AuditActor; dryRun?: boolean },
): Promise<StaleWorkReport> {
  const before = p.before.toISOString();
  const reason = `cancelled: the database was restored to ${before}`;
  return db.transaction(async (tx) => {
    const staleJobs = sql`
      select id from message_queue
      where task in ('conversation.reply', 'handoff.notify') and created_at < ${before}::timestamptz
        and (status = 'queued' or (status = 'running' and locked_at < ${before}::timestamptz))`;
    const staleSends = sql`
      select id from outbox_messages
      where created_at < ${before}::timestamptz
        and (status in ('queued', 'ambiguous') or (status = 'sending' and locked_at < ${before}::timestamptz))`;
    if (p.dryRun) {
      const [counts] = await tx.execute<{ jobs: number; sends: number }>(sql`
        select (select count(*) from (${staleJobs}) j) as jobs, (select count(*) from (${staleSends}) s) as sends`);
      return { jobs: counts?.jobs ?? 0, sends: counts?.sends ?? 0 };
    }
    const jobs = await tx.execute(sql`
      update message_queue
      set status = 'cancelled', finished_at = now(), last_error = ${reason}, locked_by = null, lease_expires_at = null
      where id in (${staleJobs})
      returning id`);
    const sends = await tx.execute(sql`
      update outbox_messages set status = 'cancelled', last_error = ${reason}, locked_by = null, updated_at = now()
      where id in (${staleSends})
      returning id`);
    const report = { jobs: jobs.length, sends: sends.length };
    await insertAuditEvent(tx, {
      actor: p.actor,
      type: "restore.stale_cancelled",
      subjectType: "platform",
      data: { restoredTo: before, ...report },
    });
    return report;
  });
}

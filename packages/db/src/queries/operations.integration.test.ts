import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import type { Database, Executor } from "../client.ts";
import {
  dbTest,
  seedAgent,
  seedConversation,
  seedNumber,
  seedOutbound,
  seedTenant,
  TEST_ACTOR,
} from "../testing/index.ts";
import {
  countFinishedRows,
  getQueueOverview,
  listDeadJobs,
  listFailedSends,
  listNumbers,
  retryDeadJob,
  retryFailedSend,
  setNumberPause,
} from "./operations.ts";

const actor = { type: "user" as const, id: null, label: "ana@agency.test" };

async function setup(db: Database) {
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const conversation = await seedConversation(db, { tenantId: tenant.id, numberId: number.id });
  return { tenant, agent, number, conversation };
}

async function insertJob(
  db: Database,
  p: { tenantId: string; status: string; runAtSql?: string; attempts?: number; lastError?: string; lease?: string },
) {
  const [row] = await db.$client.unsafe<{ id: string }[]>(
    `insert into message_queue (tenant_id, task, status, run_at, attempts, last_error, finished_at, lease_expires_at)
     values ($1, 'conversation.reply', $2, ${p.runAtSql ?? "now()"}, $3, $4,
             case when $2 in ('done', 'dead', 'cancelled') then now() else null end, ${p.lease ?? "null"})
     returning id`,
    [p.tenantId, p.status, p.attempts ?? 0, p.lastError ?? null],
  );
  return Number(row?.id);
}

async function auditOf(db: Database, tenantId: string, type: string) {
  return db.$client<{ actor_label: string; subject_id: string; before: unknown; after: unknown }[]>`
    select actor_label, subject_id, before, after from audit_events
    where tenant_id = ${tenantId} and type = ${type} order by id`;
}

describe("operations: queue overview", () => {
  dbTest("depth by status, runnable vs scheduled, oldest runnable age, expired leases, held sends", async ({ db }) => {
    const f = await setup(db);
    const other = await setup(db);
    await insertJob(db, { tenantId: f.tenant.id, status: "queued", runAtSql: "now() - interval '90 seconds'" });
    await insertJob(db, { tenantId: f.tenant.id, status: "queued", runAtSql: "now() - interval '10 seconds'" });
    await insertJob(db, { tenantId: f.tenant.id, status: "queued", runAtSql: "now() + interval '1 hour'" });
    await insertJob(db, { tenantId: f.tenant.id, status: "running", lease: "now() - interval '1 minute'" });
    await insertJob(db, { tenantId: f.tenant.id, status: "done" });
    await insertJob(db, { tenantId: f.tenant.id, status: "dead", attempts: 8, lastError: "LLM down" });
    await insertJob(db, { tenantId: other.tenant.id, status: "queued", runAtSql: "now() - interval '1 day'" });
    const send = { tenantId: f.tenant.id, conversationId: f.conversation.id, numberId: f.number.id, author: "bot" as const };
    await seedOutbound(db, { ...send, body: "a", status: "delivered" });
    await seedOutbound(db, { ...send, body: "b", status: "queued", at: new Date(Date.now() - 30_000) });
    await seedOutbound(db, { ...send, body: "c", status: "failed" });
    // Two days old: a delivered send is outside the 24 h window, a failed one still needs an operator.
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    await seedOutbound(db, { ...send, body: "old delivered", status: "delivered", at: twoDaysAgo });
    await seedOutbound(db, { ...send, body: "old failed", status: "failed", at: twoDaysAgo });

    const overview = await getQueueOverview(db, { tenantId: f.tenant.id });
    expect(overview.jobs.byStatus).toEqual({ queued: 3, running: 1, done: 1, dead: 1, cancelled: 0 });
    expect(overview.jobs).toMatchObject({ runnable: 2, scheduled: 1, expiredLeases: 1 });
    // The oldest runnable job waited ~90 s (not the other tenant's day-old one).
    expect(overview.jobs.oldestRunnableAgeMs).toBeGreaterThanOrEqual(89_000);
    expect(overview.jobs.oldestRunnableAgeMs).toBeLessThan(120_000);
    expect(overview.jobs.oldestRunnableAt).toMatch(/Z$/);
    expect(overview.sends.byStatus).toMatchObject({ delivered: 1, queued: 1, failed: 2, dead: 0 });
    expect(overview.sends.oldestReadyAgeMs).toBeGreaterThanOrEqual(29_000);
    expect(overview.sends.heldByPause).toBe(0);

    await setNumberPause(db, { numberId: f.number.id, paused: true, reason: "token expired", actor });
    const paused = await getQueueOverview(db, { tenantId: f.tenant.id });
    expect(paused.sends).toMatchObject({ heldByPause: 1, oldestReadyAt: null, oldestReadyAgeMs: null });

    const everyone = await getQueueOverview(db, {});
    expect(everyone.jobs.byStatus.queued).toBeGreaterThanOrEqual(4);
    expect(everyone.jobs.oldestRunnableAgeMs).toBeGreaterThanOrEqual(86_000_000);
  });
  dbTest("the live part (every 5 s per open screen) reads open and failed rows only, never the day's finished ones", async ({ db }) => {
    const f = await setup(db);
    await db.execute(sql`
      insert into message_queue (tenant_id, task, status, finished_at)
      select ${f.tenant.id}, 'conversation.reply', 'done', now() - g * interval '1 second' from generate_series(1, 3000) g`);
    await db.execute(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, recipient, kind, payload, status, created_at)
      select ${f.tenant.id}, ${f.conversation.id}, ${f.number.id}, '5511999990000', 'text', '{}', 'delivered',
             now() - g * interval '1 second'
      from generate_series(1, 3000) g`);
    await insertJob(db, { tenantId: f.tenant.id, status: "dead" });
    await db.execute(sql`analyze message_queue`);
    await db.execute(sql`analyze outbox_messages`);
    for (const tenantId of [f.tenant.id, null]) {
      const finished = Promise.resolve(await countFinishedRows(db, { tenantId }));
      // Statistics not yet flushed (the count just before, on the same connection) show in the
      // xact view too: the live part's reads are the difference.
      const readSoFar = async (tx: Executor) => {
        const [read] = await tx.execute<{ rows: number }>(sql`
          select sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int as rows
          from pg_stat_xact_user_tables where relid in ('message_queue'::regclass, 'outbox_messages'::regclass)`);
        return read!.rows;
      };
      const { overview, rows } = await db.transaction(async (tx) => {
        const before = await readSoFar(tx);
        const out = await getQueueOverview(tx, { tenantId, finished });
        return { overview: out, rows: (await readSoFar(tx)) - before };
      });
      // (All tenants: the file's other tests add theirs.)
      expect(overview.jobs.byStatus.done).toBeGreaterThanOrEqual(3000);
      expect(overview.jobs.byStatus.dead).toBeGreaterThanOrEqual(1);
      expect(overview.sends.byStatus.delivered).toBeGreaterThanOrEqual(3000);
      // 3,000+ when one `status in (queued, running, dead)` was planned as a scan of the table.
      expect(rows, String(tenantId)).toBeLessThan(50);
    }
  });

  dbTest("read receipts are not counted as sends: they stay sent for good (Meta reports no status for them)", async ({ db }) => {
    const f = await setup(db);
    const send = { tenantId: f.tenant.id, conversationId: f.conversation.id, numberId: f.number.id, author: "bot" as const };
    await seedOutbound(db, { ...send, body: "a", status: "sent" });
    await seedOutbound(db, { ...send, body: "b", status: "read" });
    // Five customer messages marked read: what the sender leaves of each receipt it sent.
    await db.execute(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, recipient, kind, payload, status, attempts, sent_at)
      select ${f.tenant.id}, null, ${f.number.id}, '5511999990000', 'mark_read',
             jsonb_build_object('status', 'read', 'message_id', 'wamid.in-' || g), 'sent', 1, now()
      from generate_series(1, 5) g`);
    expect((await countFinishedRows(db, { tenantId: f.tenant.id })).sends).toEqual({ sent: 1, delivered: 0, read: 1, cancelled: 0 });
    const overview = await getQueueOverview(db, { tenantId: f.tenant.id });
    expect(overview.sends.byStatus).toMatchObject({ sent: 1, read: 1 });
  });
});

describe("operations: dead jobs", () => {
  dbTest("lists dead jobs newest first with a cursor and retries one, audited job.retried", async ({ db }) => {
    const f = await setup(db);
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await insertJob(db, { tenantId: f.tenant.id, status: "dead", attempts: 8, lastError: `error ${i}` }));
    }
    const running = await insertJob(db, { tenantId: f.tenant.id, status: "running" });

    const first = await listDeadJobs(db, { tenantId: f.tenant.id, limit: 2 });
    expect(first.items.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    expect(first.items[0]).toMatchObject({ tenantSlug: f.tenant.slug, tenantName: f.tenant.name, task: "conversation.reply", attempts: 8, lastError: "error 2" });
    const second = await listDeadJobs(db, { tenantId: f.tenant.id, limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });

    const jobId = ids[1] ?? 0;
    expect(await retryDeadJob(db, { jobId, actor, requestId: "req-1" })).toEqual({ id: jobId, task: "conversation.reply" });
    const [job] = await db.$client<{ status: string; attempts: number; finished_at: unknown; due: boolean }[]>`
      select status, attempts, finished_at, run_at <= now() as due from message_queue where id = ${jobId}`;
    expect(job).toEqual({ status: "queued", attempts: 0, finished_at: null, due: true });
    expect(await auditOf(db, f.tenant.id, "job.retried")).toEqual([
      {
        actor_label: actor.label,
        subject_id: String(jobId),
        before: { status: "dead", attempts: 8, lastError: "error 1" },
        after: { status: "queued", attempts: 0 },
      },
    ]);
    expect((await listDeadJobs(db, { tenantId: f.tenant.id, limit: 10 })).items.map((j) => j.id)).toEqual([ids[2], ids[0]]);

    await expect(retryDeadJob(db, { jobId, actor })).rejects.toMatchObject({ code: "INVALID_STATE" });
    await expect(retryDeadJob(db, { jobId: running, actor })).rejects.toMatchObject({ code: "INVALID_STATE" });
    await expect(retryDeadJob(db, { jobId: 999_999_999, actor })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await auditOf(db, f.tenant.id, "job.retried")).toHaveLength(1);
  });
});

describe("operations: failed sends", () => {
  dbTest("lists dead, blocked and failed sends and retries one from scratch, audited send.retried", async ({ db }) => {
    const f = await setup(db);
    const send = { tenantId: f.tenant.id, conversationId: f.conversation.id, numberId: f.number.id, author: "bot" as const };
    await seedOutbound(db, { ...send, body: "entregue", status: "delivered" });
    const failed = await seedOutbound(db, { ...send, body: "falhou", status: "failed", lastError: "131026" });
    const blocked = await seedOutbound(db, { ...send, body: "bloqueada", status: "blocked" });
    const dead = await seedOutbound(db, { ...send, body: "morta", status: "dead" });

    const all = await listFailedSends(db, { tenantId: f.tenant.id, limit: 10 });
    expect(all.items.map((s) => [s.body, s.status])).toEqual([
      ["morta", "dead"],
      ["bloqueada", "blocked"],
      ["falhou", "failed"],
    ]);
    expect(all.items[2]).toMatchObject({ tenantSlug: f.tenant.slug, tenantName: f.tenant.name, lastError: "131026", number: { id: f.number.id, paused: false } });
    const onlyBlocked = await listFailedSends(db, { tenantId: f.tenant.id, status: "blocked", limit: 10 });
    expect(onlyBlocked.items.map((s) => s.id)).toEqual([blocked.outbox?.id]);

    const outboxId = failed.outbox?.id ?? 0;
    expect(await retryFailedSend(db, { outboxId, actor })).toEqual({ id: outboxId });
    const [row] = await db.$client<Record<string, unknown>[]>`
      select status, attempts, wamid, sent_at, failed_at, last_error, next_attempt_at <= now() as due
      from outbox_messages where id = ${outboxId}`;
    expect(row).toEqual({
      status: "queued",
      attempts: 0,
      wamid: null,
      sent_at: null,
      failed_at: null,
      last_error: null,
      due: true,
    });
    const [event] = await auditOf(db, f.tenant.id, "send.retried");
    expect(event).toMatchObject({
      subject_id: String(outboxId),
      before: { status: "failed", attempts: 1, lastError: "131026" },
      after: { status: "queued", attempts: 0 },
    });
    expect((event?.before as { wamid: string }).wamid).toMatch(/^wamid\./);

    await expect(retryFailedSend(db, { outboxId, actor })).rejects.toMatchObject({ code: "INVALID_STATE" });
    await expect(retryFailedSend(db, { outboxId: 999_999_999, actor })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await retryFailedSend(db, { outboxId: dead.outbox?.id ?? 0, actor })).toEqual({ id: dead.outbox?.id });

    // A blocked send retried starts again without the reason it was blocked for (a reason is only
    // ever on a blocked row; the sender records a new one if it blocks it again).
    const blockedId = blocked.outbox?.id ?? 0;
    await db.execute(sql`update outbox_messages set block_reason = 'no_template' where id = ${blockedId}`);
    expect(await retryFailedSend(db, { outboxId: blockedId, actor })).toEqual({ id: blockedId });
    const [retried] = await db.$client<Record<string, unknown>[]>`
      select status, block_reason, block_template from outbox_messages where id = ${blockedId}`;
    expect(retried).toEqual({ status: "queued", block_reason: null, block_template: null });
  });
});

describe("operations: number send pause", () => {
  dbTest("pauses with a reason and resumes, each audited once; repeats are no-ops", async ({ db }) => {
    const f = await setup(db);
    const paused = await setNumberPause(db, { numberId: f.number.id, paused: true, reason: "conta em revisão", actor });
    expect(paused.changed).toBe(true);
    expect(paused.sendPausedAt).toMatch(/Z$/);
    expect(await setNumberPause(db, { numberId: f.number.id, paused: true, reason: "outra", actor })).toMatchObject({
      changed: false,
    });
    const [listed] = await listNumbers(db, { tenantId: f.tenant.id });
    expect(listed).toMatchObject({
      id: f.number.id,
      tenantSlug: f.tenant.slug,
      kind: "meta",
      agentSlug: f.agent.slug,
      pauseReason: "conta em revisão",
      waiting: 0,
    });
    expect(await setNumberPause(db, { numberId: f.number.id, paused: false, actor: TEST_ACTOR })).toEqual({
      changed: true,
      sendPausedAt: null,
    });
    expect(await setNumberPause(db, { numberId: f.number.id, paused: false, actor })).toEqual({
      changed: false,
      sendPausedAt: null,
    });
    const paused_ = await auditOf(db, f.tenant.id, "number.paused");
    const unpaused = await auditOf(db, f.tenant.id, "number.unpaused");
    expect(paused_).toHaveLength(1);
    expect(paused_[0]).toMatchObject({
      before: { sendPausedAt: null, pauseReason: null },
      after: { pauseReason: "conta em revisão" },
    });
    expect(unpaused).toHaveLength(1);
    expect(unpaused[0]).toMatchObject({ after: { sendPausedAt: null, pauseReason: null } });
    await expect(
      setNumberPause(db, { numberId: "00000000-0000-4000-8000-000000000000", paused: true, actor }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

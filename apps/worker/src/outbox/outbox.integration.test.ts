import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { enqueueOutboundText } from "@lx/db/queries";
import { dbTest as test, seedNumber, startDbProxy, TEST_SECRET_KEY } from "@lx/db/testing";
import { encryptSecret, parseSecretKey } from "@lx/shared/crypto";

import { eventually, startStack, type Stack } from "../testing/stack.ts";

async function stack(db: Database, dbUrl: string): Promise<Stack> {
  const s = await startStack(db, dbUrl);
  onTestFinished(() => s.stop());
  return s;
}

/** A conversation with a customer who wrote `hoursAgo` hours ago, and one outgoing text queued. */
async function queueText(s: Stack, text: string, opts: { waId?: string; hoursAgo?: number; userId?: string } = {}) {
  const key = opts.userId ?? opts.waId ?? `5511${Math.floor(Math.random() * 1e9)}`;
  const rows = await s.db.execute<{ id: string }>(sql`
    insert into conversations (tenant_id, phone_number_id, agent_id, customer_key, customer_wa_id, customer_user_id,
                               customer_name, last_customer_message_at)
    values (${s.tenantId}, ${s.numberId}, ${s.agentId}, ${key}, ${opts.userId ? null : key}, ${opts.userId ?? null},
            'Maria Silva', now() - ${opts.hoursAgo ?? 0} * interval '1 hour')
    on conflict (phone_number_id, customer_key) do update set last_customer_message_at = excluded.last_customer_message_at
    returning id`);
  const conversationId = rows[0]!.id;
  const r = await enqueueOutboundText(s.db, {
    tenantId: s.tenantId,
    conversationId,
    numberId: s.numberId,
    recipient: key,
    author: "bot",
    text,
  });
  return { conversationId, outboxId: r.outboxId, key };
}

/** The re-engagement template the Haven agent names (`retomada_v1`), approved unless told otherwise. */
async function reengagementTemplate(s: Stack, status: "approved" | "pending" = "approved") {
  await s.db.execute(sql`
    insert into templates (tenant_id, name, language, category, purpose, body, status)
    values (${s.tenantId}, 'retomada_v1', 'pt_BR', 'utility', 'reengagement', 'Olá {{1}}, podemos continuar?', ${status})`);
}

async function row(db: Database, id: number) {
  const rows = await db.execute<{ status: string; attempts: number; wamid: string | null; last_error_code: number | null; kind: string }>(
    sql`select status, attempts, wamid, last_error_code, kind from outbox_messages where id = ${id}`,
  );
  return rows[0]!;
}

const accepted = (s: Stack, text: string) =>
  s.graph.requests.filter((r) => r.kind === "send" && (r.outcome === "sent" || r.outcome === "dropped") && r.text === text);

const audits = async (db: Database, type: string, subjectId: number) =>
  (await db.execute(sql`select 1 from audit_events where type = ${type} and subject_id = ${String(subjectId)}`)).length;

describe("outbox sender", () => {
  test("a storm of 5xx and 429 answers ends in exactly one send per message, in order", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    // Five failures, then success on the sixth and last allowed attempt.
    s.graph.failNext(3, { kind: "error", code: 131016, status: 503 });
    s.graph.failNext(1, { kind: "error", code: 130429 });
    s.graph.failNext(1, { kind: "error", code: 2, status: 500 });
    const a = await queueText(s, "primeira");
    await enqueueOutboundText(s.db, { tenantId: s.tenantId, conversationId: a.conversationId, numberId: s.numberId, recipient: a.key, author: "bot", text: "segunda" });
    await s.startWorker({ retryBaseMs: 20 });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered");
    await eventually(async () => accepted(s, "segunda").length, (n) => n === 1);
    expect(accepted(s, "primeira")).toHaveLength(1);
    const sends = s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent").map((r) => r.text);
    expect(sends).toEqual(["primeira", "segunda"]);
    expect((await row(db, a.outboxId)).attempts).toBe(6);
  });

  test("past the attempt limit and its 30-minute budget a retryable failure is dead-lettered with an audit event", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.graph.failNext(6, { kind: "error", code: 131000, status: 500 });
    const a = await queueText(s, "sem sorte");
    // Written 31 minutes ago (it waited behind a stuck conversation, say): past the time budget, so
    // the attempt limit is all it gets.
    await db.execute(sql`update outbox_messages set created_at = now() - interval '31 minutes' where id = ${a.outboxId}`);
    await s.startWorker({ retryBaseMs: 10 });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "dead");
    expect(await row(db, a.outboxId)).toMatchObject({ attempts: 6, last_error_code: 131000 });
    expect(await audits(db, "send.dead", a.outboxId)).toBe(1);
    expect(accepted(s, "sem sorte")).toHaveLength(0);
  });

  test("a 5xx outage outlasting the old attempt limit: the reply is retried on and sent once when Meta recovers, not dead-lettered", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    let down = true;
    s.graph.failWhere(() => down, { kind: "error", code: 2, status: 500 });
    const a = await queueText(s, "durante a queda");
    const later = await enqueueOutboundText(s.db, {
      tenantId: s.tenantId, conversationId: a.conversationId, numberId: s.numberId, recipient: a.key, author: "bot", text: "depois da queda",
    });
    // Written 20 minutes ago: well past the ~20 s the old 6 attempts lasted, within the 30-minute budget.
    await db.execute(sql`update outbox_messages set created_at = now() - interval '20 minutes' where id in (${a.outboxId}, ${later.outboxId})`);
    const w = await s.startWorker({ retryBaseMs: 5 });
    // Ten refusals, four past the old limit of six; the row is still queued, its next try scheduled.
    await eventually(() => row(db, a.outboxId), (r) => r.attempts >= 10 && r.status !== "sending");
    expect(await row(db, a.outboxId)).toMatchObject({ status: "queued", last_error_code: 2 });
    // The later reply waits behind it, untried.
    expect(s.graph.requests.filter((r) => r.kind === "send" && r.text === "depois da queda")).toHaveLength(0);
    // The waits are short here (5 ms base); drive the clock instead of sleeping through a long one.
    down = false;
    await db.execute(sql`update outbox_messages set next_attempt_at = now() where id in (${a.outboxId}, ${later.outboxId}) and status = 'queued'`);
    w.sender.notify();
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered");
    await eventually(() => row(db, later.outboxId), (r) => r.status === "delivered");
    expect(accepted(s, "durante a queda")).toHaveLength(1);
    expect(accepted(s, "depois da queda")).toHaveLength(1);
    const sends = s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent").map((r) => r.text);
    expect(sends).toEqual(["durante a queda", "depois da queda"]);
    expect(await audits(db, "send.dead", a.outboxId)).toBe(0);
  });

  test("a Retry-After on a 429 is honoured: the next try waits that long, not the usual backoff", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.graph.failNext(1, { kind: "error", code: 130429, status: 429, retryAfter: "7" });
    const a = await queueText(s, "devagar");
    await s.startWorker({ retryBaseMs: 20 });
    await eventually(() => row(db, a.outboxId), (r) => r.last_error_code === 130429 && r.status === "queued");
    const [wait] = await db.execute<{ ms: number }>(sql`
      select extract(epoch from next_attempt_at - updated_at) * 1000 as ms from outbox_messages where id = ${a.outboxId}`);
    expect(Number(wait?.ms)).toBeGreaterThanOrEqual(6_900);
    expect(Number(wait?.ms)).toBeLessThanOrEqual(7_100);
    await db.execute(sql`update outbox_messages set next_attempt_at = now() where id = ${a.outboxId}`);
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered");
    expect(accepted(s, "devagar")).toHaveLength(1);
  });

  test("a connection dropped after Meta accepted is reconciled by the status callback, not re-sent; the conversation's next send goes at once", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.graph.failNext(1, { kind: "drop-after-accept" });
    const a = await queueText(s, "ambígua");
    const next = await queueText(s, "depois", { waId: a.key });
    await s.startWorker({ ambiguousGraceMs: 60_000 });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered" && r.wamid !== null);
    expect(accepted(s, "ambígua")).toHaveLength(1);
    expect(await audits(db, "send.ambiguous", a.outboxId)).toBe(1);
    // The next send was held behind the ambiguous one; settled by the callback, it no longer waits
    // out the 60 s grace.
    await eventually(() => row(db, next.outboxId), (r) => r.status === "delivered", 20_000);
    const sends = s.graph.requests.filter((r) => r.kind === "send" && (r.outcome === "sent" || r.outcome === "dropped"));
    expect(sends.map((r) => r.text)).toEqual(["ambígua", "depois"]);
  });

  test("a send that timed out after Meta accepted it (a slow answer) is settled by its status callbacks, never re-sent", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.graph.failNext(1, { kind: "delay", ms: 3_000 }); // accepted at once, answered after our timeout
    const a = await queueText(s, "resposta lenta");
    await s.startWorker({ sendTimeoutMs: 300, ambiguousGraceMs: 60_000 });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered" && r.wamid !== null);
    expect(s.graph.requests.filter((r) => r.kind === "send" && r.text === "resposta lenta")).toHaveLength(1);
    expect(await audits(db, "send.ambiguous_resend", a.outboxId)).toBe(0);
  });

  test("a send Meta never answered (a hang, nothing accepted) times out and goes again after the grace, once", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.graph.failNext(1, { kind: "hang" });
    const a = await queueText(s, "sem resposta");
    await s.startWorker({ sendTimeoutMs: 300, ambiguousGraceMs: 300 });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered");
    const tries = s.graph.requests.filter((r) => r.kind === "send" && r.text === "sem resposta");
    expect(tries.map((r) => r.outcome)).toEqual(["hung", "sent"]);
    expect(accepted(s, "sem resposta")).toHaveLength(1);
    expect(await audits(db, "send.ambiguous", a.outboxId)).toBe(1);
    expect(await audits(db, "send.ambiguous_resend", a.outboxId)).toBe(1);
  });

  test("an ambiguous send with no status callback within the grace period is re-sent once, audited", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.graph.setWebhook(null); // Meta's callbacks never arrive
    s.graph.failNext(1, { kind: "drop-after-accept" });
    const a = await queueText(s, "sem retorno");
    await s.startWorker({ ambiguousGraceMs: 300 });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "sent");
    expect(accepted(s, "sem retorno")).toHaveLength(2);
    expect(await audits(db, "send.ambiguous_resend", a.outboxId)).toBe(1);
  });

  test("outside the 24-hour window the agent's re-engagement template goes instead", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    await reengagementTemplate(s);
    const a = await queueText(s, "texto livre", { hoursAgo: 25 });
    await s.startWorker();
    const req = await s.graph.waitFor((r) => r.kind === "send" && r.outcome === "sent", 15_000);
    expect(req.body?.type).toBe("template");
    expect(req.body?.to).toBe(`+${a.key}`);
    expect(req.body?.template).toMatchObject({
      name: "retomada_v1",
      language: { code: "pt_BR" },
      components: [{ type: "body", parameters: [{ type: "text", text: "Maria" }] }],
    });
    expect(accepted(s, "texto livre")).toHaveLength(0);
    expect(await audits(db, "send.template_substituted", a.outboxId)).toBe(1);
  });

  test("a database connection lost before the request (here while the template is read) retries the send at once, not as ambiguous", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    await reengagementTemplate(s);
    const a = await queueText(s, "fora da janela", { hoursAgo: 30 });
    // Hold the templates table so the sender's read of the template waits; then terminate that
    // backend, as a restart would, before any request to Meta has left.
    await db.transaction(async (tx) => {
      await tx.execute(sql`lock table templates in access exclusive mode`);
      await s.startWorker({ ambiguousGraceMs: 60_000 });
      await eventually(
        async () =>
          (await db.execute<{ ok: boolean }>(sql`
            select pg_terminate_backend(pid) as ok from pg_stat_activity
            where application_name = 'lx-test-worker' and wait_event_type = 'Lock' and query like '%select body from templates%'`))
            .length,
        (n) => n >= 1,
      );
    });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered", 15_000); // not after a 60 s grace
    const sends = s.graph.requests.filter((r) => r.kind === "send");
    expect(sends.map((r) => [r.outcome, r.body?.type])).toEqual([["sent", "template"]]);
    expect(await row(db, a.outboxId)).toMatchObject({ attempts: 1 }); // the lost try gave its attempt back
    expect(await audits(db, "send.ambiguous", a.outboxId)).toBe(0);
  });

  test("the database going away before the request (a restart): the send is put back once it can be reached, spending no attempt, never ambiguous", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    await reengagementTemplate(s);
    const a = await queueText(s, "fora da janela, servidor reiniciando", { hoursAgo: 30 });
    const proxy = await startDbProxy(dbUrl);
    onTestFinished(() => proxy.close());
    // Hold the templates table so the sender's read of the template waits; then the database goes
    // away (its connections cut, new ones refused as a restarting server does) before any request.
    await db.transaction(async (tx) => {
      await tx.execute(sql`lock table templates in access exclusive mode`);
      await s.startWorker({ ambiguousGraceMs: 60_000 }, { dbUrl: proxy.url });
      await eventually(
        async () =>
          (await db.execute(sql`
            select 1 from pg_stat_activity
            where application_name = 'lx-test-worker' and wait_event_type = 'Lock' and query like '%select body from templates%'`)).length,
        (n) => n >= 1,
      );
      proxy.down();
      await db.execute(sql`
        select pg_terminate_backend(pid) from pg_stat_activity
        where application_name = 'lx-test-worker' and wait_event_type = 'Lock' and query like '%select body from templates%'`);
    });
    // Down until the sender has met the refusal a few times (putting the row back fails meanwhile).
    await eventually(async () => proxy.refused, (n) => n >= 3);
    proxy.up();
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered", 20_000); // not after a 60 s grace
    const sends = s.graph.requests.filter((r) => r.kind === "send");
    expect(sends.map((r) => [r.outcome, r.body?.type])).toEqual([["sent", "template"]]);
    expect(await row(db, a.outboxId)).toMatchObject({ attempts: 1 });
    expect(await audits(db, "send.ambiguous", a.outboxId)).toBe(0);
  });

  test("a connection lost while recording a send Meta accepted: recorded on a new one, never ambiguous, never sent twice", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    // No status callbacks: nothing but the sender itself can record this send.
    s.graph.setWebhook(null);
    const text = "aceita pela Meta, gravada depois";
    const a = await queueText(s, text);
    s.graph.failNext(1, { kind: "delay", ms: 300 }); // time to hold the row before Meta answers
    const waiting = (like: string) =>
      db.execute<{ pid: number }>(sql`
        select pid from pg_stat_activity
        where application_name = 'lx-test-worker' and wait_event_type = 'Lock' and query like ${like}`);
    await s.startWorker({ ambiguousGraceMs: 1_000, reapEveryMs: 200 });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "sending");
    await db.transaction(async (tx) => {
      // Hold the row: the sender's "sent" settle waits on it; then its connection is cut, as a
      // restart or a failover would, after Meta accepted the send and before it is recorded.
      await tx.execute(sql`select 1 from outbox_messages where id = ${a.outboxId} for update`);
      const [settle] = await eventually(() => waiting("%then 'sent' else o.status end%"), (r) => r.length === 1);
      await tx.execute(sql`select pg_terminate_backend(${settle!.pid})`);
      // Whatever the sender does next about this row waits on the same lock: let it queue up.
      await eventually(() => waiting("%outbox_messages%"), (r) => r.length === 1);
    });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "sent");
    const wamid = s.graph.requests.find((r) => r.kind === "send")?.wamid;
    expect(await row(db, a.outboxId)).toMatchObject({ status: "sent", wamid });
    // An ambiguous send would be re-sent 1 s from now: wait past that (an absence cannot be awaited).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(accepted(s, text)).toHaveLength(1);
    expect(await audits(db, "send.ambiguous", a.outboxId)).toBe(0);
  });

  test("our own failure before the request (here the template read is cancelled) is a counted retry, not ambiguous; on the last attempt the send is dead-lettered", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    await reengagementTemplate(s);
    const a = await queueText(s, "fora da janela", { hoursAgo: 30 });
    const b = await queueText(s, "fora da janela, última tentativa", { hoursAgo: 30 });
    // b is on its last attempt: the claim counts this one.
    await db.execute(sql`update outbox_messages set max_attempts = 1 where id = ${b.outboxId}`);
    // Hold the templates table so both reads of the template wait; then cancel them (SQLSTATE
    // 57014: an error of ours, not a lost connection) before any request has left.
    await db.transaction(async (tx) => {
      await tx.execute(sql`lock table templates in access exclusive mode`);
      await s.startWorker({ ambiguousGraceMs: 60_000, retryBaseMs: 20 });
      const waiting = sql`
        from pg_stat_activity
        where application_name = 'lx-test-worker' and wait_event_type = 'Lock' and query like '%select body from templates%'`;
      await eventually(async () => (await db.execute(sql`select pid ${waiting}`)).length, (n) => n === 2);
      await db.execute(sql`select pg_cancel_backend(pid) ${waiting}`);
    });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered", 15_000); // not after a 60 s grace
    expect(await row(db, a.outboxId)).toMatchObject({ attempts: 2 }); // the failed try counted
    expect(await row(db, b.outboxId)).toMatchObject({ status: "dead", attempts: 1 });
    const sends = s.graph.requests.filter((r) => r.kind === "send");
    expect(sends.map((r) => [r.outcome, r.body?.type, r.body?.biz_opaque_callback_data])).toEqual([["sent", "template", String(a.outboxId)]]);
    expect(await audits(db, "send.ambiguous", a.outboxId)).toBe(0);
    expect(await audits(db, "send.dead", b.outboxId)).toBe(1);
    const [dead] = await db.execute<{ last_error: string }>(sql`select last_error from outbox_messages where id = ${b.outboxId}`);
    expect(dead?.last_error).toMatch(/before the request to Meta.*cancel/);
  });

  test("outside the window with no approved template the send is blocked and audited", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    // The agent's re-engagement template exists for the tenant, but Meta has not approved it yet.
    await reengagementTemplate(s, "pending");
    const a = await queueText(s, "bloqueada", { hoursAgo: 30 });
    await s.startWorker();
    await eventually(() => row(db, a.outboxId), (r) => r.status === "blocked");
    expect(s.graph.requests.filter((r) => r.kind === "send")).toHaveLength(0);
    expect(await audits(db, "send.blocked", a.outboxId)).toBe(1);
    const [blocked] = await db.execute<{ last_error: string; block_reason: string | null; block_template: string | null }>(
      sql`select last_error, block_reason, block_template from outbox_messages where id = ${a.outboxId}`,
    );
    // The English sentence for the operations screen, and the structured reason the inbox reads.
    expect(blocked?.last_error).toMatch(/retomada_v1.*not approved/);
    expect(blocked).toMatchObject({ block_reason: "template_not_approved", block_template: "retomada_v1" });
  });

  test("outside the window with no re-engagement template named the send is blocked with reason no_template", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    // No active version: no bundle, so no re-engagement template named at all.
    await db.execute(sql`update agents set active_version_id = null where id = ${s.agentId}`);
    const a = await queueText(s, "sem modelo", { hoursAgo: 30 });
    await s.startWorker();
    await eventually(() => row(db, a.outboxId), (r) => r.status === "blocked");
    expect(s.graph.requests.filter((r) => r.kind === "send")).toHaveLength(0);
    const [blocked] = await db.execute<{ last_error: string; block_reason: string | null; block_template: string | null }>(
      sql`select last_error, block_reason, block_template from outbox_messages where id = ${a.outboxId}`,
    );
    expect(blocked).toMatchObject({
      last_error: "outside the 24-hour window and no re-engagement template",
      block_reason: "no_template",
      block_template: null,
    });
  });

  test("Meta refusing a send with 131047 (its clock says the window closed) sends the re-engagement template next", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    await reengagementTemplate(s);
    s.graph.failNext(1, { kind: "error", code: 131047 });
    // 23 h by our clock: the window is open here, closed by Meta's.
    const a = await queueText(s, "quase fora da janela", { hoursAgo: 23 });
    await s.startWorker();
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered" || r.status === "sent");
    const sends = s.graph.requests.filter((r) => r.kind === "send");
    expect(sends.map((r) => [r.outcome, r.body?.type])).toEqual([
      ["error", "text"],
      ["sent", "template"],
    ]);
    expect(sends[1]?.body?.template).toMatchObject({ name: "retomada_v1" });
    expect(sends[1]?.body?.biz_opaque_callback_data).toBe(String(a.outboxId)); // our row id, echoed in its statuses
    const [conv] = await db.execute<{ open: boolean }>(
      sql`select last_customer_message_at is not null as open from conversations where id = ${a.conversationId}`,
    );
    expect(conv?.open).toBe(false);
    expect(await audits(db, "send.template_substituted", a.outboxId)).toBe(1);
  });

  test("Meta answering 131047 to the template too (every send refused) dead-letters it with an audit event: two requests, no loop", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    await reengagementTemplate(s);
    s.graph.failWhere(() => true, { kind: "error", code: 131047 });
    const a = await queueText(s, "sempre recusada", { hoursAgo: 23 });
    await s.startWorker({ retryBaseMs: 20 });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "dead");
    const sends = s.graph.requests.filter((r) => r.kind === "send");
    expect(sends.map((r) => [r.outcome, r.body?.type])).toEqual([
      ["error", "text"],
      ["error", "template"],
    ]);
    expect(await row(db, a.outboxId)).toMatchObject({ status: "dead", kind: "template", attempts: 1, last_error_code: 131047 });
    expect(await audits(db, "send.template_substituted", a.outboxId)).toBe(1);
    const [dead] = await db.execute<{ data: { code: number; permanent: boolean } }>(
      sql`select data from audit_events where type = 'send.dead' and subject_id = ${String(a.outboxId)}`,
    );
    expect(dead?.data).toMatchObject({ code: 131047, permanent: true });
  });

  test("a template queued as one (a reminder) refused with 131047 is dead-lettered at once, not re-sent", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.graph.failWhere(() => true, { kind: "error", code: 131047 });
    const a = await queueText(s, "lembrete");
    const payload = { type: "template", template: { name: "lembrete_v1", language: { code: "pt_BR" } } };
    await db.execute(sql`update outbox_messages set kind = 'template', payload = ${JSON.stringify(payload)}::jsonb where id = ${a.outboxId}`);
    await s.startWorker({ retryBaseMs: 20 });
    await eventually(() => row(db, a.outboxId), (r) => r.status === "dead");
    expect(s.graph.requests.filter((r) => r.kind === "send").map((r) => [r.outcome, r.body?.type])).toEqual([["error", "template"]]);
    expect(await row(db, a.outboxId)).toMatchObject({ attempts: 1, last_error_code: 131047 });
    expect(await audits(db, "send.dead", a.outboxId)).toBe(1);
  });

  test.for([
    [190, "an expired token"],
    [368, "a policy block of the account"],
    [131031, "a locked account"],
  ] as const)("Meta error %i (%s) pauses the number's sends and keeps the rows", async ([code], { db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.graph.failNext(1, { kind: "error", code });
    const a = await queueText(s, "token expirado");
    await s.startWorker();
    await eventually(
      async () => (await db.execute<{ p: boolean }>(sql`select send_paused_at is not null as p from phone_numbers where id = ${s.numberId}`))[0]!.p,
      (p) => p,
    );
    const r = await row(db, a.outboxId);
    expect(r).toMatchObject({ status: "queued", attempts: 0, last_error_code: code });
    expect((await db.execute(sql`select 1 from audit_events where type = 'number.paused' and tenant_id = ${s.tenantId}`)).length).toBe(1);
    // Unpausing lets it go.
    await db.execute(sql`update phone_numbers set send_paused_at = null where id = ${s.numberId}`);
    await eventually(() => row(db, a.outboxId), (x) => x.status === "delivered");
    expect(accepted(s, "token expirado")).toHaveLength(1);
  });

  test("a token that cannot be decrypted (another LX_SECRET_KEY) pauses the number with the reason, sends nothing and spends no attempt", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    const otherKey = parseSecretKey("1e".repeat(32));
    await db.execute(sql`update phone_numbers set access_token_enc = ${encryptSecret(otherKey, s.token)} where id = ${s.numberId}`);
    const a = await queueText(s, "chave trocada");
    await s.startWorker();
    const paused = () =>
      db.execute<{ reason: string | null }>(sql`select pause_reason as reason from phone_numbers where id = ${s.numberId} and send_paused_at is not null`);
    await eventually(async () => (await paused()).length, (n) => n === 1);
    expect((await paused())[0]?.reason).toMatch(/LX_SECRET_KEY/);
    expect(await row(db, a.outboxId)).toMatchObject({ status: "queued", attempts: 0 });
    expect(s.graph.requests.filter((r) => r.kind === "send")).toHaveLength(0);
    expect(await audits(db, "number.paused", a.outboxId)).toBe(1);
    // The token saved again with the right key, and the number resumed: the text goes.
    await db.execute(sql`
      update phone_numbers set access_token_enc = ${encryptSecret(TEST_SECRET_KEY, s.token)}, send_paused_at = null, updated_at = now()
      where id = ${s.numberId}`);
    await eventually(() => row(db, a.outboxId), (x) => x.status === "delivered");
    expect(accepted(s, "chave trocada")).toHaveLength(1);
  });

  test("a permanent error (131026) dead-letters at once with an audit event; the next message still goes", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    s.graph.failNext(1, { kind: "error", code: 131026 });
    const a = await queueText(s, "não entregável");
    const b = await enqueueOutboundText(s.db, { tenantId: s.tenantId, conversationId: a.conversationId, numberId: s.numberId, recipient: a.key, author: "bot", text: "próxima" });
    await s.startWorker();
    await eventually(() => row(db, b.outboxId), (r) => r.status === "delivered");
    expect(await row(db, a.outboxId)).toMatchObject({ status: "dead", attempts: 1, last_error_code: 131026 });
    expect(await audits(db, "send.dead", a.outboxId)).toBe(1);
  });

  test("131056 backs off for that recipient only: other customers are not held up, and the recipient's text goes after the wait", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    let refused = 0;
    s.graph.failWhere(
      (r) => (r.body.text as { body?: string } | undefined)?.body === "para joão" && refused++ === 0,
      { kind: "error", code: 131056 },
    );
    const joao = await queueText(s, "para joão");
    const ana = await queueText(s, "para ana");
    await s.startWorker();
    await eventually(() => row(db, joao.outboxId), (r) => r.last_error_code === 131056);
    // The pair's own wait (1 s after a first 131056, 4^(n-1) s after the nth), not the generic retry
    // base (50 ms in these tests): Meta counts messages to one recipient over seconds.
    const [wait] = await db.execute<{ ms: number }>(sql`
      select extract(epoch from next_attempt_at - updated_at) * 1000 as ms from outbox_messages where id = ${joao.outboxId}`);
    expect(Number(wait?.ms)).toBeGreaterThanOrEqual(900);
    expect(Number(wait?.ms)).toBeLessThanOrEqual(1_100);
    await eventually(() => row(db, joao.outboxId), (r) => r.status === "delivered", 15_000);
    expect(await row(db, ana.outboxId)).toMatchObject({ status: "delivered" });
    const [toAna] = accepted(s, "para ana");
    const [toJoao] = accepted(s, "para joão");
    expect(accepted(s, "para joão")).toHaveLength(1);
    expect(toAna!.at).toBeLessThan(toJoao!.at); // Ana was not held behind João's wait
  });

  test("each send goes out with its own number's token and from that number's id", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    // A second number of the same tenant, with a token of its own (the fake Graph refuses any other).
    const token = `EAAG-segundo-${Math.random().toString(36).slice(2, 8)}`;
    const second = await seedNumber(db, { tenantId: s.tenantId, agentId: s.agentId, token });
    s.graph.setToken(second.phoneNumberId, token);
    const one = await queueText(s, "pelo primeiro número");
    const key = `5511${Math.floor(Math.random() * 1e9)}`;
    const [conv] = await db.execute<{ id: string }>(sql`
      insert into conversations (tenant_id, phone_number_id, agent_id, customer_key, customer_wa_id, last_customer_message_at)
      values (${s.tenantId}, ${second.id}, ${s.agentId}, ${key}, ${key}, now()) returning id`);
    const two = await enqueueOutboundText(s.db, {
      tenantId: s.tenantId, conversationId: conv!.id, numberId: second.id, recipient: key, author: "bot", text: "pelo segundo número",
    });
    await s.startWorker();
    await eventually(() => row(db, one.outboxId), (r) => r.status === "delivered");
    await eventually(() => row(db, two.outboxId), (r) => r.status === "delivered");
    const sent = s.graph.requests.filter((r) => r.kind === "send");
    expect(sent.map((r) => [r.text, r.phoneNumberId, r.token, r.outcome]).sort()).toEqual(
      [
        ["pelo primeiro número", s.phoneNumberId, s.token, "sent"],
        ["pelo segundo número", second.phoneNumberId, token, "sent"],
      ].sort(),
    );
  });

  test("a phone customer is addressed as +<wa_id> (Meta would otherwise prepend the business number's country code)", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    const a = await queueText(s, "olá telefone", { waId: "5511988887777" });
    await s.startWorker();
    const req = await s.graph.waitFor((r) => r.kind === "send" && r.outcome === "sent" && r.text === "olá telefone", 15_000);
    expect(req.body?.to).toBe("+5511988887777");
    expect(req.body?.recipient).toBeUndefined();
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered");
  });

  test("a username customer (user_id, no phone) is answered through `recipient`", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    const a = await queueText(s, "olá usuário", { userId: "BR.13491208655302741918" });
    await s.startWorker();
    const req = await s.graph.waitFor((r) => r.kind === "send" && r.outcome === "sent", 15_000);
    expect(req.body?.recipient).toBe("BR.13491208655302741918");
    expect(req.body?.to).toBeUndefined();
    await eventually(() => row(db, a.outboxId), (r) => r.status === "delivered");
  });
});

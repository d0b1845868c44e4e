import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import { closeDb, createDb, type Database, type Executor } from "../client.ts";
import { GroupCommit } from "../group-commit.ts";
import { dbTest as test, seedAgent, seedConversation, seedNumber, seedTenant } from "../testing/index.ts";
import { applyStatusUpdate, applyStatusUpdates, ingestInboundMessage, ingestInboundMessages, storeIgnoredEvent, type InboundMessageInput, type NumberTarget, type StatusUpdate } from "./inbound.ts";

async function target(db: Database): Promise<NumberTarget> {
  const tenant = await seedTenant(db);
  const number = await seedNumber(db, { tenantId: tenant.id });
  return { tenantId: tenant.id, numberId: number.id, phoneNumberId: number.phoneNumberId, agentId: null };
}

let seq = 0;
function msg(t: NumberTarget, waId: string, over: Partial<InboundMessageInput> = {}): InboundMessageInput {
  seq++;
  return {
    target: t,
    customer: { waId, userId: null, name: `Cliente ${waId.slice(-3)}` },
    metaMessageId: `wamid.test.${process.pid}.${seq}`,
    type: "text",
    body: `m${seq}`,
    contextId: null,
    sentAt: new Date(Date.now() - 60_000 + seq),
    answerable: true,
    payload: { n: seq },
    ...over,
  };
}

/** The conversation's customer messages and their jobs, in id order. */
async function timeline(db: Database, t: NumberTarget, waId: string) {
  return db.execute<{ body: string; job_id: string | null }>(sql`
    select m.body, q.id::text as job_id
    from messages m
    join conversations c on c.id = m.conversation_id
    left join message_queue q on q.message_id = m.id
    where c.phone_number_id = ${t.numberId} and c.customer_key = ${waId} and m.direction = 'in'
    order by m.id`);
}

describe("ingestInboundMessages (the webhook's group commit)", () => {
  test("one statement stores a batch in input order: one conversation per customer, jobs in order", async ({ db }) => {
    const t = await target(db);
    const batch = [msg(t, "5511900000001"), msg(t, "5511900000002"), msg(t, "5511900000001"), msg(t, "5511900000001")];
    const out = await ingestInboundMessages(db, batch);
    expect(out.map((r) => r.status)).toEqual(["queued", "queued", "queued", "queued"]);
    expect(new Set(out.map((r) => r.conversationId)).size).toBe(2);
    expect(out[0]!.conversationId).toBe(out[2]!.conversationId);
    const mine = await timeline(db, t, "5511900000001");
    expect(mine.map((r) => r.body)).toEqual([batch[0]!.body, batch[2]!.body, batch[3]!.body]);
    const jobIds = mine.map((r) => Number(r.job_id));
    expect([...jobIds].sort((a, b) => a - b)).toEqual(jobIds);
    const [conv] = await db.execute<{ last: string }>(sql`
      select last_customer_message_at::text as last from conversations where id = ${out[0]!.conversationId}`);
    expect(new Date(conv!.last).getTime()).toBe(batch[3]!.sentAt.getTime());
  });

  test("a repeat inside the batch and a redelivery of a stored message are duplicates that store nothing", async ({ db }) => {
    const t = await target(db);
    const first = msg(t, "5511900000003");
    expect((await ingestInboundMessage(db, first)).status).toBe("queued");
    const fresh = msg(t, "5511900000003");
    const out = await ingestInboundMessages(db, [first, fresh, { ...fresh }]);
    expect(out.map((r) => r.status)).toEqual(["duplicate", "queued", "duplicate"]);
    const mine = await timeline(db, t, "5511900000003");
    expect(mine.map((r) => r.body)).toEqual([first.body, fresh.body]);
    const [events] = await db.execute<{ n: number }>(sql`select count(*)::int as n from webhook_events where tenant_id = ${t.tenantId}`);
    expect(events!.n).toBe(2);
  });

  test("reactions are stored without a job; results keep their input positions", async ({ db }) => {
    const t = await target(db);
    const out = await ingestInboundMessages(db, [
      msg(t, "5511900000004", { type: "reaction", answerable: false }),
      msg(t, "5511900000004"),
    ]);
    expect(out.map((r) => r.status)).toEqual(["stored", "queued"]);
    expect(out[0]).toMatchObject({ jobId: null });
  });

  test("a notice that is not the customer's (opensWindow false) moves last_message_at but never the window; its audit is written once, with it", async ({ db }) => {
    const t = await target(db);
    const notice = msg(t, "5511900000005", {
      type: "system",
      answerable: false,
      opensWindow: false,
      audit: { type: "message.system", data: { systemType: "user_changed_number" }, requestId: "req-sys" },
    });
    const [r] = await ingestInboundMessages(db, [notice, { ...notice }]);
    expect(r).toMatchObject({ status: "stored", jobId: null });
    const window = async () =>
      (await db.execute<{ last_customer: string | null; last: string | null }>(sql`
        select last_customer_message_at::text as last_customer, last_message_at::text as last
        from conversations where id = ${r!.conversationId}`))[0];
    expect(await window()).toMatchObject({ last_customer: null });
    expect(new Date((await window())!.last!).getTime()).toBe(notice.sentAt.getTime());
    // A customer message opens it; a later notice leaves it where the customer put it.
    const own = msg(t, "5511900000005");
    await ingestInboundMessage(db, own);
    await ingestInboundMessage(db, msg(t, "5511900000005", { answerable: false, opensWindow: false, sentAt: new Date(own.sentAt.getTime() + 5_000) }));
    expect(new Date((await window())!.last_customer!).getTime()).toBe(own.sentAt.getTime());
    await ingestInboundMessage(db, notice); // a redelivery: no second audit
    const audits = await db.execute<{ type: string; subject_id: string; data: Record<string, unknown>; request_id: string }>(sql`
      select type, subject_id, data, request_id from audit_events where tenant_id = ${t.tenantId}`);
    expect(audits).toEqual([
      {
        type: "message.system",
        subject_id: r!.conversationId,
        data: { systemType: "user_changed_number", metaMessageId: notice.metaMessageId },
        request_id: "req-sys",
      },
    ]);
  });

  test("a new job is due when its conversation's head is: behind a backing-off head it takes the head's run_at", async ({ db }) => {
    const t = await target(db);
    const micros = async (jobId: number | null | undefined) => {
      const [r] = await db.execute<{ at: string; late: boolean }>(sql`
        select (extract(epoch from run_at) * 1e6)::bigint::text as at, run_at > now() as late
        from message_queue where id = ${jobId ?? 0}`);
      return r!;
    };
    const [head] = await ingestInboundMessages(db, [msg(t, "5511900000005")]);
    const headJob = head!.status === "queued" ? head!.jobId : null;
    // The head is backing off (a failed attempt, as failJob leaves it).
    await db.execute(sql`update message_queue set run_at = now() + interval '90 seconds', attempts = 1 where id = ${headJob}`);
    const [later, elsewhere] = await ingestInboundMessages(db, [msg(t, "5511900000005"), msg(t, "5511900000006")]);
    const laterAt = await micros(later!.status === "queued" ? later!.jobId : null);
    expect(laterAt.at).toBe((await micros(headJob)).at);
    // Another conversation, and a conversation whose head is running, are due at once.
    expect((await micros(elsewhere!.status === "queued" ? elsewhere!.jobId : null)).late).toBe(false);
    await db.execute(sql`update message_queue set status = 'running', locked_by = 'w', run_at = now() - interval '1 second' where id = ${headJob}`);
    const [behindRunning] = await ingestInboundMessages(db, [msg(t, "5511900000005")]);
    expect((await micros(behindRunning!.status === "queued" ? behindRunning!.jobId : null)).late).toBe(false);
  });

  test("concurrent batches over the same conversations neither deadlock nor lose or duplicate a message", async ({ db, dbUrl }) => {
    const t = await target(db);
    const pool = createDb(dbUrl, { max: 8 });
    onTestFinished(() => closeDb(pool));
    const customers = Array.from({ length: 12 }, (_, i) => `55119100000${String(i).padStart(2, "0")}`);
    // 16 batches in parallel, each touching the customers in a different (shuffled) order.
    const batches = Array.from({ length: 16 }, () =>
      [...customers].sort(() => Math.random() - 0.5).map((c) => msg(t, c)),
    );
    const results = await Promise.all(batches.map((b) => ingestInboundMessages(pool, b)));
    expect(results.flat().every((r) => r.status === "queued")).toBe(true);
    const [counts] = await db.execute<{ messages: number; jobs: number; conversations: number }>(sql`
      select (select count(*)::int from messages where tenant_id = ${t.tenantId}) as messages,
             (select count(*)::int from message_queue where tenant_id = ${t.tenantId}) as jobs,
             (select count(*)::int from conversations where tenant_id = ${t.tenantId}) as conversations`);
    expect(counts).toEqual({ messages: 16 * 12, jobs: 16 * 12, conversations: 12 });
  });

  test("through GroupCommit, concurrent callers share statements and each gets its own result", async ({ db, dbUrl }) => {
    const t = await target(db);
    const pool = createDb(dbUrl, { max: 4 });
    onTestFinished(() => closeDb(pool));
    const ingest = new GroupCommit((b: InboundMessageInput[]) => ingestInboundMessages(pool, b));
    const inputs = Array.from({ length: 60 }, (_, i) => msg(t, `55119200000${String(i % 7).padStart(2, "0")}`));
    const out = await Promise.all(inputs.map((m) => ingest.add(m)));
    expect(out.every((r) => r.status === "queued")).toBe(true);
    expect(ingest.stats.items).toBe(60);
    expect(ingest.stats.batches).toBeLessThan(60);
    const stored = await db.execute<{ meta_message_id: string; id: string }>(sql`
      select meta_message_id, id::text from messages where tenant_id = ${t.tenantId}`);
    const byMeta = new Map(stored.map((r) => [r.meta_message_id, Number(r.id)]));
    inputs.forEach((m, i) => {
      const r = out[i]!;
      expect(r.status === "queued" && r.messageId).toBe(byMeta.get(m.metaMessageId));
    });
  });

  test("routing by number: a conversation without an agent takes its number's; one with an agent keeps it; menu routing sets none", async ({ db }) => {
    const agentOf = async (id: string) =>
      (await db.execute<{ agent_id: string | null }>(sql`select agent_id from conversations where id = ${id}::uuid`))[0]?.agent_id;
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id });
    const { agent: other } = await seedAgent(db, { tenantId: tenant.id, slug: "outro" });
    const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    const t: NumberTarget = { tenantId: tenant.id, numberId: number.id, phoneNumberId: number.phoneNumberId, agentId: agent.id };
    const [fresh, moved, orphan] = await ingestInboundMessages(db, [msg(t, "5511930000001"), msg(t, "5511930000002"), msg(t, "5511930000003")]);
    expect(await agentOf(fresh!.conversationId)).toBe(agent.id);
    // An operator moved one conversation to another agent; another has none (created under the other routing).
    await db.execute(sql`update conversations set agent_id = ${other.id}::uuid where id = ${moved!.conversationId}::uuid`);
    await db.execute(sql`update conversations set agent_id = null where id = ${orphan!.conversationId}::uuid`);
    await ingestInboundMessages(db, [msg(t, "5511930000002"), msg(t, "5511930000003")]);
    expect(await agentOf(moved!.conversationId)).toBe(other.id);
    expect(await agentOf(orphan!.conversationId)).toBe(agent.id);

    const menuTenant = await seedTenant(db, { routing: { mode: "menu", prompt: "Escolha", options: [{ title: "Haven", agent: "haven" }] } });
    const { agent: menuAgent } = await seedAgent(db, { tenantId: menuTenant.id });
    const menuNumber = await seedNumber(db, { tenantId: menuTenant.id, agentId: menuAgent.id });
    const m: NumberTarget = { tenantId: menuTenant.id, numberId: menuNumber.id, phoneNumberId: menuNumber.phoneNumberId, agentId: menuAgent.id };
    const [menu] = await ingestInboundMessages(db, [msg(m, "5511930000004")]);
    expect(await agentOf(menu!.conversationId)).toBeNull();
  });
});

describe("applyStatusUpdate (Meta's status callbacks)", () => {
  test("finds its row by wamid or by the echoed row id without reading the tenant's other sends", async ({ db }) => {
    const t = await target(db);
    const conv = await seedConversation(db, { tenantId: t.tenantId, numberId: t.numberId, waId: "5511900000300" });
    await db.execute(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status, wamid, sent_at)
      select ${t.tenantId}, ${conv.id}, ${t.numberId}, 'text', '5511900000300', '{}', 'sent', 'wamid.bulk.' || g, now()
      from generate_series(1, 2000) g`);
    const [ambiguous] = await db.execute<{ id: string }>(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status)
      values (${t.tenantId}, ${conv.id}, ${t.numberId}, 'text', '5511900000300', '{}', 'ambiguous') returning id::text`);
    // Not analyzed since it grew (as a new database, or any table between two autoanalyze runs).
    const base = { tenantId: t.tenantId, at: new Date(), errorCode: null, errorMessage: null };
    // The generic plan is the one every prepared execution ends up with (after five runs).
    const generic = <T>(fn: (tx: Executor) => Promise<T>, mode = "force_generic_plan") =>
      db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('plan_cache_mode', ${mode}, true)`);
        const out = await fn(tx);
        const [read] = await tx.execute<{ rows: number }>(sql`
          select (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int as rows
          from pg_stat_xact_user_tables where relid = 'outbox_messages'::regclass`);
        return { out, rows: read!.rows };
      });

    const byWamid = await generic((tx) => applyStatusUpdate(tx, { ...base, wamid: "wamid.bulk.1500", status: "delivered", bizOpaque: null }));
    expect(byWamid.out).toMatchObject({ status: "delivered" });
    expect(byWamid.rows).toBeLessThan(50); // a few lookups of the one row; 2,002 through the tenant index
    const custom = await generic(
      (tx) => applyStatusUpdate(tx, { ...base, wamid: "wamid.bulk.1501", status: "delivered", bizOpaque: null }),
      "force_custom_plan",
    );
    expect(custom.out).toMatchObject({ status: "delivered" });
    expect(custom.rows).toBeLessThan(50);
    const byId = await generic((tx) =>
      applyStatusUpdate(tx, { ...base, wamid: "wamid.late.1", status: "sent", bizOpaque: ambiguous!.id }),
    );
    expect(byId.out).toMatchObject({ id: Number(ambiguous!.id), status: "sent" });
    expect(byId.rows).toBeLessThan(50);
    // Another tenant's callback never touches this tenant's row.
    const other = await target(db);
    expect(await applyStatusUpdate(db, { ...base, tenantId: other.tenantId, wamid: "wamid.bulk.7", status: "read", bizOpaque: null })).toBeNull();
  });

  test("an echoed id another app's send shares moves nothing: only a send without a wamid is found by it, and only for its recipient", async ({ db }) => {
    const t = await target(db);
    const conv = await seedConversation(db, { tenantId: t.tenantId, numberId: t.numberId, waId: "5511987650400" });
    const row = async (status: string, recipient: string, wamid: string | null) =>
      (await db.execute<{ id: string }>(sql`
        insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status, wamid)
        values (${t.tenantId}, ${conv.id}, ${t.numberId}, 'text', ${recipient}, '{}', ${status}, ${wamid}) returning id::text`))[0]!.id;
    const delivered = await row("delivered", "5511987650400", `wamid.ours.${process.pid}.${Date.now()}`);
    const typed = await row("ambiguous", "5511987650401", null); // a typed number with Brazil's mobile 9
    const another = await row("ambiguous", "5511987650402", null);
    const quiet = await row("ambiguous", "5511987650403", null);
    const cb = (over: Partial<StatusUpdate>): StatusUpdate => ({
      tenantId: t.tenantId, wamid: `wamid.other-app.${Math.random()}`, status: "failed", bizOpaque: null, recipientId: "5511911112222",
      at: new Date(), errorCode: 131047, errorMessage: "Re-engagement message", phoneNumberId: t.phoneNumberId, payload: { from: "test" }, ...over,
    });
    const wamid = `wamid.ambiguous.${process.pid}.${Date.now()}`;
    const out = await applyStatusUpdates(db, [
      cb({ bizOpaque: delivered }), // another app's send: its own wamid, its own recipient, our id
      cb({ bizOpaque: delivered, recipientId: "5511987650400" }), // even with our recipient: the row has another wamid
      cb({ bizOpaque: another }), // a send without a wamid, but another recipient's
      cb({ bizOpaque: typed, wamid, status: "sent", recipientId: "551187650401", errorCode: null, errorMessage: null }), // Meta's wa_id, without the 9
      cb({ bizOpaque: quiet, status: "delivered", recipientId: null, errorCode: null, errorMessage: null }), // no recipient named
      cb({ status: "played", wamid: "wamid.unknown", bizOpaque: null }),
      cb({ status: "delivered", bizOpaque: null }), // an unknown send
    ]);
    expect(out.map((r) => (typeof r === "string" ? r : (r?.status ?? null)))).toEqual([
      "ignored", "ignored", "ignored", "sent", "delivered", "ignored", "ignored",
    ]);
    const rows = await db.execute<{ id: string; status: string; wamid: string | null; failed_at: string | null }>(sql`
      select id::text, status, wamid, failed_at::text from outbox_messages where conversation_id = ${conv.id} order by id`);
    expect(rows.map((r) => [r.id, r.status, r.failed_at])).toEqual([
      [delivered, "delivered", null],
      [typed, "sent", null],
      [another, "ambiguous", null],
      [quiet, "delivered", null],
    ]);
    expect(rows[1]!.wamid).toBe(wamid);
    // Kept as received, not dropped (one row each, in the same statement), with why.
    const events = await db.execute<{ kind: string; status: string; phone_number_id: string; error: string; payload: unknown }>(sql`
      select kind, status, phone_number_id, error, payload from webhook_events where tenant_id = ${t.tenantId} order by id`);
    expect(events.map((e) => [e.kind, e.status, e.phone_number_id, e.error])).toEqual([
      ...[0, 1, 2].map(() => ["status", "ignored", t.phoneNumberId, "no send of ours has this wamid, nor this biz_opaque_callback_data with it"]),
      ["status", "ignored", t.phoneNumberId, 'status "played" is not tracked'],
      ["status", "ignored", t.phoneNumberId, "no send of ours has this wamid"],
    ]);
    expect(events[0]!.payload).toEqual({ from: "test" });
  });

  test("a batch applies each send's callbacks as one after another would; concurrent batches neither deadlock nor step back", async ({ db, dbUrl }) => {
    const t = await target(db);
    const conv = await seedConversation(db, { tenantId: t.tenantId, numberId: t.numberId, waId: "5511900000301" });
    const ids = (await db.execute<{ id: string }>(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status)
      select ${t.tenantId}, ${conv.id}, ${t.numberId}, 'text', '5511900000301', '{}', 'sending'
      from generate_series(1, 6) returning id::text`)).map((r) => r.id);
    const at = (s: number) => new Date(Date.UTC(2026, 10, 26, 12, 0, s));
    const cb = (i: number, status: "sent" | "delivered" | "read" | "failed", s: number) => ({
      tenantId: t.tenantId, wamid: `wamid.batch.${i}`, status, bizOpaque: ids[i]!, at: at(s), errorCode: null, errorMessage: null,
    });
    const out = await applyStatusUpdates(db, [
      cb(0, "delivered", 2), cb(0, "sent", 1), cb(0, "read", 3), // one send's three callbacks together
      cb(1, "sent", 1), { ...cb(9, "read", 1), bizOpaque: null }, // an unknown send
    ]);
    expect(out.map((r) => (typeof r === "string" ? r : (r?.status ?? null)))).toEqual([null, null, "read", "sent", "ignored"]);
    const [first] = await db.execute<{ status: string; sent: string; delivered: string; read: string; wamid: string }>(sql`
      select status, sent_at::text as sent, delivered_at::text as delivered, read_at::text as read, wamid
      from outbox_messages where id = ${ids[0]}`);
    expect(first).toMatchObject({ status: "read", wamid: "wamid.batch.0" });
    expect([first!.sent, first!.delivered, first!.read].map((x) => new Date(x).getTime())).toEqual([at(1), at(2), at(3)].map((d) => d.getTime()));
    // A late "sent" after "read" changes nothing.
    expect(await applyStatusUpdates(db, [cb(0, "sent", 4)])).toEqual([null]);

    // Four connections apply the callbacks of six sends in different orders at once.
    const pool = createDb(dbUrl, { max: 4 });
    onTestFinished(() => closeDb(pool));
    const all = [0, 1, 2, 3, 4, 5].flatMap((i) => [cb(i, "sent", 10), cb(i, "delivered", 11), cb(i, "read", 12)]);
    await Promise.all(
      [0, 1, 2, 3].map(async (k) => {
        for (let round = 0; round < 5; round++) {
          const shuffled = [...all].sort(() => Math.random() - 0.5).slice(0, 8 + k);
          await applyStatusUpdates(pool, shuffled);
        }
      }),
    );
    await applyStatusUpdates(pool, all);
    const final = await db.execute<{ status: string }>(sql`select status from outbox_messages where id = any(${`{${ids.join(",")}}`}::bigint[]) order by id`);
    expect(final.map((r) => r.status)).toEqual(["read", "read", "read", "read", "read", "read"]);
  });
});

test("an ignored event whose reason or number carries a NUL or a lone surrogate is still stored (text PostgreSQL refuses is made storable)", async ({ db }) => {
  await storeIgnoredEvent(db, {
    phoneNumberId: "123\u0000456",
    payload: { field: "messages\u0000" },
    error: 'change field "bad\u0000\ud800" is not handled',
  });
  const [row] = await db.execute<{ phone_number_id: string; error: string }>(
    sql`select phone_number_id, error from webhook_events where status = 'ignored' order by id desc limit 1`,
  );
  expect(row?.phone_number_id).toMatch(/^123.456$/);
  expect(row?.error).toMatch(/^change field "bad.+" is not handled$/);
});

import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import { closeDb, createDb } from "@lx/db/client";
import { enqueueOutboundText } from "@lx/db/queries";
import { dbTest as test, seedConversation, seedNumber, seedOutbound, seedTenant } from "@lx/db/testing";

import { WORKER_SYNCHRONOUS_COMMIT } from "../worker.ts";
import { claimSends, reapStuckSends } from "./claim.ts";
import { markAmbiguous, markRetry, markSentMany } from "./settle.ts";

describe("outbox claim on the worker's asynchronous-commit connections", () => {
  test("the claim itself commits synchronously (durable before the send); other worker statements do not", async ({ db, dbUrl }) => {
    const worker = createDb(dbUrl, { max: 1, applicationName: "lx-test-worker", synchronousCommit: WORKER_SYNCHRONOUS_COMMIT });
    onTestFinished(() => closeDb(worker));
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const conversation = await seedConversation(db, { tenantId: tenant.id, numberId: number.id });
    await seedOutbound(db, { tenantId: tenant.id, conversationId: conversation.id, numberId: number.id, author: "bot", body: "olá", status: "queued" });

    const [mode] = await worker.execute<{ v: string }>(sql`select current_setting('synchronous_commit') as v`);
    expect(mode!.v).toBe("off");
    const claimed = await claimSends(worker, { workerId: "w-durable", limit: 10 });
    expect(claimed.map((c) => [c.conversationId, c.commitMode])).toEqual([[conversation.id, "on"]]);
    // Local to the claim's own transaction: the connection is back to asynchronous commits.
    const [after] = await worker.execute<{ v: string }>(sql`select current_setting('synchronous_commit') as v`);
    expect(after!.v).toBe("off");
  });

  test("a claim locks only the sends it takes: sends waiting behind their conversation's earlier row stay unlocked", async ({ db, dbUrl }) => {
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const busy = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5511900000101" });
    const free = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5511900000102" });
    const base = { tenantId: tenant.id, numberId: number.id, author: "bot" as const, status: "queued" as const };
    await seedOutbound(db, { ...base, conversationId: busy.id, body: "head" });
    expect(await claimSends(db, { workerId: "w-head", limit: 1 })).toHaveLength(1);
    for (let i = 0; i < 30; i++) {
      await seedOutbound(db, { ...base, conversationId: busy.id, body: `waiting ${i}` });
    }
    await seedOutbound(db, { ...base, conversationId: free.id, body: "other" });
    const waiting = (
      await db.execute<{ id: string }>(sql`select id from outbox_messages where conversation_id = ${busy.id} and status = 'queued' order by id`)
    ).map((r) => Number(r.id));
    expect(waiting).toHaveLength(30);
    const probe = createDb(dbUrl, { max: 1 });
    onTestFinished(() => closeDb(probe));
    await db.transaction(async (tx) => {
      expect((await claimSends(tx, { workerId: "w-claim", limit: 5 })).map((c) => c.conversationId)).toEqual([free.id]);
      const unlocked = await probe.execute<{ id: string }>(
        sql`select id from outbox_messages where id = any(${`{${waiting.join(",")}}`}::bigint[]) for update skip locked`,
      );
      expect(unlocked.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(waiting);
    });
  });

  test("a send put back to wait (retry, ambiguous grace, reaped) holds its conversation's later sends with it", async ({ db }) => {
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const conversation = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5511900000201" });
    const elsewhere = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5511900000202" });
    const base = { tenantId: tenant.id, numberId: number.id, author: "bot" as const, status: "queued" as const };
    for (const body of ["first", "second", "third"]) {
      await seedOutbound(db, { ...base, conversationId: conversation.id, body });
    }
    await seedOutbound(db, { ...base, conversationId: elsewhere.id, body: "other" });
    const due = async () =>
      (await db.execute<{ body: string }>(sql`
        select m.body from outbox_messages o join messages m on m.id = o.message_id
        where o.conversation_id in (${conversation.id}, ${elsewhere.id})
          and o.status in ('queued', 'ambiguous') and o.next_attempt_at <= now() order by o.id`)).map((r) => r.body);
    const claimFirst = async (workerId: string) => {
      const [c] = await claimSends(db, { workerId, limit: 1 });
      expect(c?.conversationId).toBe(conversation.id);
      return c!.id;
    };

    // A retry's backoff: the later sends of the conversation are no longer due either.
    let id = await claimFirst("w-retry");
    await markRetry(db, { id, workerId: "w-retry", delayMs: 60_000, code: 131016, error: "503" });
    expect(await due()).toEqual(["other"]);

    // An ambiguous send's grace period, and a reaped one, hold them the same way.
    await db.execute(sql`update outbox_messages set next_attempt_at = now() - interval '1 second' where conversation_id = ${conversation.id}`);
    id = await claimFirst("w-ambiguous");
    await markAmbiguous(db, { id, workerId: "w-ambiguous", graceMs: 60_000, error: "timeout" });
    expect(await due()).toEqual(["other"]);

    await db.execute(sql`
      update outbox_messages set status = 'sending', locked_by = 'w-gone', locked_at = now() - interval '1 hour',
        next_attempt_at = now() - interval '1 second'
      where id = ${id}`);
    await db.execute(sql`update outbox_messages set next_attempt_at = now() - interval '1 second' where conversation_id = ${conversation.id} and id <> ${id}`);
    // (The previous test's head send, claimed more than a second ago on a busy machine, may be reaped
    // too: only this tenant's are looked at.)
    const reaped = await reapStuckSends(db, { olderThanMs: 1_000, graceMs: 60_000 });
    expect(reaped.filter((r) => r.tenantId === tenant.id).map((r) => r.id)).toEqual([id]);
    expect(await due()).toEqual(["other"]);

    // A reply written while the first send waits is held from the start (enqueueOutboundText), and
    // one in a conversation with nothing waiting is due at once.
    await enqueueOutboundText(db, { ...base, conversationId: conversation.id, recipient: "5511900000201", text: "fourth" });
    await enqueueOutboundText(db, { ...base, conversationId: elsewhere.id, recipient: "5511900000202", text: "other again" });
    expect(await due()).toEqual(["other", "other again"]);
    const [held] = await db.execute<{ same: boolean }>(sql`
      select o.next_attempt_at = (select next_attempt_at from outbox_messages where id = ${id}) as same
      from outbox_messages o join messages m on m.id = o.message_id where m.body = 'fourth' and o.conversation_id = ${conversation.id}`);
    expect(held?.same).toBe(true);
  });
});

describe("settling a send Meta accepted", () => {
  test("lands even after the reaper made the row ambiguous (a settle held up by a long outage): it is not sent again", async ({ db }) => {
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const conversation = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5511900000301" });
    const base = { tenantId: tenant.id, numberId: number.id, author: "bot" as const, status: "queued" as const, conversationId: conversation.id };
    await seedOutbound(db, { ...base, body: "accepted by Meta" });
    await seedOutbound(db, { ...base, body: "next" });
    const row = async (id: number) =>
      (await db.execute<{ status: string; wamid: string | null; locked_by: string | null }>(sql`
        select status, wamid, locked_by from outbox_messages where id = ${id}`))[0];
    // (Earlier tests of this file leave sends of their own in the queue: only this conversation's count.)
    const claimed = (await claimSends(db, { workerId: "w-slow-settle", limit: 50 })).find((c) => c.conversationId === conversation.id);
    expect(claimed).toBeDefined();
    const id = claimed!.id;
    // The sender's database went away after Meta answered; meanwhile another sender's reaper took
    // the row back as ambiguous (it would be sent again when its grace period ends).
    await db.execute(sql`update outbox_messages set locked_at = now() - interval '1 hour' where id = ${id}`);
    expect((await reapStuckSends(db, { olderThanMs: 1_000, graceMs: 60_000 })).map((r) => r.id)).toContain(id);
    expect(await row(id)).toMatchObject({ status: "ambiguous", locked_by: null });

    await markSentMany(db, { workerId: "w-slow-settle", rows: [{ id, wamid: "wamid.ACCEPTED" }] });
    expect(await row(id)).toEqual({ status: "sent", wamid: "wamid.ACCEPTED", locked_by: null });
    // Not due again, and the conversation's next send goes once the grace hold is lifted by the settle.
    await db.execute(sql`update outbox_messages set next_attempt_at = now() where conversation_id = ${conversation.id}`);
    const next = await claimSends(db, { workerId: "w-next", limit: 50 });
    expect(next.map((n) => n.id)).not.toContain(id);
    expect(next.filter((n) => n.conversationId === conversation.id)).toHaveLength(1);
  });

  test("never moves a status backwards, and leaves a row another sender settled otherwise alone", async ({ db }) => {
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const conversation = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5511900000302" });
    const base = { tenantId: tenant.id, numberId: number.id, author: "bot" as const, conversationId: conversation.id };
    const delivered = await seedOutbound(db, { ...base, body: "delivered", status: "delivered" });
    const dead = await seedOutbound(db, { ...base, body: "dead", status: "dead" });
    const ids = [delivered, dead].map((o) => Number(o.outbox!.id));
    await markSentMany(db, { workerId: "w-late", rows: ids.map((id) => ({ id, wamid: `wamid.${id}` })) });
    const rows = await db.execute<{ status: string }>(sql`select status from outbox_messages where id = any(${`{${ids.join(",")}}`}::bigint[]) order by id`);
    expect(rows.map((r) => r.status)).toEqual(["delivered", "dead"]);
  });
});

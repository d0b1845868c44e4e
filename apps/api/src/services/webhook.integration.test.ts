/**
 * processWebhook with its group commits given by the test: an inbound message PostgreSQL refuses
 * (no payload Meta sends reaches that today: pgSafe makes every text storable) costs only itself.
 */
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { GroupCommit } from "@lx/db/group-commit";
import { NumberDirectory } from "@lx/db/number-directory";
import {
  applyStatusUpdates,
  ingestInboundMessages,
  type InboundMessageInput,
  type IngestResult,
  type StatusUpdate,
} from "@lx/db/queries";
import { dbTest as test, seedAgent, seedNumber, seedTenant } from "@lx/db/testing";
import { batch, inboundText } from "@lx/sandbox";

import { memoryLogger } from "../testing/harness.ts";
import { processWebhook } from "./webhook.ts";

describe("processWebhook", () => {
  test("an inbound message PostgreSQL refuses is kept alone as ignored with the reason; the others of its batch are stored and queued", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id });
    const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    // The ingest as the app has it, except that a message saying "recusada" makes PostgreSQL refuse
    // its batch as a class-22 error would (a real one: 22P02 from the server).
    const ingest = new GroupCommit(async (items: InboundMessageInput[]) => {
      if (items.some((m) => m.body === "recusada")) {
        await db.execute(sql`select 'recusada'::int`);
      }
      return await ingestInboundMessages(db, items);
    });
    const statuses = new GroupCommit((items: StatusUpdate[]) => applyStatusUpdates(db, items));
    const payload = batch(
      ["primeira", "recusada", "terceira"].map((text, i) =>
        inboundText({ phoneNumberId: number.phoneNumberId, waId: `551195555000${i}`, text }),
      ),
      { groupByWaba: true },
    );
    const { logger } = memoryLogger();
    const summary = await processWebhook({ db, directory: new NumberDirectory(db), ingest, statuses }, JSON.parse(JSON.stringify(payload)), {
      requestId: "test",
      logger,
    });

    expect(summary).toMatchObject({ queued: 2, ignored: 1 });
    expect(ingest.stats.isolated).toBe(1); // one batch of three, then each on its own
    const queued = await db.execute<{ body: string }>(sql`
      select m.body from messages m join message_queue q on q.message_id = m.id where m.tenant_id = ${tenant.id} order by m.body`);
    expect(queued.map((r) => r.body)).toEqual(["primeira", "terceira"]);
    const [kept] = await db.execute<{ text: string; error: string }>(sql`
      select payload->'text'->>'body' as text, error from webhook_events where tenant_id = ${tenant.id} and status = 'ignored'`);
    expect(kept).toEqual({ text: "recusada", error: expect.stringMatching(/^could not be stored: .*\(22P02\)$/) as unknown as string });
  });

  test("a connection-level failure of a message is not kept as ignored: the POST fails (500) and Meta redelivers it", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id });
    const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    const ingest = new GroupCommit<InboundMessageInput, IngestResult>(async () => {
      throw Object.assign(new Error("terminating connection due to administrator command"), { severity: "FATAL", code: "57P01" });
    });
    const statuses = new GroupCommit((items: StatusUpdate[]) => applyStatusUpdates(db, items));
    const payload = inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511955559999", text: "oi" });
    const { logger } = memoryLogger();
    await expect(
      processWebhook({ db, directory: new NumberDirectory(db), ingest, statuses }, JSON.parse(JSON.stringify(payload)), { requestId: "t", logger }),
    ).rejects.toThrow(/administrator command/);
    expect((await db.execute<{ n: number }>(sql`select count(*)::int as n from webhook_events where tenant_id = ${tenant.id}`))[0]?.n).toBe(0);
  });
});

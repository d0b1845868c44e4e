import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import { closeDb, createDb } from "@lx/db/client";
import { dbTest as test, seedConversation, seedNumber, seedOutbound, seedTenant } from "@lx/db/testing";

import { WORKER_SYNCHRONOUS_COMMIT } from "../worker.ts";
import { claimSends } from "./claim.ts";

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
});

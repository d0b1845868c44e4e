import { onTestFinished } from "vitest";
import { describe, expect } from "vitest";

import { dbTest, seedConversation, seedNumber, seedTenant } from "../testing/index.ts";
import {
  countWaitingForHuman,
  getTenantCounts,
  listTenantsWithCounts,
  waitingForHumanQuery,
} from "./tenants.ts";

describe("customers waiting for a human", () => {
  dbTest(
    "counts conversations in pending_human per tenant and in total, and nothing else",
    async ({ db }) => {
      const before = await countWaitingForHuman(db);
      const a = await seedTenant(db);
      const b = await seedTenant(db);
      const quiet = await seedTenant(db);
      const numberA = await seedNumber(db, { tenantId: a.id });
      const numberB = await seedNumber(db, { tenantId: b.id });
      for (const mode of ["pending_human", "pending_human", "human", "bot", "closed"] as const) {
        await seedConversation(db, { tenantId: a.id, numberId: numberA.id, mode });
      }
      await seedConversation(db, { tenantId: b.id, numberId: numberB.id, mode: "pending_human" });
      await seedConversation(db, { tenantId: b.id, numberId: numberB.id, mode: "human" });

      const list = await listTenantsWithCounts(db);
      const waiting = (id: string) => list.find((t) => t.id === id)?.waitingCount;
      expect([waiting(a.id), waiting(b.id), waiting(quiet.id)]).toEqual([2, 1, 0]);
      expect(await getTenantCounts(db, { tenantId: a.id })).toEqual({
        numberCount: 1,
        agentCount: 0,
        waitingCount: 2,
      });
      expect(await countWaitingForHuman(db)).toBe(before + 3);
    },
  );

  dbTest("the total reads conversations_tenant_mode_idx, not every conversation", async ({ db }) => {
    // A big table: 30,000 conversations of one tenant, a few waiting, so a scan would be tempting
    // only if the index could not serve the count.
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    await db.$client`
      insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, mode)
      select ${tenant.id}, ${number.id}, 'k' || g, '5511' || g, case when g % 1000 = 0 then 'pending_human' else 'bot' end
      from generate_series(1, 30000) g`;
    onTestFinished(async () => {
      await db.$client`delete from conversations where tenant_id = ${tenant.id}`;
    });
    await db.$client`analyze conversations`;
    await db.$client`analyze tenants`;
    expect(await countWaitingForHuman(db)).toBeGreaterThanOrEqual(30);

    const query = waitingForHumanQuery(db).toSQL();
    const plan = (await db.$client.unsafe(`explain ${query.sql}`, query.params as never[]))
      .map((row) => String((row as Record<string, unknown>)["QUERY PLAN"]))
      .join("\n");
    expect(plan).toContain("conversations_tenant_mode_idx");
    expect(plan).not.toMatch(/Seq Scan on conversations/);
  });
});

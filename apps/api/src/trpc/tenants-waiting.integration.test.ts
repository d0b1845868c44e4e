import { TRPCError } from "@trpc/server";
import { describe, expect } from "vitest";

import { dbTest, seedConversation, seedNumber, seedTenant, seedUser } from "@lx/db/testing";

import { callerFor, sessionFor } from "../testing/harness.ts";

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (err) {
    if (err instanceof TRPCError) {
      return err.code;
    }
    throw err;
  }
}

describe("tenants: customers waiting for a human", () => {
  dbTest("happy: the list, the tenant and the total count conversations in pending_human", async ({ db }) => {
    const operator = await seedUser(db, { role: "operator" });
    const { caller } = callerFor(db, await sessionFor(db, operator.email, operator.password));
    const before = (await caller.tenants.waitingCount()).total;
    const waiting = await seedTenant(db);
    const quiet = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: waiting.id });
    for (const mode of ["pending_human", "pending_human", "human", "bot"] as const) {
      await seedConversation(db, { tenantId: waiting.id, numberId: number.id, mode });
    }
    const list = await caller.tenants.list();
    expect(list.find((t) => t.slug === waiting.slug)?.waitingCount).toBe(2);
    expect(list.find((t) => t.slug === quiet.slug)?.waitingCount).toBe(0);
    expect((await caller.tenants.bySlug({ tenantSlug: waiting.slug })).waitingCount).toBe(2);
    expect(await caller.tenants.waitingCount()).toEqual({ total: before + 2 });
  });

  dbTest(
    "security: the total is for operators only (clients FORBIDDEN, anonymous UNAUTHORIZED)",
    async ({ db }) => {
      const tenant = await seedTenant(db);
      const client = await seedUser(db, { role: "client", tenantId: tenant.id });
      const asClient = callerFor(db, await sessionFor(db, client.email, client.password)).caller;
      expect(await code(asClient.tenants.waitingCount())).toBe("FORBIDDEN");
      expect(await code(callerFor(db, null).caller.tenants.waitingCount())).toBe("UNAUTHORIZED");
    },
  );
});

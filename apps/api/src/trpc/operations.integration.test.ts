import { describe, expect } from "vitest";

import type { Database } from "@lx/db/client";
import { countFinishedRows } from "@lx/db/queries";
import { dbTest, seedTenant, seedUser } from "@lx/db/testing";

import { finishedCountsCache } from "../services/finished-counts.ts";
import { buildTestApp, callerFor, sessionCookieFrom, sessionFor } from "../testing/harness.ts";

async function job(db: Database, tenantId: string, status: "queued" | "done") {
  await db.$client`
    insert into message_queue (tenant_id, task, status, finished_at)
    values (${tenantId}, 'conversation.reply', ${status}, case when ${status} = 'done' then now() end)`;
}

describe("operations overview through the API", () => {
  dbTest(
    "open jobs are counted live on every poll; the day's finished ones are recounted at most once per TTL, one count shared by concurrent polls",
    async ({ db }) => {
      const tenant = await seedTenant(db);
      const operator = await seedUser(db, { role: "operator" });
      let clock = 1_000_000;
      let recounts = 0;
      let lastCount: Promise<unknown> = Promise.resolve();
      const finishedCounts = finishedCountsCache(db, {
        ttlMs: 30_000,
        now: () => clock,
        count: (d, p) => {
          recounts++;
          const counted = countFinishedRows(d, p);
          lastCount = counted;
          return counted;
        },
      });
      const { caller: op } = callerFor(db, await sessionFor(db, operator.email, operator.password), { finishedCounts });
      const overview = () => op.operations.overview({ tenantSlug: tenant.slug });

      await job(db, tenant.id, "done");
      // Five screens polling at once: one count.
      const first = await Promise.all(Array.from({ length: 5 }, overview));
      expect(recounts).toBe(1);
      expect(first.map((o) => [o.jobs.byStatus.done, o.jobs.byStatus.queued])).toEqual(Array(5).fill([1, 0]));

      await job(db, tenant.id, "queued");
      await job(db, tenant.id, "done");
      clock += 29_000;
      const later = await overview();
      expect(later.jobs.byStatus.queued).toBe(1); // live
      expect(later.jobs.byStatus.done).toBe(1); // counted 29 s ago
      expect(later.finishedCountedAt).toBe(first[0]?.finishedCountedAt);
      expect(recounts).toBe(1);

      // Past the TTL: the poll that finds the counts stale is answered at once with them while a
      // recount runs; the next one has the recount.
      clock += 2_000;
      expect((await overview()).jobs.byStatus.done).toBe(1);
      expect(recounts).toBe(2);
      await lastCount;
      const fresh = await overview();
      expect(fresh.jobs.byStatus.done).toBe(2);
      expect(Date.parse(fresh.finishedCountedAt)).toBeGreaterThanOrEqual(Date.parse(first[0]!.finishedCountedAt));

      // Nobody polled for longer than two TTLs (a screen opening now): the old counts are not
      // served as recent, the request waits for the recount.
      await job(db, tenant.id, "done");
      clock += 61_000;
      const reopened = await overview();
      expect(recounts).toBe(3);
      expect(reopened.jobs.byStatus.done).toBe(3);
      expect(Date.parse(reopened.finishedCountedAt)).toBeGreaterThanOrEqual(Date.parse(fresh.finishedCountedAt));

      // Each tenant filter has its own counts: all tenants' were never counted, so they are now.
      const all = await op.operations.overview({});
      expect(all.jobs.byStatus.done).toBeGreaterThanOrEqual(3);
      expect(recounts).toBe(4);
    },
  );

  dbTest("a failed count is not kept: the poll gets the error, the next one counts again", async ({ db }) => {
    const operator = await seedUser(db, { role: "operator" });
    let fail = true;
    const finishedCounts = finishedCountsCache(db, {
      count: async (d, p) => {
        if (fail) {
          throw new Error("statement timeout");
        }
        return countFinishedRows(d, p);
      },
    });
    const { caller: op } = callerFor(db, await sessionFor(db, operator.email, operator.password), { finishedCounts });
    await expect(op.operations.overview({})).rejects.toThrow();
    fail = false;
    expect((await op.operations.overview({})).finishedWindowHours).toBe(24);
  });

  dbTest(
    "over HTTP, retrying a job that is not dead is 412 with the reason as data (operations.job_not_dead) beside its English sentence",
    async ({ db }) => {
      const tenant = await seedTenant(db);
      const operator = await seedUser(db, { role: "operator" });
      const [queued] = await db.$client<{ id: string }[]>`
        insert into message_queue (tenant_id, task, status) values (${tenant.id}, 'conversation.reply', 'queued') returning id`;
      const { app } = buildTestApp(db);
      const json = { "content-type": "application/json" };
      const login = await app.request("/trpc/auth.login", {
        method: "POST",
        headers: json,
        body: JSON.stringify({ email: operator.email, password: operator.password }),
      });
      const cookie = sessionCookieFrom(login) ?? "";
      const res = await app.request("/trpc/operations.retryJob", {
        method: "POST",
        headers: { ...json, cookie },
        body: JSON.stringify({ jobId: Number(queued?.id) }),
      });
      expect(res.status).toBe(412);
      const body = (await res.json()) as { error: { data: { appError: unknown } } };
      expect(body.error.data.appError).toEqual({
        code: "INVALID_STATE",
        userMessage: "Only dead jobs can be retried.",
        reason: { code: "operations.job_not_dead" },
      });
    },
  );
});

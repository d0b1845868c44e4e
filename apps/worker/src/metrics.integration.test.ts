import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { dbTest as test, seedConversation, seedNumber, seedTenant } from "@lx/db/testing";

import { createWorkerMetrics } from "./metrics.ts";

/** `name{status="x"} n` lines of one metric as { x: n }. */
async function byStatus(text: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/\{[^}]*status="(\w+)"[^}]*\} (\d+)/g)) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

describe("worker gauges", () => {
  test("queue depth and pending sends count each open or stuck status, and nothing settled", async ({ db }) => {
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const conv = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, waId: "5511900000401" });
    await db.execute(sql`
      insert into message_queue (tenant_id, conversation_id, task, status, locked_by, lease_expires_at)
      select ${tenant.id}, ${conv.id}, 'test.gauge', s,
             case when s = 'running' then 'w' end, case when s = 'running' then now() + interval '1 minute' end
      from unnest(array['queued', 'queued', 'running', 'dead', 'done', 'done', 'cancelled']) s`);
    await db.execute(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status)
      select ${tenant.id}, ${conv.id}, ${number.id}, 'text', '5511900000401', '{}', s
      from unnest(array['queued', 'sending', 'ambiguous', 'ambiguous', 'dead', 'dead', 'blocked', 'failed', 'sent', 'read']) s`);
    const metrics = createWorkerMetrics(db);
    expect(await byStatus(await metrics.registry.getSingleMetricAsString("lx_queue_depth"))).toEqual({
      queued: 2,
      running: 1,
      dead: 1,
    });
    expect(await byStatus(await metrics.registry.getSingleMetricAsString("lx_outbox_pending"))).toEqual({
      queued: 1,
      sending: 1,
      ambiguous: 2,
      dead: 2,
      blocked: 1,
    });
  });

  test("paused numbers: a number whose sends a token error paused counts until it is resumed", async ({ db }) => {
    const metrics = createWorkerMetrics(db);
    const paused = async () => Number(/^lx_numbers_sends_paused (\d+)$/m.exec(await metrics.registry.getSingleMetricAsString("lx_numbers_sends_paused"))?.[1]);
    // The file's database is shared: count relative to what is paused already.
    const before = await paused();
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    await seedNumber(db, { tenantId: tenant.id });
    expect(await paused()).toBe(before);
    await db.execute(sql`update phone_numbers set send_paused_at = now() where id = ${number.id}`);
    expect(await paused()).toBe(before + 1);
    await db.execute(sql`update phone_numbers set send_paused_at = null where id = ${number.id}`);
    expect(await paused()).toBe(before);
  });

  test("the failure counters the alerts use exist at 0 before the first failure, so the first one alerts", async ({ db }) => {
    const metrics = createWorkerMetrics(db);
    const jobs = await metrics.registry.getSingleMetricAsString("lx_jobs_failed_total");
    expect(jobs).toContain('lx_jobs_failed_total{task="conversation.reply",outcome="dead",service="worker"} 0');
    expect(jobs).toContain('lx_jobs_failed_total{task="handoff.notify",outcome="dead",service="worker"} 0');
    const sends = await metrics.registry.getSingleMetricAsString("lx_sends_total");
    expect(sends).toContain('lx_sends_total{outcome="dead",service="worker"} 0');
    expect(sends).toContain('lx_sends_total{outcome="blocked",service="worker"} 0');
    // And then count from there.
    metrics.onSend("dead");
    expect(await metrics.registry.getSingleMetricAsString("lx_sends_total")).toContain(
      'lx_sends_total{outcome="dead",service="worker"} 1',
    );
  });
});

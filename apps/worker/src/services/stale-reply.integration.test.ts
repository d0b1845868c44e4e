import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import { dbTest as test } from "@lx/db/testing";
import type { TAgentSpec } from "@lx/shared";
import { havenSpec } from "@lx/shared/testing";

import { createWorkerMetrics } from "../metrics.ts";
import { eventually, startStack } from "../testing/stack.ts";

const spec: TAgentSpec = {
  ...havenSpec,
  model: { provider: "openai", name: "gpt-4o-mini" },
  context: { ...havenSpec.context, burstWindowMs: 0 },
};

const HOUR_S = 3600;

describe("a reply job run after a worker outage", () => {
  test("a message older than 24 hours when its job runs is not answered (no model call, no send, no read receipt) and is audited; a fresh one is", async ({
    db,
    dbUrl,
  }) => {
    const s = await startStack(db, dbUrl, { spec });
    onTestFinished(() => s.stop());
    s.llm.setReply(() => ({ text: "Resposta do bot" }));

    // The workers are down: the webhook stores and queues every message.
    // A: sent and received 25 hours before the workers come back.
    const a = await s.customer("5511970000001").text("mensagem de ontem");
    // C: received 2 hours ago, but sent 23 hours before that (Meta delivered it late; the ingest
    // accepted it, 23 hours old): 25 hours old by Meta's clock when the job runs.
    const c = await s.customer("5511970000003").text("mensagem atrasada", { timestamp: new Date(Date.now() - 23 * HOUR_S * 1000) });
    // D: 25 hours old too, in a conversation a human has.
    const d = await s.customer("5511970000004").text("mensagem para o humano");
    // B: a message of now.
    await s.customer("5511970000002").text("mensagem de agora");
    const backdate = async (wamid: string, hours: number) => {
      await db.execute(sql`
        update messages set created_at = created_at - make_interval(hours => ${hours})
        where tenant_id = ${s.tenantId} and meta_message_id = ${wamid}`);
      await db.execute(sql`
        update webhook_events
        set payload = jsonb_set(payload, '{message,timestamp}', to_jsonb(((payload #>> '{message,timestamp}')::bigint - ${hours * HOUR_S})::text))
        where tenant_id = ${s.tenantId} and meta_message_id = ${wamid}`);
    };
    await backdate(a.messageId, 25);
    await backdate(c.messageId, 2);
    await backdate(d.messageId, 25);
    await db.execute(sql`
      update conversations set mode = 'pending_human' where tenant_id = ${s.tenantId} and customer_key = '5511970000004'`);

    const metrics = createWorkerMetrics(db);
    await s.startWorker(undefined, { metrics });
    await eventually(
      () => db.execute<{ n: number }>(sql`select count(*)::int as n from message_queue where tenant_id = ${s.tenantId} and status = 'done'`),
      (r) => r[0]?.n === 4,
    );
    await eventually(
      async () => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent"),
      (sent) => sent.length === 1,
    );

    // One model call, for B; nothing sent to A, C or D, not even a read receipt.
    expect(s.llm.requests).toHaveLength(1);
    expect(JSON.stringify(s.llm.requests[0]?.body)).toContain("mensagem de agora");
    const sends = s.graph.requests.filter((r) => r.kind === "send");
    expect(sends.map((r) => r.body?.to)).toEqual(["+5511970000002"]);
    for (const wamid of [a.messageId, c.messageId, d.messageId]) {
      expect(s.graph.requests.some((r) => r.rawBody.includes(wamid))).toBe(false);
    }
    const outbox = await db.execute<{ recipient: string; kind: string }>(sql`
      select recipient, kind from outbox_messages where tenant_id = ${s.tenantId} order by id`);
    expect(outbox).toEqual([{ recipient: "5511970000002", kind: "text" }]);

    // Audited as the ingest audits a message too old on arrival, saying it was the job run that judged it.
    const audits = await db.execute<{ actor_type: string; customer_key: string; data: Record<string, unknown> }>(sql`
      select e.actor_type, c.customer_key, e.data from audit_events e join conversations c on c.id::text = e.subject_id
      where e.tenant_id = ${s.tenantId} and e.type = 'message.too_old_to_answer' order by c.customer_key`);
    expect(audits.map((e) => [e.actor_type, e.customer_key, e.data.stage])).toEqual([
      ["worker", "5511970000001", "run"],
      ["worker", "5511970000003", "run"],
      ["worker", "5511970000004", "run"],
    ]);
    const [auditA, auditC] = audits;
    expect(auditA?.data).toMatchObject({ metaMessageId: a.messageId, ageHours: 25, queuedHours: 25 });
    expect(auditC?.data).toMatchObject({ metaMessageId: c.messageId, ageHours: 25, queuedHours: 2 });

    const replies = (await metrics.registry.getSingleMetric("lx_replies_total")?.get())?.values ?? [];
    const count = (outcome: string) => replies.find((v) => v.labels.outcome === outcome)?.value;
    expect(count("too_old")).toBe(3);
    expect(count("replied")).toBe(1);
  });
});

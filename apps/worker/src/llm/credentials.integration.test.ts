import { sql } from "drizzle-orm";
import { pino } from "pino";
import { describe, expect, onTestFinished } from "vitest";

import { dbTest as test } from "@lx/db/testing";
import { havenSpec } from "@lx/shared/testing";

import { eventually, startStack } from "../testing/stack.ts";

describe("model provider credentials", () => {
  test("only ANTHROPIC_API_KEY set, an agent on an OpenAI model: its reply fails at once naming OPENAI_API_KEY (no request, no retries), audited, handed to a human", async ({ db, dbUrl }) => {
    const s = await startStack(db, dbUrl); // the demo's agent: openai/gpt-4o-mini
    onTestFinished(() => s.stop());
    const lines: { level: number; msg: string; err?: { message?: string }; missing?: string[] }[] = [];
    const logger = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) });
    await s.startWorker(undefined, {
      logger,
      llm: { mode: "auto", openai: {}, anthropic: { apiKey: "test-key", baseURL: s.anthropic.url }, maxRetries: 0 },
    });
    // The start-up warning names the key that is missing.
    expect(lines.find((l) => l.level === 40 && l.missing)).toMatchObject({ missing: ["OPENAI_API_KEY"] });

    await s.customer("5511970001001").text("Oi, vocês abrem sábado?");
    await eventually(
      async () => (await db.execute<{ mode: string }>(sql`select mode from conversations where customer_key = '5511970001001'`))[0]?.mode,
      (m) => m === "pending_human",
    );
    const [job] = await db.execute<{ status: string; attempts: number; last_error: string }>(sql`
      select status, attempts, last_error from message_queue where tenant_id = ${s.tenantId} and task = 'conversation.reply'`);
    expect(job).toMatchObject({ status: "dead", attempts: 1 }); // not 8 attempts against a 401
    expect(job?.last_error).toMatch(/OPENAI_API_KEY is not set/);
    const [dead] = await db.execute<{ data: { error: string } }>(sql`
      select data from audit_events where tenant_id = ${s.tenantId} and type = 'job.dead'`);
    expect(dead?.data.error).toMatch(/OPENAI_API_KEY is not set/);
    const [h] = await db.execute<{ trigger: string }>(sql`select trigger from handoffs where tenant_id = ${s.tenantId}`);
    expect(h?.trigger).toBe("failure");
    await eventually(
      async () => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent").map((r) => r.text),
      (t) => t.length === 1,
    );
    expect(s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent").map((r) => r.text)).toEqual([havenSpec.handoff.message]);
    expect(s.llm.requests).toHaveLength(0); // nothing went to OpenAI with a placeholder key
    expect(lines.find((l) => l.msg === "job dead-lettered")?.err?.message).toMatch(/OPENAI_API_KEY/);
  });
});

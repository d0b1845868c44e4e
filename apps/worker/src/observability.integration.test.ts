import type { AddressInfo } from "node:net";

import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { activateVersion, eraseCustomer, publishVersion } from "@lx/db/queries";
import { dbTest as test, TEST_ACTOR } from "@lx/db/testing";
import { batch, inboundText, newWamid, postWebhook, startFakeWebhookReceiver, statusUpdate } from "@lx/sandbox";
import type { TAgentSpec } from "@lx/shared";
import { havenSpec } from "@lx/shared/testing";

import { createLogger } from "./logger.ts";
import { createWorkerMetrics, serveMetrics, type WorkerMetrics } from "./metrics.ts";
import { APP_SECRET, eventually, startStack, type Stack } from "./testing/stack.ts";

async function stack(db: Database, dbUrl: string, opts?: Parameters<typeof startStack>[2]): Promise<Stack> {
  const s = await startStack(db, dbUrl, opts);
  onTestFinished(() => s.stop());
  return s;
}

const count = async (db: Database, q: ReturnType<typeof sql>) => (await db.execute<{ n: number }>(q))[0]?.n ?? 0;

/** The worker's metrics served on a port of their own, as `pnpm worker` does (WORKER_METRICS_PORT). */
async function servedMetrics(db: Database): Promise<{ metrics: WorkerMetrics; url: string }> {
  const metrics = createWorkerMetrics(db);
  const server = await serveMetrics(metrics.registry, 0);
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return { metrics, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return await res.text();
}

/**
 * The sum of the samples of `name` in Prometheus text whose labels include `labels`; undefined when
 * no sample matches (the series does not exist).
 */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) {
      continue;
    }
    const own = new Map([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => own.get(k) === v)) {
      sum = (sum ?? 0) + Number(m[3]);
    }
  }
  return sum;
}

/** The worker's own logger, its JSON lines kept in memory. */
function memoryLogger() {
  const raw: string[] = [];
  const logger = createLogger("info", { write: (line: string) => void raw.push(line) });
  return { logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

type BotRow = {
  body: string;
  agent_version_id: string | null;
  tokens_in: number | null;
  tokens_out: number | null;
  latency_ms: number | null;
};

const botReplies = (db: Database, tenantId: string) =>
  db.execute<BotRow>(sql`
    select body, agent_version_id, tokens_in, tokens_out, latency_ms from messages
    where tenant_id = ${tenantId} and direction = 'out' and author = 'bot' order by id`);

const activeVersion = async (db: Database, agentId: string) =>
  (
    await db.execute<{ id: string; version: string }>(sql`
      select v.id, v.version from agents a join agent_versions v on v.id = a.active_version_id where a.id = ${agentId}`)
  )[0];

/** The stack's default agent (one reply per message, no burst window), spelled out for tests that publish a next version. */
const spec: TAgentSpec = {
  ...havenSpec,
  model: { provider: "openai", name: "gpt-4o-mini" },
  context: { ...havenSpec.context, burstWindowMs: 0 },
};

describe("worker observability", () => {
  test("worker port: /healthz ok; /metrics has the waiting job, then the job, LLM call, tokens, reply and send answering it", async ({
    db,
    dbUrl,
  }) => {
    const s = await stack(db, dbUrl);
    const { metrics, url } = await servedMetrics(db);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("ok");
    expect((await fetch(`${url}/nothing-here`)).status).toBe(404);

    // No worker yet: the message waits in the queue, 30 s old.
    await s.customer("5511981000001").text("Quanto custa a consulta?");
    await db.execute(sql`update message_queue set run_at = now() - interval '30 seconds' where tenant_id = ${s.tenantId}`);
    let text = await scrape(url);
    const queued = await count(db, sql`select count(*)::int as n from message_queue where status = 'queued'`);
    expect(queued).toBeGreaterThanOrEqual(1);
    expect(value(text, "lx_queue_depth", { status: "queued", service: "worker" })).toBe(queued);
    expect(value(text, "lx_queue_depth", { status: "running" })).toBe(0);
    expect(value(text, "lx_queue_oldest_age_seconds")).toBeGreaterThanOrEqual(30);
    expect(value(text, "lx_queue_oldest_age_seconds")).toBeLessThan(300);
    expect(value(text, "lx_job_duration_seconds_count")).toBeUndefined();
    // The counters alerts read with increase() are there from the start, at 0.
    expect(value(text, "lx_sends_total")).toBe(0);
    expect(value(text, "lx_jobs_failed_total", { task: "conversation.reply", outcome: "dead" })).toBe(0);

    await s.startWorker(undefined, { metrics });
    await s.graph.waitFor((r) => r.kind === "send" && r.outcome === "sent", 15_000);
    text = await eventually(() => scrape(url), (t) => value(t, "lx_sends_total", { outcome: "sent" }) === 1);
    const [reply] = await botReplies(db, s.tenantId);
    expect(reply?.body).toBe("Resposta para: Quanto custa a consulta?");
    expect(value(text, "lx_job_duration_seconds_count", { task: "conversation.reply" })).toBe(1);
    expect(value(text, "lx_job_duration_seconds_sum", { task: "conversation.reply" })).toBeGreaterThan(0);
    expect(value(text, "lx_llm_request_duration_seconds_count", { provider: "openai", ok: "true" })).toBe(1);
    expect(value(text, "lx_llm_request_duration_seconds_count", { ok: "false" })).toBeUndefined();
    // The tokens counted are the reply's, as recorded on its message.
    expect(reply?.tokens_in).toBeGreaterThan(0);
    expect(reply?.tokens_out).toBeGreaterThan(0);
    expect(value(text, "lx_llm_tokens_total", { provider: "openai", direction: "in" })).toBe(reply?.tokens_in);
    expect(value(text, "lx_llm_tokens_total", { provider: "openai", direction: "out" })).toBe(reply?.tokens_out);
    expect(value(text, "lx_replies_total", { outcome: "replied" })).toBe(1);
    expect(value(text, "lx_replies_total")).toBe(1);
    expect(value(text, "lx_sends_total")).toBe(1);
    expect(value(text, "lx_jobs_failed_total")).toBe(0);
    // Nothing waits any more; nothing is left unsettled.
    expect(value(text, "lx_queue_depth", { status: "queued" })).toBe(0);
    expect(value(text, "lx_queue_depth", { status: "running" })).toBe(0);
    expect(value(text, "lx_queue_oldest_age_seconds")).toBe(0);
    expect(text).toContain("# TYPE lx_outbox_pending gauge");
    expect(value(text, "lx_outbox_pending", { status: "queued" }) ?? 0).toBe(0);
    expect(value(text, "lx_outbox_pending", { status: "sending" }) ?? 0).toBe(0);
    // The process' default metrics come along, labelled with the service.
    expect(value(text, "process_cpu_seconds_total", { service: "worker" })).toBeGreaterThan(0);
  });

  test("a reply that fails on every attempt and a send Meta refuses for good show as retry and dead in the worker's metrics", async ({
    db,
    dbUrl,
  }) => {
    const s = await stack(db, dbUrl);
    const { metrics, url } = await servedMetrics(db);
    s.llm.failNext(100, { status: 500 });
    // The handoff message that follows the dead reply is refused for good.
    s.graph.failNext(1, { kind: "error", code: 131026 });
    await s.customer("5511981000002").text("Oi?");
    await db.execute(sql`update message_queue set max_attempts = 2 where tenant_id = ${s.tenantId} and task = 'conversation.reply'`);
    await s.startWorker({ retryBaseMs: 10 }, { metrics });

    const text = await eventually(
      () => scrape(url),
      (t) => value(t, "lx_jobs_failed_total", { outcome: "dead" }) === 1 && value(t, "lx_sends_total", { outcome: "dead" }) === 1,
      30_000,
    );
    expect(await count(db, sql`select count(*)::int as n from message_queue where tenant_id = ${s.tenantId} and status = 'dead'`)).toBe(1);
    expect(value(text, "lx_jobs_failed_total", { task: "conversation.reply", outcome: "retry" })).toBe(1);
    expect(value(text, "lx_jobs_failed_total", { task: "conversation.reply", outcome: "dead" })).toBe(1);
    expect(value(text, "lx_jobs_failed_total", { outcome: "lost" })).toBe(0);
    // Both attempts called the model and failed; no reply job completed, no reply was written.
    expect(value(text, "lx_llm_request_duration_seconds_count", { provider: "openai", ok: "false" })).toBe(2);
    expect(value(text, "lx_llm_tokens_total") ?? 0).toBe(0);
    expect(value(text, "lx_job_duration_seconds_count", { task: "conversation.reply" })).toBeUndefined();
    expect(value(text, "lx_replies_total", { outcome: "replied" })).toBeUndefined();
    expect(value(text, "lx_sends_total", { outcome: "sent" })).toBe(0);
    // The gauges show what an operator has to look at (the whole database's, so counted the same way).
    const deadJobs = await count(db, sql`select count(*)::int as n from message_queue where status = 'dead'`);
    const deadSends = await count(db, sql`select count(*)::int as n from outbox_messages where status = 'dead'`);
    expect(deadJobs).toBeGreaterThanOrEqual(1);
    expect(deadSends).toBeGreaterThanOrEqual(1);
    expect(value(text, "lx_queue_depth", { status: "dead" })).toBe(deadJobs);
    expect(value(text, "lx_outbox_pending", { status: "dead" })).toBe(deadSends);
  });

  test("the API's /metrics counts signed webhook POSTs by outcome and times each one (a bad signature is neither)", async ({
    db,
    dbUrl,
  }) => {
    const s = await stack(db, dbUrl);
    const a = s.customer("5511981000003");
    const first = await a.text("Oi");
    const results = [
      first,
      await postWebhook(s.webhookUrl, APP_SECRET, first.payload), // Meta's redelivery
      await postWebhook(
        s.webhookUrl,
        APP_SECRET,
        batch([
          inboundText({ phoneNumberId: s.phoneNumberId, waId: "5511981000004", text: "Bom dia" }),
          inboundText({ phoneNumberId: s.phoneNumberId, waId: "5511981000005", text: "Boa tarde" }),
        ]),
      ),
      await a.reaction(first.messageId, "👍"),
      await postWebhook(s.webhookUrl, APP_SECRET, statusUpdate({ phoneNumberId: s.phoneNumberId, wamid: newWamid(), status: "delivered" })),
      await postWebhook(s.webhookUrl, APP_SECRET, inboundText({ phoneNumberId: "109999999999999", waId: "5511981000006", text: "?" })),
      await postWebhook(s.webhookUrl, APP_SECRET, { object: "page", entry: [] }),
    ];
    expect(results.map((r) => r.status)).toEqual(Array(7).fill(200));
    const forged = await postWebhook(s.webhookUrl, "not-the-app-secret", inboundText({ phoneNumberId: s.phoneNumberId, text: "x" }));
    expect(forged.status).toBe(401);
    expect(await count(db, sql`select count(*)::int as n from message_queue where tenant_id = ${s.tenantId}`)).toBe(3);

    const res = await fetch(`${s.apiUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(value(text, "lx_webhook_events_total", { outcome: "queued" })).toBe(3);
    expect(value(text, "lx_webhook_events_total", { outcome: "duplicates" })).toBe(1);
    expect(value(text, "lx_webhook_events_total", { outcome: "stored" })).toBe(1);
    // The status names a send nobody made (a new wamid, no biz data): kept as `ignored`, like the
    // non-WhatsApp body, not counted as a status applied.
    expect(value(text, "lx_webhook_events_total", { outcome: "statuses" })).toBeUndefined();
    expect(value(text, "lx_webhook_events_total", { outcome: "unknownNumbers" })).toBe(1);
    expect(value(text, "lx_webhook_events_total", { outcome: "ignored" })).toBe(2);
    expect(value(text, "lx_webhook_events_total")).toBe(8);
    expect(value(text, "lx_webhook_duration_seconds_count")).toBe(7);
    expect(value(text, "lx_webhook_duration_seconds_bucket", { le: "+Inf" })).toBe(7);
    expect(value(text, "lx_webhook_duration_seconds_sum")).toBeGreaterThan(0);
    // Nobody answers these: the workers of later tests (same database) leave them alone.
    await db.execute(sql`
      update message_queue set status = 'cancelled', finished_at = now() where tenant_id = ${s.tenantId} and status = 'queued'`);
  });

  test("each answered message logs one 'replied' line with its tenant, version, message id, tokens, latency, job and conversation", async ({
    db,
    dbUrl,
  }) => {
    const s = await stack(db, dbUrl);
    const { logger, lines } = memoryLogger();
    const w = await s.startWorker(undefined, { logger });
    const sent = await Promise.all([
      s.customer("5511981000007").text("Vocês abrem sábado?"),
      s.customer("5511981000008").text("Onde fica?"),
    ]);
    // The database is the file's: a worker answers every tenant's queued jobs, so this tenant's lines are counted.
    const replied = () => lines().filter((l) => l.msg === "replied" && l.tenantId === s.tenantId);
    await eventually(async () => replied().length, (n) => n === 2);
    const active = await activeVersion(db, s.agentId);
    expect(active?.version).toBe("1.0.0");

    for (const { messageId } of sent) {
      const mine = replied().filter((l) => l.metaMessageId === messageId);
      expect(mine).toHaveLength(1);
      const [job] = await db.execute<{ id: number; conversation_id: string }>(sql`
        select q.id, q.conversation_id from message_queue q join messages m on m.id = q.message_id
        where q.tenant_id = ${s.tenantId} and m.meta_message_id = ${messageId}`);
      const [row] = await db.execute<BotRow>(sql`
        select body, agent_version_id, tokens_in, tokens_out, latency_ms from messages
        where conversation_id = ${job?.conversation_id ?? null} and direction = 'out' and author = 'bot'`);
      expect(row?.tokens_in).toBeGreaterThan(0);
      expect(row?.tokens_out).toBeGreaterThan(0);
      expect(mine[0]).toMatchObject({
        level: 30,
        workerId: w.id,
        task: "conversation.reply",
        tenantId: s.tenantId,
        agentVersion: "1.0.0",
        agentVersionId: active?.id,
        metaMessageId: messageId,
        jobId: Number(job?.id),
        conversationId: job?.conversation_id,
        tokensIn: row?.tokens_in,
        tokensOut: row?.tokens_out,
        latencyMs: row?.latency_ms,
        provider: "openai",
        policyHits: [],
      });
      expect(mine[0]?.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  test("logs name tools, arguments and reasons but never carry what the customer or the model said about them", async ({
    db,
    dbUrl,
  }) => {
    const spec: TAgentSpec = {
      ...havenSpec,
      model: { provider: "openai", name: "gpt-4o-mini" },
      context: { ...havenSpec.context, burstWindowMs: 0 },
    };
    const s = await stack(db, dbUrl, { spec });
    // The model books with the customer's name and CPF (refused: not a slot), then hands over, saying why.
    s.llm.enqueueReply(
      { toolCalls: [{ name: "book_slot", arguments: { start: "amanhã cedo", name: "Joana Privada", notes: "CPF 123.456.789-00" } }] },
      { toolCalls: [{ name: "handoff_to_human", arguments: { reason: "Joana Privada quer remarcar; CPF 123.456.789-00" } }] },
    );
    const { logger, lines } = memoryLogger();
    await s.startWorker(undefined, { logger });
    await s.customer("5511981000099", { name: "Joana Privada" }).text("Sou a Joana, CPF 123.456.789-00, quero marcar");
    const mine = () => lines().filter((l) => l.tenantId === s.tenantId);
    await eventually(async () => mine().filter((l) => l.msg === "handoff requested by the model"), (l) => l.length === 1);
    await eventually(async () => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent").length, (n) => n === 1);

    const tools = mine().filter((l) => l.msg === "tool called");
    expect(tools).toEqual([
      expect.objectContaining({ tool: "book_slot", argumentNames: ["name", "notes", "start"], failed: true, handoff: false }),
      expect.objectContaining({ tool: "handoff_to_human", argumentNames: ["reason"], failed: false, handoff: true }),
    ]);
    expect(mine().find((l) => l.msg === "handoff requested by the model")).toMatchObject({ reasonChars: 47 });
    // Nothing the customer is, wrote or was said to be, in any line the worker wrote (any tenant).
    const all = JSON.stringify(lines());
    for (const secret of ["Joana", "123.456.789", "5511981000099", "quero marcar", "remarcar", "amanhã cedo"]) {
      expect(all).not.toContain(secret);
    }
    // The database still has the reason, where an erasure can reach it.
    const [h] = await db.execute<{ reason: string }>(sql`select reason from handoffs where tenant_id = ${s.tenantId}`);
    expect(h?.reason).toBe("Joana Privada quer remarcar; CPF 123.456.789-00");
  });

  test("an error a tenant's n8n answers quoting the customer reaches no log line: its system, status, kind and length do", async ({
    db,
    dbUrl,
  }) => {
    // The tenant's n8n serves the calendar, the CRM and the handoff notices, and fails every call with
    // an error page that quotes the customer.
    const n8n = await startFakeWebhookReceiver({ secret: "test-webhook-secret" });
    onTestFinished(() => n8n.stop());
    const quoted = { error: "Workflow failed: cliente Joana Privada (CPF 123.456.789-00) não encontrada na agenda" };
    n8n.failWhere(() => true, { kind: "status", status: 500, body: quoted });
    const spec: TAgentSpec = {
      ...havenSpec,
      model: { provider: "openai", name: "gpt-4o-mini" },
      context: { ...havenSpec.context, burstWindowMs: 0 },
      handoff: { ...havenSpec.handoff, notifyWebhookUrl: `${n8n.url}/n8n/handoff` },
      plugins: {
        calendar: { backend: "webhook", webhookUrl: `${n8n.url}/n8n/agenda`, slotMinutes: 30 },
        crm: { backend: "webhook", webhookUrl: `${n8n.url}/n8n/crm`, qualifyFields: ["interesse"] },
      },
    };
    const s = await stack(db, dbUrl, { spec });
    s.llm.enqueueReply(
      {
        toolCalls: [
          { name: "check_availability", arguments: { date: "2031-03-04" } },
          { name: "create_deal", arguments: { title: "Joana Privada - limpeza", fields: { interesse: "limpeza de pele" } } },
        ],
      },
      { toolCalls: [{ name: "handoff_to_human", arguments: { reason: "a agenda falhou" } }] },
    );
    const { logger, lines } = memoryLogger();
    await s.startWorker(undefined, { logger });
    await s.customer("5511981000098", { name: "Joana Privada" }).text("Sou a Joana, quero marcar uma limpeza de pele");
    const mine = () => lines().filter((l) => l.tenantId === s.tenantId);
    await eventually(async () => lines().filter((l) => l.msg === "handoff notice could not be delivered"), (l) => l.length === 1);
    // Not a word of the answer in any line the worker wrote (any tenant's); nor in what the model was told.
    const all = JSON.stringify(lines());
    for (const secret of ["Joana", "123.456.789", "5511981000098", "Workflow failed", "não encontrada"]) {
      expect(all).not.toContain(secret);
    }

    // Each call was tried three times (5xx: two retries).
    expect(n8n.requests.filter((r) => r.tool === "check_availability")).toHaveLength(3);
    expect(n8n.requests.filter((r) => r.tool === "create_deal")).toHaveLength(3);
    expect(n8n.requests.filter((r) => r.event === "handoff.started")).toHaveLength(3);
    const errorChars = `HTTP 500: ${JSON.stringify(quoted)}`.length;
    expect(mine().find((l) => l.msg === "calendar call failed")).toMatchObject({
      system: "calendar_webhook",
      tool: "check_availability",
      status: 500,
      failure: "http",
      errorChars,
    });
    expect(mine().find((l) => l.msg === "CRM deal not created")).toMatchObject({ system: "webhook", status: 500, failure: "http", errorChars });
    expect(lines().find((l) => l.msg === "handoff notice could not be delivered")).toMatchObject({
      level: 50,
      system: "handoff_webhook",
      status: 500,
      failure: "http",
      errorChars,
      attempts: 3,
      host: new URL(n8n.url).host,
    });
    expect(mine().filter((l) => l.msg === "tool called").map((l) => [l.tool, l.failed])).toEqual([
      ["check_availability", true],
      ["create_deal", true],
      ["handoff_to_human", false],
    ]);
    const toolResults = JSON.stringify(s.llm.requests.map((r) => r.body));
    expect(toolResults).toContain("the calendar could not be reached (HTTP 500)");
    expect(toolResults).not.toContain("CPF 123.456.789-00");

    // The operators see the error where the customer's erasure reaches it: the conversation's audit events.
    const failures = () =>
      db.execute<{ type: string; error: string | null }>(sql`
        select type, data->>'error' as error from audit_events
        where tenant_id = ${s.tenantId} and type in ('crm.deal_failed', 'handoff.notify_failed') order by id`);
    expect((await failures()).map((f) => [f.type, f.error?.includes("Joana Privada")])).toEqual([
      ["crm.deal_failed", true],
      ["handoff.notify_failed", true],
    ]);
    await eventually(
      async () =>
        eraseCustomer(db, { tenantId: s.tenantId, customer: "5511981000098", actor: TEST_ACTOR }).then(
          () => true,
          () => false,
        ),
      (done) => done,
    );
    expect((await failures()).map((f) => f.error)).toEqual(["[erased]", "[erased]"]);
  });

  test("each reply records the active version, tokens and latency; once a new version is activated the next reply records it", async ({
    db,
    dbUrl,
  }) => {
    const s = await stack(db, dbUrl, { spec });
    await s.startWorker();
    const v1 = await activeVersion(db, s.agentId);
    const c = s.customer("5511981000009");
    await c.text("Quais tratamentos vocês fazem?");
    await eventually(async () => (await botReplies(db, s.tenantId)).length, (n) => n === 1);
    const [first] = await botReplies(db, s.tenantId);
    expect(first).toMatchObject({ body: "Resposta para: Quais tratamentos vocês fazem?", agent_version_id: v1?.id });
    expect(first?.tokens_in).toBeGreaterThan(0);
    expect(first?.tokens_out).toBeGreaterThan(0);
    expect(first?.latency_ms).toBeGreaterThanOrEqual(0);
    expect(s.llm.requests.map((r) => r.body.model)).toEqual(["gpt-4o-mini"]);

    const v2 = await publishVersion(db, {
      tenantId: s.tenantId,
      agentId: s.agentId,
      spec: { ...spec, model: { provider: "openai", name: "gpt-4o" } },
      bump: "minor",
      actor: TEST_ACTOR,
    });
    await activateVersion(db, { tenantId: s.tenantId, agentId: s.agentId, version: v2.version, actor: TEST_ACTOR });
    expect((await activeVersion(db, s.agentId))?.id).toBe(v2.id);
    expect(v2.id).not.toBe(v1?.id);

    await c.text("E o preço?");
    await eventually(async () => (await botReplies(db, s.tenantId)).length, (n) => n === 2);
    const rows = await botReplies(db, s.tenantId);
    expect(rows.map((r) => r.agent_version_id)).toEqual([v1?.id, v2.id]);
    expect(rows[1]?.tokens_in).toBeGreaterThan(0);
    expect(rows[1]?.tokens_out).toBeGreaterThan(0);
    expect(rows[1]?.latency_ms).toBeGreaterThanOrEqual(0);
    // The new version's model answered it.
    expect(s.llm.requests.map((r) => r.body.model)).toEqual(["gpt-4o-mini", "gpt-4o"]);
  });
});

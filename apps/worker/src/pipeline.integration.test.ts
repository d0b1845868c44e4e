import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { dbTest as test } from "@lx/db/testing";
import { inboundText, postWebhook } from "@lx/sandbox";
import { havenSpec } from "@lx/shared/testing";

import { APP_SECRET, eventually, startStack, type Stack } from "./testing/stack.ts";

async function stack(db: Database, dbUrl: string, opts?: Parameters<typeof startStack>[2]): Promise<Stack> {
  const s = await startStack(db, dbUrl, opts);
  onTestFinished(() => s.stop());
  return s;
}

const count = async (db: Database, q: ReturnType<typeof sql>) => (await db.execute<{ n: number }>(q))[0]?.n ?? 0;

/** Texts the fake Graph accepted (each accepted request counts, even one whose answer was dropped). */
function acceptedTexts(s: Stack): string[] {
  return s.graph.requests.filter((r) => r.kind === "send" && (r.outcome === "sent" || r.outcome === "dropped")).map((r) => r.text ?? "");
}

describe("runtime pipeline", () => {
  test("a message delivered 10 times concurrently makes one job and one reply", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    const payload = inboundText({ phoneNumberId: s.phoneNumberId, waId: "5511900000001", text: "Quanto custa a consulta?" });
    const results = await Promise.all(Array.from({ length: 10 }, () => postWebhook(s.webhookUrl, APP_SECRET, payload)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await count(db, sql`select count(*)::int as n from message_queue where tenant_id = ${s.tenantId}`)).toBe(1);
    expect(await count(db, sql`select count(*)::int as n from audit_events where type = 'webhook.duplicate' and tenant_id = ${s.tenantId}`)).toBe(9);

    await s.startWorker();
    await s.graph.waitFor((r) => r.kind === "send" && r.outcome === "sent", 15_000);
    await eventually(() => count(db, sql`select count(*)::int as n from outbox_messages where status in ('queued','sending')`), (n) => n === 0);
    expect(acceptedTexts(s)).toEqual(["Resposta para: Quanto custa a consulta?"]);
    // The customer's message was marked as read, with the number's own token.
    const read = s.graph.requests.filter((r) => r.kind === "read");
    expect(read).toHaveLength(1);
    expect(read[0]?.token).toBe(s.token);
    const inboundWamid = (payload.entry[0]?.changes[0]?.value.messages?.[0] as { id: string } | undefined)?.id;
    expect((read[0]?.body as { message_id?: string } | null)?.message_id).toBe(inboundWamid);
    // The receipt rode on the reply's outbox row: no row of its own to write, claim and settle.
    expect(await count(db, sql`select count(*)::int as n from outbox_messages where kind = 'mark_read'`)).toBe(0);
    expect(await count(db, sql`select count(*)::int as n from outbox_messages where read_receipt_for = ${inboundWamid ?? ""}`)).toBe(1);
    // Status callbacks came back through the webhook and moved the row forward.
    await eventually(
      () => count(db, sql`select count(*)::int as n from outbox_messages where kind = 'text' and status = 'delivered' and wamid is not null`),
      (n) => n === 1,
    );
  });

  test("20 conversations × 5-message bursts with 3 worker processes: every message answered once, in order", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    const procs = [s.spawnWorker(), s.spawnWorker(), s.spawnWorker()];
    expect(procs.every((p) => p.pid)).toBe(true);
    const customers = Array.from({ length: 20 }, (_, i) => s.customer(`55119100${String(i).padStart(5, "0")}`));
    // Bursts: each customer sends 5 messages back to back; customers interleave.
    await Promise.all(
      customers.map(async (c, i) => {
        for (let j = 1; j <= 5; j++) {
          const r = await c.text(`c${i}-m${j}`);
          expect(r.status).toBe(200);
        }
      }),
    );
    await eventually(async () => acceptedTexts(s).length, (n) => n >= 100, 30_000);
    await eventually(() => count(db, sql`select count(*)::int as n from message_queue where status <> 'done'`), (n) => n === 0);
    const texts = acceptedTexts(s);
    expect(texts).toHaveLength(100);
    expect(new Set(texts).size).toBe(100);
    for (let i = 0; i < 20; i++) {
      const mine = s.graph.requests
        .filter((r) => r.kind === "send" && r.outcome === "sent" && r.text?.startsWith(`Resposta para: c${i}-`))
        .map((r) => r.text);
      expect(mine).toEqual([1, 2, 3, 4, 5].map((j) => `Resposta para: c${i}-m${j}`));
    }
  });

  test("every database connection of the API and the workers cut again and again during a load: nothing lost, nothing duplicated, order kept", async ({ db, dbUrl }) => {
    // What a PostgreSQL restart, a failover or a proxy dropping idle connections does to the
    // processes: their statements fail mid-flight and their pools reconnect. Meta retries a delivery
    // that was not answered 200, so the customer here posts the same payload again until it is.
    const s = await stack(db, dbUrl, { llmLatencyMs: 30 });
    // The grace of the SIGKILL test below: a status callback may have to wait for the API's pool.
    const workerEnv = { OUTBOX_AMBIGUOUS_GRACE_MS: "5000" };
    const procs = [s.spawnWorker(workerEnv), s.spawnWorker(workerEnv)];
    expect(procs.every((p) => p.pid)).toBe(true);
    let cut = 0;
    const cutAll = async () => {
      const rows = await db.execute<{ ok: boolean }>(sql`
        select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid()
          and application_name in ('lx-test-api', 'lx-worker')`);
      cut += rows.filter((r) => r.ok).length;
    };
    const cutter = setInterval(() => void cutAll().catch(() => undefined), 300);
    const posts = new Map<string, (number | string)[]>(); // each text's answers, for the diagnostics
    try {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          for (let j = 1; j <= 6; j++) {
            const payload = inboundText({ phoneNumberId: s.phoneNumberId, waId: `55119300${String(i).padStart(5, "0")}`, text: `x${i}-m${j}` });
            for (let attempt = 1; ; attempt++) {
              const r = await postWebhook(s.webhookUrl, APP_SECRET, payload).catch((err: unknown) => ({ status: 0, text: String(err) }));
              posts.set(`x${i}-m${j}`, [...(posts.get(`x${i}-m${j}`) ?? []), r.status === 200 ? 200 : `${r.status} ${r.text.slice(0, 200)}`]);
              if (r.status === 200) {
                break;
              }
              // Meta retries a delivery for days; ~17 s here. Under a slow machine a streak of attempts
              // can each meet a fresh cut (every answer is then a connection error, logged).
              expect(attempt, JSON.stringify(posts.get(`x${i}-m${j}`))).toBeLessThan(40);
              await new Promise((resolve) => setTimeout(resolve, Math.min(50 * attempt, 500))); // Meta's retry backoff
            }
            await new Promise((resolve) => setTimeout(resolve, 150));
          }
        }),
      );
      // The load is in: a last cut while its replies are being written and sent, then the cutting stops.
      await cutAll();
    } finally {
      clearInterval(cutter);
    }
    expect(cut).toBeGreaterThanOrEqual(8);
    await eventually(async () => acceptedTexts(s).length, (n) => n >= 60, 90_000).catch(async (err: unknown) => {
      const jobs = await db.execute(sql`
        select q.id, q.status, q.attempts, q.run_at, q.locked_by, q.last_error, m.body from message_queue q
        left join messages m on m.id = q.message_id where q.tenant_id = ${s.tenantId} and q.status <> 'done'`);
      const sends = await db.execute(sql`
        select o.id, o.status, o.attempts, o.next_attempt_at, o.last_error from outbox_messages o
        where o.tenant_id = ${s.tenantId} and o.status not in ('sent', 'delivered', 'read')`);
      // Every inbound message with its job and the sends of its conversation's replies.
      const inbound = await db.execute(sql`
        select m.id, m.body, q.id as job, q.status as job_status, q.attempts, q.last_error,
               (select count(*) from messages r where r.direction = 'out' and r.answers_up_to_id = m.id) as replies,
               (select json_agg(json_build_object('id', o.id, 'status', o.status, 'wamid', o.wamid, 'text', o.payload->'text'->>'body'))
                from outbox_messages o join messages r on r.id = o.message_id where r.answers_up_to_id = m.id) as sends
        from messages m left join message_queue q on q.message_id = m.id
        where m.tenant_id = ${s.tenantId} and m.direction = 'in' order by m.id`);
      const got = new Set(acceptedTexts(s));
      const missing = [...posts.keys()].filter((text) => !got.has(`Resposta para: ${text}`));
      const stored = inbound.filter((m) => missing.includes(String(m.body)));
      const events = await db.execute(sql`
        select e.id, e.status, e.kind, e.meta_message_id, e.payload->'message'->'text'->>'body' as body, e.error
        from webhook_events e where e.tenant_id = ${s.tenantId} or e.tenant_id is null order by e.id`);
      const audits = await db.execute(sql`
        select type, count(*)::int as n from audit_events where tenant_id = ${s.tenantId} or tenant_id is null group by type`);
      console.error(
        "STUCK",
        JSON.stringify(
          {
            jobs,
            sends,
            inbound: inbound.length,
            missing: missing.map((text) => ({ text, posts: posts.get(text), stored: stored.filter((m) => m.body === text) })),
            events: events.filter((e) => e.status !== "queued" || missing.includes(String(e.body))),
            eventCount: events.length,
            audits,
            alive: procs.map((p) => p.exitCode ?? p.signalCode ?? "alive"),
          },
          null,
          1,
        ),
      );
      throw err;
    });
    await eventually(() => count(db, sql`select count(*)::int as n from message_queue where status <> 'done'`), (n) => n === 0, 60_000);
    await eventually(
      () => count(db, sql`select count(*)::int as n from outbox_messages where kind = 'text' and status not in ('sent','delivered','read')`),
      (n) => n === 0,
      60_000,
    );
    const texts = acceptedTexts(s);
    const repeated = [...new Set(texts.filter((text, i) => texts.indexOf(text) !== i))];
    // Another test's replies (its leftovers reaching this test's Graph: session 21's CI) are not repeats.
    const unexpected = texts.filter((text) => !/^Resposta para: x\d+-m\d+$/.test(text));
    let duplicates = unexpected.length > 0 ? `UNEXPECTED ${JSON.stringify(unexpected)} ` : "";
    if (repeated.length > 0) {
      // What a duplicate went through, for a failure that is rare (seen in session 14, and in one CI
      // run of session 21): each repeated reply's Graph requests, its outbox rows with their attempts
      // and errors, and their audit trail. In the assertion's message: CI prints no console output.
      const rows = await db.execute(sql`
        select o.id, o.status, o.attempts, o.wamid, o.last_error, o.created_at, o.updated_at, o.message_id,
               (select json_agg(json_build_object('type', a.type, 'at', a.created_at, 'data', a.data) order by a.id)
                from audit_events a where a.subject_id = o.id::text) as audit
        from outbox_messages o where o.tenant_id = ${s.tenantId} and o.payload->'text'->>'body' in (${sql.join(
          repeated.map((text) => sql`${text}`),
          sql`, `,
        )}) order by o.id`);
      duplicates += `DUPLICATES ${JSON.stringify({ repeated, requests: s.graph.requests.filter((r) => repeated.includes(r.text ?? "")), rows })}`;
    }
    expect(texts, duplicates).toHaveLength(60);
    expect(new Set(texts).size).toBe(60);
    for (let i = 0; i < 10; i++) {
      const mine = texts.filter((t) => t.startsWith(`Resposta para: x${i}-`));
      expect(mine).toEqual([1, 2, 3, 4, 5, 6].map((j) => `Resposta para: x${i}-m${j}`));
    }
    // One inbound message per delivered text, whatever Meta had to re-post.
    expect(await count(db, sql`select count(*)::int as n from messages where direction = 'in' and tenant_id = ${s.tenantId}`)).toBe(60);
    expect(await count(db, sql`select count(*)::int as n from message_queue where status = 'dead' and tenant_id = ${s.tenantId}`)).toBe(0);
    // Both workers lived through it.
    expect(procs.every((p) => p.exitCode === null && p.signalCode === null)).toBe(true);
  }, 180_000);

  test("an agent on an Anthropic model is answered through the Anthropic Messages API (a worker process configured by env)", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, {
      spec: { ...havenSpec, model: { provider: "anthropic", name: "claude-haiku-4-5" }, context: { ...havenSpec.context, burstWindowMs: 0 } },
    });
    s.spawnWorker();
    expect((await s.customer("5511960000001").text("Vocês abrem sábado?")).status).toBe(200);
    await s.graph.waitFor((r) => r.kind === "send" && r.outcome === "sent", 30_000);
    expect(acceptedTexts(s)).toEqual(["Resposta para: Vocês abrem sábado?"]);
    // Settled before the stack stops (its worker is killed then): a send left "sending" would be
    // re-sent by the next test's workers, which share the database.
    await eventually(
      () => count(db, sql`select count(*)::int as n from outbox_messages where tenant_id = ${s.tenantId} and kind = 'text' and status = 'delivered'`),
      (n) => n === 1,
    );
    expect(s.anthropic.requests.map((r) => r.body.model)).toEqual(["claude-haiku-4-5"]);
    expect(s.llm.requests).toHaveLength(0);
    const [reply] = await db.execute<{ tokens_in: number; tokens_out: number }>(sql`
      select tokens_in, tokens_out from messages where tenant_id = ${s.tenantId} and direction = 'out'`);
    expect(reply?.tokens_in).toBeGreaterThan(0);
    expect(reply?.tokens_out).toBeGreaterThan(0);
  });

  test("a webhook wakes an idle worker through NOTIFY: the reply does not wait for the next poll", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl);
    // Polling once a minute: only the API's NOTIFY (and the runner's own wake of its sender) can
    // make this reply go out within seconds.
    await s.startWorker({ pollMs: 60_000 });
    const started = Date.now();
    expect((await s.customer("5511950000001").text("acorda")).status).toBe(200);
    await s.graph.waitFor((r) => r.kind === "send" && r.outcome === "sent", 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(acceptedTexts(s)).toEqual(["Resposta para: acorda"]);
  });

  test("SIGTERM: a worker process stops claiming, finishes the jobs in flight and exits 0; another takes the rest", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, { llmLatencyMs: 400 });
    const jobsIn = (status: string) =>
      db.execute<{ id: number }>(sql`select id from message_queue where tenant_id = ${s.tenantId} and status = ${status} order by id`);
    // 4 jobs at a time and 400 ms each: the worker is busy with a few while the rest wait.
    const first = s.spawnWorker({ WORKER_CONCURRENCY: "4" });
    const customers = Array.from({ length: 16 }, (_, i) => s.customer(`55119400${String(i).padStart(5, "0")}`));
    for (const c of customers) {
      expect((await c.text(`t${customers.indexOf(c)}-m1`)).status).toBe(200);
    }
    await eventually(async () => (await jobsIn("running")).length, (n) => n >= 4, 30_000);
    const running = (await jobsIn("running")).map((r) => Number(r.id));
    const doneBefore = (await jobsIn("done")).length;
    const exited = new Promise<number | null>((resolve) => first.once("exit", (code) => resolve(code)));
    first.kill("SIGTERM");
    expect(await exited).toBe(0);

    // It finished what it was running (nothing left to a lease) and claimed nothing new: a worker that
    // kept claiming would have run the whole backlog, 4 at a time, before it could stop.
    expect(await jobsIn("running")).toEqual([]);
    const done = (await jobsIn("done")).map((r) => Number(r.id));
    expect(done).toEqual(expect.arrayContaining(running));
    expect(done.length - doneBefore).toBeLessThanOrEqual(running.length + 4);
    expect((await jobsIn("queued")).length).toBeGreaterThan(0);

    s.spawnWorker();
    await eventually(async () => acceptedTexts(s).length, (n) => n >= 16, 60_000);
    await eventually(() => count(db, sql`select count(*)::int as n from message_queue where tenant_id = ${s.tenantId} and status <> 'done'`), (n) => n === 0, 30_000);
    const texts = acceptedTexts(s);
    expect(texts).toHaveLength(16);
    expect(new Set(texts)).toEqual(new Set(customers.map((_, i) => `Resposta para: t${i}-m1`)));
  }, 120_000);

  test("worker processes killed with SIGKILL again and again: nothing lost, nothing duplicated, order kept", async ({ db, dbUrl }) => {
    const s = await stack(db, dbUrl, { llmLatencyMs: 30 });
    // An ambiguous send (no answer from Graph) is re-sent when no status callback came within the
    // grace period: that is the design (Meta has no idempotency key), so a grace shorter than the
    // callbacks' latency on a starved machine turns a correct re-send into a "duplicate". 1.5 s (the
    // stack's default, for fast tests) is below what a loaded CI machine guarantees; production waits 60 s.
    const workerEnv = { OUTBOX_AMBIGUOUS_GRACE_MS: "5000" };
    const live = [s.spawnWorker(workerEnv), s.spawnWorker(workerEnv), s.spawnWorker(workerEnv)];
    const customers = Array.from({ length: 12 }, (_, i) => s.customer(`55119200${String(i).padStart(5, "0")}`));
    let kills = 0;
    const kill = () => {
      const victim = Math.floor(Math.random() * live.length);
      live[victim]?.kill("SIGKILL");
      kills++;
      live[victim] = s.spawnWorker(workerEnv);
    };
    const killer = setInterval(kill, 1_500);
    try {
      for (let j = 1; j <= 8; j++) {
        await Promise.all(customers.map((c, i) => c.text(`k${i}-m${j}`)));
        // Besides the timer, a kill right after every other round lands while that round's jobs
        // are in flight, however fast the workers are (the timer alone could fire only twice).
        if (j % 2 === 0) {
          kill();
        }
        await new Promise((r) => setTimeout(r, 400));
      }
      // The load is in; the killing stops so the workers can finish it. (A killer left running kills
      // faster than a starved machine starts workers: nothing can be answered then, by any design.)
      clearInterval(killer);
      await eventually(async () => acceptedTexts(s).length, (n) => n >= 96, 90_000).catch(async (err: unknown) => {
        const jobs = await db.execute(sql`select status, count(*)::int n, max(attempts) a from message_queue group by 1`);
        const ob = await db.execute(sql`select kind, status, count(*)::int n from outbox_messages group by 1, 2`);
        const stuck = await db.execute(sql`select o.id, o.status, o.attempts, o.last_error, m.body from outbox_messages o left join messages m on m.id = o.message_id where o.kind = 'text' and o.status not in ('sent','delivered','read')`);
        console.error(JSON.stringify({ jobs, ob, stuck }, null, 1));
        throw err;
      });
    } finally {
      clearInterval(killer);
    }
    await eventually(() => count(db, sql`select count(*)::int as n from message_queue where status <> 'done'`), (n) => n === 0, 60_000);
    await eventually(
      () => count(db, sql`select count(*)::int as n from outbox_messages where kind = 'text' and status not in ('sent','delivered','read')`),
      (n) => n === 0,
      60_000,
    );
    expect(kills).toBeGreaterThanOrEqual(4);
    const texts = acceptedTexts(s);
    let diagnostics = "";
    if (texts.length !== 96) {
      const dup = texts.filter((t, i) => texts.indexOf(t) !== i);
      const reqs = s.graph.requests.filter((r) => r.kind === "send" && dup.includes(r.text ?? "")).map((r) => ({ at: r.at, text: r.text, outcome: r.outcome, biz: r.bizOpaque, wamid: r.wamid }));
      const rows = await db.execute(sql`select o.id, o.status, o.attempts, o.wamid, o.last_error, o.created_at, o.sent_at, m.id as mid, m.answers_up_to_id from outbox_messages o join messages m on m.id = o.message_id where m.body = any(${`{${dup.map((d) => `"${d}"`).join(",")}}`}::text[])`);
      const audits = await db.execute(sql`select type, subject_id, data, created_at from audit_events where type like 'send.%' order by created_at`);
      const unexpected = texts.filter((t) => !/^Resposta para: k\d+-m\d+$/.test(t));
      // In the assertion's message: CI prints no console output (a duplicate here in session 21's CI).
      diagnostics = `DUP ${JSON.stringify({ dup, unexpected, reqs, rows, audits })}`;
    }
    expect(texts, diagnostics).toHaveLength(96);
    expect(new Set(texts).size).toBe(96);
    for (let i = 0; i < 12; i++) {
      const mine = texts.filter((t) => t.startsWith(`Resposta para: k${i}-`));
      expect(mine).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((j) => `Resposta para: k${i}-m${j}`));
    }
  }, 180_000);
});

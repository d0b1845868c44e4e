import { createServer, type Server } from "node:http";

import { sql } from "drizzle-orm";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

import type { Database } from "@lx/db/client";

import { SEND_OUTCOMES } from "./outbox/sender.ts";
import { JOB_FAILURE_OUTCOMES, type RunnerOptions } from "./queue/runner.ts";
import type { ReplyDeps } from "./services/reply.ts";
import { JOB_TASKS } from "./worker.ts";

export type WorkerMetrics = {
  registry: Registry;
  jobHooks: NonNullable<RunnerOptions["hooks"]>;
  replyHooks: NonNullable<ReplyDeps["metrics"]>;
  onSend: (outcome: string) => void;
  /** The gauge `lx_worker_flood_yielding` reads this (queue/flood.ts). */
  watchFlood: (yielding: () => boolean) => void;
};

/** Prometheus metrics of a worker process: jobs, LLM calls, sends, queue depth and age. */
export function createWorkerMetrics(db: Database): WorkerMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "worker" });
  collectDefaultMetrics({ register: registry });
  const jobDuration = new Histogram({
    name: "lx_job_duration_seconds",
    help: "Job run time, claim to completion",
    labelNames: ["task"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const jobsFailed = new Counter({
    name: "lx_jobs_failed_total",
    help: "Failed job attempts by outcome (retry, dead = dead-lettered, lost = lease taken over)",
    labelNames: ["task", "outcome"],
    registers: [registry],
  });
  const llmLatency = new Histogram({
    name: "lx_llm_request_duration_seconds",
    help: "LLM call latency",
    labelNames: ["provider", "ok"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
    registers: [registry],
  });
  const llmTokens = new Counter({
    name: "lx_llm_tokens_total",
    help: "LLM tokens",
    labelNames: ["provider", "direction"],
    registers: [registry],
  });
  const policyHits = new Counter({
    name: "lx_policy_hits_total",
    help: "Sentinel policy hits by rule and action",
    labelNames: ["rule", "action"],
    registers: [registry],
  });
  const replies = new Counter({ name: "lx_replies_total", help: "Reply jobs by outcome", labelNames: ["outcome"], registers: [registry] });
  const sends = new Counter({ name: "lx_sends_total", help: "Graph API sends by outcome", labelNames: ["outcome"], registers: [registry] });
  // Every series an alert counts with increase() exists at 0 from the start: a series born at 1
  // (the process's first dead job or send) has no earlier sample, so increase() would read 0 and the
  // first failure after every restart would never alert (deploy/prometheus-alerts.test.yml).
  for (const task of JOB_TASKS) {
    for (const outcome of JOB_FAILURE_OUTCOMES) {
      jobsFailed.inc({ task, outcome }, 0);
    }
  }
  for (const outcome of SEND_OUTCOMES) {
    sends.inc({ outcome }, 0);
  }
  new Gauge({
    name: "lx_queue_depth",
    help: "Jobs by status (queued, running, dead)",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      const rows = await db.execute<{ status: string; n: number }>(
        // Each part through its partial index (open jobs, dead jobs): one IN list over the three would
        // read the whole table, every job of the last day, at every scrape of every worker.
        sql`select status, count(*)::int as n from message_queue where status in ('queued', 'running') group by status
            union all
            select status, count(*)::int as n from message_queue where status = 'dead' group by status`,
      );
      this.reset();
      for (const s of ["queued", "running", "dead"]) {
        this.set({ status: s }, rows.find((r) => r.status === s)?.n ?? 0);
      }
    },
  });
  new Gauge({
    name: "lx_queue_oldest_age_seconds",
    help: "Age of the oldest runnable queued job",
    registers: [registry],
    async collect() {
      const rows = await db.execute<{ age: number | null }>(
        sql`select extract(epoch from now() - min(run_at))::float8 as age from message_queue where status = 'queued' and run_at <= now()`,
      );
      this.set(rows[0]?.age ?? 0);
    },
  });
  new Gauge({
    name: "lx_outbox_pending",
    help: "Outbox rows not yet settled, by status",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      const rows = await db.execute<{ status: string; n: number }>(
        // Through the open-sends and attention indexes; one IN list read every send ever made.
        sql`select status, count(*)::int as n from outbox_messages where status in ('queued', 'sending', 'ambiguous') group by status
            union all
            select status, count(*)::int as n from outbox_messages where status in ('dead', 'blocked') group by status`,
      );
      this.reset();
      for (const r of rows) {
        this.set({ status: r.status }, r.n);
      }
    },
  });
  new Gauge({
    name: "lx_numbers_sends_paused",
    help: "WhatsApp numbers whose sends are paused after a token or account error (190, 368, 131031): their replies wait",
    registers: [registry],
    async collect() {
      const rows = await db.execute<{ n: number }>(sql`select count(*)::int as n from phone_numbers where send_paused_at is not null`);
      this.set(rows[0]?.n ?? 0);
    },
  });
  let floodYielding = () => false;
  new Gauge({
    name: "lx_worker_flood_yielding",
    help: "1 while this worker paces its job starts during a webhook flood (WORKER_FLOOD_RATE)",
    registers: [registry],
    collect() {
      this.set(floodYielding() ? 1 : 0);
    },
  });
  return {
    registry,
    watchFlood: (yielding) => {
      floodYielding = yielding;
    },
    jobHooks: {
      onJobDone: (job, ms) => jobDuration.observe({ task: job.task }, ms / 1000),
      onJobFailed: (job, outcome) => jobsFailed.inc({ task: job.task, outcome }),
    },
    replyHooks: {
      llm: (p) => {
        llmLatency.observe({ provider: p.provider, ok: String(p.ok) }, p.ms / 1000);
        llmTokens.inc({ provider: p.provider, direction: "in" }, p.tokensIn);
        llmTokens.inc({ provider: p.provider, direction: "out" }, p.tokensOut);
      },
      reply: (p) => replies.inc({ outcome: p.outcome }),
      policy: (p) => policyHits.inc({ rule: p.rule, action: p.action }),
    },
    onSend: (outcome) => sends.inc({ outcome }),
  };
}

/** Serves GET /metrics (Prometheus text) and GET /healthz on the worker's own port. */
export async function serveMetrics(registry: Registry, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/metrics") {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
      return;
    }
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "0.0.0.0", () => resolve());
  });
  return server;
}

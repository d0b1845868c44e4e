import { spawn, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { serve, type ServerType } from "@hono/node-server";
import { sql } from "drizzle-orm";
import { Registry } from "prom-client";

import { newApp } from "@lx/api/app";
import { closeDb, createDb, type Database } from "@lx/db/client";
import { NumberDirectory } from "@lx/db/number-directory";
import { seedAgent, seedNumber, seedTenant, TEST_SECRET_KEY, TEST_SECRET_KEY_HEX, uniqueSuffix } from "@lx/db/testing";
import {
  createCustomer,
  startFakeAnthropic,
  startFakeGraph,
  startFakeOpenAI,
  type Customer,
  type FakeAnthropic,
  type FakeGraph,
  type FakeOpenAI,
} from "@lx/sandbox";
import type { TAgentSpec } from "@lx/shared";
import { havenSpec } from "@lx/shared/testing";

import { createWorker, WORKER_SYNCHRONOUS_COMMIT, type RunningWorker, type WorkerOptions } from "../worker.ts";
import { testLogger } from "./logger.ts";

export const APP_SECRET = "test-app-secret";
export const VERIFY_TOKEN = "test-verify-token";
const root = fileURLToPath(new URL("../../../../", import.meta.url));

export type Stack = {
  db: Database;
  dbUrl: string;
  graph: FakeGraph;
  llm: FakeOpenAI;
  /** The fake Anthropic Messages API, for agents whose model is an Anthropic one. */
  anthropic: FakeAnthropic;
  apiUrl: string;
  webhookUrl: string;
  tenantId: string;
  agentId: string;
  numberId: string;
  phoneNumberId: string;
  token: string;
  customer: (waId: string, extra?: { userId?: string; name?: string }) => Customer;
  /** An in-process worker (runner + sender), started; `own`: a logger or metrics of the test's own. */
  /**
   * A worker in this process; `own.dbUrl` points its pool elsewhere (a proxy, see startDbProxy);
   * `own.llm` replaces the model credentials (both fakes, with keys, by default).
   */
  startWorker: (
    tuning?: WorkerOptions["tuning"],
    own?: Partial<Pick<WorkerOptions, "logger" | "metrics" | "llm">> & { dbUrl?: string },
  ) => Promise<RunningWorker>;
  /** A real `pnpm worker` process. */
  spawnWorker: (env?: Record<string, string>) => ChildProcess;
  stop: () => Promise<void>;
};

/**
 * The runtime end to end on real parts: the API (webhook) on a real port, the fake Graph API
 * (posting signed status callbacks back to the webhook), the fake OpenAI server behind the official
 * SDK, a tenant with an active agent and a number, and workers in or out of process.
 */
export async function startStack(
  db: Database,
  dbUrl: string,
  opts: { spec?: TAgentSpec; llmLatencyMs?: number } = {},
): Promise<Stack> {
  const graph = await startFakeGraph({ statusDelaysMs: { sent: 2, delivered: 5 } });
  const llm = await startFakeOpenAI({ latencyMs: opts.llmLatencyMs ?? 0 });
  const anthropic = await startFakeAnthropic({ latencyMs: opts.llmLatencyMs ?? 0 });
  const apiDb = createDb(dbUrl, { max: 10, applicationName: "lx-test-api" });
  const directory = new NumberDirectory(apiDb);
  await directory.start();
  const app = newApp({
    db: apiDb,
    directory,
    logger: testLogger(),
    registry: new Registry(),
    config: { secretKey: TEST_SECRET_KEY, cookieSecure: false, metaAppSecret: APP_SECRET, metaVerifyToken: VERIFY_TOKEN },
  });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const webhookUrl = `${apiUrl}/api/webhooks/whatsapp`;
  graph.setWebhook({ url: webhookUrl, appSecret: APP_SECRET });

  const tenant = await seedTenant(db);
  // Each message answered on its own (no burst window) unless a test says otherwise.
  const spec = opts.spec ?? {
    ...havenSpec,
    model: { provider: "openai" as const, name: "gpt-4o-mini" },
    context: { ...havenSpec.context, burstWindowMs: 0 },
  };
  const { agent } = await seedAgent(db, { tenantId: tenant.id, spec });
  const token = `EAAG-${uniqueSuffix()}`;
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id, token });
  graph.setToken(number.phoneNumberId, token);

  const workers: RunningWorker[] = [];
  const procs: ChildProcess[] = [];
  const workerDbs: Database[] = [];
  const llmConfig = {
    mode: "auto" as const,
    openai: { apiKey: "test-key", baseURL: `${llm.url}/v1` },
    anthropic: { apiKey: "test-key", baseURL: anthropic.url },
    maxRetries: 0,
  };

  return {
    db,
    dbUrl,
    graph,
    llm,
    anthropic,
    apiUrl,
    webhookUrl,
    tenantId: tenant.id,
    agentId: agent.id,
    numberId: number.id,
    phoneNumberId: number.phoneNumberId,
    token,
    customer: (waId, extra = {}) =>
      createCustomer({
        webhookUrl,
        appSecret: APP_SECRET,
        phoneNumberId: number.phoneNumberId,
        ...(extra.userId ? { userId: extra.userId } : { waId }),
        name: extra.name ?? "Cliente Teste",
      }),
    startWorker: async (tuning, own = {}) => {
      const wdb = createDb(own.dbUrl ?? dbUrl, { max: 12, applicationName: "lx-test-worker", synchronousCommit: WORKER_SYNCHRONOUS_COMMIT });
      workerDbs.push(wdb);
      const w = createWorker({
        db: wdb,
        logger: own.logger ?? testLogger(),
        metrics: own.metrics,
        secretKey: TEST_SECRET_KEY,
        concurrency: 16,
        llm: own.llm ?? llmConfig,
        graph: { baseUrl: graph.url, apiVersion: "v23.0" },
        tuning: { pollMs: 200, reapEveryMs: 200, leaseMs: 3_000, ambiguousGraceMs: 1_500, retryBaseMs: 50, schedulerMs: 100, ...tuning },
      });
      await w.runner.start();
      await w.sender.start();
      w.schedule();
      workers.push(w);
      return w;
    },
    spawnWorker: (env = {}) => {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "apps/worker/src/index.ts")], {
        cwd: root,
        stdio: ["ignore", process.env.TEST_WORKER_LOG_LEVEL ? "inherit" : "ignore", "inherit"],
        env: {
          PATH: process.env.PATH ?? "",
          DATABASE_URL: dbUrl,
          LX_SECRET_KEY: TEST_SECRET_KEY_HEX,
          META_GRAPH_URL: graph.url,
          META_API_VERSION: "v23.0",
          LX_LLM: "auto",
          OPENAI_API_KEY: "test-key",
          OPENAI_BASE_URL: `${llm.url}/v1`,
          ANTHROPIC_API_KEY: "test-key",
          ANTHROPIC_BASE_URL: anthropic.url,
          WORKER_CONCURRENCY: "16",
          WORKER_METRICS_PORT: "0",
          WORKER_LEASE_MS: "2000",
          OUTBOX_AMBIGUOUS_GRACE_MS: "1500",
          LX_EGRESS_ALLOW: "127.0.0.1",
          LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? "warn",
          ...env,
        },
      });
      procs.push(child);
      return child;
    },
    stop: async () => {
      await Promise.all(workers.map((w) => w.stop(2_000)));
      for (const p of procs) {
        if (p.exitCode === null && p.signalCode === null) {
          p.kill("SIGKILL");
        }
      }
      await Promise.all(workerDbs.map((d) => closeDb(d)));
      // The tests of a file share its database: what this stack leaves unsettled (a send in flight
      // when its processes were killed, a retry waiting, a job not yet run) must not be taken by the
      // next test's workers, which would send it to their own fake Graph as an unexpected reply (a
      // "duplicate" twice in session 21's CI: a SIGTERM test's last sends, left 'sending', went again
      // 5 s into the SIGKILL test that followed).
      await apiDb.execute(sql`
        update outbox_messages set status = 'cancelled', locked_by = null, updated_at = now()
        where tenant_id = ${tenant.id} and status in ('queued', 'sending', 'ambiguous')`);
      await apiDb.execute(sql`
        update message_queue set status = 'cancelled', locked_by = null
        where tenant_id = ${tenant.id} and status in ('queued', 'running')`);
      await graph.stop();
      await llm.stop();
      await anthropic.stop();
      await new Promise<void>((r) => server.close(() => r()));
      await directory.stop();
      await closeDb(apiDb);
    },
  };
}

/** Polls the database (cheap) until `predicate` holds; a test timeout stops it otherwise. */
export async function eventually<T>(fn: () => Promise<T>, predicate: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (predicate(v)) {
      return v;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not reached in ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

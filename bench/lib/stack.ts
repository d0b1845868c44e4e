/**
 * The system under test, wired like production: the API and the workers as separate
 * `node --import tsx apps/…/src/index.ts` processes configured by env only, the fake Graph API and
 * the fake OpenAI server in the benchmark process, on a fresh database (cloned from the migrated
 * template) that is dropped at the end. Same pieces as apps/worker/src/testing/stack.ts.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";

import { freePort } from "@lx/db/embedded";
import {
  createTestDatabase,
  ensureTemplate,
  seedAgent,
  seedNumber,
  seedTenant,
  startTestServer,
  TEST_SECRET_KEY_HEX,
  uniqueSuffix,
  type TestDatabase,
} from "@lx/db/testing";
import { startFakeGraph, startFakeOpenAI, type FakeGraph, type FakeOpenAI } from "@lx/sandbox";
import type { TAgentSpec } from "@lx/shared";
import { havenSpec } from "@lx/shared/testing";

import { onCleanup } from "./cleanup.ts";
import { spawnNode, type CpuGroup, type NodeChild } from "./procs.ts";
import { sleep } from "./stats.ts";

export const APP_SECRET = "bench-app-secret";
const VERIFY_TOKEN = "bench-verify-token";

export type Server = { baseUrl: string; template: string; embedded: boolean; version: string; host: string };

/** The PostgreSQL server: DATABASE_URL, else TEST_DATABASE_URL, else an embedded one (stopped at the end). */
export async function openServer(): Promise<Server> {
  const given = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
  const { baseUrl, embedded } = await startTestServer(given);
  if (embedded) {
    onCleanup("embedded PostgreSQL", () => embedded.stop());
  }
  const template = await ensureTemplate(baseUrl);
  const probe = await createTestDatabase(baseUrl, template);
  let version = "?";
  try {
    const rows = await probe.db.$client<{ v: string }[]>`select current_setting('server_version') as v`;
    version = rows[0]?.v ?? "?";
  } finally {
    await probe.drop();
  }
  const u = new URL(baseUrl);
  return {
    baseUrl,
    template,
    embedded: embedded !== undefined,
    version,
    host: u.searchParams.get("host")?.startsWith("/")
      ? `Unix socket ${u.searchParams.get("host") ?? ""}/.s.PGSQL.${u.port || "5432"}`
      : `${u.hostname}:${u.port || "5432"} over TCP`,
  };
}

/** A fresh migrated database, dropped at cleanup (or by the returned drop). */
export async function freshDatabase(
  server: Server,
): Promise<TestDatabase & { dropNow: () => Promise<void> }> {
  // Re-checked for every database: cheap when it exists, and it follows migrations added mid-run.
  const template = await ensureTemplate(server.baseUrl);
  const tdb = await createTestDatabase(server.baseUrl, template);
  const dropNow = onCleanup(`drop database ${tdb.name}`, () => tdb.drop());
  return { ...tdb, dropNow };
}

/** Backends of this database plus PostgreSQL's own background processes (local servers only). */
export function postgresPids(tdb: TestDatabase): () => Promise<number[]> {
  return async () => {
    const rows = await tdb.db.$client<{ pid: number }[]>`
      select pid from pg_stat_activity where datname = current_database() or backend_type <> 'client backend'`;
    return rows.map((r) => r.pid);
  };
}

export type StackOptions = {
  name: string;
  logDir: string;
  workers: number;
  concurrency: number;
  llmLatencyMs: number;
  logLevel: string;
  /** Status callbacks (sent, delivered) from the fake Graph back to the webhook, as Meta does. */
  statuses: boolean;
  /** When set, the API and workers run with `--cpu-prof`, writing `<name>.cpuprofile` here at exit. */
  profileDir?: string;
};

export type Stack = {
  tdb: TestDatabase;
  graph: FakeGraph;
  llm: FakeOpenAI;
  api: NodeChild;
  workers: NodeChild[];
  apiUrl: string;
  webhookUrl: string;
  phoneNumberId: string;
  tenantId: string;
  cpuGroups: () => CpuGroup[];
  stop: () => Promise<void>;
};

export async function startStack(server: Server, o: StackOptions): Promise<Stack> {
  mkdirSync(o.logDir, { recursive: true });
  // One directory per process: Node writes one profile per thread (main, module-loader hooks).
  const prof = (name: string) =>
    o.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${path.join(o.profileDir, name)}`] : [];
  const tdb = await freshDatabase(server);
  const graph = await startFakeGraph({
    statusDelaysMs: o.statuses
      ? { sent: 5, delivered: 20, read: null }
      : { sent: null, delivered: null, read: null },
  });
  const stopGraph = onCleanup("fake Graph", () => graph.stop());
  const llm = await startFakeOpenAI({ latencyMs: o.llmLatencyMs });
  const stopLlm = onCleanup("fake OpenAI", () => llm.stop());

  const tenant = await seedTenant(tdb.db);
  // The Haven agent on the OpenAI provider (pointed at the fake). burstWindowMs 0 (the compiler's
  // default; the Haven fixture waits 3 s to answer bursts together): the benchmark measures the system,
  // not a deliberate debounce.
  const spec: TAgentSpec = {
    ...havenSpec,
    model: { ...havenSpec.model, provider: "openai", name: "gpt-4o-mini" },
    context: { ...havenSpec.context, burstWindowMs: 0 },
  };
  const { agent } = await seedAgent(tdb.db, { tenantId: tenant.id, spec });
  const token = `EAAG-bench-${uniqueSuffix()}`;
  const number = await seedNumber(tdb.db, { tenantId: tenant.id, agentId: agent.id, token });
  graph.setToken(number.phoneNumberId, token);

  // Ports chosen here (not PORT=0 read back from a log line), so any --log-level works.
  const apiPort = await freePort();
  const api = spawnNode(
    `${o.name}-api`,
    "apps/api/src/index.ts",
    {
      DATABASE_URL: tdb.url,
      PORT: String(apiPort),
      META_APP_SECRET: APP_SECRET,
      META_VERIFY_TOKEN: VERIFY_TOKEN,
      LX_SECRET_KEY: TEST_SECRET_KEY_HEX,
      LOG_LEVEL: o.logLevel,
      ...(process.env.WEBHOOK_FLOOD_MS ? { WEBHOOK_FLOOD_MS: process.env.WEBHOOK_FLOOD_MS } : {}),
    },
    path.join(o.logDir, `${o.name}-api.log`),
    prof(`${o.name}-api`),
  );
  const stopApi = onCleanup(`${api.name} process`, () => api.stop());
  const workers: NodeChild[] = [];
  const stopWorkers: (() => Promise<void>)[] = [];
  const metricsPorts: number[] = [];
  for (let i = 0; i < o.workers; i++) {
    metricsPorts.push(await freePort());
  }
  for (let i = 1; i <= o.workers; i++) {
    const w = spawnNode(
      `${o.name}-worker-${i}`,
      "apps/worker/src/index.ts",
      {
        DATABASE_URL: tdb.url,
        LX_SECRET_KEY: TEST_SECRET_KEY_HEX,
        META_GRAPH_URL: graph.url,
        META_API_VERSION: "v23.0",
        LX_LLM: "auto",
        OPENAI_API_KEY: "bench-key",
        OPENAI_BASE_URL: `${llm.url}/v1`,
        WORKER_CONCURRENCY: String(o.concurrency),
        WORKER_METRICS_PORT: String(metricsPorts[i - 1] ?? 0),
        LOG_LEVEL: o.logLevel,
        ...(process.env.WORKER_NICE ? { WORKER_NICE: process.env.WORKER_NICE } : {}),
        ...(process.env.WORKER_FLOOD_RATE ? { WORKER_FLOOD_RATE: process.env.WORKER_FLOOD_RATE } : {}),
      },
      path.join(o.logDir, `${o.name}-worker-${i}.log`),
      prof(`${o.name}-worker-${i}`),
    );
    workers.push(w);
    stopWorkers.push(onCleanup(`${w.name} process`, () => w.stop(20_000)));
  }

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await untilOk(api, `${apiUrl}/readyz`);
  // A worker serves /metrics from the start of its boot; the warm-up then waits for its first answers.
  await Promise.all(workers.map((w, i) => untilOk(w, `http://127.0.0.1:${metricsPorts[i] ?? 0}/metrics`)));
  const webhookUrl = `${apiUrl}/api/webhooks/whatsapp`;
  if (o.statuses) {
    graph.setWebhook({ url: webhookUrl, appSecret: APP_SECRET });
  }

  const pgPids = postgresPids(tdb);
  return {
    tdb,
    graph,
    llm,
    api,
    workers,
    apiUrl,
    webhookUrl,
    phoneNumberId: number.phoneNumberId,
    tenantId: tenant.id,
    cpuGroups: () => [
      { label: "api process", pids: () => [api.pid] },
      ...workers.map((w, i) => ({ label: `worker process ${i + 1}`, pids: () => [w.pid] })),
      { label: "postgres (this database's backends + background)", pids: pgPids },
    ],
    stop: async () => {
      await Promise.all(stopWorkers.map((s) => s()));
      await stopApi();
      await stopLlm();
      await stopGraph();
      await tdb.dropNow();
    },
  };
}

/** Waits until no job is open and no outbox row is waiting (the system is idle). */
export async function waitIdle(tdb: TestDatabase, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await tdb.db.$client<{ jobs: number; sends: number }[]>`
      select (select count(*)::int from message_queue where status in ('queued', 'running')) as jobs,
             (select count(*)::int from outbox_messages where status in ('queued', 'sending')) as sends`;
    const r = rows[0];
    if (r?.jobs === 0 && r.sends === 0) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`system not idle after ${timeoutMs} ms (${r?.jobs} jobs, ${r?.sends} sends open)`);
    }
    await sleep(100);
  }
}


/** Polls `url` until it answers 200 (60 s at most), failing early if the process exited. */
async function untilOk(child: NodeChild, url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      return;
    }
    if (child.child.exitCode !== null) {
      throw new Error(`${child.name} exited (${child.child.exitCode}) before ${url} answered; log: ${child.logFile}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`${child.name}: ${url} not 200 after 60 s; log: ${child.logFile}`);
    }
    await sleep(100);
  }
}

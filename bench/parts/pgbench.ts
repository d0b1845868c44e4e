/**
 * Part 2: the database's ceiling for the webhook's enqueue, measured by pgbench replaying the
 * two-insert transaction (bench/webhook-pgbench.sql) on a fresh database with no workers, and — for
 * information — the API's ingest statement for one message (bench/webhook-ingest-pgbench.sql; the API batches concurrent webhooks into one such statement).
 */
import { spawn } from "node:child_process";
import path from "node:path";

import { seedAgent, seedNumber, seedTenant } from "@lx/db/testing";

import { trackChild } from "../lib/cleanup.ts";
import { CpuMeter, ROOT, type CpuReport } from "../lib/procs.ts";
import { sleep } from "../lib/stats.ts";
import { freshDatabase, postgresPids, type Server } from "../lib/stack.ts";

export type PgbenchRun = {
  script: string;
  command: string;
  tps: number;
  latencyMs: number;
  failed: number;
  cpu: CpuReport | null;
};
export type PgbenchResult = {
  available: boolean;
  reason?: string;
  twoInsert?: PgbenchRun;
  ingest?: PgbenchRun;
};

async function pgbenchVersion(): Promise<string | null> {
  return await new Promise((resolve) => {
    const p = spawn("pgbench", ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.once("error", () => resolve(null));
    p.once("exit", (code) => resolve(code === 0 ? out.trim() : null));
  });
}

async function runPgbench(
  server: Server,
  script: string,
  seconds: number,
  vars: Record<string, string>,
  url: string,
  pgPids: () => Promise<number[]>,
): Promise<PgbenchRun> {
  const args = ["-n", "-c", "32", "-j", "2", "-T", String(seconds), "-f", path.join(ROOT, script)];
  for (const [k, v] of Object.entries(vars)) {
    args.push("-D", `${k}=${v}`);
  }
  args.push(url);
  const child = spawn("pgbench", args, { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const cpu = new CpuMeter([
    { label: "pgbench process", pids: () => (child.pid === undefined ? [] : [child.pid]) },
    { label: "postgres (this database's backends + background)", pids: pgPids },
  ]);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  // CPU is sampled inside the run (pgbench's backends are gone once it exits): from 1 s in to 1 s before the end.
  let report: CpuReport | null = null;
  if (seconds >= 4) {
    await sleep(1_000);
    await cpu.start();
    await sleep((seconds - 2) * 1_000);
    report = await cpu.stop();
  }
  const code = await exited;
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1];
  const lat = /latency average = ([\d.]+) ms/.exec(out)?.[1];
  const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
  if (code !== 0 || !tps) {
    throw new Error(
      `pgbench ${script} failed (exit ${String(code)}):\n${err.slice(-2000)}\n${out.slice(-1000)}`,
    );
  }
  const shown = server.host;
  return {
    script,
    command: `pgbench -n -c 32 -j 2 -T ${seconds} -f ${script} ${Object.keys(vars)
      .map((k) => `-D ${k}=…`)
      .join(" ")} <fresh db on ${shown}>`,
    tps: Number(tps),
    latencyMs: Number(lat ?? Number.NaN),
    failed,
    cpu: report,
  };
}

export async function pgbenchPart(
  server: Server,
  o: { seconds: number; ingest: boolean },
): Promise<PgbenchResult> {
  const version = await pgbenchVersion();
  if (!version) {
    return { available: false, reason: "pgbench is not installed (apt-get install postgresql-client)" };
  }
  const result: PgbenchResult = { available: true };
  for (const script of [
    "bench/webhook-pgbench.sql",
    ...(o.ingest ? ["bench/webhook-ingest-pgbench.sql"] : []),
  ]) {
    const tdb = await freshDatabase(server);
    const tenant = await seedTenant(tdb.db);
    const { agent } = await seedAgent(tdb.db, { tenantId: tenant.id });
    const number = await seedNumber(tdb.db, { tenantId: tenant.id, agentId: agent.id });
    await tdb.db.$client`
      insert into conversations (id, tenant_id, phone_number_id, agent_id, customer_key, customer_wa_id)
      select ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, ${tenant.id}, ${number.id}, ${agent.id},
             '5511960' || lpad(g::text, 6, '0'), '5511960' || lpad(g::text, 6, '0')
      from generate_series(1, 1000) g`;
    await tdb.db.$client`vacuum analyze`;
    const vars = { tenant: tenant.id, pnid: number.phoneNumberId, number: number.id, agent: agent.id };
    const run = await runPgbench(server, script, o.seconds, vars, tdb.url, postgresPids(tdb));
    // Sanity: the transactions really wrote rows.
    const rows = await tdb.db.$client<{ ev: number; jobs: number }[]>`
      select (select count(*)::int from webhook_events) as ev, (select count(*)::int from message_queue) as jobs`;
    if ((rows[0]?.jobs ?? 0) < run.tps) {
      throw new Error(`pgbench ${script}: only ${rows[0]?.jobs} jobs written at ${run.tps} tps`);
    }
    if (script.includes("ingest")) {
      result.ingest = run;
    } else {
      result.twoInsert = run;
    }
    await tdb.dropNow();
  }
  return result;
}

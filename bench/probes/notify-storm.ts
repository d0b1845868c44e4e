/**
 * Worker CPU while the webhook's NOTIFYs arrive and nothing is claimable: one worker process on an
 * empty queue, `rate` NOTIFY lx_jobs per second for 10 s (a busy webhook sends one per ingest batch).
 * `pnpm tsx bench/probes/notify-storm.ts [rate]` — prints the worker's CPU per second.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { connect } from "@lx/db/client";
import { createTestDatabase, ensureTemplate, startTestServer, TEST_SECRET_KEY_HEX } from "@lx/db/testing";

import { spawnNode, waitForLog } from "../lib/procs.ts";

const rate = Math.max(1, Number(process.argv[2] ?? 150));
const { baseUrl } = await startTestServer(process.env.TEST_DATABASE_URL);
const tdb = await createTestDatabase(baseUrl, await ensureTemplate(baseUrl));
const log = path.join("/tmp", `notify-storm-worker.log`);
const w = spawnNode("worker", "apps/worker/src/index.ts", {
  DATABASE_URL: tdb.url,
  LX_SECRET_KEY: TEST_SECRET_KEY_HEX,
  LX_LLM: "offline",
  WORKER_METRICS_PORT: "0",
  WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? "64",
  LOG_LEVEL: "info",
}, log, process.env.PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : []);
await waitForLog(w, /worker ready/, 30_000);
await new Promise((r) => setTimeout(r, 2_000));
const cpu = () => {
  const f = readFileSync(`/proc/${w.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * 10; // ms (100 Hz ticks)
};
const sql = connect(tdb.url, { max: 1 });
const c0 = cpu();
const t0 = Date.now();
let sent = 0;
while (Date.now() - t0 < 10_000) {
  await sql`select pg_notify('lx_jobs', '')`;
  sent++;
  const due = t0 + (sent * 1000) / rate;
  const wait = due - Date.now();
  if (wait > 0) {
    await new Promise((r) => setTimeout(r, wait));
  }
}
const ms = cpu() - c0;
console.log(`${sent} NOTIFYs in ${((Date.now() - t0) / 1000).toFixed(1)} s: worker CPU ${ms} ms = ${(ms / 10).toFixed(0)} ms per s, ${((ms * 1000) / sent).toFixed(0)} µs per NOTIFY`);
await sql.end();
await w.stop();
await tdb.drop();

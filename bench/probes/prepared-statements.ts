/**
 * Probe (not part of `pnpm bench`): what the product's database client costs per query.
 *
 * drizzle-orm's postgres-js driver runs every query through `client.unsafe(query, params)`, and
 * postgres.js's `unsafe()` defaults to `prepare: false`; a parameterized unprepared query is sent
 * "describe first": Parse+Describe+Flush, wait for the parameter types, then Bind+Execute+Sync —
 * two round trips and a parse/plan on every execution (drizzle-orm#6096, cloudflare-docs#33104).
 *
 * `createDb` therefore wraps `unsafe()` to prepare (packages/db/src/client.ts). This replays the
 * webhook's ingest statement for one message (`ingestInboundMessage`) through `createDb` with
 * `prepare: false` and with the default, and prints latency (one at a time) and throughput (10 at a
 * time) with PostgreSQL's CPU per statement.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres tsx bench/probes/prepared-statements.ts
 */
import { closeDb, createDb, type Database } from "@lx/db/client";
import { ingestInboundMessage, type NumberTarget } from "@lx/db/queries";
import { seedAgent, seedNumber, seedTenant } from "@lx/db/testing";

import { installSignalHandlers, runCleanup } from "../lib/cleanup.ts";
import { CpuMeter } from "../lib/procs.ts";
import { freshDatabase, openServer, postgresPids } from "../lib/stack.ts";
import { summarize } from "../lib/stats.ts";

installSignalHandlers();

let n = 0;
function ingest(db: Database, target: NumberTarget) {
  n++;
  return ingestInboundMessage(db, {
    target,
    customer: { waId: String(5511940000000 + (n % 1000)), userId: null, name: "Cliente Probe" },
    metaMessageId: `wamid.probe.${process.pid}.${n}`,
    type: "text",
    body: `probe-${n}`,
    contextId: null,
    sentAt: new Date(),
    answerable: true,
    payload: { message: { text: { body: `probe-${n}` } } },
  });
}

try {
  const server = await openServer();
  const tdb = await freshDatabase(server);
  const tenant = await seedTenant(tdb.db);
  const { agent } = await seedAgent(tdb.db, { tenantId: tenant.id });
  const number = await seedNumber(tdb.db, { tenantId: tenant.id, agentId: agent.id });
  const target: NumberTarget = {
    tenantId: tenant.id,
    numberId: number.id,
    phoneNumberId: number.phoneNumberId,
    agentId: agent.id,
  };
  for (const mode of ["DATABASE_PREPARE=false", "prepared (default)", "DATABASE_PREPARE=false", "prepared (default)"]) {
    const db = createDb(tdb.url, { max: 10, applicationName: "lx-probe", prepare: mode.startsWith("prepared") });
    for (let i = 0; i < 300; i++) {
      await ingest(db, target); // warm-up: connections, JIT, statement cache
    }
    const serial: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      const t0 = performance.now();
      await ingest(db, target);
      serial.push(performance.now() - t0);
    }
    const cpu = new CpuMeter([{ label: "postgres", pids: postgresPids(tdb) }]);
    await cpu.start();
    let done = 0;
    const until = performance.now() + 3_000;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (performance.now() < until) {
          await ingest(db, target);
          done++;
        }
      }),
    );
    const c = await cpu.stop();
    const pg = c.rows.find((r) => r.label === "postgres")?.cpuS ?? null;
    const s = summarize(serial);
    process.stdout.write(
      `${mode.padEnd(30)} one at a time: p50 ${s.p50.toFixed(2)} ms, mean ${s.mean.toFixed(2)} ms · 10 at a time: ${Math.round(done / c.wallS)}/s` +
        `${pg === null ? "" : `, PostgreSQL CPU ${((pg * 1000) / done).toFixed(3)} ms per statement`} · others' CPU ${c.otherS === null ? "n/a" : `${(c.otherS / c.wallS).toFixed(2)} core`}\n`,
    );
    await closeDb(db);
  }
} finally {
  await runCleanup();
}

/**
 * Probe (not part of `pnpm bench`): what a Meta status callback costs the database, one statement
 * per callback (applyStatusUpdate) against the API's group commit (applyStatusUpdates through
 * GroupCommit, as the webhook runs it). Meta sends two or three callbacks per reply, from many
 * servers at once; `pnpm bench --statuses` cannot show this, because there every callback comes from
 * one fake Graph API whose event loop is the bottleneck.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres tsx bench/probes/status-callbacks.ts [concurrency]
 */
import { closeDb, createDb } from "@lx/db/client";
import { GroupCommit } from "@lx/db/group-commit";
import { applyStatusUpdate, applyStatusUpdates, type StatusUpdate } from "@lx/db/queries";
import { seedConversation, seedNumber, seedTenant } from "@lx/db/testing";

import { installSignalHandlers, runCleanup } from "../lib/cleanup.ts";
import { CpuMeter } from "../lib/procs.ts";
import { freshDatabase, openServer, postgresPids } from "../lib/stack.ts";

installSignalHandlers();
const concurrency = Number(process.argv[2] ?? 32);

try {
  const server = await openServer();
  const tdb = await freshDatabase(server);
  const tenant = await seedTenant(tdb.db);
  const number = await seedNumber(tdb.db, { tenantId: tenant.id });
  const conv = await seedConversation(tdb.db, { tenantId: tenant.id, numberId: number.id, waId: "5511900009999" });
  const rows = 60_000;
  await tdb.db.$client`
    insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status, wamid)
    select ${tenant.id}, ${conv.id}, ${number.id}, 'text', '5511900009999', '{}', 'sending', 'wamid.probe.' || g
    from generate_series(1, ${rows}) g`;
  await tdb.db.$client`vacuum analyze outbox_messages`;
  let next = 0;
  const callback = (status: StatusUpdate["status"]): StatusUpdate => ({
    tenantId: tenant.id,
    wamid: `wamid.probe.${(next++ % rows) + 1}`,
    status,
    bizOpaque: null,
    at: new Date(),
    errorCode: null,
    errorMessage: null,
  });
  for (const mode of ["one statement each", "group commit", "one statement each", "group commit"]) {
    // Every round moves sends from "sending" to "delivered", as the first callback of a send does.
    await tdb.db.$client`update outbox_messages set status = 'sending', sent_at = null, delivered_at = null`;
    await tdb.db.$client`vacuum analyze outbox_messages`;
    const db = createDb(tdb.url, { max: 10, applicationName: "lx-probe" });
    const group = new GroupCommit((batch: StatusUpdate[]) => applyStatusUpdates(db, batch));
    const apply = (u: StatusUpdate) => (mode === "group commit" ? group.add(u) : applyStatusUpdate(db, u));
    const status = "delivered" as const;
    for (let i = 0; i < 300; i++) {
      await apply(callback(status)); // warm-up: connections, statement cache
    }
    const cpu = new CpuMeter([{ label: "postgres", pids: postgresPids(tdb) }]);
    await cpu.start();
    let done = 0;
    const until = performance.now() + 3_000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) {
          await apply(callback(status));
          done++;
        }
      }),
    );
    const c = await cpu.stop();
    const pg = c.rows.find((r) => r.label === "postgres")?.cpuS ?? null;
    process.stdout.write(
      `${mode.padEnd(20)} ${concurrency} at a time: ${Math.round(done / c.wallS)} callbacks/s` +
        `${pg === null ? "" : `, PostgreSQL CPU ${((pg * 1000) / done).toFixed(3)} ms per callback`}` +
        `${mode === "group commit" ? `, ${(group.stats.items / Math.max(1, group.stats.batches)).toFixed(1)} per statement` : ""}` +
        ` · others' CPU ${c.otherS === null ? "n/a" : `${(c.otherS / c.wallS).toFixed(2)} core`}\n`,
    );
    await closeDb(db);
  }
} finally {
  await runCleanup();
}

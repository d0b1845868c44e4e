/**
 * Probe (not part of `pnpm bench`): what a customer's export and erasure, and the retention sweep,
 * cost on a tenant with a long history (docs/privacy.md). Builds one tenant with `conversations`
 * conversations spread over 400 days (10 messages, 5 sends and 2 audit events each) beside a second
 * tenant of the same size, then times: one customer's export; the erasure of the newest and of the
 * oldest customer (the tenant-wide reads start at the erased conversation's creation); and a
 * retention window that makes a tenth of the conversations due, swept as the workers do.
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm tsx bench/probes/erasure.ts [conversations]
 */
import { eraseCustomer, eraseExpiredConversations, exportCustomer, setTenantRetention, type AuditActor } from "@lx/db/queries";
import { seedNumber, seedTenant } from "@lx/db/testing";

import { installSignalHandlers, runCleanup } from "../lib/cleanup.ts";
import { CpuMeter } from "../lib/procs.ts";
import { freshDatabase, openServer, postgresPids } from "../lib/stack.ts";

installSignalHandlers();
const conversations = Number(process.argv[2] ?? 20_000);
const actor: AuditActor = { type: "system", label: "probe" };

try {
  const server = await openServer();
  const tdb = await freshDatabase(server);
  const sql = tdb.db.$client;
  const tenants = [];
  for (let i = 0; i < 2; i++) {
    const tenant = await seedTenant(tdb.db);
    const number = await seedNumber(tdb.db, { tenantId: tenant.id });
    tenants.push({ tenant, number });
    // Conversation g was created (400 - 400 g / n) days ago and lasted 10 minutes.
    await sql`
      insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, customer_name, summary,
                                 created_at, last_message_at, last_customer_message_at)
      select ${tenant.id}, ${number.id}, k, k, 'Cliente ' || g, 'Resumo de ' || g, t, t + interval '10 minutes', t + interval '9 minutes'
      from generate_series(1, ${conversations}) g,
           lateral (select '55119' || lpad(g::text, 8, '0') as k,
                           now() - (400 - 400.0 * g / ${conversations}) * interval '1 day' as t) x`;
    await sql`
      insert into messages (tenant_id, conversation_id, direction, author, body, meta_message_id, tokens_in, created_at)
      select c.tenant_id, c.id, case when i % 2 = 0 then 'in' else 'out' end, case when i % 2 = 0 then 'customer' else 'bot' end,
             'mensagem ' || i || ' de ' || c.customer_key, case when i % 2 = 0 then 'wamid.' || c.id || '.' || i end,
             case when i % 2 = 1 then 100 end, c.created_at + i * interval '1 minute'
      from conversations c, generate_series(0, 9) i where c.tenant_id = ${tenant.id}`;
    await sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload, status, created_at)
      select m.tenant_id, m.conversation_id, ${number.id}, m.id, 'text', '5511900000000', jsonb_build_object('text', m.body), 'delivered', m.created_at
      from messages m where m.tenant_id = ${tenant.id} and m.direction = 'out'`;
    await sql`
      insert into audit_events (tenant_id, actor_type, actor_label, type, subject_type, subject_id, data, created_at)
      select c.tenant_id, 'worker', 'w', 'policy.hit', 'conversation', c.id::text, jsonb_build_object('hits', 'x', 'messageId', 1), c.created_at + i * interval '1 minute'
      from conversations c, generate_series(1, 2) i where c.tenant_id = ${tenant.id}`;
  }
  await sql`vacuum analyze`;
  const { tenant } = tenants[0]!;
  const cpu = new CpuMeter([{ label: "postgres", pids: postgresPids(tdb) }]);
  const timed = async <T>(label: string, fn: () => Promise<T>, per?: (r: T) => number) => {
    await cpu.start();
    const started = performance.now();
    const r = await fn();
    const ms = performance.now() - started;
    const c = await cpu.stop();
    const pg = c.rows.find((x) => x.label === "postgres")?.cpuS ?? 0;
    const n = per ? per(r) : 1;
    process.stdout.write(
      `${label.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms` +
        `${n > 1 ? ` (${(ms / n).toFixed(1)} ms each, ${Math.round((n * 1000) / ms)}/s)` : ""}` +
        ` · PostgreSQL CPU ${(pg * 1000).toFixed(0)} ms\n`,
    );
    return r;
  };
  process.stdout.write(
    `${conversations} conversations per tenant × 2 tenants: ${conversations * 20} messages, ${conversations * 10} sends, ${conversations * 4} audit events\n`,
  );
  const newest = `55119${String(conversations).padStart(8, "0")}`;
  const oldest = "5511900000001";
  await timed("export one customer (10 messages)", () => exportCustomer(tdb.db, { tenantId: tenant.id, customer: newest, actor }));
  await timed("erase the newest customer", () => eraseCustomer(tdb.db, { tenantId: tenant.id, customer: newest, actor }));
  await timed("erase the oldest customer (reads the tenant's 400 days)", () => eraseCustomer(tdb.db, { tenantId: tenant.id, customer: oldest, actor }));
  // A window that makes the oldest tenth due (the oldest one is erased already).
  await setTenantRetention(tdb.db, { tenantId: tenant.id, days: 360, actor });
  await timed(
    "retention sweep, one call (batches of 50, up to 500)",
    () => eraseExpiredConversations(tdb.db, { actor }),
    (n) => n,
  );
  await timed(
    "retention sweep, one call, batches of 1 (for comparison)",
    () => eraseExpiredConversations(tdb.db, { actor, batchSize: 1, limit: 100 }),
    (n) => n,
  );
} finally {
  await runCleanup();
}

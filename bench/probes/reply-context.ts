/**
 * Probe (not part of `pnpm bench`): what reading a reply's context costs on a long conversation.
 * Builds conversations of 2,000 and 50,000 messages (customer message, bot reply, in turn; every
 * 10th reply's send failed, every 50th went as the re-engagement template), then EXPLAIN (ANALYZE,
 * BUFFERS) of the context read, with 50,000 other conversations of 10 messages written after each (loadHistory's statement, reply.ts recentTurnsSql: the version's last
 * 20 turns up to the newest customer message) and the timing of the reply jobs' target read
 * (preloadReplyTargets, which reads the same context in its one statement).
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm tsx bench/probes/reply-context.ts [sizes...]
 */
import { seedAgent, seedNumber, seedTenant } from "@lx/db/testing";

import { historySql, preloadReplyTargets } from "../../apps/worker/src/services/reply.ts";
import { installSignalHandlers } from "../lib/cleanup.ts";
import { freshDatabase, openServer } from "../lib/stack.ts";

installSignalHandlers();
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const RECENT = 20;

const server = await openServer();
const tdb = await freshDatabase(server);
const { db } = tdb;
const client = db.$client;
const tenant = await seedTenant(db);
const { agent } = await seedAgent(db, { tenantId: tenant.id });
const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });

for (const size of sizes.length > 0 ? sizes : [2_000, 50_000]) {
  const key = `55119${String(size).padStart(8, "0")}`;
  const [conv] = await client<{ id: string }[]>`
    insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, agent_id, last_customer_message_at)
    values (${tenant.id}, ${number.id}, ${key}, ${key}, ${agent.id}, now()) returning id`;
  const conversationId = conv!.id;
  await client`
    insert into messages (tenant_id, conversation_id, direction, author, body, meta_message_id)
    select ${tenant.id}, ${conversationId}, case when i % 2 = 0 then 'in' else 'out' end,
           case when i % 2 = 0 then 'customer' else 'bot' end, 'mensagem ' || i,
           case when i % 2 = 0 then 'wamid.' || ${conversationId}::text || '.' || i end
    from generate_series(0, ${size - 1}) i order by i`;
  await client`
    update messages o set answers_up_to_id = o.id - 1 where o.conversation_id = ${conversationId} and o.direction = 'out'`;
  await client`
    insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload, status)
    select m.tenant_id, m.conversation_id, ${number.id}, m.id,
           case when r % 50 = 0 then 'template' else 'text' end, ${key},
           case when r % 50 = 0 then '{"template": {"name": "retomada_v1", "language": {"code": "pt_BR"}}}'::jsonb
                else jsonb_build_object('text', m.body) end,
           case when r % 10 = 3 then 'failed' else 'delivered' end
    from (select m.*, row_number() over (order by m.id) as r from messages m
          where m.conversation_id = ${conversationId} and m.direction = 'out') m`;
  // Other conversations written after it (other customers of the tenant), so the conversation is
  // not the end of the messages table and not most of it: 50,000 conversations of 10 messages.
  await client`
    insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, agent_id)
    select ${tenant.id}, ${number.id}, ${key} || '-' || g, ${key} || '-' || g, ${agent.id} from generate_series(1, 50000) g`;
  await client`
    insert into messages (tenant_id, conversation_id, direction, author, body)
    select c.tenant_id, c.id, case when i % 2 = 0 then 'in' else 'out' end, case when i % 2 = 0 then 'customer' else 'bot' end, 'outra ' || i
    from generate_series(0, 9) i, conversations c where c.customer_key like ${`${key}-%`} order by i, c.id`;
  await client`vacuum analyze messages`;
  await client`vacuum analyze outbox_messages`;
  const [last] = await client<{ id: string }[]>`
    select max(id)::text as id from messages where conversation_id = ${conversationId} and direction = 'in'`;
  const upTo = Number(last!.id);
  // drizzle-orm is not a dependency of the bench: the statement is compiled by the database object.
  const q = (db as unknown as { dialect: { sqlToQuery: (s: unknown) => { sql: string; params: unknown[] } } }).dialect.sqlToQuery(
    historySql(conversationId, upTo, RECENT),
  );
  process.stdout.write(`\n== ${size} messages: context read (loadHistory) ==\n`);
  // Twice: the first reads the index pages the inserts of the other conversations pushed out.
  for (const run of ["cold", "warm"]) {
    const plan = await client.unsafe<{ "QUERY PLAN": string }[]>(`explain (analyze, buffers, costs off) ${q.sql}`, q.params as never[]);
    const lines = plan.map((r) => r["QUERY PLAN"]);
    const top = lines.find((l) => /Buffers:/.test(l)) ?? "";
    const sorts = lines.filter((l) => /Sort Method/.test(l)).map((l) => l.trim());
    const exec = lines.find((l) => l.startsWith("Execution Time")) ?? "";
    process.stdout.write(`${run}: ${exec}; ${top.trim()}; sorts: ${sorts.join(", ")}\n`);
    if (process.env.PLAN && run === "warm") {
      process.stdout.write(`${lines.join("\n")}\n`);
    }
  }
  const rows = await client.unsafe<{ author: string; body: string }[]>(q.sql, q.params as never[]);
  process.stdout.write(`turns read: ${rows.length}, first: ${rows[0]?.body}, last: ${rows.at(-1)?.body}\n`);
  const job = { id: 1, tenantId: tenant.id, conversationId, task: "conversation.reply", payload: {}, attempts: 1, maxAttempts: 5, messageId: upTo };
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const started = performance.now();
    await preloadReplyTargets(db, [job]);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(`target read (preloadReplyTargets, with the context): median ${times[7]!.toFixed(2)} ms, min ${times[0]!.toFixed(2)} ms\n`);
}
await tdb.dropNow();
process.exit(0);

/**
 * Probe (not part of `pnpm bench`): what the inbox's search costs on a large tenant.
 *
 * The inbox's search box (`listConversations` with `search`, packages/db/src/queries/conversations.ts)
 * matches the customer's name, their number / user id, or the last message's text, and counts the
 * matches per mode for the chips. This builds one tenant with `conversations` conversations (8
 * messages each, every tenth ending with an internal note that the search must skip) beside a second
 * tenant of a quarter the size with the same names and texts, then times the searches people type —
 * a name prefix, a rare name, part of a phone number, a word of a message, a rare and a common term —
 * through the product's own function (list page + chip counts, the inbox's one call), and prints the
 * plan of each statement it ran (EXPLAIN (ANALYZE, BUFFERS)) for the slowest search with `--explain`
 * (`--explain=TERM`: for that one).
 *
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm tsx bench/probes/inbox-search.ts [conversations] [--explain[=TERM]]
 */
import type { Executor } from "@lx/db/client";
import { listConversations } from "@lx/db/queries";
import { seedNumber, seedTenant } from "@lx/db/testing";

import { installSignalHandlers, runCleanup } from "../lib/cleanup.ts";
import { freshDatabase, openServer } from "../lib/stack.ts";
import { summarize } from "../lib/stats.ts";

type SQL = Parameters<Executor["execute"]>[0];

installSignalHandlers();
const args = process.argv.slice(2);
const conversations = Number(args.find((a) => /^\d+$/.test(a)) ?? 60_000);
/** `--explain`: print the plans of the slowest search; `--explain=TERM`: of that term. */
const explainArg = args.find((a) => a.startsWith("--explain"));
const explainTerm = explainArg?.includes("=") ? explainArg.slice(explainArg.indexOf("=") + 1) : null;

const FIRST = [
  "Maria", "Ana", "João", "José", "Carlos", "Paulo", "Pedro", "Lucas", "Luiz", "Marcos",
  "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo", "Felipe", "Raimundo", "Rodrigo", "Manoel",
  "Antônia", "Francisca", "Adriana", "Juliana", "Márcia", "Fernanda", "Patrícia", "Aline", "Sandra", "Camila",
  "Amanda", "Bruna", "Jéssica", "Letícia", "Júlia", "Luciana", "Vanessa", "Mariana", "Gabriela", "Vera",
];
const LAST = [
  "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
  "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa",
];
const CUSTOMER = [
  "Oi, tudo bem?", "Quero marcar uma consulta", "Vocês abrem no sábado?", "Qual o valor da limpeza?",
  "Preciso remarcar para semana que vem", "Obrigado!", "Pode ser às 15h?", "Aceitam convênio?",
  "Onde fica a clínica?", "Tenho dor no dente do fundo", "ok", "Perfeito, obrigada",
];
const BOT = [
  "Olá! Como posso ajudar?", "Claro, temos horários na quinta e na sexta.", "A limpeza custa R$ 180.",
  "Atendemos de segunda a sábado, das 8h às 18h.", "Consulta confirmada. Até lá!", "Obrigado pelo contato!",
  "Aceitamos os principais convênios.", "Estamos na Rua Augusta, 1500.",
];

const searches: [label: string, term: string][] = [
  ["name prefix (common)", "Mari"],
  ["name (rare)", "Joaquina"],
  ["part of a phone number", "98765"],
  ["word of many last messages", "confirmada"],
  ["word of earlier messages only", "remarcar"],
  ["rare term (a protocol number)", "protocolo"],
  ["common term", "obrigad"],
  ["no match at all", "xilofone"],
];

/** An executor that runs each statement (its transactions' too) under EXPLAIN (ANALYZE, BUFFERS), keeping the plans. */
function explaining(db: Executor, out: string[]): Executor {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "transaction") {
        return (fn: (tx: Executor) => Promise<unknown>) => target.transaction((tx) => fn(explaining(tx, out)));
      }
      if (prop === "execute") {
        return async (query: SQL) => {
          const q = (target as unknown as { dialect: { sqlToQuery: (s: SQL) => { sql: string; params: unknown[] } } }).dialect.sqlToQuery(query);
          // The pool's or the open transaction's postgres.js client (drizzle's session holds it).
          const client = (target as unknown as { session: { client: { unsafe: (s: string, p: unknown[]) => Promise<Record<string, string>[]> } } }).session.client;
          const plan = await client.unsafe(`explain (analyze, buffers) ${q.sql}`, q.params);
          out.push(plan.map((r) => r["QUERY PLAN"]).join("\n"));
          return await (target.execute as (s: SQL) => Promise<unknown>)(query);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

try {
  const server = await openServer();
  const tdb = await freshDatabase(server);
  const sql = tdb.db.$client;
  const tenants = [];
  const started = performance.now();
  for (const [i, size] of [conversations, Math.ceil(conversations / 4)].entries()) {
    const tenant = await seedTenant(tdb.db);
    const number = await seedNumber(tdb.db, { tenantId: tenant.id });
    tenants.push(tenant);
    // Conversation g: a name from the lists (every 5,000th a "Joaquina"), a distinct number, a mode,
    // and activity spread over the last 90 days (g newest last).
    await sql`
      insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, customer_name, mode,
                                 created_at, last_message_at, last_customer_message_at)
      select ${tenant.id}, ${number.id}, k, k,
             case when g % 5000 = 7 then 'Joaquina ' else (${FIRST}::text[])[1 + g % ${FIRST.length}] || ' ' end
               || (${LAST}::text[])[1 + (g / ${FIRST.length}) % ${LAST.length}],
             (array['bot', 'bot', 'bot', 'bot', 'bot', 'bot', 'closed', 'closed', 'human', 'pending_human'])[1 + g % 10],
             t, t + interval '10 minutes', t + interval '9 minutes'
      from generate_series(1, ${size}) g,
           lateral (select '55' || (11 + g % 80)::text || '9' || lpad(((g::bigint * 7919 + ${i}) % 100000000)::text, 8, '0') as k,
                           now() - (90 - 90.0 * g / ${size}) * interval '1 day' as t) x`;
    // 8 messages each, alternating customer and bot; every 10,000th conversation's last message names a
    // protocol number, and every tenth conversation ends with a note (the search reads the message before).
    await sql`
      insert into messages (tenant_id, conversation_id, direction, author, type, body, created_at)
      select c.tenant_id, c.id,
             case when i % 2 = 0 then 'in' else 'out' end, case when i % 2 = 0 then 'customer' else 'bot' end, 'text',
             case when i % 2 = 0 then (${CUSTOMER}::text[])[1 + (h + i) % ${CUSTOMER.length}]
                  else (${BOT}::text[])[1 + (h + i) % ${BOT.length}] end
               || case when i = 7 and h % 10000 = 3 then ' (protocolo ZK4471)' else '' end,
             c.created_at + i * interval '1 minute'
      from (select c.*, abs(hashtext(c.id::text)) as h from conversations c where c.tenant_id = ${tenant.id}) c,
           generate_series(0, 7) i`;
    await sql`
      insert into messages (tenant_id, conversation_id, direction, author, type, body, created_at)
      select c.tenant_id, c.id, 'out', 'system', 'note', 'nota interna: cliente pediu para remarcar, obrigado', c.created_at + interval '9 minutes'
      from conversations c where c.tenant_id = ${tenant.id} and abs(hashtext(c.id::text)) % 10 = 0`;
  }
  await sql`vacuum analyze`;
  const [{ n: messages } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from messages`;
  process.stdout.write(
    `PostgreSQL ${server.version} (${server.host}) · ${conversations} conversations + a second tenant of ${Math.ceil(conversations / 4)}, ` +
      `${messages} messages · seeded in ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
  );
  const tenantId = tenants[0]!.id;
  const rows: { label: string; term: string; p50: number; max: number }[] = [];
  for (const [label, term] of searches) {
    const times: number[] = [];
    let page = await listConversations(tdb.db, { tenantId, search: term, limit: 50 });
    for (let k = 0; k < 7; k++) {
      const t0 = performance.now();
      page = await listConversations(tdb.db, { tenantId, search: term, limit: 50 });
      times.push(performance.now() - t0);
    }
    const s = summarize(times);
    rows.push({ label, term, p50: s.p50, max: s.max });
    const counts = Object.entries(page.counts)
      .map(([m, n]) => `${m} ${n}`)
      .join(", ");
    process.stdout.write(
      `${`${label} "${term}"`.padEnd(44)} p50 ${s.p50.toFixed(1).padStart(7)} ms, max ${s.max.toFixed(1).padStart(7)} ms · ` +
        `${page.items.length}${page.nextCursor ? "+" : ""} listed · counts ${counts}\n`,
    );
  }
  if (explainArg) {
    const slowest = rows.find((r) => r.term === explainTerm) ?? rows.reduce((a, b) => (b.p50 > a.p50 ? b : a));
    const plans: string[] = [];
    await listConversations(explaining(tdb.db, plans), { tenantId, search: slowest.term, limit: 50 });
    process.stdout.write(`\nEXPLAIN (ANALYZE, BUFFERS) of "${slowest.term}" (${slowest.label}):\n`);
    for (const [k, plan] of plans.entries()) {
      process.stdout.write(`-- statement ${k + 1} of ${plans.length}\n${plan}\n`);
    }
  }
} finally {
  await runCleanup();
}

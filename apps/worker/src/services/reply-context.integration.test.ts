import { sql, type SQL } from "drizzle-orm";
import { describe, expect } from "vitest";

import { asSentBody, lastSendJoin, sendReachedCustomer } from "@lx/db/queries";
import { dbTest as test, seedConversation, seedNumber, seedTenant } from "@lx/db/testing";

import { recentTurnsSql } from "./reply.ts";

/**
 * The context's rules as the whole conversation, sorted, reads them: what recentTurnsSql did before it
 * learned to read only the end of the conversation. The oracle for the walk.
 */
function wholeConversationTurns(conversation: SQL, upTo: SQL, limit: SQL, asOf: boolean): SQL {
  const outs = asOf ? sql`o.direction = 'out' and coalesce(o.answers_up_to_id, o.id) < ${upTo}` : sql`o.direction = 'out'`;
  return sql`
    select s.id, s.author, ${asSentBody("s")} as body, s.pos, s.sub
    from (
      select o.id, o.author, o.body, o.type, o.direction, coalesce(o.answers_up_to_id, o.id) as pos,
             case when o.answers_up_to_id is null then 0 else 1 end as sub
      from messages o
      where o.conversation_id = ${conversation} and (${outs} or o.id <= ${upTo})
    ) s
    ${lastSendJoin("s")}
    where ${sendReachedCustomer}
    order by s.pos desc, s.sub desc, s.id desc
    limit ${limit}`;
}

/** A deterministic pseudo-random sequence (a test that fails must fail again). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

describe("the reply context reads only the end of the conversation, with the same turns", () => {
  test("the latest turns up to a message, in conversation order, are those of the whole conversation sorted — whatever the limit, replayed or not", async ({
    db,
  }) => {
    const tenant = await seedTenant(db);
    const number = await seedNumber(db, { tenantId: tenant.id });
    const conversations = [];
    for (let i = 0; i < 3; i++) {
      conversations.push(await seedConversation(db, { tenantId: tenant.id, numberId: number.id }));
    }
    const rand = random(7);
    const ins = new Map<string, number[]>(conversations.map((c) => [c.id, []]));
    // 3 conversations written at once (their ids interleave): customer messages, bot replies to one
    // of the last three of them (so a reply may come after a later message: m1, m2, r1), human
    // messages and the model's notes; sends of every outcome, some as the re-engagement template.
    for (let i = 0; i < 360; i++) {
      const c = conversations[Math.floor(rand() * conversations.length)]!;
      const mine = ins.get(c.id)!;
      const r = rand();
      if (r < 0.4 || mine.length === 0) {
        const [m] = await db.execute<{ id: number }>(sql`
          insert into messages (tenant_id, conversation_id, direction, author, body)
          values (${tenant.id}, ${c.id}, 'in', 'customer', ${`cliente ${i}`}) returning id`);
        mine.push(Number(m!.id));
        continue;
      }
      const answers = r < 0.8 ? mine[Math.max(0, mine.length - 1 - Math.floor(rand() * 3))]! : null;
      const author = answers !== null ? "bot" : r < 0.9 ? "human" : "bot";
      const type = answers === null && r >= 0.9 ? "note" : "text";
      const [m] = await db.execute<{ id: number }>(sql`
        insert into messages (tenant_id, conversation_id, direction, author, type, body, answers_up_to_id)
        values (${tenant.id}, ${c.id}, 'out', ${author}, ${type}, ${`${author} ${i}`}, ${answers}) returning id`);
      if (type === "note") {
        continue;
      }
      const status = ["delivered", "read", "sent", "queued", "failed", "blocked", "dead", "cancelled", "ambiguous"][Math.floor(rand() * 9)]!;
      const template = rand() < 0.15;
      await db.execute(sql`
        insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload, status)
        values (${tenant.id}, ${c.id}, ${number.id}, ${m!.id}, ${template ? "template" : "text"}, '5511900000000',
                ${JSON.stringify(template ? { template: { name: "retomada_v1", language: { code: "pt_BR" } } } : { text: "x" })}::jsonb, ${status})`);
    }
    let compared = 0;
    for (const c of conversations) {
      const mine = ins.get(c.id)!;
      for (const upTo of mine.filter((_, i) => i % 4 === 0 || i === mine.length - 1)) {
        for (const limit of [1, 2, 3, 7, 500]) {
          for (const asOf of [false, true]) {
            const args = [sql`${c.id}::uuid`, sql`${upTo}::bigint`, sql`${limit}::int`] as const;
            const walked = await db.execute(recentTurnsSql(...args, asOf));
            const sorted = await db.execute(wholeConversationTurns(...args, asOf));
            expect(walked, `conversation ${c.id} up to ${upTo}, limit ${limit}, asOf ${asOf}`).toEqual(sorted);
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(300);
  });
});

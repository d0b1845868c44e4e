import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import type { Database } from "../client.ts";
import { dbTest as test, seedTenant } from "../testing/index.ts";
import { insertAuditEvent, listAuditEvents, type AuditActor } from "./audit.ts";

const USER_ID = "5b0c7a52-9d51-4c4e-8a57-0d7e0f1f2a3b";

/** One event per actor in a fresh tenant; returns the labels listed for a filter, sorted. */
async function seedActors(db: Database) {
  const tenant = await seedTenant(db);
  const actors: AuditActor[] = [
    { type: "user", id: USER_ID, label: "ana.souza@haven.test" },
    { type: "user", label: "cliente@haven.test" },
    { type: "user", label: "bruno_100%@haven.test" },
    { type: "cli", label: "cli" },
    { type: "system", label: "system" },
    { type: "meta", label: "meta" },
    { type: "worker", label: "scheduler" },
    { type: "worker", label: "host-1-ab12cd" },
  ];
  for (const actor of actors) {
    await insertAuditEvent(db, { tenantId: tenant.id, actor, type: "test.actor" });
  }
  return async (actor: string) =>
    (await listAuditEvents(db, { tenantId: tenant.id, actor, limit: 100 })).items
      .map((e) => e.actorLabel)
      .sort();
}

describe("listAuditEvents: the actor filter", () => {
  test("matches an e-mail whatever its case, and by its start", async ({ db }) => {
    const labels = await seedActors(db);
    expect(await labels("Ana.Souza@Haven.TEST")).toEqual(["ana.souza@haven.test"]);
    expect(await labels("ana")).toEqual(["ana.souza@haven.test"]);
    expect(await labels("ANA.SOUZA@")).toEqual(["ana.souza@haven.test"]);
    // The start, not anywhere inside: "haven.test" is no one's start.
    expect(await labels("haven.test")).toEqual([]);
    expect(await labels("host-1")).toEqual(["host-1-ab12cd"]);
  });

  test("matches the platform's own actors whole: 'cli' is the CLI, not 'cliente@…'", async ({ db }) => {
    const labels = await seedActors(db);
    expect(await labels("cli")).toEqual(["cli"]);
    expect(await labels("CLI")).toEqual(["cli"]);
    expect(await labels("System")).toEqual(["system"]);
    expect(await labels("meta")).toEqual(["meta"]);
    expect(await labels("scheduler")).toEqual(["scheduler"]);
    expect(await labels("clie")).toEqual(["cliente@haven.test"]);
  });

  test("matches an actor id, and takes LIKE's wildcards literally", async ({ db }) => {
    const labels = await seedActors(db);
    expect(await labels(USER_ID.toUpperCase())).toEqual(["ana.souza@haven.test"]);
    expect(await labels("%")).toEqual([]);
    expect(await labels("_")).toEqual([]);
    expect(await labels("bruno_100%")).toEqual(["bruno_100%@haven.test"]);
  });

  test("each form is an index range, not a read of the whole table", async ({ db }) => {
    await seedActors(db);
    await db.execute(sql`analyze audit_events`);
    const plan = async (where: ReturnType<typeof sql>) => {
      const rows = await db.transaction(async (tx) => {
        await tx.execute(sql`set local enable_seqscan = off`);
        return tx.execute<{ "QUERY PLAN": string }>(sql`explain select id from audit_events where ${where}`);
      });
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    };
    expect(await plan(sql`lower(actor_label) like ${"ana%"}`)).toMatch(
      /audit_events_actor_label_created_idx[\s\S]*Index Cond: \(\(lower\(actor_label\) ~>=~ 'ana'::text\)/,
    );
    expect(await plan(sql`lower(actor_label) = ${"cli"}`)).toMatch(
      /audit_events_actor_label_created_idx[\s\S]*Index Cond: \(lower\(actor_label\) = 'cli'::text\)/,
    );
    expect(await plan(sql`actor_id = ${USER_ID}`)).toMatch(/audit_events_actor_id_created_idx/);
  });
});

describe("listAuditEvents: the time range", () => {
  test("'to' includes its whole millisecond: created_at has microseconds", async ({ db }) => {
    const tenant = await seedTenant(db);
    for (const at of [
      "2026-11-27 06:47:00.000000+00",
      "2026-11-27 06:47:59.999500+00",
      "2026-11-27 06:48:00.000000+00",
    ]) {
      await db.execute(sql`
        insert into audit_events (tenant_id, actor_type, actor_label, type, created_at)
        values (${tenant.id}, 'system', 'system', 'test.time', ${at}::timestamptz)`);
    }
    const page = await listAuditEvents(db, {
      tenantId: tenant.id,
      from: new Date("2026-11-27T06:47:00.000Z"),
      to: new Date("2026-11-27T06:47:59.999Z"),
      limit: 100,
    });
    expect(page.items.map((e) => e.createdAt.toISOString())).toEqual([
      "2026-11-27T06:47:59.999Z",
      "2026-11-27T06:47:00.000Z",
    ]);
  });
});

import { sql } from "drizzle-orm";
import { onTestFinished } from "vitest";

import { closeDb, createDb, type CreateDbOptions, type Database } from "@lx/db/client";
import { messageQueue } from "@lx/db/schema";
import { seedNumber, seedTenant } from "@lx/db/testing";

import { testLogger } from "../testing/logger.ts";
import { JobRunner, type JobHandler } from "./runner.ts";

/** The queue tests' harness: `test.log` jobs on a tenant's conversations, and runners of their own. */

/** N conversations of one tenant, and the `test_log` table where handlers log what ran when (DB clock). */
export async function setup(db: Database, conversations: number) {
  const tenant = await seedTenant(db);
  const number = await seedNumber(db, { tenantId: tenant.id });
  const convs: string[] = [];
  for (let i = 0; i < conversations; i++) {
    const rows = await db.execute<{ id: string }>(sql`
      insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id)
      values (${tenant.id}, ${number.id}, ${`55119${String(i).padStart(8, "0")}`}, ${`55119${String(i).padStart(8, "0")}`})
      returning id`);
    const id = rows[0]?.id;
    if (!id) {
      throw new Error("setup: no conversation row");
    }
    convs.push(id);
  }
  await db.execute(sql`
    create table if not exists test_log (
      job_id bigint, conversation_id uuid, seq int, attempt int, worker text,
      started timestamptz, finished timestamptz default clock_timestamp())`);
  return { tenant, convs };
}

/** A `test.log` job (payload `{ seq, ...payload }`), optionally with attempts already spent. */
export async function enqueue(
  db: Database,
  tenantId: string,
  conversationId: string | null,
  seq: number,
  o: { payload?: Record<string, unknown>; attempts?: number; maxAttempts?: number } = {},
) {
  const [row] = await db
    .insert(messageQueue)
    .values({
      tenantId,
      conversationId,
      task: "test.log",
      payload: { seq, ...o.payload },
      attempts: o.attempts ?? 0,
      maxAttempts: o.maxAttempts ?? 3,
    })
    .returning({ id: messageQueue.id });
  if (!row) {
    throw new Error("enqueue: no job row");
  }
  return row.id;
}

/** A runner on a pool of its own, stopped and closed when the test ends. */
export function runnerOn(
  url: string,
  handler: JobHandler,
  over: Partial<ConstructorParameters<typeof JobRunner>[0]> = {},
  pool: Omit<CreateDbOptions, "max"> = {},
): Promise<JobRunner> {
  const db = createDb(url, { max: 12, ...pool });
  const runner = new JobRunner({
    db,
    logger: testLogger(),
    workerId: `w-${Math.random().toString(36).slice(2, 8)}`,
    handlers: { "test.log": handler },
    concurrency: 8,
    leaseMs: 5_000,
    pollMs: 50,
    reapEveryMs: 100,
    ...over,
  });
  onTestFinished(async () => {
    await runner.stop(1_000);
    await closeDb(db);
  });
  return Promise.resolve(runner);
}

/** Polls until `predicate` holds (the queue's state lives in the database). */
export async function waitUntil(db: Database, predicate: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error("timed out waiting for the queue");
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

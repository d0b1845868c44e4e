import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import type postgres from "postgres";

import { sql } from "drizzle-orm";

import { connect, type Database } from "./client.ts";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../migrations", import.meta.url));

type Journal = { entries: { idx: number; tag: string; when: number }[] };

export function migrationJournal(): Journal {
  return JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, "utf8")) as Journal;
}

/** Advisory-lock key so that two processes starting together never migrate at once. */
const MIGRATION_LOCK = 7_210_001;

/**
 * Applies pending migrations with drizzle's migrator, under an advisory lock on one dedicated
 * connection. Returns how many were applied.
 */
export async function runMigrations(url: string): Promise<{ applied: number; total: number }> {
  const client = connect(url, { max: 1, onnotice: () => undefined });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      const before = await appliedCount(client);
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
      const after = await appliedCount(client);
      return { applied: after - before, total: migrationJournal().entries.length };
    } finally {
      await client`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}

async function appliedCount(client: postgres.Sql): Promise<number> {
  // Two statements: a query naming a table that does not exist fails at parse time.
  const [exists] = await client<{ t: string | null }[]>`select to_regclass('drizzle.__drizzle_migrations')::text as t`;
  if (!exists?.t) {
    return 0;
  }
  const [row] = await client<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
  return row?.n ?? 0;
}

/** For /readyz: how many committed migrations the database has not applied yet. */
let journalLength: number | undefined;

export async function pendingMigrations(db: Database): Promise<number> {
  journalLength ??= migrationJournal().entries.length;
  const exists = await db.execute<{ t: string | null }>(
    sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`,
  );
  if (!exists[0]?.t) {
    return journalLength;
  }
  const rows = await db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return Math.max(0, journalLength - (rows[0]?.n ?? 0));
}

import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { closeDb, connect, createDb, type Database } from "../client.ts";
import { startEmbeddedPostgres, type EmbeddedServer } from "../embedded.ts";
import { MIGRATIONS_FOLDER, runMigrations } from "../migrate.ts";

/**
 * Test databases: the real migrations are applied once into a template database whose name carries
 * a hash of the migration files, and every test file clones it (CREATE DATABASE … TEMPLATE), so
 * files run in parallel on real PostgreSQL without seeing each other's rows.
 */

export function migrationsHash(): string {
  const h = createHash("sha256");
  for (const f of readdirSync(MIGRATIONS_FOLDER).filter((n) => n.endsWith(".sql")).sort()) {
    h.update(f).update(readFileSync(path.join(MIGRATIONS_FOLDER, f)));
  }
  return h.digest("hex").slice(0, 12);
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Ensures the migrated template exists on the server at `baseUrl`; returns its name. */
export async function ensureTemplate(baseUrl: string): Promise<string> {
  const name = `lx_template_${migrationsHash()}`;
  const admin = connect(baseUrl, { max: 1, onnotice: () => undefined });
  try {
    // Serialise concurrent test runs against one server.
    await admin`select pg_advisory_lock(7210002)`;
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!exists) {
      const building = `${name}_build_${randomBytes(3).toString("hex")}`;
      await admin.unsafe(`create database "${building}"`);
      await runMigrations(withDatabase(baseUrl, building));
      await admin.unsafe(`alter database "${building}" rename to "${name}"`);
    }
    await admin`select pg_advisory_unlock(7210002)`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  return name;
}

export type TestDatabase = { url: string; name: string; db: Database; drop: () => Promise<void> };

/** A fresh database cloned from the migrated template. */
export async function createTestDatabase(baseUrl: string, template: string): Promise<TestDatabase> {
  const name = `lx_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = connect(baseUrl, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`create database "${name}" template "${template}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = withDatabase(baseUrl, name);
  const db = createDb(url, { max: 8, applicationName: "lx-test" });
  return {
    url,
    name,
    db,
    drop: async () => {
      await closeDb(db);
      const a = connect(baseUrl, { max: 1, onnotice: () => undefined });
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end({ timeout: 5 });
      }
    },
  };
}

/**
 * The server tests run against: TEST_DATABASE_URL when given (CI: the machine's PostgreSQL), else an
 * embedded PostgreSQL in a temporary directory that is removed when stopped.
 */
export async function startTestServer(
  testDatabaseUrl: string | undefined,
): Promise<{ baseUrl: string; embedded?: EmbeddedServer }> {
  if (testDatabaseUrl) {
    return { baseUrl: testDatabaseUrl };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(os.tmpdir(), `lx-test-pg-${process.pid}-${randomBytes(3).toString("hex")}`),
    persistent: false,
  });
  return { baseUrl: embedded.url, embedded };
}

import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import postgres from "postgres";
import { expect, test } from "vitest";

import { startEmbeddedPostgres } from "./embedded.ts";
import { migrationJournal, runMigrations } from "./migrate.ts";

// The path a fresh laptop takes: no DATABASE_URL, so `pnpm start` boots the embedded server.
test("the embedded PostgreSQL boots from an empty directory and takes every migration", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "lx-embedded-"));
  // mkdtemp makes a 0700 directory; as root the server runs as the `postgres` user, which must reach it.
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, "pg"), persistent: true });
  try {
    const first = await runMigrations(server.url);
    expect(first.applied).toBe(migrationJournal().entries.length);
    expect((await runMigrations(server.url)).applied).toBe(0);
    const sql = postgres(server.url, { max: 1 });
    try {
      const tables = await sql<{ t: string }[]>`
        select table_name as t from information_schema.tables where table_schema = 'public' order by 1`;
      expect(tables.map((r) => r.t)).toEqual(
        expect.arrayContaining(["tenants", "agent_versions", "message_queue", "outbox_messages", "audit_events"]),
      );
    } finally {
      await sql.end();
    }
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

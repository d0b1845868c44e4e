import { execFile } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";

import { count, eq, sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import { connect, connectionTarget, createDb, isConnectionLoss, type Database } from "./client.ts";
import { listenWithRetry } from "./notifier.ts";
import { auditEvents } from "./schema/index.ts";
import { dbTest as test } from "./testing/index.ts";

const sqlRaw = (q: string) => sql.raw(q);

/** A local TCP port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A real error of a statement whose backend is terminated while it runs (what a restart does). */
async function lostConnectionError(db: Database, run: (sql: string) => Promise<unknown>): Promise<unknown> {
  const marker = `select pg_sleep(30) /* ${Math.random().toString(36).slice(2)} */`;
  const pending = run(marker).then(
    () => new Error("the statement was not interrupted"),
    (err: unknown) => err,
  );
  for (let i = 0; i < 500; i++) {
    const [hit] = await db.$client`select pg_terminate_backend(pid) as ok from pg_stat_activity where query = ${marker}`;
    if (hit?.ok) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10)); // until the statement has reached the server
  }
  return await pending;
}

describe("connections that fail", () => {
  test("isConnectionLoss: a terminated backend is a lost connection, through postgres.js and through drizzle; a refused statement is not", async ({ db, dbUrl }) => {
    const other = createDb(dbUrl, { max: 1, applicationName: "lx-test-lost" });
    onTestFinished(() => other.$client.end({ timeout: 1 }));
    const raw = await lostConnectionError(db, (q) => other.$client.unsafe(q));
    expect(isConnectionLoss(raw)).toBe(true);
    const wrapped = await lostConnectionError(db, (q) => other.execute(sqlRaw(q)));
    expect(isConnectionLoss(wrapped)).toBe(true);
    const refused = await other.execute(sqlRaw("select 1/0")).then(() => null, (err: unknown) => err);
    expect(refused).toBeInstanceOf(Error);
    expect(isConnectionLoss(refused)).toBe(false);
    // Another client's network error (an LLM server down) carries no SQLSTATE: not the database's.
    expect(isConnectionLoss(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(false);
    const llmDown = await fetch(`http://127.0.0.1:${await closedPort()}/v1/chat/completions`).then(() => null, (err: unknown) => err);
    expect(llmDown).toBeInstanceOf(Error);
    expect(isConnectionLoss(llmDown)).toBe(false);
  });

  test("isConnectionLoss: a database that cannot be reached (down for a restart: refused over TCP, no Unix socket file) is a lost connection", async () => {
    // A job whose pool reconnects while the server is still down failed with these, which spent an
    // attempt (and, on the last one, dead-lettered the customer's message) at every restart.
    const urls = [
      `postgres://postgres@127.0.0.1:${await closedPort()}/postgres`,
      "postgres://postgres@localhost/postgres?host=/nonexistent-lx-socket-dir",
    ];
    for (const url of urls) {
      const down = createDb(url, { max: 1 });
      onTestFinished(() => down.$client.end({ timeout: 1 }));
      const raw = await down.$client`select 1`.then(() => null, (err: unknown) => err);
      const wrapped = await down.execute(sqlRaw("select 1")).then(() => null, (err: unknown) => err);
      expect([url, isConnectionLoss(raw), isConnectionLoss(wrapped)]).toEqual([url, true, true]);
    }
  });


  test("a connection whose array-types query fails leaves no unhandled rejection behind (patched postgres.js)", async ({ dbUrl }) => {
    // postgres.js fetches the array types as the first statement of every connection and dropped
    // that promise: when the query failed (the backend terminated or cancelled at that moment) the
    // rejection had no handler and Node ended the process (porsager/postgres#1192, #1205, #1223;
    // patches/postgres@3.4.7.patch). A 1 ms statement_timeout at connect makes the query fail.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    onTestFinished(() => void process.off("unhandledRejection", onUnhandled));
    for (let i = 0; i < 10; i++) {
      const sql = connect(dbUrl, { max: 1, onnotice: () => undefined, connection: { statement_timeout: 1 } });
      await sql`select 1`.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 10)); // an unhandled rejection is reported after the tick
      await sql.end({ timeout: 1 });
    }
    expect(unhandled).toEqual([]);
  });

  test("a write queued on a connection whose socket is gone rejects its query instead of ending the process (patched postgres.js)", async ({ dbUrl }) => {
    // postgres.js queues small writes with setImmediate; one that ran after the connection had
    // closed called write() on a null socket, and the TypeError thrown from the immediate ended the
    // process (porsager/postgres#1066, #1154, #1208; seen here as a worker that exited in the
    // connection-cut pipeline test). A reserved connection whose backend was terminated takes that
    // path every time; the process runs on its own, as a crash would end the test runner.
    const script = `
      import postgres from "postgres";
      const url = process.argv[1];
      const admin = postgres(url, { max: 1 });
      let closed;
      const sawClose = new Promise((resolve) => (closed = resolve));
      const sql = postgres(url, { max: 1, onclose: () => closed() });
      const reserved = await sql.reserve();
      const [{ pid }] = await reserved\`select pg_backend_pid() as pid\`;
      await admin\`select pg_terminate_backend(\${pid})\`;
      await sawClose;
      const outcome = await reserved\`select 1\`.then(() => "answered", (err) => err.code);
      reserved.release();
      await sql.end({ timeout: 1 });
      await admin.end({ timeout: 1 });
      console.log(JSON.stringify({ outcome }));`;
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--input-type=module", "-e", script, dbUrl],
        { cwd: fileURLToPath(new URL("..", import.meta.url)), timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(run.stderr).not.toMatch(/TypeError/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ outcome: "CONNECTION_CLOSED" });
  });

  test.for(["refused", "terminated"] as const)(
    "a statement whose commit is %s after its CommandComplete is reported failed, not done (patched postgres.js)",
    async (how, { db, dbUrl }) => {
      // Outside a transaction block a statement commits at the Sync after it, so its CommandComplete
      // comes before the commit; postgres.js resolved the query there, and a commit that then failed
      // or never happened (a backend terminated by a restart or failover) was reported done: a
      // webhook answered 200 whose message was never stored (seen in the connection-cut pipeline
      // test). porsager/postgres#1090. A deferred constraint trigger puts work inside the commit.
      const table = sqlRaw(`commit_probe_${how}`);
      await db.execute(sql`create table ${table} (id int primary key, mode text)`);
      await db.execute(sql`create or replace function commit_probe_check() returns trigger language plpgsql as $$
        begin
          if new.mode = 'refuse' then raise exception 'refused at commit'; end if;
          if new.mode = 'slow' then perform pg_sleep(30); end if;
          return null;
        end $$`);
      await db.execute(sql`create constraint trigger commit_probe_trg after insert on ${table}
        deferrable initially deferred for each row execute function commit_probe_check()`);
      const other = createDb(dbUrl, { max: 1, applicationName: "lx-test-commit" });
      onTestFinished(() => other.$client.end({ timeout: 1 }));
      // Parameters: the extended protocol, as every statement of ours.
      const insert = other.$client`insert into ${other.$client(`commit_probe_${how}`)} values (${1}, ${how === "refused" ? "refuse" : "slow"})`.then(
        () => null,
        (err: unknown) => err,
      );
      if (how === "terminated") {
        for (;;) {
          const [hit] = await db.$client`
            select pg_terminate_backend(pid) as ok from pg_stat_activity
            where application_name = 'lx-test-commit' and wait_event = 'PgSleep'`;
          if (hit?.ok) {
            break;
          }
        }
      }
      const err = await insert;
      expect(err).toBeInstanceOf(Error);
      expect(isConnectionLoss(err)).toBe(how === "terminated");
      expect(await db.execute(sql`select id from ${table}`)).toHaveLength(0);
    },
  );

  test("LISTEN is retried until it is in place when its connection is cut mid-LISTEN, and notifications then arrive", async ({ db, dbUrl }) => {
    // A TCP proxy to the real server that cuts the first connection which sends a LISTEN, right
    // after it is sent: what a restart or failover at that moment does. (Cutting backends with
    // pg_terminate_backend cannot aim at that moment: postgres.js re-sends what was not yet sent.)
    const where = connectionTarget(dbUrl);
    const target = { path: where.path, hostname: new URL(where.url).hostname, port: new URL(where.url).port };
    let cuts = 0;
    const fields = Buffer.from("SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0");
    const terminated = Buffer.concat([Buffer.from("E"), Buffer.alloc(4), fields]);
    terminated.writeInt32BE(4 + fields.length, 1);
    const proxy = net.createServer((client) => {
      const server = target.path ? net.connect(target.path) : net.connect(Number(target.port || 5432), target.hostname);
      client.on("data", (chunk: Buffer) => {
        if (cuts === 0 && chunk.includes("listen")) {
          // What the client sees when its backend is terminated: FATAL 57P01, then the socket closes.
          cuts++;
          client.end(terminated);
          server.destroy();
          return;
        }
        server.write(chunk);
      });
      server.on("data", (chunk: Buffer) => client.write(chunk));
      client.on("error", () => server.destroy());
      server.on("error", () => client.destroy());
      client.on("close", () => server.destroy());
      server.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const url = new URL(where.url);
    url.hostname = "127.0.0.1";
    url.port = String((proxy.address() as net.AddressInfo).port);
    const listener = createDb(url.toString(), { max: 2, applicationName: "lx-test-listen" });
    onTestFinished(() => listener.$client.end({ timeout: 1 }));

    const retries: unknown[] = [];
    let arrived: (payload: string) => void = () => undefined;
    const notified = new Promise<string>((resolve) => (arrived = resolve));
    const l = await listenWithRetry(listener, "lx_test_channel", (payload) => arrived(payload), {
      onRetry: (err) => void retries.push(err),
    });
    expect(cuts).toBe(1);
    expect(retries).toHaveLength(1);
    await db.$client.notify("lx_test_channel", "after");
    expect(await notified).toBe("after");
    await l.unlisten();
  });

  test("unlisten resolves when the database has gone away (a process stopping during a failover does not fail on it)", async ({ dbUrl }) => {
    // A TCP proxy to the real server, closed with every connection through it once the LISTEN is in place.
    const where = connectionTarget(dbUrl);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const server = where.path ? net.connect(where.path) : net.connect(Number(new URL(where.url).port), new URL(where.url).hostname);
      for (const s of [client, server]) {
        sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => sockets.delete(s));
      }
      client.pipe(server).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const url = new URL(where.url);
    url.hostname = "127.0.0.1";
    url.port = String((proxy.address() as net.AddressInfo).port);
    const listener = createDb(url.toString(), { max: 1, applicationName: "lx-test-unlisten" });
    onTestFinished(() => listener.$client.end({ timeout: 1 }));
    const l = await listenWithRetry(listener, "lx_test_gone", () => undefined);

    await new Promise<void>((resolve) => {
      proxy.close(() => resolve());
      for (const s of sockets) {
        s.destroy();
      }
    });
    await expect(l.unlisten()).resolves.toBeUndefined();
  });
});

describe("int8 (bigint) results", () => {
  test("come back as exact JS numbers: a sum past 2^31, a count, an id, an int8[] — through drizzle and postgres.js", async ({ db }) => {
    // postgres.js leaves int8 as a string: queries cast every count and sum to float8 (metrics
    // past 2^31 tokens had returned a 500 with `::int`), and ids were wrapped in Number().
    const [sums] = await db.execute<{ total: unknown; n: unknown }>(sql`
      select sum(v) as total, count(*) as n from (values (2147483647), (2147483647), (5)) t(v)`);
    expect(sums).toEqual({ total: 4_294_967_299, n: 3 });
    const [row] = await db.$client`
      insert into audit_events (actor_type, actor_label, type) values ('system', 'test', 'test.int8') returning id`;
    expect(typeof row?.id).toBe("number");
    const [byDrizzle] = await db.execute<{ id: unknown; ids: unknown }>(
      sql`select id, array[id, id + 1] as ids from audit_events where id = ${row?.id as number}`,
    );
    expect(byDrizzle).toEqual({ id: row?.id, ids: [row?.id, (row?.id as number) + 1] });
    // drizzle's query builder: a bigint column in mode "number" and its count() map the number as is.
    const built = await db
      .select({ id: auditEvents.id, n: count() })
      .from(auditEvents)
      .where(eq(auditEvents.id, row?.id as number))
      .groupBy(auditEvents.id);
    expect(built).toEqual([{ id: row?.id, n: 1 }]);
    const [edge] = await db.$client`select 9007199254740991::int8 as max, -9007199254740991::int8 as min`;
    expect(edge).toEqual({ max: Number.MAX_SAFE_INTEGER, min: -Number.MAX_SAFE_INTEGER });
  });

  test("past Number.MAX_SAFE_INTEGER the query fails (never a rounded number) and the connection serves the next one", async ({ dbUrl }) => {
    const one = createDb(dbUrl, { max: 1, applicationName: "lx-test-int8" });
    onTestFinished(() => one.$client.end({ timeout: 1 }));
    // 2^53 + 1 would read as 2^53.
    const err = await one.execute(sql`select 9007199254740993::int8 as n`).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).cause ?? err)).toMatch(/int8 9007199254740993 is beyond Number.MAX_SAFE_INTEGER/);
    expect(isConnectionLoss(err)).toBe(false);
    await expect(one.$client`select 9007199254740993::int8::text as n, 2::int8 as m`).resolves.toEqual([{ n: "9007199254740993", m: 2 }]);
    await expect(one.transaction(async (tx) => tx.execute(sql`select 9223372036854775807::int8 as n`))).rejects.toThrow();
    await expect(one.execute(sql`select 1::int8 as n`)).resolves.toEqual([{ n: 1 }]);
  });
});

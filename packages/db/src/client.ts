import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";

import * as schema from "./schema/index.ts";

export type Schema = typeof schema;
export type Database = PostgresJsDatabase<Schema> & { $client: postgres.Sql };
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Anything that can run a query: the pool or an open transaction. */
export type Executor = Database | Transaction;

export type CreateDbOptions = {
  /** Pool size (postgres.js `max`). */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * Named prepared statements (default true). Turn off behind a pooler that cannot keep them
   * (PgBouncer in transaction mode before 1.21): `DATABASE_PREPARE=false`.
   */
  prepare?: boolean;
  /**
   * The connections' default `synchronous_commit`. "off" for the worker: its commits return before
   * the WAL reaches the disk (PostgreSQL's walwriter flushes within 200 ms), so they stop queueing for
   * WAL flushes behind and ahead of the webhook's. A server crash (not a worker crash) can lose those
   * last commits whole, never half: the jobs run again. Anything that must be durable before an
   * effect outside the database commits synchronously on its own (see `DURABLE_COMMIT`).
   */
  synchronousCommit?: "on" | "off";
  /**
   * The connections' `statement_timeout` and `idle_in_transaction_session_timeout` (ms; 0 or unset:
   * none). A statement stuck behind a lock (a migration, an operator's long transaction) or a session
   * left in a transaction then fails instead of holding its request or job for ever: the webhook
   * answers 500 and Meta delivers again, a job is retried with backoff, a send is a counted retry.
   * The services set it from `DATABASE_STATEMENT_TIMEOUT_MS`.
   */
  statementTimeoutMs?: number;
};

/**
 * A CTE that makes the statement's own (implicit) transaction commit synchronously, whatever the
 * connection's default: `with durable as (${DURABLE_COMMIT}) … cross join durable`. PostgreSQL
 * reads the setting when it writes the commit record, and a synchronous commit flushes all WAL before
 * it, so every earlier asynchronous commit the statement read from is durable too.
 */
export const DURABLE_COMMIT = "select set_config('synchronous_commit', 'on', true) as synchronous_commit";

type AnySql = postgres.Sql | postgres.TransactionSql;

/**
 * drizzle's postgres-js driver runs every query through `sql.unsafe(text, params)`, and postgres.js's
 * `unsafe()` does not prepare by default: each execution is parsed and planned again and sent in two
 * round trips (describe, then bind). With `prepare: true` postgres.js names the statement once per
 * connection and reuses it (measured in bench/probes/prepared-statements.ts: about a third less
 * PostgreSQL CPU per statement). Transactions and savepoints get their own `sql`, patched the same way.
 */
function preparing<T extends AnySql>(s: T): T {
  const unsafe = s.unsafe.bind(s);
  s.unsafe = ((query: string, args?: unknown[], options?: postgres.UnsafeQueryOptions) =>
    unsafe(query, args as postgres.ParameterOrJSON<never>[], { prepare: true, ...options })) as T["unsafe"];
  if ("begin" in s) {
    const begin = s.begin.bind(s) as (...a: unknown[]) => Promise<unknown>;
    (s as postgres.Sql).begin = ((...a: unknown[]) => {
      const fn = a.at(-1) as (tx: postgres.TransactionSql) => unknown;
      a[a.length - 1] = (tx: postgres.TransactionSql) => fn(preparing(tx));
      return begin(...a);
    }) as postgres.Sql["begin"];
  }
  if ("savepoint" in s) {
    const savepoint = s.savepoint.bind(s) as (...a: unknown[]) => Promise<unknown>;
    (s as postgres.TransactionSql).savepoint = ((...a: unknown[]) => {
      const fn = a.at(-1) as (tx: postgres.TransactionSql) => unknown;
      a[a.length - 1] = (tx: postgres.TransactionSql) => fn(preparing(tx));
      return savepoint(...a);
    }) as postgres.TransactionSql["savepoint"];
  }
  return s;
}

/**
 * `postgres(url, options)` that also understands libpq's Unix-socket form, as psql and pgbench do:
 * `postgres://user@localhost/db?host=/var/run/postgresql`. postgres.js would send `host` to the
 * server as a setting; here it becomes the socket path. On the same machine as PostgreSQL a Unix
 * socket costs less per round trip than TCP loopback (measured with pgbench here: +13–25 % tps).
 */
export function connect(url: string, options: postgres.Options<Record<string, never>> = {}): postgres.Sql {
  const target = connectionTarget(url);
  return postgres(target.url, target.path ? { ...options, path: target.path } : options);
}

/** The URL postgres.js should see, and the Unix socket path when the URL names one (`?host=/dir`). */
export function connectionTarget(url: string): { url: string; path?: string } {
  const u = new URL(url);
  const socketDir = u.searchParams.get("host");
  if (!socketDir?.startsWith("/")) {
    return { url };
  }
  u.searchParams.delete("host");
  return { url: u.toString(), path: `${socketDir.replace(/\/+$/, "")}/.s.PGSQL.${u.port || "5432"}` };
}

/** PostgreSQL's type oid of int8 (bigint): ids, count(*), sum() of integers, row_number()… */
export const INT8_OID = 20;

/**
 * An int8 as PostgreSQL sends it (decimal text) → a JS number, which holds every integer exactly up
 * to Number.MAX_SAFE_INTEGER (2^53 − 1, 9,007,199,254,740,991). postgres.js leaves int8 as a string
 * (a string in a field typed number: `a + b` concatenates, `===` against a number fails); drizzle's
 * bigint columns in mode "number" accept either. Ids (identity columns), counts and sums of int4
 * columns (tokens) stay far below 2^53. A value beyond it would be rounded silently, so it throws
 * instead — the query fails (a RangeError, the connection unharmed) rather than return a wrong
 * number: a query that means to read such a value (a 64-bit hash) casts it to text or numeric.
 */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`int8 ${text} is beyond Number.MAX_SAFE_INTEGER: cast it to text or numeric in the query`);
  }
  return n;
}

/** One pool per process; packages never read env, so the URL comes from the app's env.ts. */
export function createDb(url: string, options: CreateDbOptions = {}): Database {
  const client = connect(url, {
    max: options.max ?? 10,
    onnotice: () => undefined,
    connection: {
      application_name: options.applicationName ?? "lx",
      ...(options.synchronousCommit ? { synchronous_commit: options.synchronousCommit } : {}),
      ...(options.statementTimeoutMs
        ? {
            statement_timeout: options.statementTimeoutMs,
            idle_in_transaction_session_timeout: options.statementTimeoutMs,
          }
        : {}),
    },
    // Dates stay strings from the driver; drizzle maps timestamp columns itself.
  });
  // int8 results (and int8[] arrays: postgres.js derives their parser from this one when a connection
  // opens) come as numbers: see parseInt8. Parameters are unchanged (a number is sent as text).
  client.options.parsers[INT8_OID] = parseInt8;
  return drizzle(options.prepare === false ? client : preparing(client), { schema, casing: "snake_case" }) as Database;
}

export async function closeDb(db: Database): Promise<void> {
  await db.$client.end({ timeout: 5 });
}

/** postgres.js' own codes for a connection that went away (not a statement that failed). */
const LOST_CONNECTION_CODES = new Set(["CONNECTION_CLOSED", "CONNECTION_DESTROYED", "CONNECTION_ENDED", "CONNECT_TIMEOUT"]);

/**
 * Node's socket errors for a server that cannot be reached right now: down for a restart
 * (ECONNREFUSED; ENOENT for a Unix socket whose file is gone), a failover moving its address, a
 * network that drops. Only counted when postgres.js raised them (see isConnectionLoss).
 */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOENT", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/**
 * Whether an error (or its cause: drizzle wraps the driver's errors) means the database connection
 * was lost or cannot be made — a restart, a failover, a terminated backend, a server refusing
 * connections for now — rather than a statement the database refused. SQLSTATE class 08 (connection
 * exception) and 57P01–57P03 (admin shutdown, crash shutdown, cannot connect now), postgres.js'
 * CONNECTION_* codes, and Node's socket errors (ECONNREFUSED, ENOENT …) on a query postgres.js
 * failed: it marks every error it hands to a query with that query's `query` and `parameters`.
 * Errors of other clients (an LLM server down, say) are not recognised: they carry neither a
 * SQLSTATE nor postgres.js' mark, so they spend attempts and back off as failures should.
 */
export function isConnectionLoss(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") {
      continue;
    }
    if (LOST_CONNECTION_CODES.has(code)) {
      return true;
    }
    if ((e as { severity?: unknown }).severity !== undefined && (code.startsWith("08") || /^57P0[123]$/.test(code))) {
      return true;
    }
    if (UNREACHABLE_CODES.has(code) && "query" in e && "parameters" in e) {
      return true;
    }
  }
  return false;
}

/**
 * Runs `write` until it succeeds, retrying while the database cannot be reached (isConnectionLoss):
 * a restart or a failover takes seconds, and a write made the moment the connection was lost meets
 * the server still down. Gives up — rethrowing — on any other error, past `forMs`, or once
 * `stopped()` says so. Waits 100 ms, doubling up to 2 s, between tries.
 */
export async function retryWhileUnreachable<T>(
  write: () => Promise<T>,
  p: { forMs: number; stopped?: () => boolean },
): Promise<T> {
  const deadline = Date.now() + p.forMs;
  for (let waitMs = 100; ; waitMs = Math.min(waitMs * 2, 2_000)) {
    try {
      return await write();
    } catch (err) {
      if (!isConnectionLoss(err) || p.stopped?.() || Date.now() + waitMs > deadline) {
        throw err;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/** The SQLSTATE of a database error, through drizzle's wrapping ("23505" for a unique violation); null for other errors. */
export function sqlState(err: unknown): string | null {
  return pgErrorField(err, "code");
}

/**
 * A field of the PostgreSQL error in `err`'s cause chain (postgres.js puts the server's fields on its
 * error, which drizzle wraps): `code`, `constraint_name`, `table_name`…; null when there is none.
 */
export function pgErrorField(err: unknown, field: string): string | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { severity?: unknown }).severity !== undefined) {
      const value = (e as unknown as Record<string, unknown>)[field];
      return typeof value === "string" ? value : null;
    }
  }
  return null;
}

/**
 * A failure as stored in last_error (a job's, a send's; the console shows it). drizzle wraps
 * database errors as "Failed query: <the whole SQL>"; PostgreSQL's own message, the cause, is what
 * an operator needs.
 */
export function describeFailure(err: unknown): string {
  if (!(err instanceof Error)) {
    return String(err);
  }
  const cause = err.cause;
  if (err.message.startsWith("Failed query") && cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${cause.name}: ${cause.message}${typeof code === "string" ? ` (${code})` : ""}`;
  }
  return `${err.name}: ${err.message}`;
}

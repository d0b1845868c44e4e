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
};

/** One pool per process; packages never read env, so the URL comes from the app's env.ts. */
export function createDb(url: string, options: CreateDbOptions = {}): Database {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => undefined,
    connection: { application_name: options.applicationName ?? "lx" },
    // Dates stay strings from the driver; drizzle maps timestamp columns itself.
  });
  return drizzle(client, { schema, casing: "snake_case" }) as Database;
}

export async function closeDb(db: Database): Promise<void> {
  await db.$client.end({ timeout: 5 });
}

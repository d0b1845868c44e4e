import { inject, test } from "vitest";

import type { Database } from "../client.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    lxDbBaseUrl: string;
    lxDbTemplate: string;
  }
}

/**
 * `dbTest`: a vitest test with a `db` fixture — one cloned, migrated database per test file
 * (fixture scope "file"), dropped when the file ends. Isolate tests within a file with fresh
 * seed data (seedTenant() gives unique slugs).
 */
export const dbTest = test.extend<{ testDb: TestDatabase; db: Database; dbUrl: string }>({
  testDb: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const tdb = await createTestDatabase(inject("lxDbBaseUrl"), inject("lxDbTemplate"));
      await use(tdb);
      await tdb.drop();
    },
    { scope: "file" },
  ],
  db: [async ({ testDb }, use) => use(testDb.db), { scope: "file" }],
  dbUrl: [async ({ testDb }, use) => use(testDb.url), { scope: "file" }],
});

/** For suites that need their own database (e.g. to run worker processes against it). */
export async function freshTestDatabase(): Promise<TestDatabase> {
  return createTestDatabase(inject("lxDbBaseUrl"), inject("lxDbTemplate"));
}

import { defineConfig } from "vitest/config";

/**
 * Two projects (STYLE rule 46): `unit` runs co-located *.test.ts with no database; `integration`
 * runs *.integration.test.ts against real PostgreSQL (TEST_DATABASE_URL, or an embedded server),
 * each file on its own clone of a migrated template database.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: ["{apps,packages}/*/src/**/*.test.ts", "bench/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "**/node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          sequence: { groupOrder: 1 },
          include: ["{apps,packages}/*/src/**/*.integration.test.ts"],
          globalSetup: ["./packages/db/src/testing/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: "forks",
          maxWorkers: 2,
          // The fake receivers of tenants' webhooks, tools and CRMs listen on 127.0.0.1, which the
          // worker's egress guard refuses unless allowed (apps/worker/src/services/egress.ts).
          setupFiles: ["./apps/worker/src/testing/egress-setup.ts"],
        },
      },
    ],
  },
});

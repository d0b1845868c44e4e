import { defineConfig } from "@playwright/test";

/**
 * End-to-end suites against the real stack: globalSetup creates a fresh PostgreSQL database, builds
 * the console and starts `scripts/start.ts` (migrations, demo tenant, API + worker) on a free port.
 * Tests read its URL from the env the setup exports (see e2e/fixtures/stack.ts).
 */
export default defineConfig({
  testDir: "./e2e/tests",
  outputDir: "./test-results",
  globalSetup: "./e2e/fixtures/global-setup.ts",
  globalTeardown: "./e2e/fixtures/global-teardown.ts",
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI
    ? [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]]
    : [["list"]],
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    viewport: { width: 1440, height: 900 },
    locale: "pt-BR",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [
    // tRPC over HTTP, no browser: the access matrix of the console's procedures.
    { name: "api", testMatch: "api/**/*.spec.ts" },
    // The console in Chromium.
    { name: "ui", testIgnore: "api/**" },
  ],
});

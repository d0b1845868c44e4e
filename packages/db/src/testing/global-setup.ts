import type { TestProject } from "vitest/node";

import { ensureTemplate, startTestServer } from "./database.ts";

import "./fixture.ts";

/** vitest globalSetup for integration tests: one server, one migrated template per run. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { baseUrl, embedded } = await startTestServer(process.env.TEST_DATABASE_URL);
  const template = await ensureTemplate(baseUrl);
  project.provide("lxDbBaseUrl", baseUrl);
  project.provide("lxDbTemplate", template);
  return async () => {
    await embedded?.stop();
  };
}

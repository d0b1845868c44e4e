import { randomBytes } from "node:crypto";

import { expect, onTestFinished } from "vitest";

import { CLI_ACTOR, rotateStoredSecrets } from "@lx/db/queries";
import { dbTest as test, TEST_SECRET_KEY } from "@lx/db/testing";

import { startStack } from "./testing/stack.ts";

/**
 * LX_SECRET_KEY rotation as an operator runs it (README, "Rotating LX_SECRET_KEY"): workers
 * restarted with the new key and the old one as LX_SECRET_KEY_PREVIOUS keep sending with tokens the
 * old key sealed; `lx secrets rotate` seals them again; then a worker with the new key alone sends.
 * Real worker processes configured by env. This file's database is its own: a rotation seals every
 * tenant's secrets.
 */
test("workers keep sending through a key rotation: new + previous key, rotate, then the new key alone", async ({ db, dbUrl }) => {
  const s = await startStack(db, dbUrl);
  onTestFinished(() => s.stop());
  const newKey = randomBytes(32);
  const sentTexts = () => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent");

  const during = s.spawnWorker({ LX_SECRET_KEY: newKey.toString("hex"), LX_SECRET_KEY_PREVIOUS: TEST_SECRET_KEY.toString("hex") });
  await s.customer("5511930000001").text("Oi, antes da rotação");
  const first = await s.graph.waitFor((r) => r.kind === "send" && r.outcome === "sent", 15_000);
  // The number's own token, opened with the previous key.
  expect(first.token).toBe(s.token);

  expect(await rotateStoredSecrets(db, { keys: [newKey, TEST_SECRET_KEY], actor: CLI_ACTOR })).toEqual({ resealed: 2, alreadyCurrent: 0 });
  during.kill("SIGTERM");
  await new Promise((r) => during.once("exit", r));

  s.spawnWorker({ LX_SECRET_KEY: newKey.toString("hex") });
  await s.customer("5511930000002").text("Oi, depois da rotação");
  await s.graph.waitForCount(2, (r) => r.kind === "send" && r.outcome === "sent", 15_000);
  expect(sentTexts().map((r) => r.token)).toEqual([s.token, s.token]);
  expect(s.graph.requests.filter((r) => r.outcome !== "sent" && r.kind === "send")).toEqual([]);
});

import { randomBytes } from "node:crypto";

import { sql } from "drizzle-orm";
import { expect, onTestFinished } from "vitest";

import { CLI_ACTOR, replaceWebhookSecret, rotateStoredSecrets } from "@lx/db/queries";
import { dbTest as test, seedTenant, TEST_SECRET_KEY } from "@lx/db/testing";
import { decryptSecret, encryptSecret } from "@lx/shared/crypto";

import { webhookSecrets } from "./services/outgoing-webhook.ts";
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

/**
 * During a signing secret's overlap the previous one is a stored secret too: `lx secrets rotate`
 * seals it again with the new key, and a worker with the new key alone still opens it (to sign
 * X-LX-Signature-Previous).
 */
test("`lx secrets rotate` reseals the previous webhook secret of a rotation's overlap", async ({ db }) => {
  const tenant = await seedTenant(db, { webhookSecret: "the-secret-the-receiver-has" });
  await replaceWebhookSecret(db, { tenantId: tenant.id, secretKey: [TEST_SECRET_KEY], actor: CLI_ACTOR });
  const boxes = async () => {
    const [row] = await db.execute<{ current: string; previous: string }>(sql`
      select webhook_secret_enc as current, webhook_secret_previous_enc as previous from tenants where id = ${tenant.id}::uuid`);
    return row;
  };
  const sealedBefore = await boxes();
  expect(decryptSecret(TEST_SECRET_KEY, sealedBefore?.previous ?? "")).toBe("the-secret-the-receiver-has");

  // The first test left every other box sealed with a key of its own, which this one does not
  // have: those are set aside (cleared, or sealed with this test's key) so the rotation can run.
  const newKey = randomBytes(32);
  await db.execute(sql`update tenants set webhook_secret_enc = null, crm_token_enc = null where id <> ${tenant.id}::uuid`);
  await db.execute(sql`update phone_numbers set access_token_enc = ${encryptSecret(newKey, "another-number-token")}`);
  expect(await rotateStoredSecrets(db, { keys: [newKey, TEST_SECRET_KEY], actor: CLI_ACTOR })).toMatchObject({ resealed: 2 });
  const sealedAfter = await boxes();
  expect(sealedAfter?.previous).not.toBe(sealedBefore?.previous);
  expect(() => decryptSecret(TEST_SECRET_KEY, sealedAfter?.previous ?? "")).toThrow();
  expect(decryptSecret(newKey, sealedAfter?.previous ?? "")).toBe("the-secret-the-receiver-has");
  expect(webhookSecrets(newKey, { webhook_secret_enc: sealedAfter?.current ?? null, webhook_secret_previous_enc: sealedAfter?.previous ?? null })).toMatchObject({
    previousSecret: "the-secret-the-receiver-has",
  });
});

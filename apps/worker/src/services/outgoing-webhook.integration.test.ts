import { createHmac } from "node:crypto";
import { createServer } from "node:http";

import { sql } from "drizzle-orm";
import { expect, onTestFinished } from "vitest";

import { replaceWebhookSecret } from "@lx/db/queries";
import { dbTest as test, seedAgent, seedConversation, seedNumber, seedTenant, TEST_ACTOR, TEST_SECRET_KEY } from "@lx/db/testing";
import { havenSpec } from "@lx/shared/testing";

import { callToolWebhook } from "./tool-webhook.ts";

/** A tenant's receiver (n8n): keeps each POST's raw body and both signature headers. */
async function receiver() {
  const seen: { raw: string; signature?: string; previous?: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        raw: Buffer.concat(chunks).toString("utf8"),
        signature: req.headers["x-lx-signature"] as string | undefined,
        previous: req.headers["x-lx-signature-previous"] as string | undefined,
      });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/n8n`, seen };
}

/** How a receiver verifies (CONTRACT.md "Outgoing webhooks"). */
const signatureOf = (secret: string, raw: string) => `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;

test("during a rotation's overlap a call also carries X-LX-Signature-Previous, made with the replaced secret; with no overlap, or after it, only X-LX-Signature", async ({ db }) => {
  const r = await receiver();
  const tenant = await seedTenant(db, { webhookSecret: "the-secret-the-receiver-has" });
  const { agent } = await seedAgent(db, { tenantId: tenant.id, spec: havenSpec });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, agentId: agent.id });
  const call = (n: number) =>
    callToolWebhook({ db, url: r.url, secretKey: TEST_SECRET_KEY, conversation: { conversationId: c.id }, tool: "check", args: { n }, retryBackoffMs: 1 });
  const change = { tenantId: tenant.id, secretKey: TEST_SECRET_KEY, actor: TEST_ACTOR };

  expect(await call(1)).toMatchObject({ ok: true });
  const fresh = await replaceWebhookSecret(db, change);
  expect(await call(2)).toMatchObject({ ok: true });
  // The receiver not yet updated verifies the previous header with the secret it has; an updated one, the usual header.
  const [before, during] = r.seen;
  expect(before?.signature).toBe(signatureOf("the-secret-the-receiver-has", before?.raw ?? ""));
  expect(before?.previous).toBeUndefined();
  expect(during?.signature).toBe(signatureOf(fresh, during?.raw ?? ""));
  expect(during?.previous).toBe(signatureOf("the-secret-the-receiver-has", during?.raw ?? ""));

  // Past the overlap (before the sweep has erased it): no previous header.
  await db.execute(sql`update tenants set webhook_secret_previous_until = now() - interval '1 second' where id = ${tenant.id}::uuid`);
  expect(await call(3)).toMatchObject({ ok: true });
  expect(r.seen[2]?.signature).toBe(signatureOf(fresh, r.seen[2]?.raw ?? ""));
  expect(r.seen[2]?.previous).toBeUndefined();

  // Rotated with no overlap (the old secret leaked): none either.
  const after = await replaceWebhookSecret(db, { ...change, overlapHours: 0 });
  expect(await call(4)).toMatchObject({ ok: true });
  expect(r.seen[3]?.signature).toBe(signatureOf(after, r.seen[3]?.raw ?? ""));
  expect(r.seen[3]?.previous).toBeUndefined();
});

test("a pasted secret takes the overlap chosen: the one it replaces signs X-LX-Signature-Previous for that time, or not at all", async ({ db }) => {
  const r = await receiver();
  const tenant = await seedTenant(db, { webhookSecret: "the-secret-the-receiver-has" });
  const { agent } = await seedAgent(db, { tenantId: tenant.id, spec: havenSpec });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, agentId: agent.id });
  const call = (n: number) =>
    callToolWebhook({ db, url: r.url, secretKey: TEST_SECRET_KEY, conversation: { conversationId: c.id }, tool: "check", args: { n }, retryBackoffMs: 1 });
  const change = { tenantId: tenant.id, secretKey: TEST_SECRET_KEY, actor: TEST_ACTOR };
  const minutesKept = async () => {
    const [row] = await db.execute<{ minutes: number | null }>(
      sql`select round(extract(epoch from webhook_secret_previous_until - now()) / 60)::int as minutes from tenants where id = ${tenant.id}::uuid`,
    );
    return row?.minutes ?? null;
  };

  // Pasted with a one-hour overlap: kept 60 minutes, and each call carries both signatures.
  expect(await replaceWebhookSecret(db, { ...change, given: "the-pasted-n8n-secret-1", overlapHours: 1 })).toBe("the-pasted-n8n-secret-1");
  expect(await minutesKept()).toBe(60);
  expect(await call(1)).toMatchObject({ ok: true });
  expect(r.seen[0]?.signature).toBe(signatureOf("the-pasted-n8n-secret-1", r.seen[0]?.raw ?? ""));
  expect(r.seen[0]?.previous).toBe(signatureOf("the-secret-the-receiver-has", r.seen[0]?.raw ?? ""));

  // Pasted again with none: only the new signature, and nothing kept.
  await replaceWebhookSecret(db, { ...change, given: "the-pasted-n8n-secret-2", overlapHours: 0 });
  expect(await minutesKept()).toBeNull();
  expect(await call(2)).toMatchObject({ ok: true });
  expect(r.seen[1]?.signature).toBe(signatureOf("the-pasted-n8n-secret-2", r.seen[1]?.raw ?? ""));
  expect(r.seen[1]?.previous).toBeUndefined();
});

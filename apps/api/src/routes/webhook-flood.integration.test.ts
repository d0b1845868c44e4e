import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { FLOOD_PAYLOAD } from "@lx/db/notifier";
import { dbTest as test, seedAgent, seedNumber, seedTenant } from "@lx/db/testing";
import { inboundText, metaJsonStringify, signPayload } from "@lx/sandbox";

import type { AppConfig } from "../app.ts";
import { buildTestApp } from "../testing/harness.ts";

/**
 * The API's side of a webhook flood (services/webhook-flood.ts): the workers' wake-ups carry
 * FLOOD_PAYLOAD while it lasts, and `lx_webhook_flood` shows it.
 */

async function floodingApp(db: Database, config: Partial<AppConfig>) {
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const { app, registry } = buildTestApp(db, config);
  const payloads: string[] = [];
  const listener = await db.$client.listen("lx_jobs", (p) => payloads.push(p));
  onTestFinished(() => listener.unlisten());
  let sent = 0;
  /** POSTs distinct messages, 16 at a time, until `done()` or `max` POSTs. */
  const pour = async (done: () => boolean, max: number) => {
    const one = async (): Promise<void> => {
      while (!done() && sent < max) {
        const i = sent++;
        const raw = metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId: `55119${String(i).padStart(8, "0")}`, text: `m${i}` }));
        const res = await app.request("/api/webhooks/whatsapp", {
          method: "POST",
          headers: { "content-type": "application/json", "x-hub-signature-256": signPayload("test-app-secret", raw) },
          body: raw,
        });
        expect(res.status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 16 }, one));
  };
  const gauge = async () => {
    const text = await registry.metrics();
    return Number(/^lx_webhook_flood (\d+)/m.exec(text)?.[1]);
  };
  return { payloads, pour, gauge, sent: () => sent };
}

describe("webhook floods", () => {
  test("busy, slow POSTs flag the workers' wake-ups as a flood until they stop", async ({ db }) => {
    // Every POST counts as slow: the flood is declared by the rate alone.
    const { payloads, pour, gauge } = await floodingApp(db, { webhookFloodMs: 0.000_1 });
    expect(await gauge()).toBe(0);
    let flooding = false;
    await pour(() => {
      flooding ||= payloads.includes(FLOOD_PAYLOAD);
      return flooding;
    }, 5_000);
    expect(flooding).toBe(true);
    expect(await gauge()).toBe(1);
    // No more POSTs: the next windows are empty and the flood is over.
    await expect.poll(gauge, { timeout: 5_000, interval: 50 }).toBe(0);
  });

  test("WEBHOOK_FLOOD_MS=0: never a flood, however busy", async ({ db }) => {
    const { payloads, pour, gauge, sent } = await floodingApp(db, { webhookFloodMs: 0 });
    await pour(() => false, 600);
    expect(sent()).toBe(600);
    await expect.poll(() => payloads.length > 0).toBe(true);
    expect(payloads.filter((p) => p === FLOOD_PAYLOAD)).toEqual([]);
    expect(await gauge()).toBe(0);
  });
});

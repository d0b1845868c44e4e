import { createServer, type ServerResponse } from "node:http";

import { sql } from "drizzle-orm";
import { expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { dbTest as test, seedAgent, seedConversation, seedNumber, seedTenant, TEST_SECRET_KEY } from "@lx/db/testing";
import { compile } from "@lx/shared/compiler";
import { encryptSecret } from "@lx/shared/crypto";
import { havenSpec } from "@lx/shared/testing";

import { runCalendarTool } from "./calendar-tools.ts";
import { runCrmTool } from "./crm-tools.ts";
import { MAX_RESPONSE_BYTES } from "./egress.ts";
import { MAX_TOOL_OUTPUT_CHARS } from "./generate.ts";

const HUGE = 400 * 1024 * 1024;
const CHUNK = 64 * 1024;

/**
 * A tenant's system (its n8n, a CRM) on 127.0.0.1 answering every POST with `answer`; `closed`
 * resolves, for a streamed answer, with how much it wrote before the worker hung up.
 */
async function tenantSystem(answer: "stream" | ((res: ServerResponse, path: string) => void)) {
  const hits: string[] = [];
  let closed: Promise<{ written: number }> = Promise.resolve({ written: 0 });
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    req.resume();
    req.on("end", () => {
      if (answer !== "stream") {
        answer(res, req.url ?? "");
        return;
      }
      let written = 0;
      closed = new Promise((resolve) => res.on("close", () => resolve({ written })));
      const chunk = Buffer.alloc(CHUNK, "a");
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"data":{"id":1,"x":"');
      const pump = () => {
        while (written < HUGE && !res.destroyed) {
          written += CHUNK;
          if (!res.write(chunk)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end('"}}');
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, hits, closed: () => closed };
}

async function setup(db: Database) {
  const tenant = await seedTenant(db);
  await db.execute(sql`update tenants set crm_token_enc = ${encryptSecret(TEST_SECRET_KEY, "crm-token")} where id = ${tenant.id}::uuid`);
  const { agent } = await seedAgent(db, { tenantId: tenant.id, spec: havenSpec });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, agentId: agent.id, name: "Maria" });
  const conversation = { tenantId: tenant.id, conversationId: c.id, customerKey: c.customerKey, agentId: agent.id };
  const audits = (type: string) =>
    db.execute<{ data: Record<string, unknown> }>(sql`select data from audit_events where subject_id = ${c.id} and type = ${type}`);
  const deals = () => db.execute<{ response: unknown; external_id: string | null }>(sql`select response, external_id from crm_deals where conversation_id = ${c.id}::uuid`);
  return { conversation, audits, deals };
}

const deal = { title: "Maria - Limpeza de pele", fields: { interesse: "limpeza de pele", orcamento: "até R$ 300" } };

test("a CRM streaming a huge answer: create_deal fails fast as too_large, audited, and the model is told it was not recorded", async ({ db }) => {
  const crm = await tenantSystem("stream");
  const { conversation, audits, deals } = await setup(db);
  const started = performance.now();
  const answer = await runCrmTool(deal, {
    db,
    crm: { backend: "pipedrive", webhookUrl: null, baseUrl: crm.url, qualifyFields: ["interesse", "orcamento"] },
    conversation,
    workerId: "test-worker",
    secretKey: TEST_SECRET_KEY,
  });
  expect(performance.now() - started).toBeLessThan(5_000);
  expect(answer).toEqual({ created: false, error: "the CRM could not be reached; do not tell the customer it was recorded" });
  expect(crm.hits).toEqual(["/v1/deals?api_token=crm-token"]);
  expect((await crm.closed()).written).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1024 * 1024);
  const [failed] = await audits("crm.deal_failed");
  expect(String(failed?.data.error)).toMatch(/ResponseTooLarge: the answer is larger than 256 KiB/);
  expect(await deals()).toEqual([]);
});

test("a calendar webhook streaming a huge answer: the model gets a short error, not the answer", async ({ db }) => {
  const n8n = await tenantSystem("stream");
  const { conversation } = await setup(db);
  const calendar = compile(havenSpec).plugins.calendar!;
  const answer = await runCalendarTool(
    "check_availability",
    { date: "2031-01-09" },
    {
      db,
      calendar: { ...calendar, backend: "webhook", webhookUrl: `${n8n.url}/n8n/calendar` },
      timeZone: havenSpec.agent.timezone,
      conversation,
      workerId: "test-worker",
      secretKey: TEST_SECRET_KEY,
      now: new Date("2031-01-01T12:00:00Z"),
      retryBackoffMs: 1,
    },
  );
  expect(answer).toEqual({ error: "the calendar could not be reached (its answer was too large); tell the customer you will confirm later", status: null });
  // Not retried: one call.
  expect(n8n.hits).toEqual(["/n8n/calendar"]);
  expect((await n8n.closed()).written).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1024 * 1024);
});

test("a large CRM answer under the cap creates the deal, but the database keeps at most MAX_TOOL_OUTPUT_CHARS of it, marked as cut", async ({ db }) => {
  const padding = "p".repeat(200 * 1024);
  const crm = await tenantSystem((res, path) => {
    res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify(path.startsWith("/v1/deals") ? { data: { id: 7, padding } } : { data: {} }));
  });
  const { conversation, deals } = await setup(db);
  const answer = await runCrmTool(deal, {
    db,
    crm: { backend: "pipedrive", webhookUrl: null, baseUrl: crm.url, qualifyFields: ["interesse", "orcamento"] },
    conversation,
    workerId: "test-worker",
    secretKey: TEST_SECRET_KEY,
  });
  expect(answer).toEqual({ created: true, dealId: "7" });
  const [row] = await deals();
  expect(row?.external_id).toBe("7");
  const kept = row?.response as { truncated: boolean; chars: number; start: string };
  expect(kept).toMatchObject({ truncated: true, chars: JSON.stringify({ data: { id: 7, padding } }).length });
  expect(JSON.stringify(kept).length).toBeLessThanOrEqual(MAX_TOOL_OUTPUT_CHARS);
  expect(kept.start.startsWith('{"data":{"id":7,"padding":"ppp')).toBe(true);
});

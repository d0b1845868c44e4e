import { sql } from "drizzle-orm";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { dbTest as test, seedAgent, seedConversation, seedNumber, seedTenant, TEST_SECRET_KEY } from "@lx/db/testing";
import { startFakeCrm, startFakeWebhookReceiver } from "@lx/sandbox";
import type { TAgentSpec } from "@lx/shared";
import { encryptSecret } from "@lx/shared/crypto";
import { havenSpec } from "@lx/shared/testing";

import { createLogger } from "../logger.ts";
import { eventually, startStack } from "../testing/stack.ts";
import { runCrmTool, type CrmToolContext } from "./crm-tools.ts";

const CRM_TOKEN = "crm-token-123";
const qualified = { title: "Maria - Limpeza de pele", fields: { interesse: "limpeza de pele", orcamento: "até R$ 300" } };

async function setup(db: Database, crm: CrmToolContext["crm"], o: { token?: string | null } = {}) {
  const tenant = await seedTenant(db);
  const token = o.token === undefined ? CRM_TOKEN : o.token;
  if (token !== null) {
    await db.execute(sql`update tenants set crm_token_enc = ${encryptSecret(TEST_SECRET_KEY, token)} where id = ${tenant.id}::uuid`);
  }
  const { agent } = await seedAgent(db, { tenantId: tenant.id, spec: havenSpec });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id, agentId: agent.id, name: "Maria" });
  const ctx: CrmToolContext = {
    db,
    crm,
    conversation: { tenantId: tenant.id, conversationId: c.id, customerKey: c.customerKey, agentId: agent.id },
    workerId: "test-worker",
    secretKey: TEST_SECRET_KEY,
    retryBackoffMs: 1,
  };
  const deals = () =>
    db.execute<{ title: string; backend: string; external_id: string | null; fields: Record<string, string> }>(sql`
      select title, backend, external_id, fields from crm_deals where conversation_id = ${c.id}::uuid`);
  const audits = (type: string) =>
    db.execute<{ data: Record<string, unknown> }>(sql`select data from audit_events where subject_id = ${c.id} and type = ${type}`);
  return { tenant, ctx, deals, audits };
}

const crmOf = (backend: "webhook" | "pipedrive" | "rdstation", over: Partial<CrmToolContext["crm"]> = {}): CrmToolContext["crm"] => ({
  backend,
  webhookUrl: null,
  baseUrl: null,
  qualifyFields: ["interesse", "orcamento"],
  ...over,
});

describe("CRM plugin: create_deal", () => {
  test("Pipedrive: the deal with its title, the qualifying answers as a note, the tenant's token; kept and audited; once per conversation and title", async ({ db }) => {
    const crm = await startFakeCrm({ token: CRM_TOKEN });
    onTestFinished(() => crm.stop());
    const { ctx, deals, audits } = await setup(db, crmOf("pipedrive", { baseUrl: `${crm.url}/` }));
    const answer = (await runCrmTool(qualified, ctx)) as { created: boolean; dealId: string };
    expect(answer).toEqual({ created: true, dealId: "1000" });
    expect(crm.requests.map((r) => [r.path, r.token, r.status])).toEqual([
      ["/v1/deals", CRM_TOKEN, 201],
      ["/v1/notes", CRM_TOKEN, 201],
    ]);
    expect(crm.requests[0]?.json).toEqual({ title: qualified.title });
    expect(crm.requests[1]?.json).toEqual({ deal_id: 1000, content: "interesse: limpeza de pele\norcamento: até R$ 300" });
    expect(await deals()).toEqual([{ title: qualified.title, backend: "pipedrive", external_id: "1000", fields: qualified.fields }]);
    expect((await audits("crm.deal_created"))[0]?.data).toMatchObject({ backend: "pipedrive", externalId: "1000" });
    // Again (a re-run reply, a model repeating itself): the same deal, no second call.
    expect(await runCrmTool({ ...qualified, title: qualified.title.toUpperCase() }, ctx)).toEqual({ created: true, alreadyCreated: true, dealId: "1000" });
    expect(crm.requests).toHaveLength(2);
  });

  test("RD Station CRM: its own wire format", async ({ db }) => {
    const crm = await startFakeCrm({ token: CRM_TOKEN });
    onTestFinished(() => crm.stop());
    const { ctx, deals } = await setup(db, crmOf("rdstation", { baseUrl: crm.url }));
    const answer = (await runCrmTool(qualified, ctx)) as { created: boolean; dealId: string };
    expect(answer.created).toBe(true);
    expect(answer.dealId).toMatch(/^[0-9a-f]{24}$/);
    expect(crm.requests.map((r) => [r.path, r.token])).toEqual([
      ["/api/v1/deals", CRM_TOKEN],
      ["/api/v1/activities", CRM_TOKEN],
    ]);
    expect(crm.requests[0]?.json).toEqual({ deal: { name: qualified.title } });
    expect(crm.requests[1]?.json).toEqual({ activity: { deal_id: answer.dealId, text: "interesse: limpeza de pele\norcamento: até R$ 300" } });
    expect((await deals())[0]).toMatchObject({ backend: "rdstation", external_id: answer.dealId });
  });

  test("custom fields: mapped answers go in the CRM's own fields (Pipedrive keys, RD Station custom_field_id), the rest in the note", async ({ db }) => {
    const crm = await startFakeCrm({ token: CRM_TOKEN });
    onTestFinished(() => crm.stop());
    const key = "9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e";
    const pipedrive = await setup(db, crmOf("pipedrive", { baseUrl: crm.url, customFields: { orcamento: key } }));
    expect(await runCrmTool(qualified, pipedrive.ctx)).toMatchObject({ created: true });
    expect(crm.requests[0]?.json).toEqual({ title: qualified.title, [key]: "até R$ 300" });
    expect(crm.requests[1]?.json).toMatchObject({ content: "interesse: limpeza de pele" });

    const rd = await setup(db, crmOf("rdstation", { baseUrl: crm.url, customFields: { interesse: "cf-int", orcamento: "cf-orc" } }));
    expect(await runCrmTool(qualified, rd.ctx)).toMatchObject({ created: true });
    expect(crm.requests[2]?.json).toEqual({
      deal: {
        name: qualified.title,
        deal_custom_fields: [
          { custom_field_id: "cf-int", value: "limpeza de pele" },
          { custom_field_id: "cf-orc", value: "até R$ 300" },
        ],
      },
    });
    // Every answer went to a field: no note.
    expect(crm.requests.map((r) => r.path)).toEqual(["/v1/deals", "/v1/notes", "/api/v1/deals"]);
  });

  test("the tenant's n8n: signed, with the deal in the arguments, its id from the answer", async ({ db }) => {
    const receiver = await startFakeWebhookReceiver({ secret: "test-webhook-secret" });
    onTestFinished(() => receiver.stop());
    receiver.setToolResponse("create_deal", { dealId: "n8n-77" });
    const { tenant, ctx, deals } = await setup(db, crmOf("webhook", { webhookUrl: `${receiver.url}/n8n/crm` }), { token: null });
    expect(await runCrmTool(qualified, ctx)).toEqual({ created: true, dealId: "n8n-77" });
    const [call] = receiver.requests;
    expect(call?.signatureValid).toBe(true);
    expect(call?.json).toMatchObject({ tool: "create_deal", arguments: qualified, tenant: tenant.slug, requestId: call?.requestId });
    expect((await deals())[0]).toMatchObject({ backend: "webhook", external_id: "n8n-77" });
  });

  test("not qualified yet, no title, a wrong token, a CRM down: the model is told, nothing is recorded as created, failures are audited", async ({ db }) => {
    const crm = await startFakeCrm({ token: CRM_TOKEN });
    onTestFinished(() => crm.stop());
    const { ctx, deals, audits } = await setup(db, crmOf("pipedrive", { baseUrl: crm.url }), { token: "wrong-token" });
    expect(await runCrmTool({ title: "Maria", fields: { interesse: "limpeza" } }, ctx)).toEqual({
      created: false,
      error: "ask the customer first",
      missing: ["orcamento"],
    });
    expect(await runCrmTool({ fields: qualified.fields }, ctx)).toMatchObject({ created: false, error: "title is required" });
    expect(crm.requests).toHaveLength(0);
    expect(await runCrmTool(qualified, ctx)).toMatchObject({ created: false, error: expect.stringContaining("could not be reached") });
    expect(crm.requests.map((r) => r.status)).toEqual([401]);
    await db.execute(sql`update tenants set crm_token_enc = ${encryptSecret(TEST_SECRET_KEY, CRM_TOKEN)} where id = ${ctx.conversation.tenantId}::uuid`);
    crm.failNext(1, 500);
    expect(await runCrmTool(qualified, ctx)).toMatchObject({ created: false });
    expect(crm.requests).toHaveLength(2); // no blind retry of a create
    expect(await deals()).toEqual([]);
    const failed = await audits("crm.deal_failed");
    expect(failed.map((a) => String(a.data.error)).sort()).toEqual(["Pipedrive answered 401", "Pipedrive answered 500"]);
    expect(JSON.stringify(failed)).not.toContain(CRM_TOKEN);
    // A CRM that does not answer at all: the error names no URL (the URL carries the token).
    const gone = { ...ctx, crm: crmOf("pipedrive", { baseUrl: "http://127.0.0.1:9" }) };
    expect(await runCrmTool(qualified, gone)).toMatchObject({ created: false });
    expect(JSON.stringify(await audits("crm.deal_failed"))).not.toContain(CRM_TOKEN);
  });

  test("a baseUrl off the CRM's own API hosts gets no token: refused before any connection, audited and logged as refused, no retry", async ({ db }) => {
    const crm = await startFakeCrm({ token: CRM_TOKEN });
    onTestFinished(() => crm.stop());
    // "localhost" reaches the fake CRM (127.0.0.1, which the suite's LX_EGRESS_ALLOW opens) but is
    // neither Pipedrive's host nor a destination LX_EGRESS_ALLOW names: as a spec's own host would be.
    const elsewhere = `http://localhost:${new URL(crm.url).port}`;
    const lines: string[] = [];
    const logger = createLogger("info", { write: (line: string) => lines.push(line) });
    for (const backend of ["pipedrive", "rdstation"] as const) {
      const { ctx, deals, audits } = await setup(db, crmOf(backend, { baseUrl: elsewhere }));
      expect(await runCrmTool(qualified, { ...ctx, logger })).toEqual({
        created: false,
        error: "the CRM could not be reached; do not tell the customer it was recorded",
      });
      expect(await deals()).toEqual([]);
      const [failed, ...more] = await audits("crm.deal_failed");
      expect(more).toEqual([]);
      expect(String(failed?.data.error)).toMatch(/^EgressRefused: refused: the CRM token goes only to https on .*, not to http:\/\/localhost:\d+ \(LX_EGRESS_ALLOW lists other destinations\)$/);
      expect(JSON.stringify(failed)).not.toContain(CRM_TOKEN);
    }
    expect(crm.requests).toEqual([]);
    const warned = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "CRM deal not created");
    expect(warned.map((l) => [l.system, l.failure])).toEqual([
      ["pipedrive", "refused"],
      ["rdstation", "refused"],
    ]);
    expect(lines.join("\n")).not.toContain(CRM_TOKEN);
  });

  test("in a conversation: the model's create_deal reaches the CRM and its result comes back as the tool message", async ({ db, dbUrl }) => {
    const crm = await startFakeCrm({ token: CRM_TOKEN });
    onTestFinished(() => crm.stop());
    const spec: TAgentSpec = {
      ...havenSpec,
      model: { provider: "openai", name: "gpt-4o-mini" },
      context: { ...havenSpec.context, burstWindowMs: 0 },
      plugins: { crm: { backend: "pipedrive", baseUrl: crm.url, qualifyFields: ["interesse"] } },
    };
    const s = await startStack(db, dbUrl, { spec });
    onTestFinished(() => s.stop());
    await db.execute(sql`update tenants set crm_token_enc = ${encryptSecret(TEST_SECRET_KEY, CRM_TOKEN)} where id = ${s.tenantId}::uuid`);
    s.llm.setReply((req) => {
      const last = (req.body as { messages: { role: string; content: string | null }[] }).messages.at(-1);
      if (last?.role === "user") {
        return { toolCalls: [{ name: "create_deal", arguments: { title: "Lead WhatsApp", fields: { interesse: "botox" } } }] };
      }
      return { text: `Registrado: ${last?.content ?? ""}` };
    });
    await s.startWorker();
    await s.customer("5511966660001").text("Tenho interesse em botox");
    const [sent] = await eventually(
      async () => s.graph.requests.filter((r) => r.kind === "send" && r.outcome === "sent"),
      (r) => r.length === 1,
    );
    expect(sent?.text).toBe('Registrado: {"created":true,"dealId":"1000"}');
    expect(crm.requests.map((r) => r.path)).toEqual(["/v1/deals", "/v1/notes"]);
  });
});

/**
 * The authorisation matrix: every procedure of appRouter, called as anonymous, as a client of
 * another tenant, as the tenant's own client and as an operator. A new procedure without a row
 * here fails the first test.
 */
import { TRPCError } from "@trpc/server";
import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import {
  activateVersion,
  createPasswordLink,
  createTemplate,
  publishVersion,
  requestTestRun,
  saveTestCase,
} from "@lx/db/queries";
import {
  dbTest,
  seedAgent,
  seedConversation,
  seedInbound,
  seedNumber,
  seedOutbound,
  seedTenant,
  seedUser,
  TEST_ACTOR,
} from "@lx/db/testing";
import { startFakeSmtp } from "@lx/sandbox";
import { havenSpec, minimalSpec } from "@lx/shared/testing";

import { PasswordMail } from "../services/password-mail.ts";
import { callerFor, memoryLogger, sessionFor } from "../testing/harness.ts";
import { appRouter } from "./root.ts";

/**
 * public: anyone. authed: any signed-in user. operator: operators only (clients FORBIDDEN).
 * tenant: operators, or the client of that tenant (a client of another tenant: NOT_FOUND).
 * tenant-operator: operators only (clients FORBIDDEN, before the tenant is even looked up).
 * tenant-client: the client of that tenant only (a client of another tenant: NOT_FOUND; operators:
 * FORBIDDEN — the client's approval is the client's to give).
 */
type Level = "public" | "authed" | "operator" | "tenant" | "tenant-operator" | "tenant-client";

type Fixture = Awaited<ReturnType<typeof setup>>;

/**
 * `audit`: the audit event types the operator's call below writes, in order. Every mutation states
 * them, or why it records nothing ("every change audited"); a query records nothing unless it says.
 */
type Row = { level: Level; kind: "query" | "mutation"; input: (f: Fixture) => unknown; audit?: string[] };

const renamed = (name: string) => ({ ...havenSpec, agent: { ...havenSpec.agent, name } });

const MATRIX: Record<string, Row> = {
  "auth.login": {
    level: "public",
    kind: "mutation",
    audit: ["auth.login"],
    input: (f) => ({ email: f.operator.email, password: f.operator.password }),
  },
  "auth.logout": { level: "authed", kind: "mutation", audit: ["auth.logout"], input: () => undefined },
  // The link's token is the authority (a client of tenant A's, made in setup).
  "auth.passwordLink": { level: "public", kind: "query", input: (f) => ({ token: f.passwordLinkToken }) },
  "auth.setPasswordWithLink": { level: "public", kind: "mutation", audit: ["user.password_reset", "auth.login"], input: (f) => ({ token: f.passwordLinkToken, password: "long enough" }) },
  "auth.me": { level: "public", kind: "query", input: () => undefined },
  "auth.options": { level: "public", kind: "query", input: () => undefined },
  // Answers the same for any e-mail (this server has no SMTP_URL: INVALID_STATE for everyone).
  "auth.requestPasswordReset": { level: "public", kind: "mutation", audit: ["user.password_link_created"], input: (f) => ({ email: f.clientA.email }) },
  "tenants.list": { level: "operator", kind: "query", input: () => undefined },
  "tenants.waitingCount": { level: "operator", kind: "query", input: () => undefined },
  "tenants.byId": { level: "tenant", kind: "query", input: (f) => ({ id: f.tenantA.id }) },
  "tenants.bySlug": { level: "tenant", kind: "query", input: (f) => ({ tenantSlug: f.tenantA.slug }) },
  // Active → active: a valid call that changes nothing (the other rows need the tenant running).
  "tenants.setStatus": { level: "tenant-operator", kind: "mutation", audit: [], input: (f) => ({ tenantSlug: f.tenantA.slug, status: "active" }) },
  "agents.list": { level: "tenant", kind: "query", input: (f) => ({ tenantSlug: f.tenantA.slug }) },
  "versions.list": {
    level: "tenant",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug }),
  },
  "versions.byVersion": {
    level: "tenant",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug, version: "1.0.0" }),
  },
  // What a version changes: the client reviews it before approving (a read, nothing recorded).
  "versions.changes": {
    level: "tenant",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug, version: "1.0.0" }),
  },
  // A preview: compiling writes nothing (publishing does).
  "versions.compile": {
    level: "tenant-operator",
    kind: "mutation",
    audit: [],
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug, spec: renamed("Compiled") }),
  },
  "versions.publish": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["version.published"],
    input: (f) => ({
      tenantSlug: f.tenantA.slug,
      agentSlug: f.agentA.slug,
      spec: renamed(`Published ${f.tenantA.slug}`),
      bump: "minor",
      changelog: "matrix",
    }),
  },
  // 1.0.1 is already the active version (setup): nothing changes.
  "versions.activate": {
    level: "tenant-operator",
    kind: "mutation",
    audit: [],
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug, version: "1.0.1" }),
  },
  "versions.rollback": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["version.rolled_back"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug }),
  },
  // The client decides: an operator is FORBIDDEN and writes nothing (the tenant's client approves below).
  "versions.approve": {
    level: "tenant-client",
    kind: "mutation",
    audit: [],
    input: (f) => ({
      tenantSlug: f.tenantA.slug,
      agentSlug: f.agentA.slug,
      version: "1.0.1",
      decision: "approved",
    }),
  },
  // Operators only: the trail holds other logins' addresses, operators' e-mails, exports, rotations.
  "audit.list": { level: "operator", kind: "query", input: (f) => ({ tenantSlug: f.tenantA.slug }) },
  "drafts.get": {
    level: "tenant-operator",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug }),
  },
  "drafts.save": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["draft.saved"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug, spec: renamed("Rascunho") }),
  },
  // Runs before drafts.save: there is no draft to discard yet, so nothing changes.
  "drafts.discard": {
    level: "tenant-operator",
    kind: "mutation",
    audit: [],
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug }),
  },
  "conversations.list": {
    level: "tenant-operator",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug }),
  },
  "conversations.byId": {
    level: "tenant-operator",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug, conversationId: f.conversationA.id }),
  },
  // Runs after conversations.reply, which took the conversation over (handoff.taken_over).
  "conversations.takeOver": {
    level: "tenant-operator",
    kind: "mutation",
    audit: [],
    input: (f) => ({ tenantSlug: f.tenantA.slug, conversationId: f.conversationA.id }),
  },
  "conversations.reply": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["handoff.taken_over", "message.human_reply"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, conversationId: f.conversationA.id, text: "Olá!" }),
  },
  // Runs first of the conversation's writes: the bot already has it, so nothing changes.
  "conversations.handBack": {
    level: "tenant-operator",
    kind: "mutation",
    audit: [],
    input: (f) => ({ tenantSlug: f.tenantA.slug, conversationId: f.conversationA.id }),
  },
  "conversations.move": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["conversation.agent_changed"],
    input: (f) => ({
      tenantSlug: f.tenantA.slug,
      conversationId: f.conversationA.id,
      agentSlug: f.agentA.slug,
    }),
  },
  "operations.overview": { level: "operator", kind: "query", input: (f) => ({ tenantSlug: f.tenantA.slug }) },
  "operations.deadJobs": { level: "operator", kind: "query", input: () => ({}) },
  "operations.retryJob": { level: "operator", kind: "mutation", audit: ["job.retried"], input: (f) => ({ jobId: f.deadJobId }) },
  "operations.failedSends": {
    level: "operator",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug }),
  },
  "operations.retrySend": { level: "operator", kind: "mutation", audit: ["send.retried"], input: (f) => ({ outboxId: f.deadSendId }) },
  "operations.numbers": { level: "operator", kind: "query", input: () => ({}) },
  "operations.pauseNumber": {
    level: "operator",
    kind: "mutation",
    audit: ["number.paused"],
    input: (f) => ({ numberId: f.numberA.id, reason: "matrix" }),
  },
  "appointments.list": {
    level: "tenant",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug, when: "upcoming" }),
  },
  "appointments.cancel": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["appointment.cancelled"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, appointmentId: f.appointmentAId }),
  },
  "deals.list": { level: "tenant", kind: "query", input: (f) => ({ tenantSlug: f.tenantA.slug }) },
  // A read that records who saw the metrics (the onboarding checklist's "client saw their metrics").
  "metrics.tenant": {
    level: "tenant",
    kind: "query",
    audit: ["metrics.viewed"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, days: 7 }),
  },
  "regression.cases": {
    level: "tenant",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug }),
  },
  "regression.saveCase": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["agent_test.case_updated"],
    input: (f) => ({
      tenantSlug: f.tenantA.slug,
      agentSlug: f.agentA.slug,
      id: f.keptCaseId,
      testCase: { name: "kept", turns: [{ customer: "quanto custa?" }], expectations: [{ kind: "contains", text: "R$" }] },
    }),
  },
  "regression.deleteCase": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["agent_test.case_deleted"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug, id: f.spareCaseId }),
  },
  "regression.start": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["agent_test.requested"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug, version: "1.0.0", kind: "replay" }),
  },
  "regression.runs": {
    level: "tenant",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug }),
  },
  "regression.run": {
    level: "tenant",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug, id: f.testRunId }),
  },
  "sandbox.target": {
    level: "tenant-operator",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug }),
  },
  // The test chat's message: a sandbox conversation's own messages are its record, as a customer's are.
  "sandbox.send": {
    level: "tenant-operator",
    kind: "mutation",
    audit: [],
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug, text: "oi, é um teste" }),
  },
  "sandbox.handoffTest": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["number.waba_recorded", "handoff_test.failed"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, agentSlug: f.agentA.slug }),
  },
  "onboarding.create": {
    level: "operator",
    kind: "mutation",
    audit: ["version.published", "version.activated", "apply.completed", "tenant.onboarded"],
    input: (f) => ({
      tenant: { slug: `novo-${f.tenantA.slug}`, name: "Nova Empresa" },
      agents: [{ slug: "atendimento", spec: minimalSpec }],
      numbers: [],
    }),
  },
  // Routing by number: what the tenant had (a valid call that changes nothing).
  "tenants.setRouting": {
    level: "tenant-operator",
    kind: "mutation",
    audit: [],
    input: (f) => ({ tenantSlug: f.tenantA.slug, routing: { mode: "number" } }),
  },
  "agents.create": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["agent.created"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, slug: "matriz-vendas", name: "Vendas", copyFrom: f.agentA.slug }),
  },
  "numbers.list": {
    level: "tenant-operator",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug }),
  },
  "numbers.add": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["number.added"],
    input: (f) => ({
      tenantSlug: f.tenantA.slug,
      number: {
        phoneNumberId: f.spareNumberId,
        displayPhoneNumber: "+55 11 90000-0002",
        accessToken: "EAAG-matrix",
        kind: "sandbox",
        agentSlug: f.agentA.slug,
      },
    }),
  },
  "numbers.update": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["number.updated"],
    input: (f) => ({
      tenantSlug: f.tenantA.slug,
      numberId: f.numberA.id,
      number: { displayPhoneNumber: "+55 11 90000-0001", kind: "meta", agentSlug: f.agentA.slug },
    }),
  },
  // Removed by the operator's call: a number no customer wrote to (the other rows use numberA and
  // the sandbox number).
  "numbers.remove": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["number.removed"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, numberId: f.unusedNumberA.id }),
  },
  "integrations.get": {
    level: "tenant-operator",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug }),
  },
  "integrations.rotateWebhookSecret": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["tenant.webhook_secret_rotated"],
    input: (f) => ({ tenantSlug: f.tenantA.slug }),
  },
  "integrations.setWebhookSecret": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["tenant.webhook_secret_rotated"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, secret: "matrix-webhook-secret" }),
  },
  "integrations.setCrmToken": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["tenant.crm_token_set"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, token: "matrix-crm-token" }),
  },
  // Tenant A's active version uses no CRM: allowed (and a no-op before the operator's setCrmToken).
  "integrations.clearCrmToken": {
    level: "tenant-operator",
    kind: "mutation",
    audit: [],
    input: (f) => ({ tenantSlug: f.tenantA.slug }),
  },
  "templates.list": {
    level: "tenant-operator",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug }),
  },
  "templates.create": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["template.created"],
    input: (f) => ({
      tenantSlug: f.tenantA.slug,
      template: { name: "matriz_novo", language: "pt_BR", category: "utility", body: "Olá {{1}}" },
    }),
  },
  "templates.update": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["template.updated"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, templateId: f.keptTemplateId, template: { category: "marketing", body: "Oi {{1}}" } }),
  },
  // Removed by the operator's call (the update row keeps keptTemplateId).
  "templates.remove": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["template.removed"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, templateId: f.spareTemplateId }),
  },
  "setup.checklist": {
    level: "tenant-operator",
    kind: "query",
    input: (f) => ({ tenantSlug: f.tenantA.slug }),
  },
  "operations.unpauseNumber": {
    level: "operator",
    kind: "mutation",
    audit: ["number.unpaused"],
    input: (f) => ({ numberId: f.numberA.id }),
  },
  "customers.export": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["customer.exported"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, conversationId: f.conversationA.id }),
  },
  "customers.erase": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["customer.erased"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, conversationId: f.spareConversationA.id, confirm: "APAGAR" }),
  },
  "customers.setRetention": {
    level: "tenant-operator",
    kind: "mutation",
    audit: ["tenant.retention_changed"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, days: 365 }),
  },
  "users.list": { level: "operator", kind: "query", input: (f) => ({ tenantSlug: f.tenantA.slug }) },
  "users.create": {
    level: "operator",
    kind: "mutation",
    audit: ["user.created"],
    input: (f) => ({ tenantSlug: f.tenantA.slug, email: `new-${f.tenantA.slug}@example.test`, password: "long enough" }),
  },
  "users.createPasswordLink": { level: "operator", kind: "mutation", audit: ["user.password_link_created"], input: (f) => ({ userId: f.spareClientA.id }) },
  "users.setPassword": { level: "operator", kind: "mutation", audit: ["user.password_reset"], input: (f) => ({ userId: f.spareClientA.id, password: "another one" }) },
  "users.setDisabled": { level: "operator", kind: "mutation", audit: ["user.disabled"], input: (f) => ({ userId: f.spareClientA.id, disabled: true }) },
};

/** Tenant A has an agent with 1.0.0 then 1.0.1 activated (so rollback works); B is another tenant. */
async function setup(db: Database) {
  const tenantA = await seedTenant(db);
  const tenantB = await seedTenant(db);
  const { agent: agentA } = await seedAgent(db, { tenantId: tenantA.id });
  await publishVersion(db, {
    tenantId: tenantA.id,
    agentId: agentA.id,
    spec: renamed("Bia"),
    actor: TEST_ACTOR,
  });
  await activateVersion(db, {
    tenantId: tenantA.id,
    agentId: agentA.id,
    version: "1.0.1",
    actor: TEST_ACTOR,
  });
  const numberA = await seedNumber(db, { tenantId: tenantA.id, agentId: agentA.id });
  await seedNumber(db, { tenantId: tenantA.id, agentId: agentA.id, kind: "sandbox" });
  // Removed by the operator's call of numbers.remove (no conversation hangs on it).
  const unusedNumberA = await seedNumber(db, { tenantId: tenantA.id, agentId: agentA.id });
  const conversationA = await seedConversation(db, { tenantId: tenantA.id, numberId: numberA.id });
  await seedInbound(db, { tenantId: tenantA.id, conversationId: conversationA.id, body: "oi" });
  // Erased by the operator's call of customers.erase (the other rows keep conversationA).
  const spareConversationA = await seedConversation(db, { tenantId: tenantA.id, numberId: numberA.id });
  const [deadJob] = await db.$client<{ id: string }[]>`
    insert into message_queue (tenant_id, task, status, attempts, last_error, finished_at)
    values (${tenantA.id}, 'handoff.notify', 'dead', 5, 'boom', now()) returning id`;
  const { outbox: deadSend } = await seedOutbound(db, {
    tenantId: tenantA.id,
    conversationId: conversationA.id,
    numberId: numberA.id,
    author: "bot",
    body: "olá",
    status: "dead",
  });
  await seedAgent(db, { tenantId: tenantB.id });
  const [appointmentA] = await db.$client<{ id: string }[]>`
    insert into appointments (tenant_id, conversation_id, customer_key, starts_at, ends_at)
    values (${tenantA.id}, ${conversationA.id}, ${conversationA.customerKey}, now() + interval '1 day', now() + interval '1 day 30 minutes')
    returning id`;
  const testCase = (name: string) => ({ name, turns: [{ customer: "oi" }], expectations: [{ kind: "no_handoff" as const }] });
  const keptCase = await saveTestCase(db, { tenantId: tenantA.id, agentId: agentA.id, testCase: testCase("kept"), actor: TEST_ACTOR });
  const spareCase = await saveTestCase(db, { tenantId: tenantA.id, agentId: agentA.id, testCase: testCase("spare"), actor: TEST_ACTOR });
  const run = await requestTestRun(db, {
    tenantId: tenantA.id,
    agentId: agentA.id,
    version: "1.0.0",
    kind: "cases",
    replayLimit: 10,
    actor: TEST_ACTOR,
  });
  const declared = (name: string) =>
    createTemplate(db, { tenantId: tenantA.id, template: { name, language: "pt_BR", category: "utility", body: "Olá {{1}}" }, actor: TEST_ACTOR });
  const keptTemplate = await declared("matriz_mantido");
  const spareTemplate = await declared("matriz_sobra");
  const operator = await seedUser(db, { role: "operator" });
  const clientA = await seedUser(db, { role: "client", tenantId: tenantA.id });
  const clientB = await seedUser(db, { role: "client", tenantId: tenantB.id });
  const spareClientA = await seedUser(db, { role: "client", tenantId: tenantA.id });
  const linkClientA = await seedUser(db, { role: "client", tenantId: tenantA.id });
  const passwordLink = await createPasswordLink(db, { userId: linkClientA.id, actor: TEST_ACTOR });
  return {
    tenantA,
    tenantB,
    agentA,
    numberA,
    unusedNumberA,
    conversationA,
    spareConversationA,
    deadJobId: Number(deadJob?.id),
    deadSendId: deadSend?.id ?? 0,
    appointmentAId: appointmentA?.id ?? "",
    keptCaseId: keptCase.id,
    spareCaseId: spareCase.id,
    testRunId: run.id,
    keptTemplateId: keptTemplate.id,
    spareNumberId: `1099${Date.now()}`,
    spareTemplateId: spareTemplate.id,
    operator,
    clientA,
    clientB,
    spareClientA,
    passwordLinkToken: passwordLink.token,
    sessions: {
      operator: await sessionFor(db, operator.email, operator.password),
      clientA: await sessionFor(db, clientA.email, clientA.password),
      clientB: await sessionFor(db, clientB.email, clientB.password),
    },
  };
}

type Outcome = { ok: true; data: unknown } | { ok: false; code: string; message: string };

async function call(caller: unknown, path: string, input: unknown): Promise<Outcome> {
  const fn = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller);
  try {
    return { ok: true, data: await (fn as (input: unknown) => Promise<unknown>)(input) };
  } catch (err) {
    if (err instanceof TRPCError) {
      return { ok: false, code: err.code, message: err.message };
    }
    throw err;
  }
}

/** What tenant A's data looks like; negative passes must leave it untouched. */
async function snapshotTenantA(db: Database, f: Fixture) {
  const versions = await db.$client`
    select a.active_version_id, v.version, v.approval_status,
           (select count(*)::int from agent_activations x where x.agent_id = a.id) as activations
    from agents a join agent_versions v on v.agent_id = a.id
    where a.tenant_id = ${f.tenantA.id} order by v.version`;
  const conversations = await db.$client`
    select c.id, c.mode, c.agent_id,
           (select count(*)::int from messages m where m.conversation_id = c.id) as messages,
           (select count(*)::int from outbox_messages o where o.conversation_id = c.id) as sends
    from conversations c where c.tenant_id = ${f.tenantA.id} order by c.id`;
  const numbers = await db.$client`
    select id, display_phone_number, kind, agent_id, waba_id, access_token_enc, send_paused_at, pause_reason
    from phone_numbers where tenant_id = ${f.tenantA.id} order by id`;
  const jobs = await db.$client`
    select id, status, attempts from message_queue where tenant_id = ${f.tenantA.id} order by id`;
  const sends = await db.$client`
    select id, status, attempts from outbox_messages where tenant_id = ${f.tenantA.id} order by id`;
  const appointments = await db.$client`
    select id, status from appointments where tenant_id = ${f.tenantA.id} order by id`;
  const testCases = await db.$client`
    select id, name, turns, expectations from agent_test_cases where tenant_id = ${f.tenantA.id} order by id`;
  const testRuns = await db.$client`
    select id, status from agent_test_runs where tenant_id = ${f.tenantA.id} order by id`;
  const agents = await db.$client`
    select slug, name from agents where tenant_id = ${f.tenantA.id} order by slug`;
  // The sealed secrets too: a refused call must not have replaced or cleared one.
  const routing = await db.$client`select routing, webhook_secret_enc, crm_token_enc from tenants where id = ${f.tenantA.id}`;
  const templates = await db.$client`
    select name, language, category, purpose, body, status from templates where tenant_id = ${f.tenantA.id} order by name`;
  return { versions, conversations, numbers, jobs, sends, appointments, testCases, testRuns, templates, agents, routing };
}

/** At runtime `_def.procedures` is flat, keyed by dotted path ("versions.publish"). */
const flatProcedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
const procedures = Object.keys(flatProcedures).sort();

describe("authorisation matrix", () => {
  dbTest("covers every procedure of appRouter, with its kind, and every mutation with its audit events", () => {
    expect(procedures).toEqual(Object.keys(MATRIX).sort());
    for (const [path, procedure] of Object.entries(flatProcedures)) {
      expect({ path, kind: procedure._def.type }).toEqual({
        path,
        kind: MATRIX[path]?.kind,
      });
      if (procedure._def.type === "mutation") {
        expect({ path, audit: Array.isArray(MATRIX[path]?.audit) }).toEqual({ path, audit: true });
      }
    }
  });

  dbTest("anonymous: everything but auth.login and auth.me is UNAUTHORIZED", async ({ db }) => {
    const f = await setup(db);
    const before = await snapshotTenantA(db, f);
    const { caller } = callerFor(db, null);
    for (const path of procedures) {
      const row = MATRIX[path];
      if (!row || row.level === "public") {
        continue;
      }
      const result = await call(caller, path, row.input(f));
      expect({ path, ...result }).toMatchObject({ path, ok: false, code: "UNAUTHORIZED" });
    }
    // The documented public behaviour.
    expect(await call(caller, "auth.me", undefined)).toEqual({ ok: true, data: null });
    const login = await call(caller, "auth.login", MATRIX["auth.login"]?.input(f));
    expect(login).toMatchObject({ ok: true, data: { user: { id: f.operator.id, role: "operator" } } });
    expect(await snapshotTenantA(db, f)).toEqual(before);
  });

  dbTest("a client of another tenant gets NOT_FOUND or FORBIDDEN, never data", async ({ db }) => {
    const f = await setup(db);
    const before = await snapshotTenantA(db, f);
    const { caller } = callerFor(db, f.sessions.clientB);
    for (const path of procedures) {
      const row = MATRIX[path];
      if (!row || row.level === "public" || row.level === "authed") {
        continue;
      }
      const result = await call(caller, path, row.input(f));
      const expected = row.level === "tenant" || row.level === "tenant-client" ? "NOT_FOUND" : "FORBIDDEN";
      expect({ path, ...result }).toMatchObject({ path, ok: false, code: expected });
    }
    // Another tenant reads exactly like one that does not exist (same code, same message pattern).
    const missingSlug = "no-such-tenant";
    const missing = await call(caller, "tenants.bySlug", { tenantSlug: missingSlug });
    const other = await call(caller, "tenants.bySlug", { tenantSlug: f.tenantA.slug });
    expect(missing).toEqual({ ok: false, code: "NOT_FOUND", message: `unknown tenant "${missingSlug}"` });
    expect(other).toEqual({ ok: false, code: "NOT_FOUND", message: `unknown tenant "${f.tenantA.slug}"` });
    const missingId = "00000000-0000-4000-8000-000000000000";
    expect(await call(caller, "tenants.byId", { id: missingId })).toEqual({
      ok: false,
      code: "NOT_FOUND",
      message: `unknown tenant ${missingId}`,
    });

    // auth.me is about the caller only.
    expect(await call(caller, "auth.me", undefined)).toMatchObject({
      ok: true,
      data: { user: { id: f.clientB.id, tenantId: f.tenantB.id } },
    });
    // The audit trail is the agency's, their own tenant's included: refused with or without a filter.
    for (const input of [{}, { tenantSlug: f.tenantB.slug }]) {
      expect(await call(caller, "audit.list", input)).toMatchObject({ ok: false, code: "FORBIDDEN" });
    }

    expect(await snapshotTenantA(db, f)).toEqual(before);
  });

  dbTest("the tenant's own client reads everything but may write only approvals", async ({ db }) => {
    const f = await setup(db);
    const { caller } = callerFor(db, f.sessions.clientA);
    const beforeWrites = await snapshotTenantA(db, f);
    // Writes first, so logout (allowed: it is the client's own session) does not matter.
    const ordered = [...procedures].sort((a, b) => Number(a === "auth.logout") - Number(b === "auth.logout"));
    for (const path of ordered) {
      const row = MATRIX[path];
      // Public writes whose authority is their input (credentials, a link), not the session.
      if (!row || path === "auth.login" || path === "auth.setPasswordWithLink" || path === "auth.requestPasswordReset" || path === "versions.approve") {
        continue;
      }
      const result = await call(caller, path, row.input(f));
      if (row.level === "operator" || row.level === "tenant-operator") {
        expect({ path, ...result }).toMatchObject({ path, ok: false, code: "FORBIDDEN" });
      } else {
        expect({ path, ok: result.ok }).toEqual({ path, ok: true });
        if (row.kind === "mutation") {
          expect(path).toBe("auth.logout");
        }
      }
    }
    expect(await snapshotTenantA(db, f)).toEqual(beforeWrites);

    const approve = await call(caller, "versions.approve", MATRIX["versions.approve"]?.input(f));
    expect(approve).toEqual({
      ok: true,
      data: { version: "1.0.1", approvalStatus: "approved", changed: true },
    });
  });

  dbTest("an operator passes every check (the matrix inputs are valid), but the client's approval", async ({ db }) => {
    const f = await setup(db);
    // A server that sends e-mail, so that auth.requestPasswordReset can succeed too.
    const smtp = await startFakeSmtp();
    const mail = new PasswordMail(db, { smtpUrl: smtp.url, from: "lx@agencia.test", publicUrl: "https://console.test" }, memoryLogger().logger);
    onTestFinished(async () => {
      await mail.close();
      await smtp.stop();
    });
    const { caller } = callerFor(db, f.sessions.operator, { mail });
    for (const path of procedures) {
      const row = MATRIX[path];
      if (!row) {
        continue;
      }
      const [last] = await db.$client<{ id: string }[]>`select coalesce(max(id), 0)::text as id from audit_events`;
      const result = await call(caller, path, row.input(f));
      if (row.level === "tenant-client") {
        expect({ path, ...result }).toMatchObject({ path, ok: false, code: "FORBIDDEN" });
      } else {
        expect({ path, ...result }).toMatchObject({ path, ok: true });
      }
      await mail.settled(); // a reset's link and its audit event are made after the answer
      const written = await db.$client<{ type: string }[]>`select type from audit_events where id > ${last!.id}::bigint order by id`;
      expect({ path, audit: written.map((e) => e.type) }).toEqual({ path, audit: row.audit ?? [] });
    }
  });
});

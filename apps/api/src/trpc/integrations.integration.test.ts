import { createHmac } from "node:crypto";

import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import type { Database } from "@lx/db/client";
import { activateVersion, expireWebhookSecretOverlaps, publishVersion } from "@lx/db/queries";
import { dbTest as test, seedAgent, seedTenant, seedUser, TEST_ACTOR, TEST_SECRET_KEY } from "@lx/db/testing";
import { decryptSecret } from "@lx/shared/crypto";
import type { TAgentSpec } from "@lx/shared";
import { havenSpec, minimalSpec } from "@lx/shared/testing";

import { actWhileHeld, buildTestApp, callerFor, sessionCookieFrom, sessionFor } from "../testing/harness.ts";

// Who may call them (operators only) is in authorization.integration.test.ts, too.

const HANDOFF_URL = "https://n8n.clinica.test/webhook/handoff";
const CALENDAR_URL = "https://n8n.clinica.test/webhook/agenda";

/** Haven's spec, its handoff notice and calendar going to the tenant's n8n. */
const signingSpec: TAgentSpec = {
  ...havenSpec,
  handoff: { ...havenSpec.handoff, notifyWebhookUrl: HANDOFF_URL },
  plugins: { calendar: { backend: "webhook", webhookUrl: CALENDAR_URL } },
};
const pipedriveSpec: TAgentSpec = {
  ...minimalSpec,
  plugins: {
    crm: { backend: "pipedrive", baseUrl: "https://clinica.pipedrive.com", qualifyFields: ["interesse"] },
  },
};

async function storedSecrets(db: Database, tenantId: string) {
  const [row] = await db.execute<{ webhook_secret_enc: string | null; crm_token_enc: string | null }>(sql`
    select webhook_secret_enc, crm_token_enc from tenants where id = ${tenantId}`);
  return {
    webhookBox: row?.webhook_secret_enc ?? null,
    webhookSecret: row?.webhook_secret_enc ? decryptSecret(TEST_SECRET_KEY, row.webhook_secret_enc) : null,
    crmToken: row?.crm_token_enc ? decryptSecret(TEST_SECRET_KEY, row.crm_token_enc) : null,
  };
}

async function auditOf(db: Database, tenantId: string) {
  return db.execute<{
    type: string;
    actor_label: string;
    before: unknown;
    after: unknown;
    data: unknown;
  }>(sql`
    select type, actor_label, before, after, data from audit_events
    where tenant_id = ${tenantId} and type like 'tenant.%' order by id`);
}

/** `X-LX-Signature` as CONTRACT.md defines it. */
const signature = (secret: string, raw: string) =>
  `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;

async function operatorOf(db: Database) {
  const operator = await seedUser(db, { role: "operator" });
  return { operator, op: callerFor(db, await sessionFor(db, operator.email, operator.password)).caller };
}

describe("integrations: the tenant's webhook signing secret and CRM token from the console", () => {
  test("an operator sees where the active versions send signed requests, never a secret; a new secret is made, stored sealed, answered once and signs what follows; a pasted one is taken trimmed; env: and short ones are refused; all audited without them", async ({
    db,
  }) => {
    const tenant = await seedTenant(db, { webhookSecret: "old-secret-the-receiver-had" });
    await seedAgent(db, { tenantId: tenant.id, slug: "recepcao", spec: signingSpec });
    // A draft-only agent uses nothing.
    await seedAgent(db, { tenantId: tenant.id, slug: "vendas", spec: pipedriveSpec, activate: false });
    const { operator, op } = await operatorOf(db);
    const scope = { tenantSlug: tenant.slug };

    const overview = await op.integrations.get(scope);
    expect(overview).toEqual({
      webhookSecret: { set: true, previousUntil: null },
      crmToken: { set: false },
      agents: [
        {
          slug: "recepcao",
          name: signingSpec.agent.name,
          activeVersion: "1.0.0",
          handoffNotifyUrl: HANDOFF_URL,
          calendarWebhookUrl: CALENDAR_URL,
          crm: null,
        },
        {
          slug: "vendas",
          name: pipedriveSpec.agent.name,
          activeVersion: null,
          handoffNotifyUrl: null,
          calendarWebhookUrl: null,
          crm: null,
        },
      ],
      warnings: [],
    });

    const { secret } = await op.integrations.rotateWebhookSecret(scope);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secret).not.toBe("old-secret-the-receiver-had");
    const stored = await storedSecrets(db, tenant.id);
    expect(stored.webhookBox).not.toContain(secret);
    expect(stored.webhookSecret).toBe(secret);
    // The next outgoing request is signed with the stored secret: the receiver verifies it with the
    // one shown, and no longer with the old one.
    const raw = JSON.stringify({
      event: "handoff.started",
      tenant: tenant.slug,
      agent: "recepcao",
      requestId: "handoff-1",
    });
    expect(signature(stored.webhookSecret ?? "", raw)).toBe(signature(secret, raw));
    expect(signature(stored.webhookSecret ?? "", raw)).not.toBe(
      signature("old-secret-the-receiver-had", raw),
    );

    const second = await op.integrations.rotateWebhookSecret(scope);
    expect(second.secret).not.toBe(secret);
    expect((await storedSecrets(db, tenant.id)).webhookSecret).toBe(second.secret);

    // The one the tenant's n8n already checks, pasted (with the spaces a copy brings).
    const given = "n8n-shared-secret-2024-abc";
    expect(await op.integrations.setWebhookSecret({ ...scope, secret: `  ${given}\n` })).toEqual({
      set: true,
    });
    expect((await storedSecrets(db, tenant.id)).webhookSecret).toBe(given);
    await expect(
      op.integrations.setWebhookSecret({ ...scope, secret: "env:N8N_SECRET" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("paste the secret itself, not an env: reference") as unknown,
    });
    await expect(op.integrations.setWebhookSecret({ ...scope, secret: "curto" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("must be at least 16 characters") as unknown,
    });
    await expect(op.integrations.setWebhookSecret({ ...scope, secret: "   " })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect((await storedSecrets(db, tenant.id)).webhookSecret).toBe(given);

    const events = await auditOf(db, tenant.id);
    expect(events).toEqual([
      {
        type: "tenant.webhook_secret_rotated",
        actor_label: operator.email,
        before: { webhookSecret: "set" },
        after: { webhookSecret: "replaced" },
        data: { source: "generated", overlapHours: 24 },
      },
      expect.objectContaining({ type: "tenant.webhook_secret_rotated", data: { source: "generated", overlapHours: 24 } }),
      expect.objectContaining({ type: "tenant.webhook_secret_rotated", data: { source: "given", overlapHours: 24 } }),
    ]);
    const everything = JSON.stringify([
      events,
      await op.integrations.get(scope),
      await op.audit.list({ tenantSlug: tenant.slug }),
    ]);
    for (const value of [secret, second.secret, given, "old-secret-the-receiver-had"]) {
      expect(everything).not.toContain(value);
    }
  });

  test("a rotation keeps the replaced secret sealed for an overlap (24 h by default, or as chosen; none when it leaked), shown by its end and never by value; an overlap past its end is ignored, then erased; audited with the overlap", async ({
    db,
  }) => {
    const tenant = await seedTenant(db, { webhookSecret: "old-secret-the-receiver-had" });
    await seedAgent(db, { tenantId: tenant.id, slug: "recepcao", spec: signingSpec });
    const { op } = await operatorOf(db);
    const scope = { tenantSlug: tenant.slug };
    const previous = async () => {
      const [row] = await db.execute<{ box: string | null; hours: number | null }>(sql`
        select webhook_secret_previous_enc as box,
               round(extract(epoch from webhook_secret_previous_until - now()) / 3600)::int as hours
        from tenants where id = ${tenant.id}`);
      return { secret: row?.box ? decryptSecret(TEST_SECRET_KEY, row.box) : null, box: row?.box ?? null, hours: row?.hours ?? null };
    };

    const { secret } = await op.integrations.rotateWebhookSecret(scope);
    expect(await previous()).toMatchObject({ secret: "old-secret-the-receiver-had", hours: 24 });
    expect((await previous()).box).not.toContain("old-secret");
    const shown = (await op.integrations.get(scope)).webhookSecret;
    expect(shown.set).toBe(true);
    expect(Date.parse(shown.previousUntil ?? "") - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect(Date.parse(shown.previousUntil ?? "") - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);

    // Pasted with a one-hour overlap: the secret it replaces (the generated one) is the previous now.
    await op.integrations.setWebhookSecret({ ...scope, secret: "n8n-shared-secret-2024-abc", overlapHours: 1 });
    expect(await previous()).toMatchObject({ secret, hours: 1 });
    // Pasted again with none: the one it replaces goes at once, and so does the one kept before.
    await op.integrations.setWebhookSecret({ ...scope, secret: "n8n-shared-secret-2025-xyz", overlapHours: 0 });
    expect(await previous()).toEqual({ secret: null, box: null, hours: null });
    expect((await op.integrations.get(scope)).webhookSecret).toEqual({ set: true, previousUntil: null });

    // The old secret leaked: no overlap, and the previous one goes too.
    const leaked = await op.integrations.rotateWebhookSecret({ ...scope, overlapHours: 0 });
    expect(await previous()).toEqual({ secret: null, box: null, hours: null });
    expect((await op.integrations.get(scope)).webhookSecret).toEqual({ set: true, previousUntil: null });
    await expect(op.integrations.rotateWebhookSecret({ ...scope, overlapHours: 169 })).rejects.toMatchObject({ code: "BAD_REQUEST" });

    // An overlap past its end: not shown (nor used by the worker) at once; the sweep erases it.
    await op.integrations.rotateWebhookSecret(scope);
    await db.execute(sql`update tenants set webhook_secret_previous_until = now() - interval '1 second' where id = ${tenant.id}`);
    expect((await op.integrations.get(scope)).webhookSecret.previousUntil).toBeNull();
    expect((await previous()).secret).toBe(leaked.secret);
    expect(await expireWebhookSecretOverlaps(db)).toBe(1);
    expect(await previous()).toEqual({ secret: null, box: null, hours: null });
    expect(await expireWebhookSecretOverlaps(db)).toBe(0);

    const rotations = (await auditOf(db, tenant.id)).filter((e) => e.type === "tenant.webhook_secret_rotated").map((e) => e.data);
    expect(rotations).toEqual([
      { source: "generated", overlapHours: 24 },
      { source: "given", overlapHours: 1 },
      { source: "given", overlapHours: 0 },
      { source: "generated", overlapHours: 0 },
      { source: "generated", overlapHours: 24 },
    ]);
  });

  test("a tenant without a signing secret gets one with no overlap to keep", async ({ db }) => {
    const tenant = await seedTenant(db);
    await db.execute(sql`update tenants set webhook_secret_enc = null where id = ${tenant.id}`);
    const { op } = await operatorOf(db);
    await op.integrations.rotateWebhookSecret({ tenantSlug: tenant.slug });
    expect((await op.integrations.get({ tenantSlug: tenant.slug })).webhookSecret).toEqual({ set: true, previousUntil: null });
    const rotations = (await auditOf(db, tenant.id)).filter((e) => e.type === "tenant.webhook_secret_rotated").map((e) => e.data);
    expect(rotations).toEqual([{ source: "generated", overlapHours: 0 }]);
  });

  test("the CRM token is set, replaced and cleared, never shown; clearing is refused while an active version uses Pipedrive, naming it; the warnings say what would fail", async ({
    db,
  }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id, slug: "vendas", spec: pipedriveSpec });
    const { operator, op } = await operatorOf(db);
    const scope = { tenantSlug: tenant.slug };

    const before = await op.integrations.get(scope);
    expect(before.crmToken).toEqual({ set: false });
    expect(before.agents).toEqual([
      expect.objectContaining({
        slug: "vendas",
        activeVersion: "1.0.0",
        crm: { backend: "pipedrive", url: "https://clinica.pipedrive.com" },
      }),
    ]);
    expect(before.warnings).toEqual([
      { kind: "crm_token_missing", agentSlug: "vendas", backend: "pipedrive" },
    ]);

    await expect(
      op.integrations.setCrmToken({ ...scope, token: "env:PIPEDRIVE_TOKEN" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("paste the token itself, not an env: reference") as unknown,
    });
    expect(await op.integrations.setCrmToken({ ...scope, token: " pd-token-first-0001 " })).toEqual({
      replaced: false,
    });
    expect((await storedSecrets(db, tenant.id)).crmToken).toBe("pd-token-first-0001");
    expect(await op.integrations.setCrmToken({ ...scope, token: "pd-token-second-0002" })).toEqual({
      replaced: true,
    });
    expect((await storedSecrets(db, tenant.id)).crmToken).toBe("pd-token-second-0002");
    const after = await op.integrations.get(scope);
    expect(after.crmToken).toEqual({ set: true });
    expect(after.warnings).toEqual([]);

    // In use: refused, naming the agent and its version; the token stays.
    await expect(op.integrations.clearCrmToken(scope)).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message:
        "the CRM token is used by the active version of vendas (pipedrive, v1.0.0): activate a version without that CRM first",
    });
    expect((await storedSecrets(db, tenant.id)).crmToken).toBe("pd-token-second-0002");

    // A version without the CRM goes live: now it can go.
    await publishVersion(db, {
      tenantId: tenant.id,
      agentId: agent.id,
      spec: minimalSpec,
      actor: TEST_ACTOR,
    });
    await activateVersion(db, {
      tenantId: tenant.id,
      agentId: agent.id,
      version: "1.0.1",
      actor: TEST_ACTOR,
    });
    expect(await op.integrations.clearCrmToken(scope)).toEqual({ cleared: true });
    expect((await storedSecrets(db, tenant.id)).crmToken).toBeNull();
    expect(await op.integrations.clearCrmToken(scope)).toEqual({ cleared: false });
    expect((await op.integrations.get(scope)).crmToken).toEqual({ set: false });

    const events = await auditOf(db, tenant.id);
    expect(events).toEqual([
      {
        type: "tenant.crm_token_set",
        actor_label: operator.email,
        before: { crmToken: "none" },
        after: { crmToken: "set" },
        data: null,
      },
      {
        type: "tenant.crm_token_set",
        actor_label: operator.email,
        before: { crmToken: "set" },
        after: { crmToken: "replaced" },
        data: null,
      },
      {
        type: "tenant.crm_token_cleared",
        actor_label: operator.email,
        before: { crmToken: "set" },
        after: { crmToken: "none" },
        data: null,
      },
    ]);
    expect(JSON.stringify(events)).not.toContain("pd-token");
  });

  test("a tenant without a signing secret is warned about for each active version that signs requests, and for a CRM webhook", async ({
    db,
  }) => {
    const tenant = await seedTenant(db);
    await db.execute(sql`update tenants set webhook_secret_enc = null where id = ${tenant.id}`);
    await seedAgent(db, { tenantId: tenant.id, slug: "recepcao", spec: signingSpec });
    await seedAgent(db, {
      tenantId: tenant.id,
      slug: "vendas",
      spec: {
        ...minimalSpec,
        plugins: {
          crm: { backend: "webhook", webhookUrl: "https://make.test/crm", qualifyFields: ["interesse"] },
        },
      },
    });
    await seedAgent(db, { tenantId: tenant.id, slug: "suporte", spec: minimalSpec });
    const { op } = await operatorOf(db);
    const overview = await op.integrations.get({ tenantSlug: tenant.slug });
    expect(overview.webhookSecret).toEqual({ set: false, previousUntil: null });
    expect(overview.agents.find((a) => a.slug === "vendas")?.crm).toEqual({
      backend: "webhook",
      url: "https://make.test/crm",
    });
    expect(overview.warnings).toEqual([
      { kind: "webhook_secret_missing", agentSlug: "recepcao" },
      { kind: "webhook_secret_missing", agentSlug: "vendas" },
    ]);
    // Rotating sets one: the warnings go.
    await op.integrations.rotateWebhookSecret({ tenantSlug: tenant.slug });
    expect((await op.integrations.get({ tenantSlug: tenant.slug })).warnings).toEqual([]);
    expect((await auditOf(db, tenant.id))[0]).toMatchObject({
      before: { webhookSecret: "none" },
      after: { webhookSecret: "set" },
    });
  });

  test("over HTTP: the secrets never reach a log line, and only the rotation's answer carries its secret; a client is refused and changes nothing", async ({
    db,
  }) => {
    const tenant = await seedTenant(db);
    await seedAgent(db, { tenantId: tenant.id, slug: "recepcao", spec: signingSpec });
    const operator = await seedUser(db, { role: "operator" });
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const { app, logs } = buildTestApp(db);
    const post = (path: string, body: unknown, cookie = "") =>
      app.request(`/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify(body),
      });
    const cookieOf = async (user: { email: string; password: string }) =>
      sessionCookieFrom(await post("auth.login", { email: user.email, password: user.password })) ?? "";
    const operatorCookie = await cookieOf(operator);
    const scope = { tenantSlug: tenant.slug };

    const pasted = "pasted-secret-from-n8n-0001";
    const crmToken = "crm-token-never-logged-0001";
    const answers: string[] = [];
    for (const [path, body] of [
      ["integrations.setWebhookSecret", { ...scope, secret: "env:LEAKY_NAME_0001" }],
      ["integrations.setWebhookSecret", { ...scope, secret: "short-one" }],
      ["integrations.setWebhookSecret", { ...scope, secret: pasted }],
      ["integrations.setCrmToken", { ...scope, token: crmToken }],
    ] as const) {
      const res = await post(path, body, operatorCookie);
      answers.push(await res.text());
    }
    const rotated = await post("integrations.rotateWebhookSecret", scope, operatorCookie);
    expect(rotated.status).toBe(200);
    const { secret } = ((await rotated.json()) as { result: { data: { secret: string } } }).result.data;
    const got = await app.request(
      `/trpc/integrations.get?input=${encodeURIComponent(JSON.stringify(scope))}`,
      { headers: { cookie: operatorCookie } },
    );
    expect(got.status).toBe(200);
    answers.push(await got.text());
    expect(
      answers
        .slice(0, 2)
        .map((a) => (JSON.parse(a) as { error: { data: { code: string } } }).error.data.code),
    ).toEqual(["BAD_REQUEST", "BAD_REQUEST"]);
    expect((await storedSecrets(db, tenant.id)).webhookSecret).toBe(secret);

    // The tenant's own client: FORBIDDEN for each, and nothing changes.
    const clientCookie = await cookieOf(client);
    const boxes = await storedSecrets(db, tenant.id);
    for (const path of ["integrations.rotateWebhookSecret", "integrations.clearCrmToken"]) {
      expect((await post(path, scope, clientCookie)).status).toBe(403);
    }
    expect(
      (await post("integrations.setCrmToken", { ...scope, token: "client-token-0001" }, clientCookie)).status,
    ).toBe(403);
    const clientGet = await app.request(
      `/trpc/integrations.get?input=${encodeURIComponent(JSON.stringify(scope))}`,
      { headers: { cookie: clientCookie } },
    );
    expect(clientGet.status).toBe(403);
    expect(await storedSecrets(db, tenant.id)).toEqual(boxes);

    const logged = JSON.stringify(logs());
    expect(logged).toContain("integrations.setWebhookSecret"); // the refusals were logged, without the values
    for (const value of [pasted, crmToken, secret, "LEAKY_NAME_0001", "short-one", "client-token-0001"]) {
      expect(logged).not.toContain(value);
      expect(answers.join("\n")).not.toContain(value);
    }
  });

  test("an activation of a Pipedrive version racing the CRM token's removal: the removal waits for it, then refuses", async ({ db }) => {
    const tenant = await seedTenant(db);
    // Live on a version without a CRM; a Pipedrive version published, about to be activated.
    const { agent } = await seedAgent(db, { tenantId: tenant.id, slug: "vendas", spec: minimalSpec });
    const pipedrive = await publishVersion(db, { tenantId: tenant.id, agentId: agent.id, spec: pipedriveSpec, actor: TEST_ACTOR });
    const { op } = await operatorOf(db);
    const scope = { tenantSlug: tenant.slug };
    await op.integrations.setCrmToken({ ...scope, token: "pd-token-race-0001" });
    // The activation has switched the agent and not yet committed when the operator removes the token.
    const outcome = await actWhileHeld(
      db,
      (activation) => activation`update agents set active_version_id = ${pipedrive.id} where id = ${agent.id}`,
      () => op.integrations.clearCrmToken(scope),
    );
    expect(outcome).toBe("PRECONDITION_FAILED");
    expect((await storedSecrets(db, tenant.id)).crmToken).toBe("pd-token-race-0001");
  });
});

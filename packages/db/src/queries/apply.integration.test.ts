import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { and, count, eq } from "drizzle-orm";
import { describe, expect } from "vitest";

import { decryptSecret } from "@lx/shared/crypto";

import type { Executor } from "../client.ts";
import { agents, agentVersions, auditEvents, phoneNumbers, templates, tenants } from "../schema/index.ts";
import { dbTest as test, seedUser, TEST_ACTOR, TEST_SECRET_KEY, uniqueSuffix } from "../testing/index.ts";
import { applyTenantFile } from "./apply.ts";
import { replaceWebhookSecret } from "./integrations.ts";
import { activateVersion, rollbackVersion } from "./versions.ts";

type HavenFile = {
  tenant: { slug: string; name: string; retentionDays?: number | null };
  numbers: { phoneNumberId: string; accessToken: string; displayPhoneNumber: string; agent: string; kind?: string }[];
  agents: { slug: string; spec: { goals: string[] } & Record<string, unknown>; activate?: boolean }[];
  templates: { name: string; body: string }[];
} & Record<string, unknown>;

const haven = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../../examples/haven.json", import.meta.url)), "utf8"),
) as HavenFile;

/** The Haven example under a unique slug and number, so tests in one database never collide. */
function havenFile(): HavenFile {
  const f = structuredClone(haven);
  const s = uniqueSuffix();
  f.tenant.slug = `haven-${s}`;
  for (const n of f.numbers) {
    n.phoneNumberId = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  }
  return f;
}

const opts = { secretKey: TEST_SECRET_KEY, env: {}, actor: TEST_ACTOR };

async function counts(db: Executor) {
  const one = async (t: typeof tenants | typeof agents | typeof agentVersions | typeof phoneNumbers | typeof templates) =>
    (await db.select({ n: count() }).from(t))[0]?.n ?? 0;
  return {
    tenants: await one(tenants),
    agents: await one(agents),
    versions: await one(agentVersions),
    numbers: await one(phoneNumbers),
    templates: await one(templates),
  };
}

describe("lx apply", () => {
  test("provisions Haven at 1.0.0 active, and a second run changes nothing", async ({ db }) => {
    const file = havenFile();
    const first = await applyTenantFile(db, file, opts);
    expect(first.changed).toBe(true);
    expect(first.changes).toEqual(
      expect.arrayContaining([
        { kind: "tenant", action: "created", subject: file.tenant.slug },
        { kind: "agent", action: "created", subject: "recepcao" },
        { kind: "version", action: "published", subject: "recepcao", detail: "1.0.0" },
        { kind: "activation", action: "activated", subject: "recepcao", detail: "1.0.0" },
      ]),
    );
    const [tenant] = await db.select().from(tenants).where(eq(tenants.slug, file.tenant.slug));
    const [agent] = await db.select().from(agents).where(eq(agents.tenantId, tenant!.id));
    expect(agent!.activeVersionId).not.toBeNull();
    const [number] = await db.select().from(phoneNumbers).where(eq(phoneNumbers.tenantId, tenant!.id));
    expect(number!.accessTokenEnc).not.toContain("sandbox-token-haven");
    expect(decryptSecret(TEST_SECRET_KEY, number!.accessTokenEnc)).toBe("sandbox-token-haven");
    expect(number!.agentId).toBe(agent!.id);

    const before = await counts(db);
    const second = await applyTenantFile(db, file, opts);
    expect(second).toMatchObject({ changed: false, changes: [] });
    expect(await counts(db)).toEqual(before);
  });

  test("a file's new webhookSecret replaces the stored one at once: a secret kept from a console rotation's overlap is dropped", async ({ db }) => {
    const file = { ...havenFile(), webhookSecret: "segredo-do-arquivo-1" };
    await applyTenantFile(db, file, opts);
    const [tenant] = await db.select().from(tenants).where(eq(tenants.slug, file.tenant.slug));
    await replaceWebhookSecret(db, { tenantId: tenant!.id, secretKey: TEST_SECRET_KEY, actor: TEST_ACTOR, overlapHours: 24 });
    const kept = async () =>
      (
        await db
          .select({ enc: tenants.webhookSecretPreviousEnc, until: tenants.webhookSecretPreviousUntil, now: tenants.webhookSecretEnc })
          .from(tenants)
          .where(eq(tenants.id, tenant!.id))
      )[0]!;
    expect(decryptSecret(TEST_SECRET_KEY, (await kept()).enc!)).toBe("segredo-do-arquivo-1");

    const r = await applyTenantFile(db, { ...file, webhookSecret: "segredo-do-arquivo-2" }, opts);
    expect(r.changes).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: "tenant", action: "updated", subject: file.tenant.slug })]),
    );
    const after = await kept();
    expect(decryptSecret(TEST_SECRET_KEY, after.now!)).toBe("segredo-do-arquivo-2");
    expect(after).toMatchObject({ enc: null, until: null });
  });

  test("a changed spec publishes the next version with --bump and activates it", async ({ db }) => {
    const file = havenFile();
    await applyTenantFile(db, file, opts);
    file.agents[0]!.spec.goals.push("Convidar para o programa de fidelidade");
    const r = await applyTenantFile(db, file, { ...opts, bump: "minor" });
    expect(r.changes).toEqual([
      { kind: "version", action: "published", subject: "recepcao", detail: "1.1.0" },
      { kind: "activation", action: "activated", subject: "recepcao", detail: "1.0.0 → 1.1.0" },
    ]);
  });

  /** Applies file A (1.0.0) then B (1.0.1, live); returns the tenant and agent and both files. */
  async function twoVersions(db: Executor) {
    const a = havenFile();
    await applyTenantFile(db, a, opts);
    const b = structuredClone(a);
    b.agents[0]!.spec.goals.push("Convidar para o programa de fidelidade");
    await applyTenantFile(db, b, opts);
    const [tenant] = await db.select().from(tenants).where(eq(tenants.slug, a.tenant.slug));
    const [agent] = await db.select().from(agents).where(eq(agents.tenantId, tenant!.id));
    const live = async () => {
      const [row] = await db
        .select({ version: agentVersions.version })
        .from(agents)
        .innerJoin(agentVersions, eq(agentVersions.id, agents.activeVersionId))
        .where(eq(agents.id, agent!.id));
      return row?.version;
    };
    const versions = async () =>
      (await db.select({ v: agentVersions.version }).from(agentVersions).where(eq(agentVersions.agentId, agent!.id)))
        .map((r) => r.v)
        .sort();
    return { a, b, tenantId: tenant!.id, agentId: agent!.id, live, versions };
  }

  test("re-applying the file of the live version after a rollback or an activate changes nothing, on a tenant with a client login too", async ({ db }) => {
    const t = await twoVersions(db);
    expect(await t.live()).toBe("1.0.1");
    await seedUser(db, { role: "client", tenantId: t.tenantId });
    await rollbackVersion(db, { tenantId: t.tenantId, agentId: t.agentId, actor: TEST_ACTOR });
    expect(await t.live()).toBe("1.0.0");

    const r = await applyTenantFile(db, t.a, opts);
    expect(r).toMatchObject({ changed: false, changes: [] });
    expect(await t.versions()).toEqual(["1.0.0", "1.0.1"]);
    expect(await t.live()).toBe("1.0.0");

    // The same after `lx activate --force` back to 1.0.1 and B's file.
    await activateVersion(db, { tenantId: t.tenantId, agentId: t.agentId, version: "1.0.1", actor: TEST_ACTOR, force: true });
    expect(await applyTenantFile(db, t.b, opts)).toMatchObject({ changed: false, changes: [] });
    expect(await t.versions()).toEqual(["1.0.0", "1.0.1"]);
  });

  test("re-applying the file of an older version that is not live activates that version (no copy published)", async ({ db }) => {
    const t = await twoVersions(db);
    const r = await applyTenantFile(db, t.a, opts);
    expect(r.changes).toEqual([{ kind: "activation", action: "activated", subject: "recepcao", detail: "1.0.1 → 1.0.0" }]);
    expect(await t.versions()).toEqual(["1.0.0", "1.0.1"]);
    expect(await t.live()).toBe("1.0.0");
    expect(await applyTenantFile(db, t.a, opts)).toMatchObject({ changed: false });
  });

  test("re-applying an older version's file goes through the client's approval like any activation: refused, then --force", async ({ db }) => {
    const t = await twoVersions(db);
    await seedUser(db, { role: "client", tenantId: t.tenantId });
    await expect(applyTenantFile(db, t.a, opts)).rejects.toMatchObject({
      code: "INVALID_STATE",
      message: expect.stringMatching(/client has not approved it yet/) as unknown,
    });
    expect(await t.live()).toBe("1.0.1");
    const r = await applyTenantFile(db, t.a, { ...opts, force: true });
    expect(r.changes).toEqual([
      {
        kind: "activation",
        action: "activated",
        subject: "recepcao",
        detail: "1.0.1 → 1.0.0, client approval pending: overridden",
      },
    ]);
    expect(await t.versions()).toEqual(["1.0.0", "1.0.1"]);
    expect(await t.live()).toBe("1.0.0");
  });

  test("the tenant's time zone is the first agent's spec.agent.timezone, kept in step", async ({ db }) => {
    const file = havenFile();
    await applyTenantFile(db, file, opts);
    const zoneOf = async () =>
      (await db.select({ timeZone: tenants.timeZone }).from(tenants).where(eq(tenants.slug, file.tenant.slug)))[0]
        ?.timeZone;
    expect(await zoneOf()).toBe("America/Sao_Paulo");
    (file.agents[0]!.spec.agent as { timezone: string }).timezone = "America/Manaus";
    const r = await applyTenantFile(db, file, opts);
    expect(r.changes).toEqual(
      expect.arrayContaining([{ kind: "tenant", action: "updated", subject: file.tenant.slug, detail: "timeZone" }]),
    );
    expect(await zoneOf()).toBe("America/Manaus");
    expect((await applyTenantFile(db, file, opts)).changed).toBe(false);
  });

  test("the tenant's retention window: set, left alone when the file does not say, cleared with null", async ({ db }) => {
    const file = havenFile();
    file.tenant.retentionDays = 180;
    await applyTenantFile(db, file, opts);
    const daysOf = async () =>
      (await db.select({ days: tenants.retentionDays }).from(tenants).where(eq(tenants.slug, file.tenant.slug)))[0]?.days;
    expect(await daysOf()).toBe(180);
    // Absent: the console's setting stays.
    delete file.tenant.retentionDays;
    expect((await applyTenantFile(db, file, opts)).changed).toBe(false);
    expect(await daysOf()).toBe(180);
    file.tenant.retentionDays = null;
    const r = await applyTenantFile(db, file, opts);
    expect(r.changes).toEqual([{ kind: "tenant", action: "updated", subject: file.tenant.slug, detail: "retentionDays" }]);
    expect(await daysOf()).toBeNull();
    file.tenant.retentionDays = 3;
    await expect(applyTenantFile(db, file, opts)).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });

  test("token and template changes are updates; an env: token is resolved", async ({ db }) => {
    const file = havenFile();
    await applyTenantFile(db, file, opts);
    file.numbers[0]!.accessToken = "env:HAVEN_WA_TOKEN";
    file.templates[0]!.body = "Oi {{1}}, vamos continuar?";
    const r = await applyTenantFile(db, file, { ...opts, env: { HAVEN_WA_TOKEN: "EAAG-new-token" } });
    expect(r.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "number", action: "updated", detail: "accessToken" }),
        expect.objectContaining({ kind: "template", action: "updated" }),
      ]),
    );
    const [n] = await db.select().from(phoneNumbers).where(eq(phoneNumbers.phoneNumberId, file.numbers[0]!.phoneNumberId));
    expect(decryptSecret(TEST_SECRET_KEY, n!.accessTokenEnc)).toBe("EAAG-new-token");
    await expect(applyTenantFile(db, file, opts)).rejects.toThrow(/numbers\.0\.accessToken: environment variable HAVEN_WA_TOKEN is not set/);
  });

  test("a number's WABA id is kept (template status updates are matched by it), a change is an update", async ({ db }) => {
    const file = havenFile();
    (file.numbers[0] as { wabaId?: string }).wabaId = "102290129340398";
    await applyTenantFile(db, file, opts);
    const wabaOf = async () =>
      (await db.select().from(phoneNumbers).where(eq(phoneNumbers.phoneNumberId, file.numbers[0]!.phoneNumberId)))[0]?.wabaId;
    expect(await wabaOf()).toBe("102290129340398");
    expect((await applyTenantFile(db, file, opts)).changes).toEqual([]);
    (file.numbers[0] as { wabaId?: string }).wabaId = "102290129340399";
    expect((await applyTenantFile(db, file, opts)).changes).toEqual([
      expect.objectContaining({ kind: "number", action: "updated", detail: "wabaId" }),
    ]);
    expect(await wabaOf()).toBe("102290129340399");
    // Left out, the number keeps the one it has (Meta's webhooks record it as well).
    delete (file.numbers[0] as { wabaId?: string }).wabaId;
    expect((await applyTenantFile(db, file, opts)).changes).toEqual([]);
    expect(await wabaOf()).toBe("102290129340399");
    (file.numbers[0] as { wabaId?: string }).wabaId = "102290129340399";
    (file.numbers[0] as { wabaId?: string }).wabaId = "WABA-1";
    await expect(applyTenantFile(db, file, opts)).rejects.toThrow(/numbers\.0\.wabaId: must be digits/);
  });

  test("the CRM token is stored encrypted from env:, changed only when it changes, and never in the report", async ({ db }) => {
    const file = { ...havenFile(), crmToken: "env:HAVEN_CRM_TOKEN" };
    const env = { HAVEN_CRM_TOKEN: "pd-token-1" };
    await applyTenantFile(db, file, { ...opts, env });
    const tokenOf = async () =>
      (await db.select().from(tenants).where(eq(tenants.slug, file.tenant.slug)))[0]?.crmTokenEnc ?? null;
    const stored = await tokenOf();
    expect(stored).not.toContain("pd-token-1");
    expect(decryptSecret(TEST_SECRET_KEY, stored!)).toBe("pd-token-1");
    expect((await applyTenantFile(db, file, { ...opts, env })).changes).toEqual([]);
    const r = await applyTenantFile(db, file, { ...opts, env: { HAVEN_CRM_TOKEN: "pd-token-2" } });
    expect(r.changes).toEqual([expect.objectContaining({ kind: "tenant", action: "updated", detail: "crmTokenEnc" })]);
    expect(JSON.stringify(r)).not.toContain("pd-token-2");
    expect(decryptSecret(TEST_SECRET_KEY, (await tokenOf())!)).toBe("pd-token-2");
  });

  test("--dry-run reports the changes and writes nothing", async ({ db }) => {
    const before = await counts(db);
    const r = await applyTenantFile(db, havenFile(), { ...opts, dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.changes.length).toBeGreaterThan(3);
    expect(await counts(db)).toEqual(before);
  });

  test("bad input is refused with path-named errors and nothing half-written", async ({ db }) => {
    const before = await counts(db);
    const noAgent = havenFile();
    noAgent.numbers[0]!.agent = "vendas";
    await expect(applyTenantFile(db, noAgent, opts)).rejects.toThrow(/numbers\.0\.agent/);

    const badSpec = havenFile();
    delete (badSpec.agents[0]!.spec as { handoff?: unknown }).handoff;
    await expect(applyTenantFile(db, badSpec, opts)).rejects.toThrow(/agents\.0\.spec\.handoff/);

    // A number owned by another tenant fails after the tenant row was written: the transaction
    // must take that row back too.
    const owner = havenFile();
    await applyTenantFile(db, owner, opts);
    const thief = havenFile();
    thief.numbers[0]!.phoneNumberId = owner.numbers[0]!.phoneNumberId;
    const mid = await counts(db);
    await expect(applyTenantFile(db, thief, opts)).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await counts(db)).toEqual(mid);
    expect(mid.tenants).toBe(before.tenants + 1);
    expect(await db.select().from(tenants).where(eq(tenants.slug, thief.tenant.slug))).toEqual([]);
    const audits = await db
      .select({ tenantId: auditEvents.tenantId })
      .from(auditEvents)
      .innerJoin(tenants, eq(tenants.id, auditEvents.tenantId))
      .where(and(eq(auditEvents.type, "apply.completed"), eq(tenants.slug, thief.tenant.slug)));
    expect(audits).toEqual([]);
  });
});

import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { applyTemplateStatusChange } from "@lx/db/queries";
import { dbTest as test, seedAgent, seedNumber, seedTenant, seedUser } from "@lx/db/testing";
import { minimalSpec } from "@lx/shared/testing";

import { callerFor, sessionFor } from "../testing/harness.ts";

// Who may call it (operators only) is in authorization.integration.test.ts.

describe("templates.list: a tenant's templates and their status at Meta", () => {
  test("shows each template's status, Meta's latest change and the active agents that send it; what an agent names but the tenant lacks; whether Meta can reach them", async ({ db }) => {
    const tenant = await seedTenant(db);
    // Haven's spec names retomada_v1 (re-engagement) and lembrete_consulta_v1 (reminder).
    await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
    await seedAgent(db, { tenantId: tenant.id, slug: "vendas", spec: minimalSpec });
    const number = await seedNumber(db, { tenantId: tenant.id });
    for (const [name, purpose] of [["retomada_v1", "reengagement"], ["promo_natal", null]] as const) {
      await db.execute(sql`
        insert into templates (tenant_id, name, language, category, purpose, body)
        values (${tenant.id}, ${name}, 'pt_BR', 'utility', ${purpose}, 'Olá {{1}}')`);
    }
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;

    const first = await op.templates.list({ tenantSlug: tenant.slug });
    expect(first.wabaKnown).toBe(false);
    expect(first.templates.map((t) => [t.name, t.status, t.usedBy, t.lastChange])).toEqual([
      ["promo_natal", "approved", [], null],
      ["retomada_v1", "approved", [{ agentSlug: "recepcao", purpose: "reengagement" }], null],
    ]);
    expect(first.missing).toEqual([
      { agentSlug: "recepcao", purpose: "reminder", name: "lembrete_consulta_v1", language: "pt_BR" },
    ]);

    // Meta pauses the re-engagement template of the number's WABA.
    await db.execute(sql`update phone_numbers set waba_id = '4410001' where id = ${number.id}`);
    await applyTemplateStatusChange(db, { wabaId: "4410001", name: "retomada_v1", language: "pt_BR", event: "PAUSED", reason: "LOW_QUALITY" });
    const after = await op.templates.list({ tenantSlug: tenant.slug });
    expect(after.wabaKnown).toBe(true);
    const retomada = after.templates.find((t) => t.name === "retomada_v1");
    expect(retomada).toMatchObject({ status: "paused", lastChange: { event: "PAUSED", reason: "LOW_QUALITY" } });
    expect(Date.parse(retomada?.lastChange?.at ?? "")).toBeGreaterThan(Date.now() - 60_000);
  });
});

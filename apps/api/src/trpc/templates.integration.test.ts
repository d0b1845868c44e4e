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

  test("operators declare, change and remove templates, each audited; one an active version sends cannot be removed; another tenant's is NOT_FOUND", async ({ db }) => {
    const tenant = await seedTenant(db);
    const other = await seedTenant(db);
    await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" }); // sends retomada_v1 (pt_BR)
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;
    const audit = async (type: string) =>
      await db.execute<{ actor_label: string; before: unknown; after: unknown }>(sql`
        select actor_label, before, after from audit_events where tenant_id = ${tenant.id} and type = ${type} order by id`);
    const scope = { tenantSlug: tenant.slug };

    const retomada = await op.templates.create({
      ...scope,
      template: { name: "retomada_v1", language: "pt_BR", category: "utility", purpose: "reengagement", body: "Olá {{1}}, podemos continuar?" },
    });
    const promo = await op.templates.create({ ...scope, template: { name: "promo_natal", language: "pt_BR", category: "marketing", body: "Feliz Natal, {{1}}!" } });
    await expect(
      op.templates.create({ ...scope, template: { name: "promo_natal", language: "pt_BR", category: "marketing", body: "outro" } }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: "the tenant already has template promo_natal (pt_BR)" });
    await expect(
      op.templates.create({ ...scope, template: { name: "Promo Natal", language: "pt_BR", category: "marketing", body: "x" } }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await audit("template.created")).map((e) => [e.actor_label, e.after])).toEqual([
      [operator.email, { name: "retomada_v1", language: "pt_BR", category: "utility", purpose: "reengagement", body: "Olá {{1}}, podemos continuar?" }],
      [operator.email, { name: "promo_natal", language: "pt_BR", category: "marketing", purpose: null, body: "Feliz Natal, {{1}}!" }],
    ]);
    const listed = await op.templates.list(scope);
    expect(listed.templates.map((t) => [t.name, t.status, t.usedBy.map((u) => u.agentSlug)])).toEqual([
      ["promo_natal", "approved", []],
      ["retomada_v1", "approved", ["recepcao"]],
    ]);

    // A change keeps Meta's status; the same values again change nothing.
    await db.execute(sql`update templates set status = 'paused' where id = ${promo.id}`);
    expect(await op.templates.update({ ...scope, templateId: promo.id, template: { category: "utility", body: "Boas festas, {{1}}!" } })).toEqual({ changed: true });
    expect(await op.templates.update({ ...scope, templateId: promo.id, template: { category: "utility", body: "Boas festas, {{1}}!" } })).toEqual({ changed: false });
    const [changed] = await db.execute<{ category: string; body: string; status: string }>(sql`select category, body, status from templates where id = ${promo.id}`);
    expect(changed).toEqual({ category: "utility", body: "Boas festas, {{1}}!", status: "paused" });
    expect((await audit("template.updated")).map((e) => [e.before, e.after])).toEqual([
      [
        { category: "marketing", purpose: null, body: "Feliz Natal, {{1}}!" },
        { category: "utility", purpose: null, body: "Boas festas, {{1}}!" },
      ],
    ]);

    // The re-engagement template recepcao's active version sends stays; the other goes.
    await expect(op.templates.remove({ ...scope, templateId: retomada.id })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: "retomada_v1 (pt_BR) is sent by the active version of recepcao (reengagement): activate a version without it first",
    });
    expect(await op.templates.remove({ ...scope, templateId: promo.id })).toEqual({ removed: true });
    expect((await op.templates.list(scope)).templates.map((t) => t.name)).toEqual(["retomada_v1"]);
    expect((await audit("template.removed")).map((e) => e.before)).toEqual([
      { name: "promo_natal", language: "pt_BR", category: "utility", purpose: null, body: "Boas festas, {{1}}!", status: "paused" },
    ]);

    // Another tenant's template is not found through this tenant.
    await expect(op.templates.update({ tenantSlug: other.slug, templateId: retomada.id, template: { category: "utility", body: "x" } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(op.templates.remove({ tenantSlug: other.slug, templateId: retomada.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  test("create and update refuse, in words, a body with a gap in its parameters or a re-engagement body with more than {{1}} (what the wizard and lx apply refuse)", async ({ db }) => {
    const tenant = await seedTenant(db);
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;
    const scope = { tenantSlug: tenant.slug };
    const refused = async (call: Promise<unknown>) => {
      const error: unknown = await call.then(
        () => null,
        (err: unknown) => err,
      );
      expect(error).toMatchObject({ code: "BAD_REQUEST" });
      const issues = (error as { cause?: { issues?: { path: PropertyKey[]; message: string }[] } }).cause?.issues ?? [];
      return issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    };

    expect(
      await refused(
        op.templates.create({ ...scope, template: { name: "oi_v1", language: "pt_BR", category: "utility", purpose: "other", body: "Olá {{1}}, tudo bem? {{3}}" } }),
      ),
    ).toEqual(["template.body: parameters must be {{1}}, {{2}}… without gaps (found {{1}}, {{3}})"]);
    expect(
      await refused(
        op.templates.create({
          ...scope,
          template: { name: "retomada_v1", language: "pt_BR", category: "utility", purpose: "reengagement", body: "Olá {{1}}, sua consulta de {{2}} em {{3}}" },
        }),
      ),
    ).toEqual(["template.body: a re-engagement template takes at most one parameter, {{1}}: the customer's first name"]);
    const [{ count: none } = { count: -1 }] = await db.execute<{ count: number }>(sql`select count(*)::int as count from templates where tenant_id = ${tenant.id}`);
    expect(none).toBe(0);

    // The edit path: the same rules, checked against the use the edit gives it.
    const lembrete = await op.templates.create({
      ...scope,
      template: { name: "lembrete_v1", language: "pt_BR", category: "utility", purpose: "reminder", body: "Olá {{1}}, sua consulta de {{2}} em {{3}}" },
    });
    expect(
      await refused(op.templates.update({ ...scope, templateId: lembrete.id, template: { category: "utility", purpose: "reengagement", body: "Olá {{1}}, sua consulta de {{2}} em {{3}}" } })),
    ).toEqual(["template.body: a re-engagement template takes at most one parameter, {{1}}: the customer's first name"]);
    expect(
      await refused(op.templates.update({ ...scope, templateId: lembrete.id, template: { category: "utility", purpose: "reminder", body: "Olá {{1}} em {{3}}" } })),
    ).toEqual(["template.body: parameters must be {{1}}, {{2}}… without gaps (found {{1}}, {{3}})"]);
    const [kept] = await db.execute<{ purpose: string; body: string }>(sql`select purpose, body from templates where id = ${lembrete.id}`);
    expect(kept).toEqual({ purpose: "reminder", body: "Olá {{1}}, sua consulta de {{2}} em {{3}}" });
  });
});

import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { dbTest as test, seedAgent, seedTenant, seedUser } from "@lx/db/testing";
import { minimalSpec } from "@lx/shared/testing";

import { callerFor, sessionFor } from "../testing/harness.ts";

// Who may call it (operators only) is in authorization.integration.test.ts; the worker's menu in
// apps/worker/src/services/conversation.integration.test.ts.

describe("tenants.setRouting", () => {
  test("switches between routing by number and a menu of the tenant's agents, audited with before and after; the same again changes nothing; an unknown agent is refused by path", async ({ db }) => {
    const tenant = await seedTenant(db);
    await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
    await seedAgent(db, { tenantId: tenant.id, slug: "vendas", spec: minimalSpec });
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;
    const menu = {
      mode: "menu" as const,
      prompt: "Olá! Escolha:",
      options: [
        { title: "Agendar", agent: "recepcao" },
        { title: "Comprar", agent: "vendas" },
      ],
    };

    expect(await op.tenants.setRouting({ tenantSlug: tenant.slug, routing: menu })).toEqual({ changed: true });
    expect(await op.tenants.setRouting({ tenantSlug: tenant.slug, routing: { ...menu, options: [...menu.options] } })).toEqual({ changed: false });
    expect((await op.tenants.bySlug({ tenantSlug: tenant.slug })).routing).toEqual(menu);
    expect(await op.tenants.setRouting({ tenantSlug: tenant.slug, routing: { mode: "number" } })).toEqual({ changed: true });
    const events = await db.execute<{ before: unknown; after: unknown }>(sql`
      select before, after from audit_events where tenant_id = ${tenant.id} and type = 'tenant.routing_changed' order by id`);
    expect(events).toEqual([
      { before: { routing: { mode: "number" } }, after: { routing: menu } },
      { before: { routing: menu }, after: { routing: { mode: "number" } } },
    ]);

    await expect(
      op.tenants.setRouting({ tenantSlug: tenant.slug, routing: { ...menu, options: [...menu.options, { title: "Suporte", agent: "suporte" }] } }),
    ).rejects.toMatchObject({ message: 'routing.options.2.agent: unknown agent "suporte" (agents: recepcao, vendas)' });
    await expect(op.tenants.setRouting({ tenantSlug: tenant.slug, routing: { ...menu, options: [] } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await op.tenants.bySlug({ tenantSlug: tenant.slug })).routing).toEqual({ mode: "number" });
  });
});

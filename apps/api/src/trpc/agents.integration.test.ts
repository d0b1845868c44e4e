import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { dbTest as test, seedAgent, seedTenant, seedUser } from "@lx/db/testing";
import { parseAgentSpec } from "@lx/shared/schemas";
import { havenSpec } from "@lx/shared/testing";

import { callerFor, sessionFor } from "../testing/harness.ts";

// Who may call it (operators only) is in authorization.integration.test.ts.

describe("agents.create: a new agent of an onboarded tenant", () => {
  test("copies another agent's spec under its name, or starts from a starter spec in the tenant's language; answers nobody until published; audited; a taken slug is CONFLICT", async ({ db }) => {
    const tenant = await seedTenant(db);
    await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" }); // Haven's spec, active
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;
    const scope = { tenantSlug: tenant.slug };

    const vendas = await op.agents.create({ ...scope, slug: "vendas", name: "Vendas", copyFrom: "recepcao" });
    const copied = await op.drafts.get({ ...scope, agentSlug: "vendas" });
    expect(copied.source).toBe("draft");
    expect(copied.spec).toEqual({ ...havenSpec, agent: { ...havenSpec.agent, name: "Vendas" } });

    await op.agents.create({ ...scope, slug: "suporte", name: "Suporte" });
    const starter = await op.drafts.get({ ...scope, agentSlug: "suporte" });
    expect(starter.spec).toMatchObject({
      agent: { name: "Suporte", role: "general", language: havenSpec.agent.language, timezone: havenSpec.agent.timezone },
      business: { name: tenant.name },
    });
    // Not valid yet (no goals, no description): the editor says what is missing.
    expect(parseAgentSpec(starter.spec).ok).toBe(false);

    const listed = await op.agents.list(scope);
    expect(listed.map((a) => [a.slug, a.activeVersion?.version ?? null])).toEqual([
      ["recepcao", "1.0.0"],
      ["suporte", null],
      ["vendas", null],
    ]);
    const events = await db.execute<{ subject_id: string; after: unknown; actor_label: string }>(sql`
      select subject_id, after, actor_label from audit_events where tenant_id = ${tenant.id} and type = 'agent.created' order by id`);
    expect(events[0]).toEqual({ subject_id: vendas.id, actor_label: operator.email, after: { slug: "vendas", name: "Vendas", copyFrom: "recepcao" } });
    expect(events).toHaveLength(2);

    await expect(op.agents.create({ ...scope, slug: "vendas", name: "Outra" })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "the tenant already has an agent vendas",
    });
    await expect(op.agents.create({ ...scope, slug: "novo", name: "Novo", copyFrom: "nao-existe" })).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: "no agent nao-existe in this tenant",
    });
    await expect(op.agents.create({ ...scope, slug: "Vendas 2", name: "x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    // An agent with no draft and no version gives the starter spec, not an empty draft.
    await db.execute(sql`delete from spec_drafts where agent_id = (select id from agents where tenant_id = ${tenant.id} and slug = 'suporte')`);
    await op.agents.create({ ...scope, slug: "suporte-2", name: "Suporte 2", copyFrom: "suporte" });
    expect((await op.drafts.get({ ...scope, agentSlug: "suporte-2" })).spec).toMatchObject({ agent: { name: "Suporte 2" }, business: { name: tenant.name } });
    // Another tenant's agent cannot be copied through this one.
    const other = await seedTenant(db);
    await seedAgent(db, { tenantId: other.id, slug: "secreto" });
    await expect(op.agents.create({ ...scope, slug: "copia", name: "Cópia", copyFrom: "secreto" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

import { TRPCError } from "@trpc/server";
import { describe, expect } from "vitest";

import { dbTest, seedTenant, seedUser, uniqueSuffix } from "@lx/db/testing";
import { havenApplyFile, havenSpec, minimalSpec } from "@lx/shared/testing";

import { callerFor, sessionFor } from "../testing/harness.ts";

const templates = (havenApplyFile.templates ?? []).map((t) => ({
  ...t,
  purpose: t.purpose ?? ("other" as const),
}));

/** Two agents routed by a menu, Haven's templates, one sandbox number for the sales agent. */
function intake(slug: string) {
  return {
    tenant: { slug, name: "Clínica Sol" },
    agents: [
      { slug: "recepcao", spec: havenSpec },
      { slug: "vendas", spec: minimalSpec },
    ],
    templates,
    routing: {
      mode: "menu" as const,
      prompt: "Olá! Com quem você quer falar?",
      options: [
        { title: "Agendar", agent: "recepcao" },
        { title: "Planos", agent: "vendas" },
      ],
    },
    numbers: [
      {
        phoneNumberId: `88${Date.now() % 1_000_000_000}`,
        displayPhoneNumber: "+55 11 97777-0001",
        accessToken: "EAAG-token",
        kind: "sandbox" as const,
        agent: "vendas",
      },
    ],
  };
}

/** The call's tRPC code with the refusal's English sentence (`appError`) and its `reason`, when it has them. */
async function outcome(promise: Promise<unknown>): Promise<{ code: string; appError?: unknown; reason?: unknown }> {
  try {
    await promise;
    return { code: "OK" };
  } catch (err) {
    if (err instanceof TRPCError) {
      const cause = err.cause as { userMessage?: string; reason?: unknown } | undefined;
      return { code: err.code, appError: cause?.userMessage, reason: cause?.reason };
    }
    throw err;
  }
}

describe("onboarding router", () => {
  dbTest("happy: an operator onboards a tenant with two agents, a menu and templates", async ({ db }) => {
    const operator = await seedUser(db, { role: "operator" });
    const { caller } = callerFor(db, await sessionFor(db, operator.email, operator.password));
    const slug = `sol-${uniqueSuffix()}`;
    const result = await caller.onboarding.create(intake(slug));
    expect(result).toMatchObject({ tenantSlug: slug, agentSlugs: ["recepcao", "vendas"] });
    const tenant = await caller.tenants.bySlug({ tenantSlug: slug });
    expect(tenant.routing).toMatchObject({
      mode: "menu",
      options: [{ agent: "recepcao" }, { agent: "vendas" }],
    });
    expect((await caller.agents.list({ tenantSlug: slug })).map((a) => a.slug).sort()).toEqual([
      "recepcao",
      "vendas",
    ]);
  });

  dbTest(
    "error: bad shapes are BAD_REQUEST; rule breaks name their path; nothing is written",
    async ({ db }) => {
      const operator = await seedUser(db, { role: "operator" });
      const { caller } = callerFor(db, await sessionFor(db, operator.email, operator.password));
      const taken = await seedTenant(db);
      const before = await db.$client<{ n: number }[]>`select count(*)::int as n from tenants`;
      const slug = `sol-${uniqueSuffix()}`;
      expect(await outcome(caller.onboarding.create({ ...intake(slug), agents: [] }))).toMatchObject({
        code: "BAD_REQUEST",
      });
      const unknownAgent = intake(slug);
      unknownAgent.routing.options[1] = { title: "Planos", agent: "financeiro" };
      expect(await outcome(caller.onboarding.create(unknownAgent))).toEqual({
        code: "BAD_REQUEST",
        appError: 'routing.options.1.agent: unknown agent "financeiro" (agents: recepcao, vendas)',
        reason: {
          code: "onboarding.invalid",
          errors: [{ path: "routing.options.1.agent", message: 'unknown agent "financeiro" (agents: recepcao, vendas)' }],
        },
      });
      expect(await outcome(caller.onboarding.create(intake(taken.slug)))).toEqual({
        code: "CONFLICT",
        appError: `tenant.slug: "${taken.slug}" is already taken`,
        reason: { code: "onboarding.slug_taken", slug: taken.slug },
      });
      expect(await db.$client<{ n: number }[]>`select count(*)::int as n from tenants`).toEqual(before);
    },
  );

  dbTest(
    "error: the same intake sent twice at once creates it once; the other is CONFLICT, not 500",
    async ({ db }) => {
      // "Criar empresa" clicked twice in one tick: both requests pass the slug check before either
      // commits, and the second trips the unique index on the slug.
      const operator = await seedUser(db, { role: "operator" });
      const { caller } = callerFor(db, await sessionFor(db, operator.email, operator.password));
      const slug = `sol-${uniqueSuffix()}`;
      const same = intake(slug);
      const results = await Promise.all([
        outcome(caller.onboarding.create(same)),
        outcome(caller.onboarding.create(same)),
      ]);
      expect(results.map((r) => r.code).sort()).toEqual(["CONFLICT", "OK"]);
      expect(results.find((r) => r.code === "CONFLICT")).toEqual({
        code: "CONFLICT",
        appError: `tenant.slug: "${slug}" is already taken`,
        reason: { code: "onboarding.slug_taken", slug },
      });
      expect(await db.$client`select 1 from tenants where slug = ${slug}`).toHaveLength(1);
    },
  );

  dbTest("security: clients are FORBIDDEN, anonymous callers UNAUTHORIZED", async ({ db }) => {
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const asClient = callerFor(db, await sessionFor(db, client.email, client.password)).caller;
    const anonymous = callerFor(db, null).caller;
    const slug = `sol-${uniqueSuffix()}`;
    expect(await outcome(asClient.onboarding.create(intake(slug)))).toMatchObject({ code: "FORBIDDEN" });
    expect(await outcome(anonymous.onboarding.create(intake(slug)))).toMatchObject({ code: "UNAUTHORIZED" });
    expect(await db.$client`select 1 from tenants where slug = ${slug}`).toHaveLength(0);
  });
});
